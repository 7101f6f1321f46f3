"""The seeded scenario: customers, a catalogue of billable metrics and their usage events, and
what rates them: USAGE products, a rate card and the customers' contracts.

Everything comes from one `random.Random(seed)` and one Faker seeded with the same seed, so a seed
fixes the whole state byte for byte (Faker is pinned in pyproject.toml: its output changes between
releases). Events fall on fixed UTC days from `SCENARIO_START`, never the days around today.

The rating part is drawn after the events' generator state is kept, so adding it moved no event,
customer or metric of a seed. It is written as the fixture document's `products`, `rate_cards`
(with `rates`) and `contracts` (`Scenario.rating_fields()`, which `emulator.rating.fixtures.
load_fields` reads):

    products    one USAGE product per rated metric: API requests (pricing groups by region),
                LLM tokens, Compute seconds, Storage high-water mark, Distinct active users, Seats
    rate card   "Standard": FLAT rates (per region for API requests; Compute seconds rises on
                2024-01-15, so January's line splits in two), graduated TIERED for LLM tokens
                and Seats; every rate in force from 2022-06-01, before any contract
    contracts   two-year contracts that began 12 to 17 months before the data, so a clock after
                the data sees a year of invoices: MONTHLY for most customers, QUARTERLY for the
                second; none for the archived customer nor, with four customers or more, the last
                (a customer without a contract)

Contracts end by 2025-01-01, so on the wall clock from 2025-01-02 (the last grace period over)
every invoice is final and the explorer shows the same money every day.
"""

from __future__ import annotations

import random
from binascii import hexlify
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from typing import Any, NamedTuple

from faker import Faker

from emulator.wire.models import CustomerRecord, MetricDocument
from emulator.wire.timestamps import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_SECOND,
    format_rfc3339,
    parse_rfc3339,
)

__all__ = ["SCENARIO_START", "GeneratedEvent", "Scenario", "generate"]

SCENARIO_START = parse_rfc3339("2024-01-01T00:00:00Z")

# Bits that make a random 128-bit number a version 4, RFC 4122 variant UUID.
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)


class GeneratedEvent(NamedTuple):
    """An event as the generator makes it: valid by construction, so it skips wire validation
    (a million of them would spend seconds there); the timestamp is epoch microseconds."""

    transaction_id: str
    customer_id: str
    event_type: str
    timestamp: int
    properties: dict[str, Any]


class GeneratedEvents:
    """The scenario's events, made afresh on each iteration from the same generator state: the
    same events every time, with no list of a million of them kept in memory."""

    def __init__(
        self,
        generator: _Generator,
        customers: list[CustomerRecord],
        users: dict[str, list[str]],
        unknown: list[str],
    ) -> None:
        self._generator = generator
        self._state = generator.rng.getstate()
        self._arguments = (customers, users, unknown)
        self._count = generator.n_events if customers else 0

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[GeneratedEvent]:
        if not self._count:
            return iter(())
        self._generator.rng.setstate(self._state)
        return self._generator.stream(*self._arguments)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A generated state, shaped like a fixture document (`Store.from_document` takes both; the
    rating fields are JSON, as a document holds them)."""

    customers: list[CustomerRecord]
    billable_metrics: list[MetricDocument]
    events: GeneratedEvents
    products: list[dict[str, Any]] = field(default_factory=list)
    rate_cards: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)

    def rating_fields(self) -> dict[str, list[dict[str, Any]]]:
        """The document fields `emulator.rating.fixtures.load_fields` reads."""
        return {
            "products": self.products,
            "rate_cards": self.rate_cards,
            "contracts": self.contracts,
        }


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


CATALOGUE_CREATED = "2022-06-01T00:00:00Z"
# (product name, its billable metric, pricing group key)
_PRODUCTS = [
    ("API requests", "API requests", ["region"]),
    ("LLM tokens", "LLM tokens", None),
    ("Compute seconds", "Compute seconds", None),
    ("Storage (GB high-water mark)", "Storage high-water mark (GB)", None),
    ("Active users", "Distinct active users", None),
    ("Seats", "Seats", None),
]
# Prices in USD cents. API requests by region; the rest by product name.
_REGION_PRICES = {"us-east-1": 0.01, "us-west-2": 0.01, "eu-west-1": 0.012, "ap-south-1": 0.015}
_PRICE_RISE = format_rfc3339(SCENARIO_START + 14 * US_PER_DAY)  # Compute seconds from 0.05 to 0.06
_TIERS: dict[str, list[dict[str, Any]]] = {
    "LLM tokens": [
        {"price": 0.002, "size": 1_000_000},
        {"price": 0.0015, "size": 4_000_000},
        {"price": 0.001, "size": None},
    ],
    "Seats": [{"price": 1000, "size": 10}, {"price": 800, "size": None}],
}
_FLAT = {"Storage (GB high-water mark)": 2, "Active users": 50}


def _month_start(months: int) -> int:
    """00:00Z on the 1st of the month `months` after SCENARIO_START's (2024-01)."""
    year, month = divmod(2024 * 12 + months, 12)
    return parse_rfc3339(f"{year:04d}-{month + 1:02d}-01T00:00:00Z")


