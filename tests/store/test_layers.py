"""Tenants as layers over a shared base: exact numbers, nothing written to the base, round trips.

Random writes (customers, metrics, alias moves, archives, events with repeated transaction ids
and a clock that jumps past the dedupe window) go into a layer over a generated base; every usage
and groups row of the layered store must equal the brute force over its exported document, which
records the order rule (`events_from`/`events_until`) and processing times (`processed_at`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.metering.groups import GroupsScope, group_rows
from emulator.metering.layers import Layered
from emulator.metering.store import Store
from emulator.metering.windows import Windows
from emulator.scenario.seed import generate
from emulator.wire.models import BillableMetricRecord, CustomerRecord, EventRecord, FixtureDocument
from emulator.wire.timestamps import US_PER_DAY, US_PER_HOUR, parse_rfc3339
from tests import brute
from tests.helpers import all_rows

BASE_DAYS = 2
CLOCK = parse_rfc3339("2024-01-05T00:00:00Z")


@pytest.fixture(scope="module")
def base() -> Store:
    return Store.from_document(generate(11, customers=3, days=BASE_DAYS, events=200))


def digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(document)).hexdigest()


class TestLayered:
    """The mapping reads through to the base, writes to the top, and keeps the base's order."""

    def test_reads_writes_and_order(self) -> None:
        base = {"a": 1, "b": 2, "c": 3}
        layered: Layered[str, int] = Layered(base)
        layered["b"] = 20
        layered["d"] = 4
        del layered["a"]
        assert list(layered.items()) == [("b", 20), ("c", 3), ("d", 4)]
        assert len(layered) == 3
        assert "a" not in layered
        assert layered.get("a") is None
        assert base == {"a": 1, "b": 2, "c": 3}
        layered["a"] = 10  # back after a deletion: in the base's place
        assert list(layered) == ["a", "b", "c", "d"]
        assert len(layered) == 4
        assert list(layered.own()) == [("b", 20), ("d", 4), ("a", 10)]

    def test_missing_keys(self) -> None:
        layered: Layered[str, int] = Layered({"a": 1})
        with pytest.raises(KeyError):
            del layered["zz"]
        del layered["a"]
        with pytest.raises(KeyError):
            layered["a"]

    @pytest.mark.parametrize(("base_size", "nested"), [(0, False), (3, False), (3, True)])
    def test_views_follow_the_order_rule(self, base_size: int, nested: bool) -> None:
        """Keys, values and items, whichever side they are read from, after every write and
        deletion: the base's keys in its order (with the top's values), then the keys only the
        top has, in the order they came. A base may itself be a layer."""
        rng = random.Random(base_size + nested)
        for _ in range(50):
            plain = {f"k{i}": i for i in range(base_size)}
            base: Mapping[str, int] = plain
            if nested:  # the same entries, the first in the inner base
                inner: Layered[str, int] = Layered({"k0": 0})
                inner["k1"], inner["k2"] = 1, 2
                base = inner
            layered: Layered[str, int] = Layered(base)
            values = dict(plain)  # the mapping as it should read
            added: dict[str, None] = {}  # the keys only the top has, in the order they came
            for step in range(12):
                key = f"k{rng.randrange(6)}"
                if key in values and rng.random() < 0.4:
                    del layered[key]
                    del values[key]
                    added.pop(key, None)
                else:
                    layered[key] = values[key] = step
                    if key not in plain:
                        added.setdefault(key, None)
                keys = [k for k in plain if k in values] + list(added)
                assert list(layered) == keys
                assert list(layered.values()) == [values[k] for k in keys]
                assert list(layered.items()) == [(k, values[k]) for k in keys]
                assert len(layered) == len(keys)


def customer(n: int, aliases: list[str]) -> CustomerRecord:
    return CustomerRecord.model_validate(
        {"id": f"dddddddd-0000-4000-8000-{n:012d}", "name": f"C{n}", "ingest_aliases": aliases}
    )


