"""A series of aggregation cells at two grains: per hour, and per UTC day.

A day cell is the merge of its 24 hour cells, kept as events arrive, so a window reads one cell per
whole day inside it and hour cells only for the hours at its ends. A day-window query over a month
then reads the same few cells whether the store holds ten thousand events or a million.

Reading as of a processing time (`cells_as_of`, for invoices frozen at a moment: rating's R9). An
event ingested through the API after its own hour has ended is *late*: a frozen invoice may have to
leave it out. The series keeps, besides its cells (which absorb every event, late ones too):

    late       hour -> [(processed_at, late cell)]: per batch of late events of the hour, what
               they add (`Aggregation.late_cell`: a count, a maximum, a set, the latest; a
               sum keeps the values, whose order its rounding depends on)
    punctual   hour -> the cell of that hour's other events (only hours that have a late event)
    late_days  day  -> the latest processing time of a late event in it

An event that is not late was processed by its hour's end, so every freeze (never before the end
of the period that holds the hour) counts it. A read as of `t` takes a day cell whole when the day
has no late event processed after `t`, an hour cell whole likewise, and otherwise rebuilds just that
hour from its punctual cell and the late cells processed by `t`, merged in order
(`Aggregation.merge`: exactly what adding their events one by one would give). With no late
events, or none after `t`, it reads exactly the cells `cells` reads. Document (seed, fixture)
events are never late.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emulator.metering.aggregations import Aggregation, Item
from emulator.wire.timestamps import US_PER_HOUR

__all__ = ["Cells", "Rollup"]

Cells = dict[int, Any]  # hour or day number (since the epoch) -> aggregation cell
Late = tuple[int, Any]  # (processed_at, the late cell of a batch's late events of an hour)


class Rollup:
    __slots__ = ("days", "hours", "late", "late_days", "punctual")

    def __init__(self) -> None:
        self.hours: Cells = {}
        self.days: Cells = {}
        # Only for series with a late event (see the module docstring); None keeps the others small.
        self.late: dict[int, list[Late]] | None = None
        self.punctual: Cells | None = None
        self.late_days: dict[int, int] | None = None

    def add(
        self,
        aggregation: Aggregation,
        hour: int,
        value: Any,
        ts: int,
        seq: int,
        processed: int | None = None,
    ) -> None:
        """Fold one event in; `processed` (the API's ingest time) marks it late when it is after
        the end of the event's hour. None: a document's event, never late."""
        self.add_batch(aggregation, [(hour, ts, value, seq)], processed)

    def add_batch(
        self, aggregation: Aggregation, items: Sequence[Item], processed: int | None
    ) -> None:
        """`add` of each item in order, all processed at `processed`: an ingest batch's events of
        this series. One processing time makes lateness a property of the hour, so the late
        bookkeeping is per hour, and the cells take the whole batch in one loop."""
        if processed is not None or self.late is not None:
            # Late: an hour that had ended before `processed`, one before this.
            on_time_from = 0 if processed is None else (processed - 1) // US_PER_HOUR
            late = self.late
            late_items: dict[int, list[Item]] = {}  # per late hour, in order
            for item in items:
                hour = item[0]
                if processed is not None and hour < on_time_from:
                    found = late_items.get(hour)
                    if found is None:
                        found = late_items[hour] = []
                    found.append(item)
                elif late is not None and hour in late:  # the punctual cell takes it too
                    assert self.punctual is not None
                    _, ts, value, seq = item
                    aggregation.add(self.punctual, hour, value, ts, seq)
            if late_items:
                assert processed is not None
                for hour, found in late_items.items():
                    entries = late.get(hour) if late is not None else None
                    if entries is None:
                        entries = self._late_hour(hour)
                        late = self.late
                    entries.append((processed, aggregation.late_cell(found)))
                assert self.late_days is not None
                late_days = self.late_days
                for day in dict.fromkeys(hour // 24 for hour in late_items):
                    late_days[day] = max(late_days.get(day, processed), processed)
        aggregation.add_all(self.hours, self.days, items)

    def _late_hour(self, hour: int) -> list[Late]:
        """The late events of an hour, a new list at its first: the hour's cell as it is now
        kept as its punctual cell, before the cell takes the late event."""
        if self.late is None:
            self.late, self.punctual, self.late_days = {}, {}, {}
        assert self.punctual is not None
        entries = self.late[hour] = []
        if hour in self.hours:  # what the hour held before its first late event
            self.punctual[hour] = _copy(self.hours[hour])
        return entries

    def grain(self, hourly: bool) -> Cells:
        """The cells that hour windows (`hourly`) or day windows read, one cell per window: usage
        bounds are UTC midnights, so a day window is exactly one day cell."""
        return self.hours if hourly else self.days

    def cells(self, h_from: int, h_to: int) -> list[Any]:
        """The cells that together cover hours [h_from, h_to), each event in exactly one."""
        d_from = -(-h_from // 24)
        d_to = h_to // 24
        if d_from >= d_to:  # no whole day inside
            return _between(self.hours, h_from, h_to)
        found = _between(self.days, d_from, d_to)
        if h_from < d_from * 24:
            found += _between(self.hours, h_from, d_from * 24)
        if d_to * 24 < h_to:
            found += _between(self.hours, d_to * 24, h_to)
        return found

    def cells_as_of(
        self, aggregation: Aggregation, h_from: int, h_to: int, as_of: int | None
    ) -> list[Any]:
        """Like `cells`, counting only the events processed at or before `as_of` (document events
        always); `as_of` None: every event, as `cells`."""
        late, late_days = self.late, self.late_days
        if as_of is None or late is None or late_days is None:
            return self.cells(h_from, h_to)
        d_from = -(-h_from // 24)
        d_to = h_to // 24
        hours: list[int] = []  # the hours read one by one
        found: list[Any] = []
        if d_from >= d_to:
            hours.extend(range(h_from, h_to))
        else:
            if h_from < d_from * 24:
                hours.extend(range(h_from, d_from * 24))
            if d_to * 24 < h_to:
                hours.extend(range(d_to * 24, h_to))
            for day in _keys_between(self.days, d_from, d_to):
                if late_days.get(day, as_of) > as_of:  # a late event after as_of: by the hour
                    hours.extend(range(day * 24, day * 24 + 24))
                else:
                    found.append(self.days[day])
        for hour in hours:
            cell = self._hour_as_of(aggregation, hour, as_of)
            if cell is not None:
                found.append(cell)
        return found

    def _hour_as_of(self, aggregation: Aggregation, hour: int, as_of: int) -> Any:
        assert self.late is not None
        assert self.punctual is not None
        entries = self.late.get(hour)
        if entries is None or max(entry[0] for entry in entries) <= as_of:
            return self.hours.get(hour)
        rebuilt: Cells = {}
        if hour in self.punctual:
            rebuilt[hour] = _copy(self.punctual[hour])
        for processed, cell in entries:
            if processed <= as_of:
                aggregation.merge(rebuilt, hour, cell)
        return rebuilt.get(hour)


def _copy(cell: Any) -> Any:
    """A cell that later adds do not change: UNIQUE's sets are the only mutable cells."""
    return set(cell) if isinstance(cell, set) else cell


def _keys_between(cells: Cells, start: int, end: int) -> list[int]:
    if end - start <= len(cells):
        return [key for key in range(start, end) if key in cells]
    return sorted(key for key in cells if start <= key < end)


def _between(cells: Cells, start: int, end: int) -> list[Any]:
    if end - start <= len(cells):
        return [cell for key in range(start, end) if (cell := cells.get(key)) is not None]
    # A long range over a sparse series: walk the series instead.
    return [cell for key, cell in cells.items() if start <= key < end]
