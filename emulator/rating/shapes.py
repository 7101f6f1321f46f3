"""The records in the SDK's response shapes, for the thin handlers: plain dicts ready for JSON.

`Product` (`v1/contracts/product_list_response.py`), rate cards
(`rate_card_retrieve_response.py`), `Rate` (`shared/rate.py`), `RateListResponse`
(`rate_cards/rate_list_response.py`), `ContractV2` (`shared/contract_v2.py`), credit types.
Invoices serialise themselves (`Invoice.to_wire`).
"""

from __future__ import annotations

from typing import Any

from emulator.rating.catalog import Catalog
from emulator.rating.periods import anchor_base
from emulator.rating.rates import in_force
from emulator.rating.records import (
    CREDIT_TYPE,
    ContractRecord,
    ProductRecord,
    RateCardRecord,
    RateRecord,
)
from emulator.wire.errors import BadRequest
from emulator.wire.timestamps import format_rfc3339, parse_rfc3339

__all__ = [
    "contract_v2",
    "credit_types",
    "get_rates",
    "product",
    "rate",
    "rate_card",
    "rate_list_item",
]


def _stamp(value: int | None) -> str | None:
    return None if value is None else format_rfc3339(value)


def product(record: ProductRecord) -> dict[str, Any]:
    state: dict[str, Any] = {
        "created_at": format_rfc3339(record.created_at),
        "created_by": record.created_by,
        "name": record.name,
    }
    if record.billable_metric_id is not None:
        state["billable_metric_id"] = record.billable_metric_id
    if record.tags:
        state["tags"] = list(record.tags)
    if record.pricing_group_key is not None:
        state["pricing_group_key"] = list(record.pricing_group_key)
    if record.quantity_conversion is not None:
        state["quantity_conversion"] = record.quantity_conversion.model_dump(exclude_none=True)
    if record.quantity_rounding is not None:
        state["quantity_rounding"] = record.quantity_rounding.model_dump()
    found: dict[str, Any] = {
        "id": record.id,
        "type": record.type,
        "current": state,
        "initial": dict(state),
        "updates": [],
    }
    if record.archived_at is not None:
        found["archived_at"] = format_rfc3339(record.archived_at)
    if record.custom_fields:
        found["custom_fields"] = dict(record.custom_fields)
    return found


def rate_card(record: RateCardRecord) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": record.id,
        "name": record.name,
        "created_at": format_rfc3339(record.created_at),
        "created_by": record.created_by,
        "fiat_credit_type": dict(CREDIT_TYPE),
    }
    if record.description is not None:
        found["description"] = record.description
    if record.aliases:
        found["aliases"] = [
            alias.model_dump(mode="json", exclude_none=True) for alias in record.aliases
        ]
    if record.custom_fields:
        found["custom_fields"] = dict(record.custom_fields)
    return found


def rate(record: RateRecord) -> dict[str, Any]:
    """`Rate`: what `addRate` answers, and `rate` of a `RateListResponse`."""
    found: dict[str, Any] = {"rate_type": record.rate_type, "credit_type": dict(CREDIT_TYPE)}
    if record.rate_type == "FLAT":
        found["price"] = record.price
    else:
        assert record.tiers is not None
        found["tiers"] = [tier.model_dump(exclude_none=True) for tier in record.tiers]
    if record.pricing_group_values is not None:
        found["pricing_group_values"] = dict(record.pricing_group_values)
    return found


def rate_list_item(record: RateRecord, owner: ProductRecord) -> dict[str, Any]:
    found: dict[str, Any] = {
        "entitled": record.entitled,
        "product_custom_fields": dict(owner.custom_fields),
        "product_id": owner.id,
        "product_name": owner.name,
        "product_tags": list(owner.tags),
        "rate": rate(record),
        "starting_at": format_rfc3339(record.starting_at),
    }
    if record.ending_before is not None:
        found["ending_before"] = format_rfc3339(record.ending_before)
    if record.pricing_group_values is not None:
        found["pricing_group_values"] = dict(record.pricing_group_values)
    return found


def get_rates(
    catalog: Catalog, card_id: str, at: int, selectors: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """`getRates`: the rates in force at `at` (R3), those matching any selector (each selector's
    fields AND'ed: `product_id`, `product_tags` any, `pricing_group_values` all,
    `partial_pricing_group_values` all of those given)."""
    if card_id not in catalog.rate_cards:
        raise BadRequest(f"rate_card_id {card_id} is not a known rate card")
    found = []
    for record in in_force(catalog.card_rates(card_id), at):
        owner = catalog.products[record.product_id]
        if selectors and not any(_selects(s, record, owner) for s in selectors):
            continue
        found.append(rate_list_item(record, owner))
    return found


def _selects(selector: dict[str, Any], record: RateRecord, owner: ProductRecord) -> bool:
    values = record.pricing_group_values or {}
    product_id = selector.get("product_id")
    if product_id is not None and product_id != record.product_id:
        return False
    tags = selector.get("product_tags")
    if tags and not set(tags) & set(owner.tags):
        return False
    exact = selector.get("pricing_group_values")
    if exact is not None and values != exact:
        return False
    partial = selector.get("partial_pricing_group_values")
    return partial is None or all(values.get(k) == v for k, v in partial.items())


def contract_v2(record: ContractRecord) -> dict[str, Any]:
    """`ContractV2`: the required fields (empty lists for what step A refuses) and those set."""
    schedule = record.usage_statement_schedule
    found: dict[str, Any] = {
        "id": record.id,
        "customer_id": record.customer_id,
        "created_at": format_rfc3339(record.created_at),
        "created_by": record.created_by,
        "starting_at": format_rfc3339(record.starting_at),
        "rate_card_id": record.rate_card_id,
        "commits": [],
        "overrides": [],
        "scheduled_charges": [],
        "transitions": [],
        "usage_filter": [],
        "usage_statement_schedule": {
            "frequency": schedule.frequency,
            "billing_anchor_date": format_rfc3339(anchor_base_for_wire(record)),
        },
    }
    for name in ("ending_before", "archived_at"):
        stamp = _stamp(getattr(record, name))
        if stamp is not None:
            found[name] = stamp
    for name in ("name", "uniqueness_key"):
        if getattr(record, name) is not None:
            found[name] = getattr(record, name)
    if record.custom_fields:
        found["custom_fields"] = dict(record.custom_fields)
    return found


def anchor_base_for_wire(record: ContractRecord) -> int:
    """`billing_anchor_date`: the given one, else `starting_at` (CONTRACT_START), else 00:00Z on
    the 1st of `starting_at`'s month (RATING.md's choice)."""
    if record.usage_statement_schedule.day == "FIRST_OF_MONTH":
        start = format_rfc3339(record.starting_at)
        return parse_rfc3339(f"{start[:8]}01T00:00:00Z")
    return anchor_base(record)


def credit_types() -> list[dict[str, Any]]:
    """`GET /v1/credit-types/list` (endpoint 10)."""
    return [{**CREDIT_TYPE, "is_currency": True}]
