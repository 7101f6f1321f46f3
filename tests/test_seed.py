"""The seeded scenario: fixed by the seed alone, and covering every rule the contract names."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest

from emulator.metering.matching import NO_MATCH
from emulator.metering.store import Store
from emulator.scenario.seed import generate

# sha256 of the default scenario (seed 42) as exported. If this moves, every user's seeded
# expectations move with it: change it only on purpose, and say so in the changelog.
GOLDEN_SEED_42 = "04e302bc354a3391dc1e7f5e82427abbd72fa27e6b1f7e8e1cf6d74e7bee5937"


@pytest.fixture(scope="module")
def store() -> Store:
    return Store.from_document(generate(42))


class TestDeterminism:
    """The same seed gives the same bytes; another seed gives other data."""

    def test_golden(self, store: Store) -> None:
        digest = hashlib.sha256(orjson.dumps(store.to_document())).hexdigest()
        assert digest == GOLDEN_SEED_42

    def test_other_seed_differs(self, store: Store) -> None:
        other = Store.from_document(generate(43)).to_document()
        mine = store.to_document()
        assert other["customers"][0]["id"] != mine["customers"][0]["id"]
        assert other["events"][0] != mine["events"][0]

    def test_sizes(self) -> None:
        document = generate(1, customers=3, days=2, events=500)
        assert (len(document.customers), len(document.events)) == (3, 500)
        days = {e.timestamp // (86400 * 10**6) for e in document.events}
        assert len(days) == 2


class TestCoverage:
    """The default scenario exercises what the contract describes."""

    def test_every_aggregation_type(self, store: Store) -> None:
        kinds = {m.aggregation_type for m in store.metrics.values()}
        assert kinds == {"COUNT", "SUM", "MAX", "UNIQUE", "LATEST"}

    def test_filters_and_group_keys(self, store: Store) -> None:
        metrics = list(store.metrics.values())
        assert any(m.event_type_filter and m.event_type_filter.not_in_values for m in metrics)
        filters = [f for m in metrics for f in m.property_filters]
        assert any(f.exists is False for f in filters)
        assert any(f.in_values for f in filters)
        assert any(f.not_in_values for f in filters)
        assert any(len(key) > 1 for m in metrics for key in m.group_keys)

    def test_archived(self, store: Store) -> None:
        assert any(c.archived_at for c in store.customers.values())
        assert any(m.archived_at for m in store.metrics.values())

    def test_event_kinds(self, store: Store) -> None:
        aliases = {a: c.id for c in store.customers.values() for a in c.ingest_aliases}
        events = store.events
        assert any(e.customer_id in aliases for e in events)
        assert any(
            e.customer_id not in aliases and e.customer_id not in store.customers for e in events
        )
        assert any(e.duplicate for e in events)
        assert any(isinstance(e.properties.get("tokens"), str) for e in events)

        def matched(event: Any) -> bool:
            return any(
                m.contribution(event.event_type, event.properties) is not NO_MATCH
                for m in store.matchers.values()
            )

        assert any(not matched(e) for e in events)


class TestLargeScenarios:
    """Many customers: names alike in their first 20 letters still give distinct aliases."""

    def test_aliases_stay_distinct(self) -> None:
        scenario = generate(1, customers=1000, days=0, events=0)
        aliases = [a for c in scenario.customers for a in c.ingest_aliases]
        assert len(aliases) == len(set(aliases))
        assert "billing@robinsonhendersonand317.example" in aliases  # the one that collided
        assert len(Store.from_document(scenario).customers) == 1000