def metric(n: int, kind: str, grouped: bool) -> BillableMetricRecord:
    filters: list[dict[str, Any]] = [{"name": "n", "exists": True}]
    if grouped:
        filters.append({"name": "g", "exists": True})
    return BillableMetricRecord.model_validate(
        {
            "id": f"eeeeeeee-0000-4000-8000-{n:012d}",
            "name": f"M{n}",
            "aggregation_type": kind,
            "aggregation_key": None if kind == "COUNT" else "n",
            "event_type_filter": {"in_values": ["x", "y"]},
            "property_filters": filters,
            "group_keys": [["g"]] if grouped else [],
        }
    )


def write_randomly(store: Store, rng: random.Random, steps: int) -> None:
    """Random writes through the store's API, as the HTTP handlers make them."""
    now = CLOCK
    made_customers: list[str] = []
    made_metrics: list[str] = []
    senders = ["alias-a", "alias-b", "nobody", *store.customers]
    transaction_ids: list[str] = []
    for step in range(steps):
        roll = rng.random()
        if roll < 0.12:
            aliases = rng.sample(["alias-a", "alias-b", "alias-c"], rng.randrange(2))
            record = customer(step, [a for a in aliases if store.alias_user(a) is None])
            store.add_customer(record)
            made_customers.append(record.id)
            senders.append(record.id)
        elif roll < 0.24:
            record = metric(step, rng.choice(["COUNT", "SUM", "MAX", "UNIQUE", "LATEST"]), True)
            store.add_metric(record)
            made_metrics.append(record.id)
        elif roll < 0.30:
            target = rng.choice(list(store.customers))
            alias = rng.choice(["alias-a", "alias-b", "alias-c"])
            if store.alias_user(alias) in (None, target):
                store.set_ingest_aliases(target, [alias], now)
        elif roll < 0.34:
            store.archive_customer(rng.choice(list(store.customers)), now)
        elif roll < 0.40:
            store.archive_metric(rng.choice(list(store.metrics)), now)
        elif roll < 0.45:
            now += rng.choice([US_PER_HOUR, US_PER_DAY, 20 * US_PER_DAY, 35 * US_PER_DAY])
        else:
            batch = []
            for _ in range(rng.randrange(1, 6)):
                if transaction_ids and rng.random() < 0.2:
                    transaction_id = rng.choice(transaction_ids)
                else:
                    transaction_id = f"t{len(transaction_ids)}"
                    transaction_ids.append(transaction_id)
                properties: dict[str, Any] = {"n": rng.choice([1, 2.5, "7", -3, "n/a"])}
                if rng.random() < 0.8:
                    properties["g"] = rng.choice(["red", "blue", 3])
                if rng.random() < 0.5:  # the seed's own properties, for its metrics
                    properties.update(region="us-east-1", endpoint="/v1/chat", user_id="ada")
                batch.append(
                    EventRecord.model_validate(
                        {
                            "transaction_id": transaction_id,
                            "customer_id": rng.choice(senders),
                            "event_type": rng.choice(["x", "y", "api_request"]),
                            "timestamp": brute.iso(
                                brute.when("1970-01-01T00:00:00Z")
                                + brute.timedelta(
                                    microseconds=now - rng.randrange(0, 34 * US_PER_DAY, 3)
                                )
                            ),
                            "properties": properties,
                        }
                    )
                )
            store.ingest(batch, now)


