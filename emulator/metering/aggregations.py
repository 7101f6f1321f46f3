"""The five aggregation types as hourly cells that merge.

A series maps an hour number (epoch hours) to one cell. `add` folds one matching event into a cell;
`fold` merges the cells of a window into the window's value. Cells are chosen so that merging
hours gives exactly what aggregating the raw events would: counts and sums add, maxima take the
max, UNIQUE keeps the set of string forms, LATEST keeps the event with the greatest
(timestamp, ingest sequence).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from typing import Any

from emulator.metering.values import add_saturating

__all__ = ["AGGREGATIONS", "Aggregation"]

Number = int | float


class Aggregation:
    """COUNT: a cell is the number of matching events."""

    # What a window with no matching event shows as `value`.
    empty: Number | None = 0

    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        cells[hour] = cells.get(hour, 0) + 1

    def fold(self, cells: Iterable[Any]) -> Any:
        """The value of a window from its cells (at least one)."""
        return sum(cells)


class Sum(Aggregation):
    # Integral values are ints, so sums of them stay exact; a fraction makes the cell a float,
    # which saturates at +-FLOAT_MAX instead of overflowing (`values.add_saturating`).
    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        cells[hour] = add_saturating(cells.get(hour, 0), value)

    def fold(self, cells: Iterable[Any]) -> Any:
        return reduce(add_saturating, cells)


class Max(Aggregation):
    empty = None

    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        current = cells.get(hour)
        if current is None or value > current:
            cells[hour] = value

    def fold(self, cells: Iterable[Any]) -> Any:
        return max(cells)


class Unique(Aggregation):
    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        cell = cells.get(hour)
        if cell is None:
            cells[hour] = {value}
        else:
            cell.add(value)

    def fold(self, cells: Iterable[Any]) -> Any:
        seen: set[str] = set()
        for cell in cells:
            seen |= cell
        return len(seen)


class Latest(Aggregation):
    empty = None

    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        current = cells.get(hour)
        if current is None or (ts, seq) > (current[0], current[1]):
            cells[hour] = (ts, seq, value)

    def fold(self, cells: Iterable[Any]) -> Any:
        return max(cells)[2]  # (timestamp, sequence) order: ties go to the one ingested last


AGGREGATIONS: dict[str, Aggregation] = {
    "COUNT": Aggregation(),
    "SUM": Sum(),
    "MAX": Max(),
    "UNIQUE": Unique(),
    "LATEST": Latest(),
}
