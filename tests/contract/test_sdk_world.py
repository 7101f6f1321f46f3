"""Customers and billable metrics through the official SDK, and a world built only through it.

These tests know nothing of the emulator's internals: they create customers and metrics, ingest
events and read usage through `metronome-sdk`, and check the numbers against the brute force over
exactly what they sent. Each test uses its own bearer token, so its world is its own.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from typing import Any

import pytest
from metronome import (
    AsyncMetronome,
    BadRequestError,
    ConflictError,
    Metronome,
    NotFoundError,
)

from tests import brute
from tests.contract.conftest import emulator_process
from tests.contract.test_sdk_usage import as_wire
from tests.helpers import ROOT

SMALL = str(ROOT / "fixtures" / "small.json")
UNKNOWN = "0f0f0f0f-0000-4000-8000-000000000000"
DAY_ONE = "2022-03-01T00:00:00Z"
# Every tenant's clock: the end of the two days the tests ingest into, so that all their events
# are inside the ingest window (at most 34 days old, at most 24 hours ahead).
CLOCK = "2022-03-03T00:00:00Z"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with emulator_process("--fixtures", SMALL, "--clock", CLOCK) as base:
        yield base


def sdk(url: str, token: str) -> Metronome:
    return Metronome(
        base_url=url, bearer_token=token, _strict_response_validation=True, max_retries=0
    )


def day_one_values(client: Metronome, customer_id: str, metric_id: str) -> list[Any]:
    """The values of one customer's usage of one metric on 2022-03-01, as the SDK reads them."""
    rows = client.v1.usage.list(
        starting_on=DAY_ONE,
        ending_before="2022-03-02T00:00:00Z",
        window_size="DAY",
        customer_ids=[customer_id],
        billable_metrics=[{"id": metric_id}],
    )
    return [row.value for row in rows]


def message(error: Any) -> str:
    return str(error.value.body["message"])


