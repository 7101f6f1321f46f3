"""Rollup.cells covers a range of hours with day and hour cells, counting each event once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from emulator.metering.aggregations import AGGREGATIONS
from emulator.metering.rollups import Rollup

COUNT = AGGREGATIONS["COUNT"]
HOURS = st.integers(min_value=0, max_value=24 * 10)


@given(events=st.lists(HOURS, max_size=60), bounds=st.tuples(HOURS, HOURS))
def test_cells_count_each_event_in_range_once(events: list[int], bounds: tuple[int, int]) -> None:
    h_from, h_to = sorted(bounds)
    rollup = Rollup()
    for seq, hour in enumerate(events):
        rollup.add(COUNT, hour, None, hour * 3600 * 10**6, seq)
    assert sum(rollup.cells(h_from, h_to)) == sum(h_from <= hour < h_to for hour in events)


def test_whole_days_read_day_cells() -> None:
    rollup = Rollup()
    for hour in range(48):
        rollup.add(COUNT, hour, None, hour * 3600 * 10**6, hour)
    assert rollup.cells(0, 48) == [24, 24]  # two day cells, no hour cells
    assert sorted(rollup.cells(23, 49)) == [1, 24]  # hour 23 and day 1; hour 48 has no cell


H = 3600 * 10**6
EVENTS_AS_OF = st.lists(
    st.tuples(HOURS, st.integers(min_value=0, max_value=24 * 12), st.integers(1, 5)), max_size=60
)


@given(
    events=EVENTS_AS_OF,
    bounds=st.tuples(HOURS, HOURS),
    after=st.none() | st.integers(min_value=0, max_value=24 * 2),
    kind=st.sampled_from(["COUNT", "SUM", "MAX", "UNIQUE", "LATEST"]),
)
def test_cells_as_of_count_only_events_processed_by_then(
    events: list[tuple[int, int, int]],
    bounds: tuple[int, int],
    after: int | None,
    kind: str,
) -> None:
    """Events processed after `as_of` (never before the range's end, as a freeze) are left out,
    whatever the order they arrived in."""
    aggregation = AGGREGATIONS[kind]
    h_from, h_to = sorted(bounds)
    as_of = None if after is None else h_to + after
    rollup, expected = Rollup(), Rollup()
    for seq, (hour, processed_hour, value) in enumerate(events):
        processed = processed_hour * H
        rollup.add(aggregation, hour, value, hour * H, seq, processed)
        if as_of is None or processed <= as_of * H:
            expected.add(aggregation, hour, value, hour * H, seq)
    got = rollup.cells_as_of(aggregation, h_from, h_to, None if as_of is None else as_of * H)
    want = expected.cells(h_from, h_to)
    assert (aggregation.fold(got) if got else None) == (aggregation.fold(want) if want else None)
