"""A small builder of a metering store and a rating catalog through their domain calls, with the
tenant's clock moved by hand: what the HTTP handlers will do, without HTTP."""

from __future__ import annotations

from typing import Any

from emulator.metering.store import Store
from emulator.rating import DEFAULT_GRACE, Catalog, Rater, Usage
from emulator.rating.catalog import parse
from emulator.rating.records import ContractCreate, ProductCreate, RateAdd, RateCardCreate
from emulator.wire.models import BillableMetricRecord, CustomerRecord, EventRecord
from emulator.wire.timestamps import parse_rfc3339
from tests.rating.worked_example import rates


def at(text: str) -> int:
    return parse_rfc3339(text)


class World:
    def __init__(self, now: str) -> None:
        self.store = Store()
        self.catalog = Catalog()
        self.now = at(now)
        self.grace = DEFAULT_GRACE
        self.count = 0

    def clock(self, now: str) -> None:
        self.now = at(now)

    def customer(self, name: str) -> str:
        customer_id = self.store.new_id("customer")
        self.store.add_customer(
            CustomerRecord.model_validate({"id": customer_id, "name": name}, strict=True)
        )
        return customer_id

    def metric(self, **fields: Any) -> str:
        metric_id = self.store.new_id("metric")
        record = BillableMetricRecord.model_validate({"id": metric_id, **fields}, strict=True)
        self.store.add_metric(record)
        return metric_id

    def product(self, **body: Any) -> str:
        return self.catalog.create_product(parse(ProductCreate, body), self.store, self.now).id

    def rate_card(self, **body: Any) -> str:
        return self.catalog.create_rate_card(parse(RateCardCreate, body), self.now).id

    def add_rates(self, card_id: str, *rates: dict[str, Any]) -> None:
        parsed = [parse(RateAdd, rate) for rate in rates]
        self.catalog.add_rates(card_id, parsed, self.now, many=True)

    def contract(self, **body: Any) -> str:
        return self.catalog.create_contract(parse(ContractCreate, body), self.store, self.now).id

    def ingest(self, customer_id: str, *events: tuple[str, str, dict[str, Any]]) -> None:
        """Events (event type, timestamp, properties) processed at the current clock."""
        records = []
        for event_type, timestamp, properties in events:
            self.count += 1
            records.append(
                EventRecord.model_validate(
                    {
                        "transaction_id": f"t{self.count}",
                        "customer_id": customer_id,
                        "event_type": event_type,
                        "timestamp": timestamp,
                        "properties": properties,
                    },
                    strict=True,
                )
            )
        self.store.ingest(records, now=self.now)

    def rater(self, usage: Usage | None = None) -> Rater:
        return Rater(self.catalog, usage or Usage(self.store), self.now, self.grace)


def worked_example() -> tuple[World, str]:
    """RATING.md section 5's world as of 2024-03-05T00:00Z: (the world, Acme's id)."""
    w = World("2024-01-15T00:00:00Z")
    acme = w.customer("Acme")
    tokens = w.metric(
        name="tokens",
        aggregation_type="SUM",
        aggregation_key="tokens",
        event_type_filter={"in_values": ["completion"]},
        property_filters=[{"name": "tokens", "exists": True}],
    )
    images = w.metric(
        name="images",
        aggregation_type="SUM",
        aggregation_key="images",
        event_type_filter={"in_values": ["image"]},
        property_filters=[{"name": "images", "exists": True}],
    )
    tokens_product = w.product(name="Tokens", type="USAGE", billable_metric_id=tokens)
    images_product = w.product(name="Images", type="USAGE", billable_metric_id=images)
    card = w.rate_card(name="Standard")
    w.add_rates(card, *rates(tokens_product, images_product))
    w.contract(
        customer_id=acme,
        rate_card_id=card,
        starting_at="2024-01-15T00:00:00Z",
        usage_statement_schedule={"frequency": "MONTHLY"},
    )
    w.ingest(acme, ("completion", "2024-01-10T12:00:00Z", {"tokens": 5000}))  # e0
    w.clock("2024-02-01T00:00:00Z")
    w.ingest(
        acme,
        ("completion", "2024-01-20T10:00:00Z", {"tokens": 1500}),
        ("image", "2024-01-25T08:00:00Z", {"images": 80}),
        ("completion", "2024-01-31T23:30:00Z", {"tokens": 500}),
    )
    w.clock("2024-03-01T12:00:00Z")
    w.ingest(
        acme,
        ("image", "2024-02-10T00:00:00Z", {"images": 150}),
        ("completion", "2024-02-20T12:00:00Z", {"tokens": 2500}),
        ("image", "2024-02-28T09:00:00Z", {"images": 450}),
        ("completion", "2024-03-01T00:00:00Z", {"tokens": 1000}),  # e7
        ("completion", "2024-02-29T22:00:00Z", {"tokens": 700}),  # e8
    )
    w.clock("2024-03-03T00:00:00Z")
    w.ingest(acme, ("completion", "2024-02-29T23:00:00Z", {"tokens": 300}))  # e9
    w.clock("2024-03-05T00:00:00Z")
    w.ingest(acme, ("image", "2024-03-04T15:00:00Z", {"images": 30}))  # e10
    return w, acme