class TestCustomers:
    def test_create_then_read_back(self, url: str) -> None:
        with sdk(url, "customers-create") as client:
            created = client.v1.customers.create(
                name="Initech", ingest_aliases=["initech-prod"], custom_fields={"tier": "pro"}
            ).data
            assert (created.name, created.ingest_aliases, created.custom_fields) == (
                "Initech",
                ["initech-prod"],
                {"tier": "pro"},
            )
            assert created.external_id == "initech-prod"
            detail = client.v1.customers.retrieve(customer_id=created.id).data
            assert (detail.id, detail.name, detail.archived_at) == (created.id, "Initech", None)
            # Stamped from the tenant's clock, as Metronome stamps it from its own.
            assert detail.created_at.isoformat() == "2022-03-03T00:00:00+00:00"
            assert detail.updated_at is not None
            assert detail.updated_at.isoformat() == "2022-03-03T00:00:00+00:00"
            found = list(client.v1.customers.list(ingest_alias="initech-prod"))
            assert [c.id for c in found] == [created.id]
            assert [c.id for c in client.v1.customers.list(customer_ids=[created.id])] == [
                created.id
            ]

    def test_the_same_steps_give_the_same_ids(self, url: str) -> None:
        ids = []
        for token in ("same-a", "same-b"):
            with sdk(url, token) as client:
                ids.append(client.v1.customers.create(name="Hooli").data.id)
        assert ids[0] == ids[1]

    def test_auto_pagination_over_every_limit(self, url: str) -> None:
        with sdk(url, "customers-pages") as client:
            for i in range(4):
                client.v1.customers.create(name=f"Customer {i}")
            everything = [c.id for c in client.v1.customers.list(limit=100)]
            for limit in (1, 2, 3):
                assert [c.id for c in client.v1.customers.list(limit=limit)] == everything
            assert len(everything) == len(set(everything)) >= 5

    def test_alias_of_another_customer_is_a_conflict(self, url: str) -> None:
        with sdk(url, "customers-conflict") as client:
            with pytest.raises(ConflictError) as caught:
                client.v1.customers.create(name="Copycat", ingest_aliases=["acme-prod"])
            assert message(caught) == (
                "ingest_aliases: 'acme-prod' is already used by customer "
                "aaaaaaaa-0000-4000-8000-000000000001"
            )
            other = client.v1.customers.create(name="Other").data
            with pytest.raises(ConflictError):
                client.v1.customers.set_ingest_aliases(
                    customer_id=other.id, ingest_aliases=["acme-prod"]
                )

    def test_repeated_alias(self, url: str) -> None:
        with sdk(url, "customers-repeat") as client, pytest.raises(BadRequestError) as caught:
            client.v1.customers.create(name="Twice", ingest_aliases=["x", "x"])
        assert message(caught) == "ingest_aliases must not repeat an alias"

    def test_unknown_and_malformed_ids(self, url: str) -> None:
        with sdk(url, "customers-unknown") as client:
            with pytest.raises(NotFoundError) as caught:
                client.v1.customers.retrieve(customer_id=UNKNOWN)
            assert message(caught) == f"customer {UNKNOWN} not found"
            with pytest.raises(BadRequestError) as bad:
                client.v1.customers.retrieve(customer_id="not-an-id")
            assert message(bad) == "customer_id must be a UUID"
            with pytest.raises(NotFoundError):
                client.v1.customers.archive(id=UNKNOWN)
            with pytest.raises(BadRequestError) as limit:
                list(client.v1.customers.list(limit=101))
            assert message(limit) == "limit must be an integer from 1 to 100"
            with pytest.raises(BadRequestError) as name:
                client.v1.customers.create(name="")
            assert message(name) == "name must not be empty"

    def test_archive(self, url: str) -> None:
        with sdk(url, "customers-archive") as client:
            customer = client.v1.customers.create(name="Gone Soon").data
            assert client.v1.customers.archive(id=customer.id).data.id == customer.id
            assert customer.id not in [c.id for c in client.v1.customers.list()]
            archived = list(client.v1.customers.list(only_archived=True))
            assert customer.id in [c.id for c in archived]
            assert all(c.archived_at is not None for c in archived)
            mine = next(c for c in archived if c.id == customer.id)
            assert mine.archived_at is not None
            assert mine.archived_at.isoformat() == "2022-03-03T00:00:00+00:00"  # the clock

    def test_aliases_set_later_pick_up_earlier_events(self, url: str) -> None:
        with sdk(url, "customers-late-alias") as client:
            customer = client.v1.customers.create(name="Late").data
            metric = client.v1.billable_metrics.create(
                name="Pings", aggregation_type="COUNT", event_type_filter={"in_values": ["ping"]}
            ).data
            client.v1.usage.ingest(
                usage=[
                    {
                        "transaction_id": f"late-{i}",
                        "customer_id": "late-alias",
                        "event_type": "ping",
                        "timestamp": f"2022-03-01T0{i}:00:00Z",
                    }
                    for i in range(3)
                ]
            )

            assert day_one_values(client, customer.id, metric.id) == [0]
            client.v1.customers.set_ingest_aliases(
                customer_id=customer.id, ingest_aliases=["late-alias"]
            )
            assert day_one_values(client, customer.id, metric.id) == [3]
            assert client.v1.customers.retrieve(customer_id=customer.id).data.ingest_aliases == [
                "late-alias"
            ]

    def test_billable_metrics_of_a_customer(self, url: str) -> None:
        with sdk(url, "customers-metrics") as client:
            customer = next(iter(client.v1.customers.list()))
            active = {m.id for m in client.v1.billable_metrics.list()}
            listed = client.v1.customers.list_billable_metrics(customer_id=customer.id)
            assert {m.id for m in listed} == active
            every = client.v1.customers.list_billable_metrics(
                customer_id=customer.id, include_archived=True
            )
            assert {m.id for m in every} > active  # small.json has an archived metric
            with pytest.raises(NotFoundError):
                client.v1.customers.list_billable_metrics(customer_id=UNKNOWN)


