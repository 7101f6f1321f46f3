"""The seeded scenario: customers, a catalogue of billable metrics and their usage events.

Everything comes from one `random.Random(seed)` and one Faker seeded with the same seed, so a seed
fixes the whole state byte for byte (Faker is pinned in pyproject.toml: its output changes between
releases). Events fall on fixed UTC days from `SCENARIO_START`, never the days around today.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from faker import Faker

from emulator.timestamps import US_PER_DAY, US_PER_HOUR, US_PER_SECOND, parse_rfc3339
from emulator.wire import BillableMetricRecord, CustomerRecord, EventRecord, FixtureDocument

__all__ = ["SCENARIO_START", "generate"]

SCENARIO_START = parse_rfc3339("2024-01-01T00:00:00Z")

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"]
ENDPOINTS = ["/v1/chat", "/v1/embeddings", "/v1/files", "/v1/search"]
MODELS = ["gpt-4o", "claude-sonnet", "llama-3-70b"]

# Traffic by hour of day (UTC): quiet nights, a busy afternoon.
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 11, 12, 13, 14, 14, 13, 11, 9, 7, 6, 5, 4, 3]
# Event types and their share of traffic. page_view and bandwidth feed only the catch-all and the
# archived metric; test_ping matches no metric at all.
EVENT_TYPES = {
    "api_request": 46,
    "llm_completion": 16,
    "heartbeat": 12,
    "login": 8,
    "storage_snapshot": 4,
    "seat_count": 3,
    "page_view": 6,
    "bandwidth": 2,
    "test_ping": 3,
}


def _catalogue() -> list[dict[str, Any]]:
    """The billable metrics, each exercising a different part of the matching rules."""
    exists = {"exists": True}
    return [
        {
            "name": "API requests",
            "aggregation_type": "COUNT",
            "event_type_filter": {"in_values": ["api_request"]},
            "property_filters": [{"name": "region", **exists}, {"name": "endpoint", **exists}],
            "group_keys": [["region"], ["endpoint"], ["region", "endpoint"]],
        },
        {
            "name": "Server errors",
            "aggregation_type": "COUNT",
            "event_type_filter": {"in_values": ["api_request"]},
            "property_filters": [{"name": "status", "in_values": ["500", "502", "503"]}],
            "group_keys": [["status"]],
        },
        {
            "name": "LLM tokens",
            "aggregation_type": "SUM",
            "aggregation_key": "tokens",
            "event_type_filter": {"in_values": ["llm_completion"]},
            "property_filters": [
                {"name": "tokens", **exists},
                {"name": "model", "in_values": MODELS},
            ],
            "group_keys": [["model"]],
        },
        {
            "name": "Compute seconds",
            "aggregation_type": "SUM",
            "aggregation_key": "cpu_seconds",
            "event_type_filter": {"in_values": ["heartbeat"]},
            "property_filters": [
                {"name": "cpu_seconds", **exists},
                {"name": "region", "exists": True, "not_in_values": ["sandbox"]},
            ],
            "group_keys": [["region"]],
        },
        {
            "name": "Storage high-water mark (GB)",
            "aggregation_type": "MAX",
            "aggregation_key": "gb_stored",
            "event_type_filter": {"in_values": ["storage_snapshot"]},
            "property_filters": [{"name": "gb_stored", **exists}, {"name": "region", **exists}],
            "group_keys": [["region"]],
        },
        {
            "name": "Distinct active users",
            "aggregation_type": "UNIQUE",
            "aggregation_key": "user_id",
            "event_type_filter": {"in_values": ["api_request", "login"]},
            "property_filters": [{"name": "user_id", **exists}],
        },
        {
            "name": "Seats",
            "aggregation_type": "LATEST",
            "aggregation_key": "seats",
            "event_type_filter": {"in_values": ["seat_count"]},
            "property_filters": [{"name": "seats", **exists}],
        },
        {
            "name": "Billable events",
            "aggregation_type": "COUNT",
            "event_type_filter": {"not_in_values": ["test_ping", "heartbeat"]},
            "property_filters": [{"name": "internal", "exists": False}],
        },
        {
            "name": "Legacy bandwidth (archived)",
            "aggregation_type": "SUM",
            "aggregation_key": "bytes",
            "event_type_filter": {"in_values": ["bandwidth"]},
            "property_filters": [{"name": "bytes", **exists}],
            "archived_at": "2023-12-15T00:00:00Z",
        },
    ]


class _Generator:
    def __init__(self, seed: int, customers: int, days: int, events: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.n_customers = customers
        self.days = days
        self.n_events = events

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def document(self) -> FixtureDocument:
        metrics = [
            BillableMetricRecord.model_validate({"id": self.uuid(), **spec})
            for spec in _catalogue()
        ]
        customers = [self.customer(i) for i in range(self.n_customers)]
        return FixtureDocument(
            customers=customers, billable_metrics=metrics, events=self.events(customers)
        )

    def customer(self, index: int) -> CustomerRecord:
        rng, fake = self.rng, self.fake
        name = fake.unique.company()
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20] or f"customer{index}"
        aliases = [f"billing@{slug}.example", f"{slug}-prod"][: rng.randrange(3)]
        created = SCENARIO_START - rng.randrange(30, 400) * US_PER_DAY
        # The third customer is archived: left out of queries unless named.
        archived = SCENARIO_START - 2 * US_PER_DAY if index == 2 and self.n_customers >= 3 else None
        # model_construct: the generator's values are valid by construction, timestamps already
        # epoch microseconds (the wire only accepts RFC 3339 strings).
        customer_id = self.uuid()
        return CustomerRecord.model_construct(
            id=customer_id,
            name=name,
            ingest_aliases=aliases,
            external_id=aliases[0] if aliases else customer_id,
            custom_fields={"tier": rng.choice(["free", "pro", "enterprise"])},
            created_at=created,
            updated_at=created + rng.randrange(0, 20) * US_PER_DAY,
            archived_at=archived,
        )

    def events(self, customers: list[CustomerRecord]) -> list[EventRecord]:
        rng = self.rng
        if not customers or not self.days:
            return []
        # A few heavy customers and a long tail.
        weights = [1.0 / (rank + 1) for rank in range(len(customers))]
        users = {
            c.id: [self.fake.user_name() for _ in range(rng.randrange(3, 12))] for c in customers
        }
        unknown = [self.uuid(), "deleted-customer@example.com"]
        days = [SCENARIO_START + d * US_PER_DAY for d in range(self.days)]
        # Weekends (2024-01-06 is a Saturday) carry less traffic.
        day_weights = [0.6 if (d + 1) % 7 in (6, 0) else 1.0 for d in range(self.days)]
        types = list(EVENT_TYPES)
        type_weights = list(EVENT_TYPES.values())
        n = self.n_events
        picked_customers = rng.choices(customers, weights, k=n)
        picked_days = rng.choices(days, day_weights, k=n)
        picked_hours = rng.choices(range(24), HOUR_WEIGHTS, k=n)
        picked_types = rng.choices(types, type_weights, k=n)
        records: list[dict[str, Any]] = []
        for i in range(n):
            customer = picked_customers[i]
            roll = rng.random()
            if roll < 0.04:  # sent for no known customer: kept, counted for nobody
                sender = rng.choice(unknown)
            elif roll < 0.25 and customer.ingest_aliases:
                sender = rng.choice(customer.ingest_aliases)
            else:
                sender = customer.id
            ts = picked_days[i] + picked_hours[i] * US_PER_HOUR
            ts += rng.randrange(3600) * US_PER_SECOND
            if roll > 0.97:  # a few with sub-second precision
                ts += rng.randrange(1, 1000) * 1000
            event_type = picked_types[i]
            if i > 0 and rng.random() < 0.01:
                transaction_id = records[rng.randrange(len(records))]["transaction_id"]
            else:
                transaction_id = self.uuid()
            records.append(
                {
                    "transaction_id": transaction_id,
                    "customer_id": sender,
                    "event_type": event_type,
                    "timestamp": ts,
                    "properties": self.properties(event_type, users[customer.id]),
                }
            )
        # Ingested in (roughly) time order, as a real pipeline sends them; stable for equal times.
        records.sort(key=lambda r: r["timestamp"])
        return [EventRecord.model_construct(**r) for r in records]

    def properties(self, event_type: str, users: list[str]) -> dict[str, Any]:
        rng = self.rng
        if event_type == "api_request":
            props: dict[str, Any] = {
                "region": rng.choice(REGIONS),
                "user_id": rng.choice(users),
                "latency_ms": rng.randrange(5, 900),
            }
            if rng.random() < 0.93:  # the rest lack an endpoint: not billable API requests
                props["endpoint"] = rng.choice(ENDPOINTS)
            status = rng.choices([200, 404, 500, 502, 503], [85, 6, 5, 2, 2])[0]
            # Sent as a number or a string: filters compare string forms, so both match "500".
            props["status"] = status if rng.random() < 0.5 else str(status)
            return props
        if event_type == "llm_completion":
            tokens: Any = rng.randrange(20, 4000)
            shape = rng.random()
            if shape < 0.1:
                tokens = str(tokens)  # numeric strings count
            elif shape < 0.13:
                tokens = "n/a"  # not numeric: the event does not match
            return {
                "model": rng.choice([*MODELS, "legacy-model"]),
                "tokens": tokens,
                "user_id": rng.choice(users),
            }
        if event_type == "heartbeat":
            return {
                "cpu_seconds": rng.choice([rng.randrange(1, 120), round(rng.uniform(0.5, 60), 2)]),
                "region": rng.choice([*REGIONS, "sandbox"]),
                "cluster_id": f"cluster-{rng.randrange(1, 6)}",
            }
        if event_type == "login":
            return {"user_id": rng.choice(users), "method": rng.choice(["sso", "password"])}
        if event_type == "storage_snapshot":
            return {"gb_stored": round(rng.uniform(1, 5000), 2), "region": rng.choice(REGIONS)}
        if event_type == "seat_count":
            return {"seats": rng.randrange(1, 250)}
        if event_type == "page_view":
            return {"path": rng.choice(["/", "/pricing", "/docs", "/dashboard"])}
        if event_type == "bandwidth":
            return {"bytes": rng.randrange(1_000, 10_000_000)}
        return {"internal": True}  # test_ping


def generate(seed: int, customers: int = 8, days: int = 7, events: int = 20_000) -> FixtureDocument:
    """The scenario for `seed`: the same arguments give the same document, byte for byte."""
    return _Generator(seed, customers, days, events).document()
