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