class TestBillableMetrics:
    def test_create_read_archive(self, url: str) -> None:
        with sdk(url, "metrics-create") as client:
            tokens = next(m for m in METRICS if m["name"] == "Tokens")
            body = {**tokens, "aggregation_type": "sum"}  # any case is accepted
            created = client.v1.billable_metrics.create(**body).data
            metric = client.v1.billable_metrics.retrieve(billable_metric_id=created.id).data
            assert (metric.name, metric.aggregation_type, metric.aggregation_key) == (
                "Tokens",
                "SUM",
                "tokens",
            )
            assert metric.group_keys == [["model"]]
            assert created.id in [m.id for m in client.v1.billable_metrics.list()]
            client.v1.billable_metrics.archive(id=created.id)
            assert created.id not in [m.id for m in client.v1.billable_metrics.list()]
            archived = client.v1.billable_metrics.list(include_archived=True)
            assert created.id in [m.id for m in archived]
            again = client.v1.billable_metrics.retrieve(billable_metric_id=created.id).data
            assert again.archived_at is not None
            assert again.archived_at.isoformat() == "2022-03-03T00:00:00+00:00"  # the clock
            with pytest.raises(NotFoundError) as caught:
                client.v1.billable_metrics.retrieve(billable_metric_id=UNKNOWN)
            assert message(caught) == f"billable metric {UNKNOWN} not found"

    def test_writes_stay_with_their_token(self, url: str) -> None:
        with sdk(url, "isolated-a") as a, sdk(url, "isolated-b") as b:
            metric = next(iter(a.v1.billable_metrics.list()))
            a.v1.billable_metrics.archive(id=metric.id)
            a.v1.customers.create(name="Only in A")
            assert metric.id not in [m.id for m in a.v1.billable_metrics.list()]
            assert metric.id in [m.id for m in b.v1.billable_metrics.list()]
            assert "Only in A" not in [c.name for c in b.v1.customers.list()]

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            (
                {"aggregation_type": "SUM", "property_filters": [{"name": "x", "exists": True}]},
                "aggregation_key is required for SUM",
            ),
            (
                {"aggregation_type": "MAX", "aggregation_key": "x"},
                "aggregation_key 'x' must be the name of one of the property_filters",
            ),
            (
                {"aggregation_type": "COUNT", "group_keys": [["region"]]},
                "group_keys[0]: 'region' needs a property filter with exists: true or in_values",
            ),
            (
                {
                    "aggregation_type": "COUNT",
                    "property_filters": [{"name": "region", "not_in_values": ["x"]}],
                    "group_keys": [["region"]],
                },
                "group_keys[0]: 'region' needs a property filter with exists: true or in_values",
            ),
            (
                {"aggregation_type": "COUNT", "property_filters": [{"name": "r", "in_values": []}]},
                "property_filters[0].in_values must have at least 1 item(s)",
            ),
            (
                {"aggregation_type": "AVERAGE"},
                "aggregation_type must be one of COUNT, SUM, MAX, UNIQUE, LATEST",
            ),
            ({}, "aggregation_type is required"),
            (
                {"sql": "select count(*) from events"},
                "sql billable metrics are not supported by the emulator: define the metric with "
                "aggregation_type, aggregation_key, event_type_filter and property_filters",
            ),
        ],
    )
    def test_metronome_rules(self, url: str, body: dict[str, Any], expected: str) -> None:
        with sdk(url, "metrics-rules") as client, pytest.raises(BadRequestError) as caught:
            client.v1.billable_metrics.create(name="Bad", **body)
        assert message(caught) == expected

    def test_a_new_metric_does_not_count_events_already_stored(self, url: str) -> None:
        """Metronome: "If usage is sent in before the billable metric is created, it isn't
        attributed"; the events ingested after it are."""
        with sdk(url, "metrics-backfill") as client:
            customer = client.v1.customers.create(name="Early").data

            def uploads(numbers: range) -> list[Any]:
                return [
                    {
                        "transaction_id": f"early-{i}",
                        "customer_id": customer.id,
                        "event_type": "upload",
                        "timestamp": "2022-03-01T10:00:00Z",
                        "properties": {"mb": i},
                    }
                    for i in numbers
                ]

            client.v1.usage.ingest(usage=uploads(range(1, 5)))
            metric = client.v1.billable_metrics.create(
                name="MB",
                aggregation_type="SUM",
                aggregation_key="mb",
                property_filters=[{"name": "mb", "exists": True}],
            ).data
            assert day_one_values(client, customer.id, metric.id) == [0]
            client.v1.usage.ingest(usage=uploads(range(4, 7)))  # early-4 again: a duplicate
            assert day_one_values(client, customer.id, metric.id) == [11]
            found = client.v1.usage.search(transaction_ids=["early-1", "early-5"])
            assert [
                (e.transaction_id, [m.id for m in e.matched_billable_metrics or []]) for e in found
            ] == [("early-1", []), ("early-5", [metric.id])]


