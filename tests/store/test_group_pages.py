"""`/v1/usage/groups` pages cost what they return (issue 18, finding 6): a page seeks to its cursor
in each series' sorted values instead of recomputing every value."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest

from emulator.metering.groups import GroupsScope, group_rows
from emulator.metering.rollups import Rollup
from emulator.metering.store import Store
from emulator.metering.windows import Windows
from emulator.wire.models import CustomerRecord, MetricDocument
from emulator.wire.timestamps import US_PER_DAY, parse_rfc3339

CUSTOMER = "aaaaaaaa-0000-4000-8000-000000000001"
METRIC = "11111111-1111-4111-8111-111111111111"
DAY = parse_rfc3339("2024-01-01T00:00:00Z")
VALUES = 100_000


class Event(NamedTuple):
    transaction_id: str
    customer_id: str
    event_type: str
    timestamp: int
    properties: dict[str, Any]


@pytest.fixture(scope="module")
def store() -> Store:
    """One customer, one COUNT metric grouped by `g`, VALUES distinct values of `g` in one day."""
    metric = MetricDocument.model_validate(
        {"id": METRIC, "name": "calls", "aggregation_type": "COUNT",
         "property_filters": [{"name": "g", "exists": True}], "group_keys": [["g"]]}
    )  # fmt: skip
    events = (
        Event(f"t{n}", CUSTOMER, "call", DAY + n * 800_000, {"g": f"value-{n:06d}"})
        for n in range(VALUES)
    )
    document = SimpleNamespace(
        customers=[CustomerRecord(id=CUSTOMER, name="acme")],
        billable_metrics=[metric],
        events=events,
    )
    return Store.from_document(document)  # type: ignore[arg-type]


def page(store: Store, position: Any, limit: int = 100) -> tuple[list[Any], Any]:
    windows = Windows.cut(DAY, DAY + US_PER_DAY, "day")
    scope = GroupsScope(CUSTOMER, store.matchers[METRIC], "g", lambda _v: True, windows)
    rows: list[Any] = []
    for at, row in group_rows(store, scope, position):
        if len(rows) == limit:
            return rows, at
        rows.append(row)
    return rows, None


class TestSeek:
    """A page deep in 100,000 values costs its rows, and pages chain to every value once."""

    def test_page_cost(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        """A page reads the cells of the rows it returns (and a value or two past them), however
        deep its cursor: counted, not timed, so the test holds on any machine. It read every one
        of the 100,000 values before (about 220 ms a page)."""
        page(store, None)  # the sorted values are built once per series
        reads = 0
        cells = Rollup.cells

        def counted(self: Rollup, *args: Any) -> Any:
            nonlocal reads
            reads += 1
            return cells(self, *args)

        monkeypatch.setattr(Rollup, "cells", counted)
        for position in [(0, "value-050000"), (0, "value-099950"), (0, "value-000100")]:
            reads = 0
            rows, _ = page(store, position)
            assert rows[0][3] == position[1]
            assert reads <= 2 * (len(rows) + 2), reads

    def test_pages_chain(self, store: Store) -> None:
        seen = 0
        position: Any = (0, "value-099000")
        while position is not None:
            rows, position = page(store, position, limit=97)
            seen += len(rows)
        assert seen == 1000