def queries(document: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """A `none` window over everything, and day and hour windows over a few days of it."""
    span = {"starting_on": "2023-11-01T00:00:00Z", "ending_before": "2024-12-01T00:00:00Z"}
    found = [{**span, "window_size": "none"}]
    stamps = sorted(brute.when(e["timestamp"]) for e in document["events"])
    for window_size, days in (("day", 6), ("hour", 1)):
        start = rng.choice(stamps).replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + brute.DAY * days
        query: dict[str, Any] = {
            "starting_on": brute.iso(start),
            "ending_before": brute.iso(end),
            "window_size": window_size,
            "customer_ids": [c["id"] for c in document["customers"]],
            "billable_metrics": [
                {
                    "id": m["id"],
                    **({"group_by": {"key": m["group_keys"][0][0]}} if m["group_keys"] else {}),
                }
                for m in document["billable_metrics"]
            ],
        }
        found.append(query)
    return found


def assert_matches_brute_force(store: Store, rng: random.Random) -> None:
    document = store.to_document()
    for query in queries(document, rng):
        brute.assert_rows_equal(all_rows(store, query), brute.usage_rows(document, query))
    windows = Windows.cut(parse_rfc3339("2023-12-01T00:00:00Z"), CLOCK + 200 * US_PER_DAY, "day")
    for customer_id in list(store.customers)[:3]:
        for m in document["billable_metrics"]:
            if not m["group_keys"]:
                continue
            key = m["group_keys"][0][0]
            matcher = store.matchers[m["id"]]
            scope = GroupsScope(customer_id, matcher, key, lambda _v: True, windows)
            rows = [row for _, row in group_rows(store, scope, None)]
            query = {
                "customer_id": customer_id,
                "billable_metric_id": m["id"],
                "window_size": "day",
                "starting_on": "2023-12-01T00:00:00Z",
                "ending_before": brute.iso(
                    brute.when("1970-01-01T00:00:00Z")
                    + brute.timedelta(microseconds=CLOCK + 200 * US_PER_DAY)
                ),
                "group_key": [key],
            }
            expected = brute.group_rows(document, query)
            got = [
                {"starting_on": s, "ending_before": e, "value": v, "group": {key: g}}
                for s, e, v, g in rows
            ]
            assert len(got) == len(expected)
            for a, b in zip(got, expected, strict=True):
                assert (a["starting_on"], a["group"]) == (b["starting_on"], b["group"])
                assert brute.same_number(a["value"], b["value"]), (a, b)


class TestLayeredTenants:
    """Random writes over the seed: exact against the brute force, the base untouched."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.integers(0, 10**6), steps=st.integers(1, 60))
    def test_random_writes(self, base: Store, seed: int, steps: int) -> None:
        before = digest(base.to_document())
        rng = random.Random(seed)
        layer = Store(base)
        write_randomly(layer, rng, steps)
        assert_matches_brute_force(layer, rng)
        assert digest(base.to_document()) == before  # the base is shared: never written

        # The export loads back to the same state, byte for byte and number for number...
        exported = layer.to_document()
        loaded = Store.from_document(FixtureDocument.model_validate_json(orjson.dumps(exported)))
        assert loaded.to_document() == exported
        assert_matches_brute_force(loaded, random.Random(seed))
        # ...and so does the layer alone, over the same base (what a state file keeps).
        layer_only = FixtureDocument.model_validate_json(orjson.dumps(layer.layer_document()))
        assert Store.from_document(layer_only, base).to_document() == exported

    def test_first_write_copies_nothing(self, base: Store) -> None:
        layer = Store(base)
        layer.add_customer(customer(1, []))
        assert len(layer.customers) == len(base.customers) + 1
        assert layer.series == {}
        assert layer.events.offset == len(base.events)
        assert len(base.customers) == 3

    def test_metric_made_in_a_layer_counts_only_later_events(self, base: Store) -> None:
        layer = Store(base)
        event = {"customer_id": next(iter(base.customers)), "event_type": "x"}
        stamp = {"timestamp": "2024-01-04T10:00:00Z", "properties": {"n": 5}}
        layer.ingest([EventRecord.model_validate({**event, **stamp, "transaction_id": "a"})], CLOCK)
        layer.add_metric(metric(1, "SUM", False))
        layer.ingest([EventRecord.model_validate({**event, **stamp, "transaction_id": "b"})], CLOCK)
        query = {
            "starting_on": "2024-01-04T00:00:00Z",
            "ending_before": "2024-01-05T00:00:00Z",
            "window_size": "day",
            "customer_ids": [event["customer_id"]],
            "billable_metrics": [{"id": metric(1, "SUM", False).id}],
        }
        assert [row["value"] for row in all_rows(layer, query)] == [5]  # "b" alone
        layer.archive_metric(metric(1, "SUM", False).id, CLOCK)
        layer.ingest([EventRecord.model_validate({**event, **stamp, "transaction_id": "c"})], CLOCK)
        assert [row["value"] for row in all_rows(layer, query)] == [5]  # "c" is not counted
