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
from typing import Any

from emulator.metering.matching import Matcher
from emulator.metering.rollups import Rollup
from emulator.metering.store import Store, merged_group_values
from emulator.metering.values import GroupKey, GroupValue, as_float
from emulator.metering.windows import Windows
from emulator.wire.errors import BadRequest
from emulator.wire.limits import GROUP_VALUES, MAX_PAGE_NUMBERS
from emulator.wire.models import UsageQuery
from emulator.wire.timestamps import US_PER_HOUR, format_rfc3339

__all__ = [
    "MetricScope",
    "Position",
    "UsageScope",
    "iter_rows",
    "json_number",
]

# Where the next row starts: (customer id, billable metric id, window index).
Position = tuple[str, str, int]
_INT64 = 2**63


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
    loop back between rows: nothing is iterated across a row."""
    windows = scope.windows
    n_windows = len(windows)
    labels: dict[int, tuple[str, str]] = {}  # window index -> formatted bounds, shared by rows
    ci, mi, wi = scope.start(position)
    while ci < len(scope.customer_ids):
        customer_id = scope.customer_ids[ci]
        senders = store.sender_keys(customer_id)
        while mi < len(scope.metric_ids):
            metric_id = scope.metric_ids[mi]
            reader = _RowReader(store, scope.metrics[metric_id], senders, windows)
            while wi < n_windows:
                label = labels.get(wi)
                if label is None:
                    lo, hi = windows.bounds(wi)
                    label = labels[wi] = (format_rfc3339(lo), format_rfc3339(hi))
                yield (customer_id, metric_id, wi), reader.row(customer_id, wi, label)
                wi += 1
            mi, wi = mi + 1, 0
        ci, mi = ci + 1, 0


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


def _gather(rollups: list[Rollup], h_from: int, h_to: int) -> list[Any]:
    """The cells covering hours [h_from, h_to) in each rollup."""
    return [cell for rollup in rollups for cell in rollup.cells(h_from, h_to)]
