"""A series of aggregation cells at two grains: per hour, and per UTC day.

A day cell is the merge of its 24 hour cells, kept as events arrive, so a window reads one cell per
whole day inside it and hour cells only for the hours at its ends. A day-window query over a month
then reads the same few cells whether the store holds ten thousand events or a million.
"""

from __future__ import annotations

from typing import Any

from emulator.metering.aggregations import Aggregation

__all__ = ["Cells", "Rollup"]

Cells = dict[int, Any]  # hour or day number (since the epoch) -> aggregation cell


class Rollup:
    __slots__ = ("days", "hours")

    def __init__(self) -> None:
        self.hours: Cells = {}
        self.days: Cells = {}

    def add(self, aggregation: Aggregation, hour: int, value: Any, ts: int, seq: int) -> None:
        aggregation.add(self.hours, hour, value, ts, seq)
        aggregation.add(self.days, hour // 24, value, ts, seq)

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


def _between(cells: Cells, start: int, end: int) -> list[Any]:
    if end - start <= len(cells):
        return [cell for key in range(start, end) if (cell := cells.get(key)) is not None]
    # A long range over a sparse series: walk the series instead.
    return [cell for key, cell in cells.items() if start <= key < end]
