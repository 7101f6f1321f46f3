"""The five aggregation types as hourly cells that merge.

A series maps an hour number (epoch hours) to one cell. `add` folds one matching event into a cell;
`fold` merges the cells of a window into the window's value. Cells are chosen so that merging
hours gives exactly what aggregating the raw events would: counts and sums add, maxima take the
max, UNIQUE keeps the set of string forms, LATEST keeps the event with the greatest
(timestamp, ingest sequence).
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import reduce
from operator import itemgetter
from typing import Any

from emulator.metering.values import add_saturating

__all__ = ["AGGREGATIONS", "Aggregation", "Item"]

Number = int | float
Series = dict[int, Any]  # hour or day number -> cell
Item = tuple[int, int, Any, int]  # an event to fold: (hour, timestamp, value, sequence)


def _add(a: Number, b: Number) -> Number:
    """`values.add_saturating`, without its call for the usual pair of ints."""
    return a + b if type(a) is int and type(b) is int else add_saturating(a, b)


class Aggregation:
    """COUNT: a cell is the number of matching events."""

    # What a window with no matching event shows as `value`.
    empty: Number | None = 0
    # Whether every value is a count of events (an int, below 2**63), and `empty` is 0.
    counts = True

    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        cells[hour] = cells.get(hour, 0) + 1

    def add_all(self, hours: Series, days: Series, items: Sequence[Item]) -> None:
        """`add` of each item, in order, to its hour cell and to its day cell: one loop for a
        series' events of an ingest batch (what a call per event per cell would cost is most of
        ingest)."""
        for hour, count in Counter(map(itemgetter(0), items)).items():  # counted in C
            hours[hour] = hours.get(hour, 0) + count
            day = hour // 24
            days[day] = days.get(day, 0) + count

    def late_cell(self, items: Sequence[Item]) -> Any:
        """What a batch's late events of one hour (`Rollup`) add, kept for `merge`: whatever
        adding them one by one gives, and a count is just a number."""
        return len(items)

    def merge(self, cells: Series, key: int, late: Any) -> None:
        """Add a `late_cell` to `cells[key]` exactly as `add` of its events one by one would."""
        cells[key] = cells.get(key, 0) + late

    def fold(self, cells: Iterable[Any]) -> Any:
        """The value of a window from its cells (at least one)."""
        return sum(cells)

    def fold_windows(self, series: Sequence[Series], start: int, n: int) -> list[Any]:
        """The values of the `n` one-cell windows from key `start` on, over several series (a
        window's cells taken in series order, as `fold` takes them); None where no series has a
        cell. One series is its own values; several are merged a pair of cells at a time with
        `combine`, a column of cells at a time when every series is dense."""
        if len(series) == 1:
            return _dense(series[0], start, n)
        combine = self.combine
        if _all_dense(series, n):
            first, *others = _columns(series, start, n)
            out = list(first)
            for column in others:
                out = [
                    b if a is None else a if b is None else combine(a, b)
                    for a, b in zip(out, column, strict=True)
                ]
            return out
        out = [None] * n
        for cells in series:
            for i, cell in _cells_in(cells, start, n):
                current = out[i]
                out[i] = cell if current is None else combine(current, cell)
        return out

    # How `fold_windows` adds a window's next cell to what its cells before made: counts add
    # (exactly what `sum` does with ints).
    combine = staticmethod(operator.add)


class Sum(Aggregation):
    counts = False

    # Integral values are ints, so sums of them stay exact; a fraction makes the cell a float,
    # which saturates at +-FLOAT_MAX instead of overflowing (`values.add_saturating`).
    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        cells[hour] = add_saturating(cells.get(hour, 0), value)

    def add_all(self, hours: Series, days: Series, items: Sequence[Item]) -> None:
        for hour, _, value, _ in items:
            day = hour // 24
            cell = hours.get(hour, 0)
            if type(cell) is int and type(value) is int:  # exact, never out of range
                hours[hour] = cell + value
            else:
                hours[hour] = add_saturating(cell, value)
            cell = days.get(day, 0)
            if type(cell) is int and type(value) is int:
                days[day] = cell + value
            else:
                days[day] = add_saturating(cell, value)

    def late_cell(self, items: Sequence[Item]) -> Any:
        # The values themselves: a float sum's rounding depends on the order of its additions.
        return tuple(item[2] for item in items)

    def merge(self, cells: Series, key: int, late: Any) -> None:
        for value in late:
            cells[key] = add_saturating(cells.get(key, 0), value)

    def fold(self, cells: Iterable[Any]) -> Any:
        return reduce(add_saturating, cells)

    # As `fold` folds a window's cells: the first as it is, the next added to it.
    combine = staticmethod(_add)


class Max(Aggregation):
    counts = False
    empty = None

    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        current = cells.get(hour)
        if current is None or value > current:
            cells[hour] = value

    def add_all(self, hours: Series, days: Series, items: Sequence[Item]) -> None:
        for hour, _, value, _ in items:
            current = hours.get(hour)
            if current is None or value > current:
                hours[hour] = value
            day = hour // 24
            current = days.get(day)
            if current is None or value > current:
                days[day] = value

    def late_cell(self, items: Sequence[Item]) -> Any:
        cells: Series = {}
        for _, ts, value, seq in items:
            self.add(cells, 0, value, ts, seq)
        return cells[0]

    def merge(self, cells: Series, key: int, late: Any) -> None:
        self.add(cells, key, late, 0, 0)  # the first of equal maxima stays, as with each event

    def fold(self, cells: Iterable[Any]) -> Any:
        return max(cells)

    combine = staticmethod(max)  # max(a, b) keeps a unless b > a: the first of equal maxima


class Unique(Aggregation):
    counts = True  # the size of a set

    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        cell = cells.get(hour)
        if cell is None:
            cells[hour] = {value}
        else:
            cell.add(value)

    def add_all(self, hours: Series, days: Series, items: Sequence[Item]) -> None:
        for hour, _, value, _ in items:
            cell = hours.get(hour)
            if cell is None:
                hours[hour] = {value}
            else:
                cell.add(value)
            day = hour // 24
            cell = days.get(day)
            if cell is None:
                days[day] = {value}
            else:
                cell.add(value)

    def late_cell(self, items: Sequence[Item]) -> Any:
        return frozenset(item[2] for item in items)

    def merge(self, cells: Series, key: int, late: Any) -> None:
        cell = cells.get(key)
        if cell is None:
            cells[key] = set(late)
        else:
            cell |= late

    def fold(self, cells: Iterable[Any]) -> Any:
        return len(set().union(*cells))

    def fold_windows(self, series: Sequence[Series], start: int, n: int) -> list[Any]:
        if len(series) == 1:  # one set per window: its size, without a copy
            return [None if cell is None else len(cell) for cell in _dense(series[0], start, n)]
        return _fold_each(self, series, start, n)


class Latest(Aggregation):
    counts = False
    empty = None

    def add(self, cells: dict[int, Any], hour: int, value: Any, ts: int, seq: int) -> None:
        current = cells.get(hour)
        if current is None or (ts, seq) > (current[0], current[1]):
            cells[hour] = (ts, seq, value)

    def add_all(self, hours: Series, days: Series, items: Sequence[Item]) -> None:
        for hour, ts, value, seq in items:
            self.add(hours, hour, value, ts, seq)
            self.add(days, hour // 24, value, ts, seq)

    def late_cell(self, items: Sequence[Item]) -> Any:
        return max((ts, seq, value) for _, ts, value, seq in items)  # sequences never tie

    def merge(self, cells: Series, key: int, late: Any) -> None:
        ts, seq, value = late
        self.add(cells, key, value, ts, seq)

    def fold(self, cells: Iterable[Any]) -> Any:
        return max(cells)[2]  # (timestamp, sequence) order: ties go to the one ingested last

    def fold_windows(self, series: Sequence[Series], start: int, n: int) -> list[Any]:
        # The latest cell of each window, as `combine` merges them, then its value.
        cells = super().fold_windows(series, start, n)
        return [None if cell is None else cell[2] for cell in cells]

    # (timestamp, sequence, value): the later of two cells (sequences never tie), as `fold`.
    combine = staticmethod(max)


def _is_dense(cells: Series, n: int) -> bool:
    """Whether a series holds at least a quarter as many cells as `n` keys: then a lookup per key
    (in C) costs less than a walk of its cells."""
    return len(cells) * 4 >= n


def _all_dense(series: Sequence[Series], n: int) -> bool:
    return bool(series) and all(_is_dense(cells, n) for cells in series)


def _columns(series: Sequence[Series], start: int, n: int) -> list[Iterator[Any]]:
    """Each series' cells of keys [start, start + n), None where it has none."""
    keys = range(start, start + n)
    return [map(cells.get, keys) for cells in series]


def _dense(cells: Series, start: int, n: int) -> list[Any]:
    """The cells of keys [start, start + n), None where there is none."""
    if _is_dense(cells, n):
        return list(map(cells.get, range(start, start + n)))
    out: list[Any] = [None] * n
    for i, cell in _cells_in(cells, start, n):
        out[i] = cell
    return out


def _cells_in(cells: Series, start: int, n: int) -> list[tuple[int, Any]]:
    """(window index, cell) of the cells with keys in [start, start + n): a lookup per key, or a
    walk of the series when it holds fewer cells than the range has keys."""
    if n <= len(cells):
        get = cells.get
        return [(i, cell) for i in range(n) if (cell := get(start + i)) is not None]
    end = start + n
    return [(key - start, cell) for key, cell in cells.items() if start <= key < end]


def _fold_each(aggregation: Aggregation, series: Sequence[Series], start: int, n: int) -> list[Any]:
    """Each window's cells gathered in series order, then folded as `fold` folds them."""
    gathered: list[list[Any] | None] = [None] * n
    for cells in series:
        for i, cell in _cells_in(cells, start, n):
            found = gathered[i]
            if found is None:
                gathered[i] = [cell]
            else:
                found.append(cell)
    return [None if cells is None else aggregation.fold(cells) for cells in gathered]


AGGREGATIONS: dict[str, Aggregation] = {
    "COUNT": Aggregation(),
    "SUM": Sum(),
    "MAX": Max(),
    "UNIQUE": Unique(),
    "LATEST": Latest(),
}