def _rate(
    product: str, rate_type: str, starting_at: str = CATALOGUE_CREATED, **price: Any
) -> dict[str, Any]:
    return {
        "product_id": product,
        "starting_at": starting_at,
        "ending_before": None,
        "entitled": True,
        "rate_type": rate_type,
        "price": price.get("price"),
        "tiers": price.get("tiers"),
        "pricing_group_values": price.get("pricing_group_values"),
    }


def _rate_card(card: str, products: list[dict[str, Any]]) -> dict[str, Any]:
    """The one rate card, "Standard": see the module's docstring."""
    rates: list[dict[str, Any]] = []
    for product in products:
        pid, name = product["id"], product["name"]
        if name == "API requests":
            rates += [
                _rate(pid, "FLAT", price=price, pricing_group_values={"region": region})
                for region, price in _REGION_PRICES.items()
            ]
        elif name == "Compute seconds":
            rates += [_rate(pid, "FLAT", price=0.05), _rate(pid, "FLAT", _PRICE_RISE, price=0.06)]
        elif name in _TIERS:
            rates.append(_rate(pid, "TIERED", tiers=_TIERS[name]))
        else:
            rates.append(_rate(pid, "FLAT", price=_FLAT[name]))
    return {
        "id": card,
        "name": "Standard",
        "description": "The seeded scenario's list prices, in USD cents",
        "aliases": [{"name": "standard", "starting_at": None, "ending_before": None}],
        "custom_fields": {},
        "created_at": CATALOGUE_CREATED,
        "created_by": "api",
        "archived_at": None,
        "rates": rates,
    }


# In Faker's own order (it adds its providers sorted by name; a later one's method wins).
_FAKER_PROVIDERS = ["faker.providers.company", "faker.providers.internet", "faker.providers.person"]


