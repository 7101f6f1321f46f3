"""Batch usage (`POST /v1/usage`): which rows a query has, and each row's numbers.

Rows are (customer, billable metric, window) in that sort order, zero usage included. A row's value
merges the day and hour cells of the customer's sender keys, the base's and the tenant layer's
(bounds are UTC midnights, so every window is whole hours). So a query costs what its rows cost,
whatever the number of events stored.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import orjson

from emulator.metering.matching import Matcher
from emulator.metering.rollups import Rollup
from emulator.metering.store import Store, merged_group_values
from emulator.metering.values import GroupKey, GroupValue, as_float
from emulator.metering.windows import Windows
from emulator.wire.errors import BadRequest
from emulator.wire.limits import GROUP_VALUES, MAX_PAGE_NUMBERS
from emulator.wire.models import UsageQuery
from emulator.wire.timestamps import US_PER_DAY, US_PER_HOUR, format_rfc3339

__all__ = [
    "MetricScope",
    "Position",
    "UsagePage",
    "UsageScope",
    "iter_rows",
    "json_number",
]

# Where the next row starts: (customer id, billable metric id, window index).
Position = tuple[str, str, int]
_INT64 = 2**63
# About how many numbers (rows x (1 + group values)) a chunk of a page holds: the work between
# two chances to give the event loop back, well under a millisecond.
CHUNK_NUMBERS = 2048
_LABELS_AT_ONCE = 1024  # a query with at most this many windows makes all its labels at once
_PAIR_COST = 16  # a (customer, metric) pair's set-up, counted as this many numbers
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class MetricScope:
    matcher: Matcher
    group_key: GroupKey | None = None
    group_values: tuple[GroupValue, ...] | None = None  # None: every value seen in the range
    value_limit: int | None = GROUP_VALUES  # of the values seen, the first this many


@dataclass(frozen=True, slots=True)
class UsageScope:
    customer_ids: list[str]  # sorted
    metric_ids: list[str]  # sorted
    metrics: dict[str, MetricScope]
    windows: Windows

    @classmethod
    def resolve(cls, store: Store, query: UsageQuery) -> UsageScope:
        """Check the query against the store (unknown ids and group keys are 400s)."""
        windows = Windows.cut(query.starting_on, query.ending_before, query.window_size)
        if query.customer_ids is None:  # archived customers only when named
            customer_ids = [c.id for c in store.customers.values() if c.archived_at is None]
        else:
            for i, customer_id in enumerate(query.customer_ids):
                if customer_id not in store.customers:
                    raise BadRequest(f"customer_ids[{i}] {customer_id} is not a known customer")
            customer_ids = list(set(query.customer_ids))
        metrics: dict[str, MetricScope] = {}
        if query.billable_metrics is None:
            for metric in store.metrics.values():
                if metric.archived_at is None:
                    metrics[metric.id] = MetricScope(store.matchers[metric.id])
        else:
            for i, selector in enumerate(query.billable_metrics):
                where = f"billable_metrics[{i}]"
                matcher = store.matchers.get(selector.id)
                if matcher is None:
                    raise BadRequest(f"{where}.id {selector.id} is not a known billable metric")
                if selector.id in metrics:
                    raise BadRequest(f"{where}.id {selector.id} is named more than once")
                group_by = selector.group_by
                if group_by is None:
                    metrics[selector.id] = MetricScope(matcher)
                    continue
                if group_by.key not in matcher.group_names:
                    keys = ", ".join(matcher.group_names) or "none: the metric has no group keys"
                    raise BadRequest(
                        f"{where}.group_by.key must be one of the metric's group keys ({keys})"
                    )
                values = None if group_by.values is None else tuple(dict.fromkeys(group_by.values))
                metrics[selector.id] = MetricScope(matcher, group_by.key, values)
        return cls(sorted(customer_ids), sorted(metrics), metrics, windows)

    def check_page(self, limit: int) -> None:
        """400 when a page of `limit` rows could hold more than MAX_PAGE_NUMBERS numbers."""
        widest = 1
        for metric in self.metrics.values():
            if metric.group_key is not None:
                values = metric.group_values
                widest = max(widest, 1 + (len(values) if values else GROUP_VALUES))
        rows = min(limit, len(self.customer_ids) * len(self.metric_ids) * len(self.windows))
        if rows * widest > MAX_PAGE_NUMBERS:
            raise BadRequest(
                f"this page could hold {rows * widest:,} numbers (rows x (1 + group values)): "
                f"at most {MAX_PAGE_NUMBERS:,} per page; ask for fewer rows per page "
                "(X-Emulator-Page-Size) or fewer group values"
            )

    def start(self, position: Position | None) -> tuple[int, int, int]:
        """Indices (customer, metric, window) of the first row at or after `position`."""
        if position is None:
            return 0, 0, 0
        customer_id, metric_id, window = position
        ci = bisect_left(self.customer_ids, customer_id)
        if ci < len(self.customer_ids) and self.customer_ids[ci] == customer_id:
            mi = bisect_left(self.metric_ids, metric_id)
            if mi < len(self.metric_ids) and self.metric_ids[mi] == metric_id:
                return ci, mi, window
            return ci, mi, 0
        return ci, 0, 0


def json_number(value: Any) -> Any:
    """Integral results as JSON integers; integers beyond 64 bits as floats (orjson's limit), and
    past the float range the largest finite double with the value's sign (`values.as_float`)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < _INT64 else as_float(value)
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        return as_float(value)
    return value


def iter_rows(
    store: Store, scope: UsageScope, position: Position | None
) -> Iterator[tuple[Position, dict[str, Any]]]:
    """Rows from `position` on, each with its own position. A caller may stop and give the event
    loop back between rows: a series is read a chunk of windows at a time (`UsagePage` gives the
    same rows as JSON bytes, a chunk at a time)."""
    windows = scope.windows
    n_windows = len(windows)
    labels = _Labels(windows)
    ci, mi, wi = scope.start(position)
    while ci < len(scope.customer_ids):
        customer_id = scope.customer_ids[ci]
        senders = store.sender_keys(customer_id)
        while mi < len(scope.metric_ids):
            metric_id = scope.metric_ids[mi]
            reader = _RowReader(store, scope.metrics[metric_id], senders, windows)
            metric = reader.matcher.metric
            step = reader.step()
            while wi < n_windows:
                end = min(n_windows, wi + step)
                values = reader.values(wi, end)
                groups = [
                    (wanted, reader.group_numbers(wanted, wi, end))
                    for wanted in reader.group_values
                ]
                for i in range(end - wi):
                    start_label, end_label = labels.text(wi + i)
                    row = {
                        "customer_id": customer_id,
                        "billable_metric_id": metric.id,
                        "billable_metric_name": metric.name,
                        "start_timestamp": start_label,
                        "end_timestamp": end_label,
                        "value": values[i],
                    }
                    if scope.metrics[metric_id].group_key is not None:
                        row["groups"] = {wanted: numbers[i] for wanted, numbers in groups}
                    yield (customer_id, metric_id, wi + i), row
                wi = end
            mi, wi = mi + 1, 0
        ci, mi = ci + 1, 0


class UsagePage:
    """One page of `/v1/usage` as JSON, computed a series at a time.

    `chunks()` gives the page's rows as JSON text, comma-separated, about `CHUNK_NUMBERS` numbers
    at a time: a caller may give the event loop back between chunks, and nothing is iterated
    across them. Each (customer, metric) series folds its windows at once (`Aggregation.
    fold_windows`), and a row is its series' template, its window's label and its number, so the
    bytes are those of `orjson.dumps` of `iter_rows`' rows, joined with commas. After the last
    chunk, `following` is the position of the first row past the page, or None.
    """

    def __init__(self, store: Store, scope: UsageScope, position: Position | None, limit: int):
        self.store, self.scope, self.position, self.limit = store, scope, position, limit
        self.following: Position | None = None

    def chunks(self) -> Iterator[bytes]:
        return (b",".join(batch) for batch in self.batches())

    def batches(self) -> Iterator[list[bytes]]:
        """The chunks before they are joined: each a list of one or more pairs' rows as JSON
        (each comma-separated inside), to be joined with commas; a caller that joins the whole
        page joins it once."""
        store, scope = self.store, self.scope
        windows = scope.windows
        n_windows = len(windows)
        labels = _Labels(windows)
        hourly = windows.size == US_PER_HOUR
        grain = hourly if hourly or windows.size == US_PER_DAY else None  # the cells to read
        first = windows.start // windows.size if windows.size else 0  # the first window's key
        remaining = self.limit
        batch: list[bytes] = []
        numbers = 0
        ci, mi, wi = scope.start(self.position)
        while ci < len(scope.customer_ids):
            customer_id = scope.customer_ids[ci]
            senders = store.sender_keys(customer_id)
            head = b'{"customer_id":' + orjson.dumps(customer_id)
            while mi < len(scope.metric_ids):
                metric_id = scope.metric_ids[mi]
                if wi < n_windows and remaining == 0:
                    self.following = (customer_id, metric_id, wi)
                    if batch:
                        yield batch
                    return
                metric = scope.metrics[metric_id]
                rows: _PlainRows | _BoundRows
                if metric.group_key is None and grain is not None:
                    # The usual pair (no groups, hour or day windows) without a reader: one cell
                    # of the grain per window, every series folded at once.
                    rows = _PlainRows(store, metric, senders, grain, first, head, labels)
                else:
                    rows = _RowReader(store, metric, senders, windows).bind(
                        customer_id, labels, head
                    )
                step, width = rows.step, rows.width
                numbers += _PAIR_COST
                while wi < n_windows:
                    if remaining == 0:
                        self.following = (customer_id, metric_id, wi)
                        if batch:
                            yield batch
                        return
                    end = min(n_windows, wi + step, wi + remaining)
                    batch.append(rows.json(wi, end))
                    numbers += (end - wi) * width
                    remaining -= end - wi
                    wi = end
                    if numbers >= CHUNK_NUMBERS:
                        yield batch
                        batch, numbers = [], 0
                mi, wi = mi + 1, 0
            ci, mi = ci + 1, 0
        if batch:
            yield batch


class _PlainRows:
    """The rows of a pair whose metric has no groups, over hour or day windows, as JSON: each
    window is one cell of the grain (`Rollup.grain`), so the series fold all their windows at
    once; the bytes are `_RowReader.row_bytes`' (checked by tests/store/test_usage_page.py)."""

    __slots__ = ("aggregation", "cells", "first", "labels", "prefix")
    step = CHUNK_NUMBERS
    width = 1

    def __init__(
        self,
        store: Store,
        scope: MetricScope,
        senders: list[str],
        hourly: bool,
        first: int,
        head: bytes,
        labels: _Labels,
    ) -> None:
        metric = scope.matcher.metric
        self.aggregation = scope.matcher.aggregation
        self.cells = [rollup.grain(hourly) for rollup in store.rollups(senders, metric.id)]
        self.first, self.labels = first, labels
        self.prefix = head + _metric_json(metric.id, metric.name)

    def json(self, a: int, b: int) -> bytes:
        """Rows [a, b), comma-separated."""
        aggregation = self.aggregation
        folded = aggregation.fold_windows(self.cells, self.first + a, b - a)
        if aggregation.counts:  # whole numbers below 2**63, which `%d` writes as orjson does
            values = tuple([0 if n is None else n for n in folded])  # `empty` for no cell
            return _plain_json(self.prefix, self.labels.slots(a, b, b"%d"), values)
        texts = _value_texts(folded, aggregation.empty)
        return _plain_json(self.prefix, self.labels.slots(a, b, b"%b"), texts)


def _value_texts(folded: list[Any], empty: Any) -> tuple[bytes, ...]:
    """Each window's `value` as JSON, as `_numbers` gives it: one dumps of the list, split
    (numbers and null hold no comma). orjson writes a number as `json_number` does unless it is
    an integral float (a text with ".0" or an exponent) or an int of 2**63 or more: a list with
    either, or with any int past 53 bits (orjson's strict option refuses it, a cheap bound that
    holds those), is converted a number at a time. No cell is inf or nan, which orjson would
    write as null: `as_number` refuses them and sums saturate."""
    try:
        raw = orjson.dumps(folded, option=orjson.OPT_STRICT_INTEGER)
    except orjson.JSONEncodeError:
        raw = b"e"
    if b"e" in raw or b".0," in raw or raw.endswith(b".0]"):
        raw = orjson.dumps(_numbers(folded, empty))
    elif empty is not None and b"null" in raw:  # a window without a cell
        raw = raw.replace(b"null", orjson.dumps(empty))
    return tuple(raw[1:-1].split(b","))


def _plain_json(prefix: bytes, slots: list[bytes], values: tuple[Any, ...]) -> bytes:
    """Rows without groups: prefix, then each window's slot (`_Labels.slots`) and value, joined
    by "}," and the prefix again, all formatted by one `bytes %`; the last "}" alone. The prefix's
    own `%`s (a metric's name may hold one) are doubled, so only the slots take values."""
    between = b"}," + prefix.replace(b"%", b"%%")
    return prefix + between.join(slots) % values + b"}"


def _numbers(folded: list[Any], empty: Any) -> list[Any]:
    """Folded values as `value` gives them: `empty` for a window without a cell. The common
    numbers inline (json_number would give them back as they are): ints within 64 bits, and
    finite floats with a fraction (`n - n` is nan for inf and nan)."""
    return [
        empty
        if n is None
        else n
        if (type(n) is int and -_INT64 <= n < _INT64)
        or (type(n) is float and n - n == 0.0 and not n.is_integer())
        else json_number(n)
        for n in folded
    ]


class _RowReader:
    """The numbers of one (customer, metric) pair, window by window."""

    def __init__(self, store: Store, scope: MetricScope, senders: list[str], windows: Windows):
        self.scope = scope
        self.matcher = scope.matcher
        self.windows = windows
        metric_id = scope.matcher.metric.id
        self.series = store.rollups(senders, metric_id)
        self.groups: list[dict[GroupValue, Rollup]] = []
        self.group_values: tuple[GroupValue, ...] = ()
        if scope.group_key is not None:
            levels = store.sorted_group_series(senders, metric_id, scope.group_key)
            self.groups = [groups for groups, _ in levels]
            self.group_values = scope.group_values or self._values_seen(levels)

    def row(self, customer_id: str, index: int, label: tuple[str, str]) -> dict[str, Any]:
        metric = self.matcher.metric
        lo, hi = self.windows.bounds(index)
        h_from, h_to = lo // US_PER_HOUR, hi // US_PER_HOUR
        row = {
            "customer_id": customer_id,
            "billable_metric_id": metric.id,
            "billable_metric_name": metric.name,
            "start_timestamp": label[0],
            "end_timestamp": label[1],
            "value": self.value(h_from, h_to),
        }
        if self.scope.group_key is not None:
            row["groups"] = {
                wanted: self.group_number(wanted, h_from, h_to) for wanted in self.group_values
            }
        return row

    def bind(self, customer_id: str, labels: _Labels, head: bytes) -> _BoundRows:
        """The pair's rows as `UsagePage` reads them (as `_PlainRows` gives them)."""
        return _BoundRows(self, customer_id, labels, head)

    def step(self) -> int:
        """How many windows make a chunk of about `CHUNK_NUMBERS` numbers."""
        return max(1, CHUNK_NUMBERS // (1 + len(self.group_values)))

    def values(self, a: int, b: int) -> list[Any]:
        """The metric's values of windows [a, b), each as `value` gives it."""
        return _numbers(self._fold(self.series, a, b), self.matcher.aggregation.empty)

    def group_numbers(self, wanted: GroupValue, a: int, b: int) -> list[Any]:
        """One group value's numbers over windows [a, b), each as `group_number` gives it."""
        folded = self._fold([g[wanted] for g in self.groups if wanted in g], a, b)
        return [
            n
            if n is None
            or (type(n) is int and -_INT64 <= n < _INT64)
            or (type(n) is float and n - n == 0.0 and not n.is_integer())
            else json_number(n)
            for n in folded
        ]

    def _fold(self, rollups: list[Rollup], a: int, b: int) -> list[Any]:
        """The folded cells of windows [a, b) (None for a window without one): a grain's cells
        read at once for hour and day windows, the window's cells for one whole-range window."""
        windows, aggregation = self.windows, self.matcher.aggregation
        if windows.size == US_PER_HOUR or windows.size == US_PER_DAY:
            hourly = windows.size == US_PER_HOUR
            first = windows.start // windows.size + a
            return aggregation.fold_windows([r.grain(hourly) for r in rollups], first, b - a)
        folded = []
        for index in range(a, b):
            lo, hi = windows.bounds(index)
            cells = _gather(rollups, lo // US_PER_HOUR, hi // US_PER_HOUR)
            folded.append(aggregation.fold(cells) if cells else None)
        return folded

    def row_bytes(
        self, customer_id: str, labels: _Labels, a: int, b: int, head: bytes | None = None
    ) -> bytes:
        """Rows [a, b) as JSON, comma-separated: what `orjson.dumps` makes of `row`'s dicts. Each
        is the pair's template (the object up to its labels), the window's labels and the
        numbers, joined once. `head` is `{"customer_id":` and the id's JSON, made once per
        customer by a caller that has it."""
        if self.group_values and not all(isinstance(v, str) for v in self.group_values):
            # Not reached by `/v1/usage`, whose group values are strings (JSON object keys).
            return b",".join(
                [orjson.dumps(self.row(customer_id, i, labels.text(i))) for i in range(a, b)]
            )
        if head is None:
            head = b'{"customer_id":' + orjson.dumps(customer_id)
        # The bytes orjson makes of the dict's first three keys, without the closing brace.
        prefix = head + _metric_json(self.matcher.metric.id, self.matcher.metric.name)
        folded = self._fold(self.series, a, b)
        values = _value_texts(folded, self.matcher.aggregation.empty)
        if self.scope.group_key is None:
            return _plain_json(prefix, labels.slots(a, b, b"%b"), values)
        texts = labels.between(a, b)
        groups = [
            (orjson.dumps(wanted) + b":", orjson.dumps(self.group_numbers(wanted, a, b))[1:-1])
            for wanted in self.group_values
        ]
        split = [(key, numbers.split(b",")) for key, numbers in groups]
        rows = []
        for i, (text, value) in enumerate(zip(texts, values, strict=True)):
            inner = b",".join([key + numbers[i] for key, numbers in split])
            rows.append(prefix + text + value + b',"groups":{' + inner + b"}}")
        return b",".join(rows)

    def value(self, h_from: int, h_to: int) -> Any:
        """The metric's value over hours [h_from, h_to)."""
        aggregation = self.matcher.aggregation
        cells = _gather(self.series, h_from, h_to)
        return json_number(aggregation.fold(cells) if cells else aggregation.empty)

    def group_number(self, wanted: GroupValue, h_from: int, h_to: int) -> Any:
        """One group value's number over hours [h_from, h_to); None without a matching event."""
        cells = _gather([g[wanted] for g in self.groups if wanted in g], h_from, h_to)
        return json_number(self.matcher.aggregation.fold(cells)) if cells else None

    def _values_seen(
        self, levels: list[tuple[dict[GroupValue, Rollup], list[GroupValue]]]
    ) -> tuple[GroupValue, ...]:
        """The first `value_limit` group values, sorted, with a matching event anywhere in the
        query range: read in sorted order, stopping there, never a pass over every value."""
        h_from, h_to = self.windows.start // US_PER_HOUR, self.windows.end // US_PER_HOUR
        found: list[GroupValue] = []
        for value in merged_group_values(levels, None):
            if any(value in groups and groups[value].cells(h_from, h_to) for groups in self.groups):
                found.append(value)
                if self.scope.value_limit is not None and len(found) == self.scope.value_limit:
                    break
        return tuple(found)


class _BoundRows:
    """A reader's rows for one customer, with `_PlainRows`' `step`, `width` and `json`."""

    __slots__ = ("customer_id", "head", "labels", "reader", "step", "width")

    def __init__(self, reader: _RowReader, customer_id: str, labels: _Labels, head: bytes):
        self.reader, self.customer_id, self.labels, self.head = reader, customer_id, labels, head
        self.step = reader.step()
        self.width = 1 + len(reader.group_values)

    def json(self, a: int, b: int) -> bytes:
        return self.reader.row_bytes(self.customer_id, self.labels, a, b, self.head)


def _gather(rollups: list[Rollup], h_from: int, h_to: int) -> list[Any]:
    """The cells covering hours [h_from, h_to) in each rollup."""
    return [cell for rollup in rollups for cell in rollup.cells(h_from, h_to)]


class _Labels:
    """Each window's bounds as RFC 3339 text, made once per query and shared by its rows."""

    def __init__(self, windows: Windows) -> None:
        self.windows = windows
        self._texts: dict[int, tuple[str, str]] = {}
        self._bytes: dict[int, bytes] = {}
        self._all: list[bytes] | None = None  # every window's, for a query of few windows
        self._slots: dict[bytes, list[bytes]] = {}  # every window's slots, by spec, likewise

    def text(self, index: int) -> tuple[str, str]:
        found = self._texts.get(index)
        if found is None:
            lo, hi = self.windows.bounds(index)
            found = self._texts[index] = (_bound_text(lo), _bound_text(hi))
        return found

    def between(self, a: int, b: int) -> list[bytes]:
        """Windows [a, b) as the JSON between a row's `"start_timestamp":` and its value."""
        if self._all is None and len(self.windows) <= _LABELS_AT_ONCE:
            self._all = _all_labels(self.windows)
        if self._all is not None:
            return self._all[a:b]
        made = self._bytes
        out = []
        for index in range(a, b):
            found = made.get(index)
            if found is None:
                found = made[index] = _label_bytes(*self.windows.bounds(index))
            out.append(found)
        return out

    def slots(self, a: int, b: int, spec: bytes) -> list[bytes]:
        """Windows [a, b) as `between` gives them, each followed by `spec` (`%d` or `%b`): a
        row's text after its prefix, its value's place kept for one `bytes %` of the rows."""
        whole = self._slots.get(spec)
        if whole is None and len(self.windows) <= _LABELS_AT_ONCE:
            whole = self._slots[spec] = _all_slots(self.windows, spec)
        if whole is not None:
            return whole[a:b]
        return [label + spec for label in self.between(a, b)]


@lru_cache(maxsize=64)
def _all_slots(windows: Windows, spec: bytes) -> list[bytes]:
    """`_all_labels`, each followed by `spec`: kept across queries, as the labels are (at most
    64 lists of 1024 slots, under 8 MB)."""
    return [label + spec for label in _all_labels(windows)]


@lru_cache(maxsize=64)
def _all_labels(windows: Windows) -> list[bytes]:
    """Every window's labels (`_label_bytes`) of a query of at most `_LABELS_AT_ONCE` windows,
    kept across queries as they are: a dashboard asks for the same windows again and again. At
    most 64 x 1024 labels of about 70 bytes (under 5 MB). Callers only slice the list."""
    bounds = windows.bounds
    return [_label_bytes(*bounds(i)) for i in range(len(windows))]


@lru_cache(maxsize=1024)
def _metric_json(metric_id: str, name: str) -> bytes:
    """`,"billable_metric_id":...,"billable_metric_name":...,` as orjson writes them: a row's
    template after its customer id (a pure function of the two strings, so a memo)."""
    return (
        b',"billable_metric_id":'
        + orjson.dumps(metric_id)
        + b',"billable_metric_name":'
        + orjson.dumps(name)
        + b","
    )


@lru_cache(maxsize=16384)
def _label_bytes(lo: int, hi: int) -> bytes:
    """A window's labels as row JSON. Kept across queries (a pure function of the bounds, so a
    memo, not state): most queries ask for the same days again, and a label costs a few µs."""
    return b'"start_timestamp":"%b","end_timestamp":"%b","value":' % (
        _bound_text(lo).encode(),
        _bound_text(hi).encode(),
    )


def _bound_text(micros: int) -> str:
    """`format_rfc3339` of a window bound, which is a whole hour: the date from its ordinal (in C)
    rather than a datetime's fields one at a time."""
    day, rest = divmod(micros, US_PER_DAY)
    if rest % US_PER_HOUR:
        return format_rfc3339(micros)
    return f"{date.fromordinal(_EPOCH_ORDINAL + day).isoformat()}T{rest // US_PER_HOUR:02d}:00:00Z"
