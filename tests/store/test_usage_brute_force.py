"""The store's usage rows against the independent brute force, on generated and random worlds."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from emulator.metering.store import Store
from emulator.scenario.seed import generate
from emulator.wire.models import FixtureDocument
from tests import brute
from tests.helpers import all_rows

START = brute.when("2024-01-01T00:00:00Z")


def random_query(rng: random.Random, document: dict[str, Any], days: int) -> dict[str, Any]:
    # Usage bounds are UTC midnights for every window size: hour and none windows too.
    window_size = rng.choice(["hour", "day", "none", "NONE", "Hour"])
    start = START + brute.DAY * rng.randrange(-1, days + 1)
    end = start + brute.DAY * (1 if window_size.lower() == "hour" else rng.randrange(1, 5))
    query: dict[str, Any] = {
        "starting_on": brute.iso(start),
        "ending_before": brute.iso(end),
        "window_size": window_size,
    }
    customers = [c["id"] for c in document["customers"]]
    if rng.random() < 0.5:  # archived ones included when drawn
        query["customer_ids"] = rng.sample(customers, rng.randrange(1, len(customers) + 1))
    if rng.random() < 0.6:
        selectors = []
        for metric in rng.sample(document["billable_metrics"], rng.randrange(1, 4)):
            selector: dict[str, Any] = {"id": metric["id"]}
            names = [name for key in metric["group_keys"] for name in key]
            if names and rng.random() < 0.7:
                group_by: dict[str, Any] = {"key": rng.choice(names)}
                if rng.random() < 0.4:
                    seen = {
                        brute.text_of(e["properties"][group_by["key"]])
                        for e in document["events"]
                        if e["properties"].get(group_by["key"]) is not None
                    }
                    pool = [*sorted(seen), "never-seen"]
                    group_by["values"] = rng.sample(pool, rng.randrange(1, len(pool) + 1))
                selector["group_by"] = group_by
            selectors.append(selector)
        query["billable_metrics"] = selectors
    return query


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_scenarios(seed: int) -> None:
    """Random queries of every window size, filter and group_by over a generated scenario."""
    days = 3
    store = Store.from_document(generate(seed, customers=5, days=days, events=2500))
    document = store.to_document()
    rng = random.Random(seed)
    for _ in range(25):
        query = random_query(rng, document, days)
        brute.assert_rows_equal(all_rows(store, query), brute.usage_rows(document, query))


# --- random worlds: every matching rule against the brute force --------------------------------

CUSTOMER = "aaaaaaaa-0000-4000-8000-000000000001"
KINDS = ["COUNT", "SUM", "MAX", "UNIQUE", "LATEST"]
property_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from([0.5, 2.0, -1.25, 1e20, 3.0e-7]),
    st.sampled_from(["1", "2.5", "x", "", "true", "-3", "1e2", "7.0"]),
)
events = st.lists(
    st.fixed_dictionaries(
        {
            "transaction_id": st.sampled_from([f"t{i}" for i in range(30)]),
            "customer_id": st.sampled_from([CUSTOMER, "alias", "stranger"]),
            "event_type": st.sampled_from(["a", "b", "c"]),
            # Minutes around two hour edges, some exactly on them.
            "timestamp": st.integers(0, 180).map(
                lambda m: brute.iso(START + brute.timedelta(minutes=m))
            ),
            "properties": st.dictionaries(st.sampled_from(["k", "g", "f"]), property_values),
        }
    ),
    max_size=40,
)
property_filter = st.fixed_dictionaries(
    {"name": st.sampled_from(["g", "f"])},
    optional={
        "exists": st.booleans(),
        "in_values": st.lists(st.sampled_from(["1", "x", "true", "2.5", "-3"]), min_size=1),
        "not_in_values": st.lists(st.sampled_from(["1", "x", "false"]), min_size=1),
    },
)
metric = st.fixed_dictionaries(
    {
        "id": st.just("11111111-1111-4111-8111-111111111111"),
        "name": st.just("m"),
        "aggregation_type": st.sampled_from(KINDS),
        "aggregation_key": st.just("k"),
        "property_filters": st.lists(property_filter, max_size=2),
        "group_keys": st.just([["g"]]),
    },
    optional={
        "event_type_filter": st.fixed_dictionaries(
            {},
            optional={
                "in_values": st.lists(st.sampled_from(["a", "b"]), min_size=1),
                "not_in_values": st.lists(st.sampled_from(["b", "c"]), min_size=1),
            },
        )
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(  # integral floats group and filter as "2", not "2.0"
    metric={
        "id": "11111111-1111-4111-8111-111111111111",
        "name": "m",
        "aggregation_type": "SUM",
        "aggregation_key": "k",
        "property_filters": [{"name": "f", "in_values": ["1"]}],
        "group_keys": [["g"]],
    },
    events=[
        {
            "transaction_id": "t1",
            "customer_id": "alias",
            "event_type": "a",
            "timestamp": "2024-01-01T01:00:00Z",
            "properties": {"g": 2.0, "f": 1.0, "k": "7.0"},
        }
    ],
    window=("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "hour"),
    values=None,
)
@given(
    metric=metric,
    events=events,
    window=st.sampled_from(
        [
            ("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "hour"),
            ("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day"),
            ("2023-12-31T00:00:00Z", "2024-01-02T00:00:00Z", "day"),
            ("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "none"),
            ("2023-12-31T00:00:00Z", "2024-01-03T00:00:00Z", "none"),
        ]
    ),
    values=st.none() | st.lists(st.sampled_from(["1", "x", "true", "2.5", "zz"]), min_size=1),
)
def test_random_worlds(
    metric: dict[str, Any],
    events: list[dict[str, Any]],
    window: tuple[str, str, str],
    values: list[str] | None,
) -> None:
    """Filters, string forms, numeric strings, duplicates, aliases and window edges."""
    document = {
        "customers": [{"id": CUSTOMER, "name": "c", "ingest_aliases": ["alias"]}],
        "billable_metrics": [metric],
        "events": events,
    }
    store = Store.from_document(FixtureDocument.model_validate(document))
    group_by: dict[str, Any] = {"key": "g"} if values is None else {"key": "g", "values": values}
    query = {
        "starting_on": window[0],
        "ending_before": window[1],
        "window_size": window[2],
        "billable_metrics": [{"id": metric["id"], "group_by": group_by}],
    }
    exported = store.to_document()
    brute.assert_rows_equal(all_rows(store, query), brute.usage_rows(exported, query))
