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


# A batch's events of one series: (hour, value); the batch's processing hour, or None (a document).
VALUES = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([1, 1.0, 0.1, 0.2, 1e308]),
)
BATCHES = st.lists(
    st.tuples(
        st.lists(st.tuples(st.integers(-48, 24 * 10), VALUES), max_size=20),
        st.one_of(st.none(), st.integers(min_value=-48, max_value=24 * 12)),
    ),
    max_size=6,
)


def _state(rollup: Rollup) -> tuple[object, ...]:
    """Every field, as it is: a float's rounding and which of equal maxima (1 or 1.0) was kept
    both show in `repr`."""
    return tuple(repr(getattr(rollup, name)) for name in Rollup.__slots__)


@given(batches=BATCHES, kind=st.sampled_from(sorted(AGGREGATIONS)))
def test_a_batch_folds_as_its_events_one_by_one(
    batches: list[tuple[list[tuple[int, object]], int | None]], kind: str
) -> None:
    """`add_batch` (ingest's fold of a series' events) leaves a rollup exactly as `add` of each
    event in order does: cells, late events, punctual cells and late days."""
    aggregation = AGGREGATIONS[kind]
    one_by_one, batched = Rollup(), Rollup()
    seq = 0
    for events, processed_hour in batches:
        processed = None if processed_hour is None else processed_hour * H + 1
        items = []
        for hour, value in events:
            folded = str(value) if kind == "UNIQUE" else value
            one_by_one.add(aggregation, hour, folded, hour * H + seq % H, seq, processed)
            items.append((hour, hour * H + seq % H, folded, seq))
            seq += 1
        batched.add_batch(aggregation, items, processed)
    assert _state(batched) == _state(one_by_one)