class _Generator:
    def __init__(self, seed: int, customers: int, days: int, events: int) -> None:
        self.rng = random.Random(seed)
        # Only the providers the scenario calls: company names, the person names they and the
        # user names are made of, and user names. The other twenty-odd draw nothing here and
        # take 13 ms of a start to load; the same seed gives the same names either way.
        self.fake = Faker("en_US", providers=_FAKER_PROVIDERS)
        self.fake.seed_instance(seed)
        self.n_customers = customers
        self.days = days
        self.n_events = events
        self.slugs: set[str] = set()  # of the customers' aliases so far

    def uuid(self) -> str:
        """A version 4 UUID from the seeded generator: what `uuid.UUID(int=n, version=4)` gives."""
        return _uuid_text(self.rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET)

    def scenario(self) -> Scenario:
        metrics = [
            MetricDocument.model_validate({"id": self.uuid(), **spec}) for spec in _catalogue()
        ]
        customers = [self.customer(i) for i in range(self.n_customers)]
        events = self.events(customers)  # keeps the generator's state: what follows moves no event
        products, card = self.catalogue_products(metrics), self.uuid()
        contracts = [
            contract
            for i, customer in enumerate(customers)
            if (contract := self.contract(i, customer, card)) is not None
        ]
        return Scenario(
            customers,
            metrics,
            events,
            products,
            [_rate_card(card, products)],
            contracts,
        )

    def catalogue_products(self, metrics: list[MetricDocument]) -> list[dict[str, Any]]:
        by_name = {m.name: m.id for m in metrics}
        return [
            {
                "id": self.uuid(),
                "name": name,
                "type": "USAGE",
                "billable_metric_id": by_name[metric],
                "tags": [],
                "custom_fields": {},
                "pricing_group_key": key,
                "quantity_conversion": None,
                "quantity_rounding": None,
                "created_at": CATALOGUE_CREATED,
                "created_by": "api",
                "archived_at": None,
            }
            for name, metric, key in _PRODUCTS
        ]

    def contract(self, index: int, customer: CustomerRecord, card: str) -> dict[str, Any] | None:
        """A two-year contract on the card for most customers (see the module's docstring)."""
        if customer.archived_at is not None or (
            self.n_customers >= 4 and index == self.n_customers - 1
        ):
            return None
        quarterly = index == 1
        # Months before the data it began: 12 to 17, a whole quarter for the quarterly one.
        back = 12 + (3 * self.rng.randrange(2) if quarterly else self.rng.randrange(6))
        start = _month_start(-back)
        return {
            "id": self.uuid(),
            "customer_id": customer.id,
            "starting_at": format_rfc3339(start),
            "ending_before": format_rfc3339(_month_start(24 - back)),
            "rate_card_id": card,
            "rate_card_alias": None,
            "name": None,
            "uniqueness_key": None,
            "usage_statement_schedule": {
                "frequency": "QUARTERLY" if quarterly else "MONTHLY",
                "day": "FIRST_OF_MONTH",
                "billing_anchor_date": None,
            },
            "custom_fields": {},
            "created_at": format_rfc3339(start),
            "created_by": "api",
            "archived_at": None,
            "void_invoices": False,
        }

    def customer(self, index: int) -> CustomerRecord:
        rng, fake = self.rng, self.fake
        name = fake.unique.company()
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20] or f"customer{index}"
        if slug in self.slugs:  # two names alike in their first 20 letters: aliases stay unique
            slug = f"{slug}{index}"
        self.slugs.add(slug)
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

    def events(self, customers: list[CustomerRecord]) -> GeneratedEvents:
        if not customers or not self.days:
            return GeneratedEvents(self, [], {}, [])
        users = {
            c.id: [self.fake.user_name() for _ in range(self.rng.randrange(3, 12))]
            for c in customers
        }
        unknown = [self.uuid(), "deleted-customer@example.com"]
        return GeneratedEvents(self, customers, users, unknown)

    def stream(
        self, customers: list[CustomerRecord], users: dict[str, list[str]], unknown: list[str]
    ) -> Iterator[GeneratedEvent]:
        """The events in time order (stable for equal times), as a real pipeline sends them.

        Each day's share is drawn first, then the day's events are made in time order, so only
        one day of them is ever in memory.
        """
        rng = self.rng
        # Weekends (2024-01-06 is a Saturday) carry less traffic.
        day_weights = [0.6 if (d + 1) % 7 in (6, 0) else 1.0 for d in range(self.days)]
        per_day = Counter(rng.choices(range(self.days), day_weights, k=self.n_events))
        day = _Day(rng, customers, users, unknown)
        for d in range(self.days):
            yield from day.events(SCENARIO_START + d * US_PER_DAY, per_day[d])


_STATUSES = [200, 404, 500, 502, 503]
_STATUS_WEIGHTS = list(accumulate([85, 6, 5, 2, 2]))
_STATUS_TOTAL = _STATUS_WEIGHTS[-1] + 0.0
_STATUS_TEXT = {status: str(status) for status in _STATUSES}
_LLM_MODELS = [*MODELS, "legacy-model"]
_HEARTBEAT_REGIONS = [*REGIONS, "sandbox"]
_CLUSTERS = [f"cluster-{n}" for n in range(1, 6)]
_LOGIN_METHODS = ["sso", "password"]
_PATHS = ["/", "/pricing", "/docs", "/dashboard"]
_new_event = tuple.__new__  # GeneratedEvent(...) without its Python-level __new__