# --- a random world, built and read only through the SDK --------------------------------------

METRICS: list[dict[str, Any]] = [
    {
        "name": "Requests",
        "aggregation_type": "COUNT",
        "event_type_filter": {"in_values": ["request"]},
        "property_filters": [{"name": "region", "exists": True}, {"name": "user", "exists": True}],
        "group_keys": [["region"], ["region", "user"]],
    },
    {
        "name": "Tokens",
        "aggregation_type": "SUM",
        "aggregation_key": "tokens",
        "event_type_filter": {"in_values": ["completion"]},
        "property_filters": [
            {"name": "tokens", "exists": True},
            {"name": "model", "in_values": ["small", "large"]},
        ],
        "group_keys": [["model"]],
    },
    {
        "name": "Peak",
        "aggregation_type": "MAX",
        "aggregation_key": "tokens",
        "event_type_filter": {"in_values": ["completion"]},
        "property_filters": [{"name": "tokens", "exists": True}],
    },
    {
        "name": "Users",
        "aggregation_type": "UNIQUE",
        "aggregation_key": "user",
        "event_type_filter": {"not_in_values": ["heartbeat"]},
        "property_filters": [{"name": "user", "exists": True}],
    },
    {
        "name": "Seats",
        "aggregation_type": "LATEST",
        "aggregation_key": "seats",
        "property_filters": [{"name": "seats", "exists": True, "not_in_values": ["0"]}],
    },
]
QUERIES: list[dict[str, Any]] = [
    {"starting_on": DAY_ONE, "ending_before": "2022-03-03T00:00:00Z", "window_size": "DAY"},
    # Usage bounds are UTC midnights for every window size: hours across midnight are read from
    # whole days, and a none window spans whole days.
    {"starting_on": DAY_ONE, "ending_before": "2022-03-03T00:00:00Z", "window_size": "HOUR"},
    {
        "starting_on": "2022-02-28T00:00:00Z",
        "ending_before": "2022-03-04T00:00:00Z",
        "window_size": "NONE",
    },
]


def random_events(rng: random.Random, senders: list[str]) -> list[dict[str, Any]]:
    """Aliases, unknown senders, duplicates, edges of windows, numeric strings, missing keys."""
    events: list[dict[str, Any]] = []
    for i in range(rng.randrange(150, 250)):
        hour = rng.randrange(48)
        second = rng.choice([0, 0, 0, rng.randrange(3600)])  # often exactly on a window edge
        stamp = brute.when(DAY_ONE) + brute.HOUR * hour + brute.timedelta(seconds=second)
        properties: dict[str, Any] = {}
        for name, values in (
            ("region", ["eu", "us", 1, True]),
            ("tokens", [5, 12, "7", "2.5", "n/a", 3.0, None]),
            ("model", ["small", "large", "other"]),
            ("user", ["ann", "bob", 7, "7"]),
            ("seats", [3, 10, "4", 0]),
        ):
            if rng.random() < 0.7:
                properties[name] = rng.choice(values)
        events.append(
            {
                "transaction_id": f"t-{rng.randrange(i + 1)}" if rng.random() < 0.05 else f"t-{i}",
                "customer_id": rng.choice(senders),
                "event_type": rng.choice(["request", "completion", "heartbeat"]),
                "timestamp": brute.iso(stamp),
                "properties": properties,
            }
        )
    return events


