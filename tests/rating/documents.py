"""Random fixture documents for rating (hypothesis), and the emulator's state built from one.

A document holds what `tests/rating/brute_rating.py` reads: customers, billable metrics, events
with processing times, products, rate cards with rates, contracts, the clock and the grace.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from emulator.metering.store import Store
from emulator.rating import Catalog, Rater, Usage
from emulator.rating.fixtures import load_fields
from emulator.wire.models import BillableMetricRecord, CustomerRecord, EventRecord
from emulator.wire.timestamps import US_PER_SECOND, parse_rfc3339

T0 = datetime(2024, 1, 1, tzinfo=UTC)
ACME = "00000000-0000-4000-8000-00000000000a"
BETA = "00000000-0000-4000-8000-00000000000b"
M_SUM, M_COUNT, M_MAX, M_PAIR, M_UNIQUE, M_LATEST = (
    f"00000000-0000-4000-8000-0000000001{i:02d}" for i in range(6)
)
P_SUM, P_GROUP, P_COUNT, P_MAX, P_PAIR, P_UNIQUE, P_LATEST = (
    f"00000000-0000-4000-8000-0000000002{i:02d}" for i in range(7)
)
CARD = "00000000-0000-4000-8000-000000000300"
CONTRACTS = (
    "00000000-0000-4000-8000-000000000400",
    "00000000-0000-4000-8000-000000000401",
)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def hours(n: int) -> datetime:
    return T0 + timedelta(hours=n)


METRICS = [
    {
        "id": M_SUM,
        "name": "sum",
        "aggregation_type": "SUM",
        "aggregation_key": "n",
        "event_type_filter": {"in_values": ["use"]},
        "property_filters": [{"name": "n", "exists": True}, {"name": "region", "exists": True}],
        "group_keys": [["region"]],
    },
    {
        "id": M_COUNT,
        "name": "count",
        "aggregation_type": "COUNT",
        "event_type_filter": {"in_values": ["ping"]},
    },
    {
        "id": M_MAX,
        "name": "max",
        "aggregation_type": "MAX",
        "aggregation_key": "n",
        "property_filters": [{"name": "n", "exists": True}],
    },
    {
        "id": M_PAIR,
        "name": "pair",
        "aggregation_type": "SUM",
        "aggregation_key": "n",
        "event_type_filter": {"in_values": ["use"]},
        "property_filters": [
            {"name": "n", "exists": True},
            {"name": "region", "exists": True},
            {"name": "zone", "exists": True},
        ],
        "group_keys": [["region", "zone"]],
    },
    {
        "id": M_UNIQUE,
        "name": "unique",
        "aggregation_type": "UNIQUE",
        "aggregation_key": "n",
        "property_filters": [{"name": "n", "exists": True}],
    },
    {
        "id": M_LATEST,
        "name": "latest",
        "aggregation_type": "LATEST",
        "aggregation_key": "n",
        "event_type_filter": {"in_values": ["use"]},
        "property_filters": [{"name": "n", "exists": True}],
    },
]
NUMBERS = st.sampled_from([0, 1, 2, 3, 5, 10, 0.5, 0.25, 2.75, 40])
PRICES = st.sampled_from([1, 2, 5, 0.2, 0.5, 1.25, 3.333, 10, 0])


@st.composite
def products(draw: st.DrawFn) -> list[dict[str, Any]]:
    def product(pid: str, name: str, metric: str, key: list[str] | None = None) -> dict[str, Any]:
        conversion = draw(
            st.none()
            | st.fixed_dictionaries(
                {
                    "conversion_factor": st.sampled_from([2, 3, 0.5, 1000]),
                    "operation": st.sampled_from(["MULTIPLY", "DIVIDE"]),
                    "name": st.none(),
                }
            )
        )
        rounding = draw(
            st.none()
            | st.fixed_dictionaries(
                {
                    "decimal_places": st.integers(0, 2),
                    "rounding_method": st.sampled_from(["ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP"]),
                }
            )
        )
        return {
            "id": pid,
            "name": name,
            "type": "USAGE",
            "billable_metric_id": metric,
            "tags": [],
            "custom_fields": {},
            "pricing_group_key": key,
            "quantity_conversion": conversion,
            "quantity_rounding": rounding,
            "created_at": "2023-12-01T00:00:00Z",
            "created_by": "api",
            "archived_at": None,
        }

    return [
        product(P_SUM, "Sum", M_SUM),
        product(P_GROUP, "Grouped", M_SUM, ["region"]),
        product(P_COUNT, "Count", M_COUNT),
        product(P_MAX, "Max", M_MAX),
        product(P_PAIR, "Pair", M_PAIR, ["zone", "region"]),
        product(P_UNIQUE, "Unique", M_UNIQUE),
        product(P_LATEST, "Latest", M_LATEST),
    ]


@st.composite
def rate(draw: st.DrawFn, base: bool = False) -> dict[str, Any]:
    """A random rate; a `base` one is in force from before every contract, open-ended."""
    product = draw(st.sampled_from([P_SUM, P_GROUP, P_COUNT, P_MAX, P_PAIR, P_UNIQUE, P_LATEST]))
    start = -30 * 24 if base else draw(st.sampled_from(range(-30 * 24, 80 * 24, 5)))
    length = None if base else draw(st.none() | st.integers(1, 60 * 24))
    values = None
    if product == P_GROUP:
        values = {"region": draw(st.sampled_from(["us", "eu"]))}
    elif product == P_PAIR:
        values = {
            "region": draw(st.sampled_from(["us", "eu"])),
            "zone": draw(st.sampled_from(["a", "b"])),
        }
    record: dict[str, Any] = {
        "product_id": product,
        "starting_at": iso(hours(start)),
        "ending_before": None if length is None else iso(hours(start + length)),
        "entitled": base or draw(st.sampled_from([True, True, True, False])),
        "pricing_group_values": values,
    }
    if draw(st.booleans()):
        record.update(rate_type="FLAT", price=draw(PRICES), tiers=None)
    else:
        sizes = draw(st.lists(st.sampled_from([1, 2, 5, 10, 2.5, 30]), min_size=0, max_size=3))
        tiers = [{"price": draw(PRICES), "size": size} for size in sizes]
        tiers.append({"price": draw(PRICES), "size": None})
        record.update(rate_type="TIERED", price=None, tiers=tiers)
    added = None if base else draw(st.none() | st.integers(0, 150 * 24))
    if added is not None:
        record["added_at"] = iso(hours(added))
    return record


@st.composite
def contract(draw: st.DrawFn, cid: str, customer: str) -> dict[str, Any]:
    start = draw(st.sampled_from(range(30 * 24)))
    length = draw(st.none() | st.integers(1, 100 * 24))
    day = draw(st.sampled_from(["FIRST_OF_MONTH", "CONTRACT_START", "CUSTOM_DATE"]))
    anchor = None
    if day == "CUSTOM_DATE":
        anchor = iso(hours(draw(st.integers(-60 * 24, 60 * 24))))
    archived = draw(st.none() | st.none() | st.integers(0, 130 * 24))
    return {
        "id": cid,
        "customer_id": customer,
        "starting_at": iso(hours(start)),
        "ending_before": None if length is None else iso(hours(start + length)),
        "rate_card_id": CARD,
        "rate_card_alias": None,
        "name": None,
        "uniqueness_key": None,
        "usage_statement_schedule": {
            "frequency": draw(st.sampled_from(["MONTHLY", "QUARTERLY"])),
            "day": day,
            "billing_anchor_date": anchor,
        },
        "custom_fields": {},
        "created_at": iso(hours(draw(st.just(-10 * 24) | st.integers(-10 * 24, 130 * 24)))),
        "created_by": "api",
        "archived_at": None if archived is None else iso(hours(archived)),
        "void_invoices": draw(st.booleans()),
    }


@st.composite
def event(draw: st.DrawFn, index: int) -> dict[str, Any]:
    # sampled_from draws evenly: integers() would crowd the events at the start
    day = draw(st.sampled_from(range(-5, 100)))
    ts = T0 + timedelta(days=day, minutes=draw(st.sampled_from(range(0, 24 * 60, 7))))
    delay = draw(st.sampled_from([0, 30, 60]) | st.sampled_from(range(-23 * 60, 40 * 24 * 60, 37)))
    properties: dict[str, Any] = {}
    if draw(st.integers(0, 4)):
        properties["n"] = draw(NUMBERS)
    if draw(st.integers(0, 5)):
        properties["region"] = draw(st.sampled_from(["us", "eu"]))
    if draw(st.booleans()):
        properties["zone"] = draw(st.sampled_from(["a", "b"]))
    return {
        "transaction_id": f"t{draw(st.integers(0, 3)) if draw(st.integers(0, 9)) == 0 else index}",
        "customer_id": draw(st.sampled_from([ACME, ACME, ACME, "acme-alias", BETA])),
        "event_type": draw(st.sampled_from(["use", "use", "ping"])),
        "timestamp": iso(ts),
        "properties": properties,
        "processed_at": iso(ts + timedelta(minutes=delay)),
    }


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    clock = hours(draw(st.sampled_from(range(10 * 24, 130 * 24))))
    n = draw(st.integers(0, 40) | st.integers(10, 40))
    events = [draw(event(i)) for i in range(n)]
    # Nothing is processed after the clock; a tenant's clock may have been set back, though.
    events = [e for e in events if e["processed_at"] <= iso(clock)]
    contracts = [draw(contract(CONTRACTS[0], ACME))]
    if draw(st.booleans()):
        contracts.append(draw(contract(CONTRACTS[1], BETA)))
    # Nothing is created, archived or added after the clock either.
    for record in contracts:
        record["created_at"] = min(record["created_at"], iso(clock))
        if record["archived_at"] is not None and record["archived_at"] > iso(clock):
            record["archived_at"] = None
    rates = draw(st.lists(rate(base=True), min_size=1, max_size=4)) + draw(
        st.lists(rate(), max_size=5)
    )
    for record in rates:
        if record.get("added_at") is not None:
            record["added_at"] = min(record["added_at"], iso(clock))
    return {
        "clock": iso(clock),
        "grace_seconds": draw(st.sampled_from([0, 3600, 86400, 3 * 86400])),
        "customers": [
            {"id": ACME, "name": "Acme", "ingest_aliases": ["acme-alias"]},
            {"id": BETA, "name": "Beta", "ingest_aliases": []},
        ],
        "billable_metrics": METRICS,
        "products": draw(products()),
        "rate_cards": [
            {
                "id": CARD,
                "name": "Card",
                "description": None,
                "aliases": [],
                "custom_fields": {},
                "created_at": "2023-12-01T00:00:00Z",
                "created_by": "api",
                "archived_at": None,
                "rates": rates,
            }
        ],
        "contracts": contracts,
        "events": events,
    }


def build(document: dict[str, Any]) -> tuple[Store, Catalog, Rater]:
    """The emulator's state for a document: customers and metrics first, then every event
    ingested through the API's path at its processing time, then the catalog from the
    document's fields."""
    store = Store()
    for customer in document["customers"]:
        store.add_customer(CustomerRecord.model_validate(customer, strict=True))
    for metric in document["billable_metrics"]:
        store.add_metric(BillableMetricRecord.model_validate(metric, strict=True))
    order = sorted(enumerate(document["events"]), key=lambda p: (p[1]["processed_at"], p[0]))
    for _, raw in order:
        record = EventRecord.model_validate(
            {k: v for k, v in raw.items() if k != "processed_at"}, strict=True
        )
        store.ingest([record], now=parse_rfc3339(raw["processed_at"]))
    catalog = load_fields(document, store)
    grace = document["grace_seconds"] * US_PER_SECOND
    rater = Rater(catalog, Usage(store), parse_rfc3339(document["clock"]), grace)
    return store, catalog, rater