class _Day:
    """A day's events, drawn from the generator's `random.Random` exactly as the plain calls
    would draw them (`choice`, `randrange`, `uniform` and `choices`, in the same order, to the same
    values), with fewer Python steps: `below(n)` is `Random._randbelow(n)`, which `choice(seq)`
    (`seq[below(len(seq))]`) and `randrange(a, b)` (`a + below(b - a)`) use, `uniform(a, b)` is
    `a + (b - a) * random()`, customers are picked as indices into lists made once, transaction
    ids are drawn as numbers and made text a day at a time, and an event is a tuple made in C.
    An event costs about two thirds of what it did; the digests in tests/test_seed.py hold the
    output to what it was, and would catch a Python release that changed how `random` draws."""

    def __init__(
        self,
        rng: random.Random,
        customers: list[CustomerRecord],
        users: dict[str, list[str]],
        unknown: list[str],
    ) -> None:
        self.rng = rng
        # A few heavy customers and a long tail.
        self.weights = [1.0 / (rank + 1) for rank in range(len(customers))]
        self.ids = [c.id for c in customers]
        self.aliases = [c.ingest_aliases for c in customers]
        self.users = [users[c.id] for c in customers]
        self.unknown = unknown
        # Transaction ids so far, for the occasional duplicate (today's as numbers, see `events`).
        self.sent: list[Any] = []
        self.hours = [hour * US_PER_HOUR for hour in range(24)]
        self.types = list(EVENT_TYPES)
        self.type_weights = list(EVENT_TYPES.values())

    def events(self, start: int, n: int) -> list[GeneratedEvent]:
        rng = self.rng
        random, getrandbits = rng.random, rng.getrandbits

        def below(n: int) -> int:  # Random._randbelow_with_getrandbits
            k = n.bit_length()
            r = getrandbits(k)
            while r >= n:
                r = getrandbits(k)
            return r

        picked_customers = rng.choices(range(len(self.ids)), self.weights, k=n)
        picked_hours = rng.choices(self.hours, HOUR_WEIGHTS, k=n)
        picked_types = rng.choices(self.types, self.type_weights, k=n)
        ids, aliases, unknown = self.ids, self.aliases, self.unknown
        senders: list[str] = []
        stamps: list[int] = []
        for i in range(n):
            customer = picked_customers[i]
            roll = random()
            if roll < 0.04:  # sent for no known customer: kept, counted for nobody
                senders.append(unknown[below(len(unknown))])
            elif roll < 0.25 and (own := aliases[customer]):
                senders.append(own[below(len(own))])
            else:
                senders.append(ids[customer])
            ts = start + picked_hours[i] + below(3600) * US_PER_SECOND
            if roll > 0.97:  # a few with sub-second precision
                ts += (1 + below(999)) * 1000
            stamps.append(ts)
        sent, users = self.sent, self.users
        order = sorted(range(n), key=stamps.__getitem__)
        # The day's new transaction ids, as 128-bit numbers, made text at the end of the day.
        first, fresh = len(sent), []
        all_properties: list[dict[str, Any]] = []
        for i in order:
            if sent and random() < 0.01:
                sent.append(sent[below(len(sent))])  # today's a number still, an earlier day's text
            else:
                transaction = getrandbits(128) & _UUID_CLEAR | _UUID_SET
                sent.append(transaction)
                fresh.append(transaction)
            event_type = picked_types[i]
            who = users[picked_customers[i]]
            properties: dict[str, Any]
            if event_type == "api_request":
                properties = {
                    "region": REGIONS[below(len(REGIONS))],
                    "user_id": who[below(len(who))],
                    "latency_ms": 5 + below(895),
                }
                if random() < 0.93:  # the rest lack an endpoint: not billable API requests
                    properties["endpoint"] = ENDPOINTS[below(len(ENDPOINTS))]
                # `choices(_STATUSES, [85, 6, 5, 2, 2])[0]`, as `choices` computes it.
                status = _STATUSES[
                    bisect_right(_STATUS_WEIGHTS, random() * _STATUS_TOTAL, 0, len(_STATUSES) - 1)
                ]
                # Sent as a number or a string: filters compare string forms, so both match "500".
                properties["status"] = status if random() < 0.5 else _STATUS_TEXT[status]
            elif event_type == "llm_completion":
                tokens: Any = 20 + below(3980)
                shape = random()
                if shape < 0.1:
                    tokens = str(tokens)  # numeric strings count
                elif shape < 0.13:
                    tokens = "n/a"  # not numeric: the event does not match
                model = _LLM_MODELS[below(len(_LLM_MODELS))]
                properties = {"model": model, "tokens": tokens, "user_id": who[below(len(who))]}
            elif event_type == "heartbeat":
                whole, part = 1 + below(119), round(0.5 + (60 - 0.5) * random(), 2)
                properties = {
                    "cpu_seconds": part if below(2) else whole,
                    "region": _HEARTBEAT_REGIONS[below(len(_HEARTBEAT_REGIONS))],
                    "cluster_id": _CLUSTERS[below(len(_CLUSTERS))],
                }
            elif event_type == "login":
                properties = {
                    "user_id": who[below(len(who))],
                    "method": _LOGIN_METHODS[below(len(_LOGIN_METHODS))],
                }
            elif event_type == "page_view":
                properties = {"path": _PATHS[below(len(_PATHS))]}
            elif event_type == "storage_snapshot":
                gb_stored = round(1 + (5000 - 1) * random(), 2)
                properties = {"gb_stored": gb_stored, "region": REGIONS[below(len(REGIONS))]}
            elif event_type == "seat_count":
                properties = {"seats": 1 + below(249)}
            elif event_type == "bandwidth":
                properties = {"bytes": 1_000 + below(10_000_000 - 1_000)}
            else:  # test_ping
                properties = {"internal": True}
            all_properties.append(properties)
        # The day's ids made text in `sent` too: the same str objects as the events', so that
        # `sent` costs no memory of its own (a million numbers would be about 45 MB).
        text_of = dict(zip(fresh, _uuid_texts(fresh), strict=True))
        today = sent[first:]
        sent[first:] = transaction_ids = list(map(text_of.get, today, today))
        columns = zip(
            transaction_ids,
            map(senders.__getitem__, order),
            map(picked_types.__getitem__, order),
            map(stamps.__getitem__, order),
            all_properties,
            strict=True,
        )
        return list(map(_new_event, repeat(GeneratedEvent), columns))


def _uuid_text(n: int) -> str:
    """`str(uuid.UUID(int=n))`, formatted directly (several times faster)."""
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# Where each of a UUID's 32 hex digits goes in its 36 characters (dashes after 8, 12, 16, 20).
_DIGIT_AT = [j + (j >= 8) + (j >= 12) + (j >= 16) + (j >= 20) for j in range(32)]


def _uuid_texts(numbers: list[int]) -> list[str]:
    """`[_uuid_text(n) for n in numbers]`, three times faster: the digits of all of them made at
    once (`hexlify`), put in place a digit position at a time (a slice with a step, in C) into
    lines of 36 characters of dashes, and the lines split apart."""
    count = len(numbers)
    digits = hexlify(b"".join(map(int.to_bytes, numbers, repeat(16))))
    lines = bytearray(b"-" * (37 * count))
    for j, at in enumerate(_DIGIT_AT):
        lines[at::37] = digits[j::32]
    lines[36::37] = b"\n" * count
    return lines.decode().splitlines()


def generate(seed: int, customers: int = 8, days: int = 7, events: int = 20_000) -> Scenario:
    """The scenario for `seed`: the same arguments give the same state, byte for byte."""
    return _Generator(seed, customers, days, events).scenario()