def build_world(client: Metronome, rng: random.Random) -> dict[str, Any]:
    """Customers, metrics and events made through the SDK; the document the brute force reads."""
    customers = []
    for i in range(3):
        aliases = [f"alias-{i}-{j}" for j in range(rng.randrange(3))]
        created = client.v1.customers.create(name=f"World {i}", ingest_aliases=aliases).data
        customers.append({"id": created.id, "name": created.name, "ingest_aliases": aliases})
    metrics = [
        {**spec, "id": client.v1.billable_metrics.create(**spec).data.id} for spec in METRICS
    ]
    senders = [c["id"] for c in customers] + [a for c in customers for a in c["ingest_aliases"]]
    events = random_events(rng, [*senders, "nobody"])
    for start in range(0, len(events), 100):
        client.v1.usage.ingest(usage=events[start : start + 100])  # type: ignore[arg-type]
    return {"customers": customers, "billable_metrics": metrics, "events": events}


def queries(document: dict[str, Any]) -> list[dict[str, Any]]:
    mine = {
        "customer_ids": [c["id"] for c in document["customers"]],
        "billable_metrics": [{"id": m["id"]} for m in document["billable_metrics"]],
    }
    grouped = {
        **mine,
        "billable_metrics": [
            {"id": document["billable_metrics"][0]["id"], "group_by": {"key": "region"}},
            {
                "id": document["billable_metrics"][1]["id"],
                "group_by": {"key": "model", "values": ["small", "medium"]},
            },
        ],
    }
    return [{**q, **extra} for q in QUERIES for extra in (mine, grouped)]


def group_queries(document: dict[str, Any]) -> list[dict[str, Any]]:
    """`/v1/usage/groups` bodies: simple and compound keys, filters, no key at all."""
    customer = document["customers"][0]["id"]
    requests, tokens = (m["id"] for m in document["billable_metrics"][:2])
    shapes: list[dict[str, Any]] = [
        {"billable_metric_id": requests, "group_key": ["region"]},
        {"billable_metric_id": requests, "group_key": ["region", "user"]},
        {
            "billable_metric_id": requests,
            "group_key": ["region", "user"],
            "group_filters": {"user": ["ann", "7"], "region": []},
        },
        {
            "billable_metric_id": tokens,
            "group_key": ["model"],
            "group_filters": {"model": ["small"]},
        },
        {"billable_metric_id": tokens},
    ]
    return [{**q, **shape, "customer_id": customer} for q in QUERIES for shape in shapes]


def as_group_row(row: Any) -> dict[str, Any]:
    data = row.model_dump(mode="json")
    for field in ("starting_on", "ending_before"):
        data[field] = brute.iso(brute.when(data[field]))
    return dict(data)


