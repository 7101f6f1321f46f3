"""`Aggregation.fold_windows` folds each window's cells as `fold` folds them, whatever the path it
takes: one series, several dense ones (a column each) or sparse ones (a walk of their cells)."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from emulator.metering.aggregations import AGGREGATIONS, Aggregation
from emulator.metering.rollups import Rollup

# Values that make folding differ by order or overflow: fractions, ints past a float, huge floats.
VALUES = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([0.1, 0.2, 0.7, 1e308, -1e308, 2**70, -(2**70), 10**400]),
)
EVENTS = st.lists(st.tuples(st.integers(0, 40), VALUES, st.integers(0, 3)), max_size=80)


def _series(aggregation: Aggregation, events: list[tuple[int, Any, int]]) -> list[dict[int, Any]]:
    """Each sender's hour cells, as ingest leaves them (a Rollup per sender, events in order)."""
    rollups: dict[int, Rollup] = {}
    for seq, (hour, value, sender) in enumerate(events):
        text = str(value)
        cell_value = text if aggregation is AGGREGATIONS["UNIQUE"] else value
        rollups.setdefault(sender, Rollup()).add(aggregation, hour, cell_value, hour * 10, seq)
    return [rollups[sender].grain(True) for sender in sorted(rollups)]


def _typed(values: list[Any]) -> list[tuple[type, Any]]:
    """1 and 1.0 are equal in a list; as JSON they are not."""
    return [(type(v), v) for v in values]


@settings(max_examples=400)
@example(name="SUM", events=[(0, 10**400, 0), (0, 0.1, 1)], start=0, n=1)  # int + float overflows
@example(name="MAX", events=[(0, 1, 0), (0, 1.0, 1)], start=0, n=1)  # the first of equals stays
@given(
    name=st.sampled_from(sorted(AGGREGATIONS)),
    events=EVENTS,
    start=st.integers(-3, 40),
    n=st.integers(1, 30),
)
def test_fold_windows_is_fold_of_each_window(
    name: str, events: list[tuple[int, Any, int]], start: int, n: int
) -> None:
    aggregation = AGGREGATIONS[name]
    series = _series(aggregation, events)
    expected = []
    for key in range(start, start + n):
        cells = [cells[key] for cells in series if key in cells]
        expected.append(aggregation.fold(cells) if cells else None)
    assert _typed(aggregation.fold_windows(series, start, n)) == _typed(expected)
