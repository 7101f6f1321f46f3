"""Make `fixtures/sdk-tests.json`: a state holding every customer, billable metric and billing
provider configuration id that the SDK's generated tests send, read from the tests themselves.

    python -m tests.contract.sdk_fixture          # rewrite the fixture for the installed SDK

After an SDK upgrade this one command brings the fixture up to date; `test_sdk_generated.py`
fails while the committed file differs from what it makes.

What it reads, by the SDK's own parameter names: `customer_id`, `customer_ids`, a customers
`id` (archive) and `data[].customer_id` are customers; `billable_metric_id`, a billable metrics
`id` (archive) and `billable_metrics[].id` are metrics, and the names in `group_key` and
`group_by.key` sent with them become their group keys; `customer_billing_provider_configuration_ids`
are configurations of the call's `customer_id`, and a customer whose configurations are
retrieved gets one too. Ids that are not UUIDs (the generators' `"string"`) are left out: the
emulator refuses them. An ingested event's `customer_id` that is not a UUID is an ingest alias
of the customer `usage.list` asks for.

Rating (`v1.contracts.*`, `v2.contracts.*`): every `product_id` (and a products get or archive
`id`) is a USAGE product on the first metric, and the `billable_metric_id`s products are created
with are metrics; every `rate_card_id` (and a rate cards get or archive `id`) is a rate card with a
FLAT rate of 1 for each product from 2021-01-01; each (`contract_id`, `customer_id`) of a call is
a monthly contract of that customer on the first card from 2021-01-01. Ids are shared across kinds
as the tests send them (one UUID is a customer, a product, a card and a contract).

Events: that customer gets ten events over 2021-01-01 and 2021-01-02, half of them
sent by the alias; each (customer, metric) of `usage.list_with_groups` gets an event per value of
its `group_filters`, and one that lacks the group key (the null group row). Metrics are COUNT
over `heartbeat` events with no property filter, so an event without a group key still counts.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.metering.customers import delivery_method_id
from tests.contract.sdk_source import SDK_TEST_FILES, sdk_source
from tests.helpers import ROOT

__all__ = ["FIXTURE", "make_fixture"]

FIXTURE = ROOT / "fixtures" / "sdk-tests.json"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
EVENT_TYPE = "heartbeat"


@dataclass
class _Ids:
    customers: list[str] = field(default_factory=list)
    metrics: dict[str, set[str]] = field(default_factory=dict)  # id -> group key names
    configurations: dict[str, list[str]] = field(default_factory=dict)  # customer -> ids
    aliases: list[str] = field(default_factory=list)
    usage: str | None = None  # the customer usage.list asks for
    grouped: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # -> filter values
    products: list[str] = field(default_factory=list)
    rate_cards: list[str] = field(default_factory=list)
    contracts: dict[str, str] = field(default_factory=dict)  # contract id -> its customer

    def add(self, found: list[str], value: Any) -> None:
        if _is_uuid(value) and value not in found:
            found.append(value)

    def customer(self, value: Any) -> None:
        if _is_uuid(value) and value not in self.customers:
            self.customers.append(value)

    def metric(self, value: Any, *keys: str) -> None:
        if _is_uuid(value):
            self.metrics.setdefault(value, set()).update(keys)


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.fullmatch(value))


def _literal(node: ast.expr) -> Any:
    """A keyword argument's value when it is a literal; None otherwise (`parse_datetime(...)`)."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _calls(path: Path) -> list[tuple[str, str, dict[str, Any], tuple[str, ...]]]:
    """(resource, method, literal keyword arguments, the whole chain) of each
    `client.v1.<resource>...<method>(...)` (or `v2`) call in a test file, in file order."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        chain: list[str] = []
        target: ast.expr = node.func
        while isinstance(target, ast.Attribute):
            chain.insert(0, target.attr)
            target = target.value
        if len(chain) >= 3 and chain[0] in ("v1", "v2"):
            arguments = {kw.arg: _literal(kw.value) for kw in node.keywords if kw.arg}
            found.append((chain[1], chain[-1], arguments, tuple(chain)))
    return found


def _read(source: Path) -> _Ids:
    ids = _Ids()
    for name in SDK_TEST_FILES:
        for resource, method, arguments, chain in _calls(source / name):
            if resource == "contracts":
                _rating(ids, chain, arguments)
            if resource == "billable_metrics":
                ids.metric(arguments.get("billable_metric_id"))
                ids.metric(arguments.get("id"))
                continue
            for customer_id in [
                arguments.get("customer_id"),
                *(arguments.get("customer_ids") or []),
            ]:
                ids.customer(customer_id)
            if resource == "customers":
                ids.customer(arguments.get("id"))
                for item in arguments.get("data") or []:
                    ids.customer(item.get("customer_id"))
                owner = arguments.get("customer_id")
                wanted = arguments.get("customer_billing_provider_configuration_ids") or []
                if method.endswith("billing_configurations") and _is_uuid(owner):
                    known = ids.configurations.setdefault(owner, [])
                    known.extend(c for c in wanted if _is_uuid(c) and c not in known)
            if resource != "usage":
                continue
            group_by = arguments.get("group_by") or {}
            keys = [*(arguments.get("group_key") or []), *([group_by["key"]] if group_by else [])]
            ids.metric(arguments.get("billable_metric_id"), *keys)
            for selector in arguments.get("billable_metrics") or []:
                ids.metric(
                    selector.get("id"),
                    *([selector["group_by"]["key"]] if "group_by" in selector else []),
                )
            for event in arguments.get("usage") or []:
                alias = event.get("customer_id")
                if alias and not _is_uuid(alias) and alias not in ids.aliases:
                    ids.aliases.append(alias)
            if method == "list" and ids.usage is None:
                customer_ids = [c for c in arguments.get("customer_ids") or [] if _is_uuid(c)]
                ids.usage = customer_ids[0] if customer_ids else None
            pair = (arguments.get("customer_id"), arguments.get("billable_metric_id"))
            if method == "list_with_groups" and _is_uuid(pair[0]) and _is_uuid(pair[1]):
                values = ids.grouped.setdefault(pair, [])  # type: ignore[arg-type]
                for wanted_values in (arguments.get("group_filters") or {}).values():
                    values.extend(v for v in wanted_values if v not in values)
    return ids


def _rating(ids: _Ids, chain: tuple[str, ...], arguments: dict[str, Any]) -> None:
    """Products, rate cards and contracts the rating tests name (v1 and v2 `contracts.*`)."""
    ids.add(ids.products, arguments.get("product_id"))
    ids.add(ids.rate_cards, arguments.get("rate_card_id"))
    if "products" in chain:
        ids.metric(arguments.get("billable_metric_id"))
        if chain[-1] in ("retrieve", "archive"):
            ids.add(ids.products, arguments.get("id"))
    if "rate_cards" in chain and "rates" not in chain and chain[-1] in ("retrieve", "archive"):
        ids.add(ids.rate_cards, arguments.get("id"))
    contract, customer = arguments.get("contract_id"), arguments.get("customer_id")
    if _is_uuid(contract) and _is_uuid(customer):
        ids.contracts.setdefault(contract, customer)


def _rating_fields(ids: _Ids) -> dict[str, Any]:
    """USAGE products on the first metric, rate cards with a FLAT rate for each product from
    2021-01-01, and contracts on the first card from 2021-01-01 (monthly): the fixture document's
    rating fields (`emulator/rating/fixtures.py`)."""
    metric = next(iter(ids.metrics))
    products = [
        {
            "id": product_id,
            "name": f"SDK test product {n + 1}",
            "type": "USAGE",
            "billable_metric_id": metric,
            "tags": [],
            "custom_fields": {},
            "pricing_group_key": None,
            "quantity_conversion": None,
            "quantity_rounding": None,
            "created_at": "2021-01-01T00:00:00Z",
            "created_by": "api",
            "archived_at": None,
        }
        for n, product_id in enumerate(ids.products)
    ]
    rates = [
        {
            "product_id": product_id,
            "starting_at": "2021-01-01T00:00:00Z",
            "ending_before": None,
            "entitled": True,
            "rate_type": "FLAT",
            "price": 1,
            "tiers": None,
            "pricing_group_values": None,
        }
        for product_id in ids.products
    ]
    cards = [
        {
            "id": card_id,
            "name": f"SDK test rate card {n + 1}",
            "description": None,
            "aliases": [],
            "custom_fields": {},
            "created_at": "2021-01-01T00:00:00Z",
            "created_by": "api",
            "archived_at": None,
            "rates": rates,
        }
        for n, card_id in enumerate(ids.rate_cards)
    ]
    contracts = [
        {
            "id": contract_id,
            "customer_id": customer_id,
            "starting_at": "2021-01-01T00:00:00Z",
            "ending_before": None,
            "rate_card_id": ids.rate_cards[0],
            "rate_card_alias": None,
            "name": None,
            "uniqueness_key": None,
            "usage_statement_schedule": {
                "frequency": "MONTHLY",
                "day": "FIRST_OF_MONTH",
                "billing_anchor_date": None,
            },
            "custom_fields": {},
            "created_at": "2021-01-01T00:00:00Z",
            "created_by": "api",
            "archived_at": None,
            "void_invoices": False,
        }
        for contract_id, customer_id in ids.contracts.items()
    ]
    return {"products": products, "rate_cards": cards, "contracts": contracts}


def _configuration(configuration_id: str) -> dict[str, Any]:
    return {
        "id": configuration_id,
        "billing_provider": "stripe",
        "delivery_method": "direct_to_billing_provider",
        "delivery_method_id": delivery_method_id("stripe", "direct_to_billing_provider"),
        "configuration": {
            "stripe_customer_id": "cus_sdk_tests",
            "stripe_collection_method": "charge_automatically",
        },
    }


def make_fixture(source: Path) -> dict[str, Any]:
    """The fixture document for the generated tests under `source` (an unpacked sdist)."""
    ids = _read(source)
    if ids.usage is None:
        raise SystemExit("no usage.list call with a customer id found")
    usage_customer = ids.usage
    customers = []
    for n, customer_id in enumerate(ids.customers):
        customer: dict[str, Any] = {"id": customer_id, "name": f"SDK test customer {n + 1}"}
        if customer_id == usage_customer:
            customer["ingest_aliases"] = ids.aliases
        configurations = ids.configurations.get(customer_id)
        if configurations is not None:
            # A customer whose configurations are only retrieved gets one of its own.
            made = configurations or [f"{customer_id[:-12]}{'c' * 12}"]
            customer["billing_provider_configurations"] = [_configuration(c) for c in made]
        customers.append(customer)
    metrics = [
        {
            "id": metric_id,
            "name": f"SDK test metric {n + 1}",
            "aggregation_type": "COUNT",
            "event_type_filter": {"in_values": [EVENT_TYPE]},
            "group_keys": [[key] for key in sorted(keys)],
        }
        for n, (metric_id, keys) in enumerate(ids.metrics.items())
    ]
    events = []
    sender = ids.aliases[0] if ids.aliases else usage_customer
    for i in range(10):  # every 5 hours from 2021-01-01T00:30Z
        hour = 5 * i
        events.append({
            "transaction_id": f"sdk-{hour}",
            "customer_id": usage_customer if i % 2 == 0 else sender,
            "event_type": EVENT_TYPE,
            "timestamp": f"2021-01-0{1 + hour // 24}T{hour % 24:02d}:30:00Z",
            "properties": {"key": "y" if i % 3 == 0 else "x"},
        })  # fmt: skip
    for (customer_id, metric_id), values in ids.grouped.items():
        keys = sorted(ids.metrics[metric_id])
        for i, value in enumerate([*values, None]):
            properties = {} if value is None else dict.fromkeys(keys, value)
            events.append({
                "transaction_id": f"sdk-groups-{customer_id[:8]}-{i}",
                "customer_id": customer_id,
                "event_type": EVENT_TYPE,
                "timestamp": f"2021-01-01T{i + 1:02d}:00:00Z",
                "properties": properties,
            })  # fmt: skip
    return {
        "customers": customers,
        "billable_metrics": metrics,
        "events": events,
        **_rating_fields(ids),
    }


def main() -> None:
    document = make_fixture(sdk_source())
    FIXTURE.write_text(json.dumps(document, indent=1) + "\n")
    print(
        f"{FIXTURE.relative_to(ROOT)}: {len(document['customers'])} customers, "
        f"{len(document['billable_metrics'])} billable metrics, {len(document['events'])} events",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