def assert_group_rows_equal(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert [{**r, "value": None} for r in got] == [{**r, "value": None} for r in want]
    for a, b in zip(got, want, strict=True):
        assert brute.same_number(a["value"], b["value"]), (a, b)


class TestAWorldBuiltThroughTheSdk:
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_sync(self, url: str, seed: int) -> None:
        with sdk(url, f"world-{seed}") as client:
            document = build_world(client, random.Random(seed))
            counted = 0
            for query in queries(document):
                pages = client.v1.usage.list(**query, extra_headers={"X-Emulator-Page-Size": "7"})
                rows = [as_wire(row) for row in pages]
                brute.assert_rows_equal(rows, brute.usage_rows(document, query))
                counted += sum(row["value"] not in (0, None) for row in rows)
            assert counted > 20  # the world has usage in it, not only zeros
            grouped = 0
            for body in group_queries(document):
                rows = [as_group_row(r) for r in client.v1.usage.list_with_groups(**body, limit=3)]
                assert_group_rows_equal(rows, brute.group_rows(document, body))
                grouped += len(rows)
            assert grouped > 20

    def test_async(self, url: str) -> None:
        with sdk(url, "world-async") as client:
            document = build_world(client, random.Random(4))

        async def read(query: dict[str, Any]) -> list[dict[str, Any]]:
            async with AsyncMetronome(
                base_url=url, bearer_token="world-async", _strict_response_validation=True
            ) as client:
                customers = [c.id async for c in client.v1.customers.list(limit=1)]
                assert set(customers) >= {c["id"] for c in document["customers"]}
                pages = client.v1.usage.list(**query, extra_headers={"X-Emulator-Page-Size": "5"})
                return [as_wire(row) async for row in pages]

        for query in queries(document):
            rows = asyncio.run(read(query))
            brute.assert_rows_equal(rows, brute.usage_rows(document, query))

        async def read_groups(body: dict[str, Any]) -> list[dict[str, Any]]:
            async with AsyncMetronome(
                base_url=url, bearer_token="world-async", _strict_response_validation=True
            ) as client:
                pages = client.v1.usage.list_with_groups(**body, limit=2)
                return [as_group_row(row) async for row in pages]

        for body in group_queries(document):
            assert_group_rows_equal(
                asyncio.run(read_groups(body)), brute.group_rows(document, body)
            )


@pytest.fixture(scope="module")
def errors_world(url: str) -> dict[str, Any]:
    with sdk(url, "groups-errors") as client:
        return build_world(client, random.Random(6))


class TestUsageGroups:
    def test_deprecated_group_by_is_group_key_with_filters(self, url: str) -> None:
        with sdk(url, "groups-deprecated") as client:
            document = build_world(client, random.Random(5))
            body = group_queries(document)[3]  # Tokens by model, only "small"
            old = {**body, "group_by": {"key": "model", "values": ["small"]}}
            del old["group_key"], old["group_filters"]
            rows = [as_group_row(r) for r in client.v1.usage.list_with_groups(**old)]
            assert_group_rows_equal(rows, brute.group_rows(document, body))
            assert rows
            assert {r["group_key"] for r in rows} == {"model"}

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            (
                {"group_key": ["region"], "group_by": {"key": "region"}},
                "group_key and group_by cannot be used together (group_by is deprecated)",
            ),
            (
                {"group_key": ["user"]},
                "group_key must be one of the metric's group keys ([region]; [region, user])",
            ),
            (
                {"group_key": ["region"], "group_filters": {"user": ["ann"]}},
                "group_filters: 'user' is not in group_key",
            ),
            ({"group_filters": {"region": ["eu"]}}, "group_filters needs group_key"),
            (
                {"current_period": True},
                "current_period needs the customer's billing period, which the emulator does "
                "not model: send starting_on and ending_before",
            ),
            (
                {"starting_on": "2022-03-01T00:30:00Z"},
                "starting_on must be a UTC midnight (Metronome requires usage bounds on day "
                "boundaries for every window_size; query whole days and trim the windows)",
            ),
            (
                {"window_size": "HOUR", "starting_on": "2022-03-01T01:00:00Z"},
                "starting_on must be a UTC midnight (Metronome requires usage bounds on day "
                "boundaries for every window_size; query whole days and trim the windows)",
            ),
            (
                {"window_size": "NONE", "ending_before": "2022-03-02T12:00:00Z"},
                "ending_before must be a UTC midnight (Metronome requires usage bounds on day "
                "boundaries for every window_size; query whole days and trim the windows)",
            ),
            ({"customer_id": UNKNOWN}, f"customer_id {UNKNOWN} is not a known customer"),
        ],
    )
    def test_errors(
        self, url: str, errors_world: dict[str, Any], change: dict[str, Any], expected: str
    ) -> None:
        with sdk(url, "groups-errors") as client:
            body = {**QUERIES[0], **group_queries(errors_world)[0], **change}
            if change.get("group_by") is None and "group_key" not in change:
                body.pop("group_key")
            with pytest.raises(BadRequestError) as caught:
                client.v1.usage.list_with_groups(**body)
            assert message(caught) == expected


