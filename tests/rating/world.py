"""A small builder of a metering store and a rating catalog through their domain calls, with the
tenant's clock moved by hand: what the HTTP handlers will do, without HTTP."""

from __future__ import annotations

from typing import Any

from emulator.rating import DEFAULT_GRACE, Catalog, Rater, Usage
from emulator.rating.catalog import parse
from emulator.rating.records import ContractCreate, ProductCreate, RateAdd, RateCardCreate
from emulator.store.store import Store
from emulator.timestamps import parse_rfc3339
from emulator.wire import BillableMetricRecord, CustomerRecord, EventRecord


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
