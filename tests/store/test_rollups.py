"""Rollup.cells covers a range of hours with day and hour cells, counting each event once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from emulator.metering.aggregations import AGGREGATIONS, Aggregation
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
    """The cells, as they are: a float's rounding and which of equal maxima (1 or 1.0) was kept
    both show in `repr`."""
    fields = (getattr(rollup, name) for name in ("hours", "days", "punctual", "late_days"))
    return tuple(None if cells is None else _shown(cells) for cells in fields)


def _reference(
    aggregation: Aggregation, events: list[tuple[int, object, int, int, int | None]], as_of: int
) -> dict[int, object]:
    """Each hour's cell as of `as_of`, from the events themselves, each added on its own: all of
    the hour's events in ingest order when none of its late ones was processed after `as_of`;
    else its punctual events (processed by the hour's end, or never: a document's) in order, then
    its late ones processed by `as_of`, in order."""
    cells: dict[int, object] = {}
    for hour in sorted({e[0] for e in events}):
        own = [e for e in events if e[0] == hour]
        late = [e for e in own if e[4] is not None and e[4] > (hour + 1) * H]
        if any(e[4] is not None and e[4] > as_of for e in late):
            own = [e for e in own if e not in late] + [e for e in late if e[4] <= as_of]
        for _, value, ts, seq, _ in own:
            aggregation.add(cells, hour, value, ts, seq)
    return cells


@given(batches=BATCHES, kind=st.sampled_from(sorted(AGGREGATIONS)), data=st.data())
def test_a_batch_folds_as_its_events_one_by_one(
    batches: list[tuple[list[tuple[int, object]], int | None]], kind: str, data: st.DataObject
) -> None:
    """`add_batch` (ingest's fold of a series' events) leaves a rollup as `add` of each event in
    order does, and a read as of any moment of either gives each hour exactly the cell of the
    events processed by then, added one by one."""
    aggregation = AGGREGATIONS[kind]
    one_by_one, batched = Rollup(), Rollup()
    events: list[tuple[int, object, int, int, int | None]] = []
    for batch, processed_hour in batches:
        processed = None if processed_hour is None else processed_hour * H + 1
        items = []
        for hour, value in batch:
            seq = len(events)
            folded = str(value) if kind == "UNIQUE" else value
            ts = hour * H + seq % H
            one_by_one.add(aggregation, hour, folded, ts, seq, processed)
            items.append((hour, ts, folded, seq))
            events.append((hour, folded, ts, seq, processed))
        batched.add_batch(aggregation, items, processed)
    assert _state(batched) == _state(one_by_one)
    hours = sorted({e[0] for e in events})
    moments = sorted({e[4] for e in events if e[4] is not None})
    for as_of in [*moments, *data.draw(st.lists(st.integers(-48 * H, 300 * H), max_size=3))]:
        expected = _reference(aggregation, events, as_of)
        for rollup in (one_by_one, batched):
            read = {
                hour: cells[0]
                for hour in hours
                if (cells := rollup.cells_as_of(aggregation, hour, hour + 1, as_of))
            }
            assert _shown(read) == _shown(expected), as_of


def _shown(cells: dict[int, object]) -> str:
    """Cells by repr in key order, a UNIQUE set's strings sorted (a set's order is its hashes')."""
    return repr({k: sorted(v) if isinstance(v, set) else v for k, v in sorted(cells.items())})