class TestEventsSearch:
    def test_each_stored_event_with_what_it_matched(self, url: str) -> None:
        with sdk(url, "events-search") as client:
            customer = client.v1.customers.create(name="Searched", ingest_aliases=["srch"]).data
            metric = client.v1.billable_metrics.create(
                name="Searches", aggregation_type="COUNT", event_type_filter={"in_values": ["q"]}
            ).data

            def event(txn: str, sender: str, event_type: str = "q") -> dict[str, Any]:
                return {
                    "transaction_id": txn,
                    "customer_id": sender,
                    "event_type": event_type,
                    "timestamp": "2022-03-01T10:00:00.250Z",
                    "properties": {"n": 1},
                }

            client.v1.usage.ingest(
                usage=[
                    event("s-1", "srch"),
                    event("s-1", customer.id),  # a duplicate: kept, counts nowhere
                    event("s-2", "nobody"),
                    event("s-3", customer.id, "other"),
                ]
            )
            found = client.v1.usage.search(transaction_ids=["s-3", "s-1", "s-2", "missing"])
            assert [(e.transaction_id, e.customer_id, e.is_duplicate) for e in found] == [
                ("s-1", "srch", False),
                ("s-1", customer.id, True),
                ("s-2", "nobody", False),
                ("s-3", customer.id, False),
            ]
            assert [e.matched_customer.id if e.matched_customer else None for e in found] == [
                customer.id,
                customer.id,
                None,
                customer.id,
            ]
            assert [[m.id for m in e.matched_billable_metrics or []] for e in found] == [
                [metric.id],
                [],
                [metric.id],  # matches the metric; the sender is nobody's
                [],
            ]
            assert found[0].timestamp.isoformat() == "2022-03-01T10:00:00.250000+00:00"
            assert found[0].processed_at is not None
            assert found[0].processed_at.isoformat() == "2022-03-03T00:00:00+00:00"  # the clock
            assert found[0].properties == {"n": 1}
            assert len({e.id for e in found}) == 4

    def test_bad_bodies(self, url: str) -> None:
        with sdk(url, "events-search-bad") as client:
            with pytest.raises(BadRequestError) as empty:
                client.v1.usage.search(transaction_ids=[])
            assert message(empty) == "transactionIds must have at least 1 item(s)"
            with pytest.raises(BadRequestError) as many:
                client.v1.usage.search(transaction_ids=[str(i) for i in range(101)])
            assert message(many) == "transactionIds must have at most 100 item(s)"


class TestAsyncClient:
    """Every endpoint above through the async client, errors included."""

    def test_every_endpoint(self, url: str) -> None:
        async def run() -> None:
            async with AsyncMetronome(
                base_url=url, bearer_token="async-all", _strict_response_validation=True,
                max_retries=0,
            ) as client:  # fmt: skip
                customer = (await client.v1.customers.create(name="Async Co")).data
                assert (await client.v1.customers.retrieve(customer_id=customer.id)).data.name == (
                    "Async Co"
                )
                await client.v1.customers.set_ingest_aliases(
                    customer_id=customer.id, ingest_aliases=["async-co"]
                )
                listed = [c.id async for c in client.v1.customers.list(ingest_alias="async-co")]
                assert listed == [customer.id]
                metric = (
                    await client.v1.billable_metrics.create(
                        name="Async count", aggregation_type="count"
                    )
                ).data
                got = (await client.v1.billable_metrics.retrieve(billable_metric_id=metric.id)).data
                assert got.aggregation_type == "COUNT"
                mine = client.v1.customers.list_billable_metrics(customer_id=customer.id, limit=1)
                assert metric.id in [m.id async for m in mine]
                await client.v1.usage.ingest(
                    usage=[
                        {
                            "transaction_id": "async-1",
                            "customer_id": "async-co",
                            "event_type": "any",
                            "timestamp": "2022-03-01T08:00:00Z",
                        }
                    ]
                )
                rows = client.v1.usage.list_with_groups(
                    customer_id=customer.id, billable_metric_id=metric.id, window_size="NONE",
                    starting_on="2022-03-01T00:00:00Z", ending_before="2022-03-02T00:00:00Z",
                )  # fmt: skip
                assert [r.value async for r in rows] == [1]
                found = await client.v1.usage.search(transaction_ids=["async-1"])
                assert [e.matched_customer.id for e in found if e.matched_customer] == [customer.id]
                await client.v1.billable_metrics.archive(id=metric.id)
                await client.v1.customers.archive(id=customer.id)
                archived = client.v1.customers.list(only_archived=True)
                assert customer.id in [c.id async for c in archived]
                with pytest.raises(NotFoundError):
                    await client.v1.billable_metrics.retrieve(billable_metric_id=UNKNOWN)
                with pytest.raises(ConflictError):
                    await client.v1.customers.create(name="Again", ingest_aliases=["async-co"])
                with pytest.raises(BadRequestError):
                    await client.v1.billable_metrics.create(name="No type")

        asyncio.run(run())
