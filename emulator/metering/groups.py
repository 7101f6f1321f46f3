"""`POST /v1/usage/groups`: one customer's usage of one metric, a row per window and group value.

`GroupsScope.resolve` is the query's rule against the store (which customer, metric and group key,
which values to keep: every 400 of the endpoint but the cursor's); `group_rows` gives the rows from
a position on. Rows go window by window, and within a window by group value, sorted (as strings,
or tuples of strings for a compound key); the values listed are those with a matching event
anywhere in the query range that the filters keep. The numbers are `/v1/usage`'s, row for row.

A page seeks to its cursor: every group series keeps its values sorted
(`Store.sorted_group_series`), so a page bisects to its first value and reads on, costing the rows
it returns and the values it steps over, never a pass over every value (100,000 of them took about
220 ms a page before).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from emulator.metering.matching import Matcher
from emulator.metering.rollups import Rollup
from emulator.metering.store import Store, merged_group_values
from emulator.metering.usage import json_number
from emulator.metering.values import NO_GROUP, GroupKey, GroupValue
from emulator.metering.windows import Windows
from emulator.wire.errors import BadRequest
from emulator.wire.limits import GROUP_VALUES
from emulator.wire.models import GroupedUsageQuery
from emulator.wire.timestamps import US_PER_HOUR, format_rfc3339

__all__ = ["GroupPosition", "GroupRow", "GroupsScope", "group_rows"]

# Where a row is: (window index, group value or None without a group key).
GroupPosition = tuple[int, GroupValue | None]
# A row: (start, end, value, group value or None).
GroupRow = tuple[str, str, Any, GroupValue | None]


@dataclass(frozen=True, slots=True)
class GroupsScope:
    customer_id: str
    matcher: Matcher
    key: GroupKey | None  # as the store keeps it: a name, or a compound key's names in order
    keep: Callable[[GroupValue], bool]  # the filters (group_filters, or group_by.values)
    windows: Windows

    @classmethod
    def resolve(cls, store: Store, query: GroupedUsageQuery) -> GroupsScope:
        """Check the query against the store: 400 naming the field on a problem."""
        if query.current_period:
            raise BadRequest(
                "current_period needs the customer's billing period, which the emulator does "
                "not model: send starting_on and ending_before"
            )
        if query.starting_on is None or query.ending_before is None:
            missing = "starting_on" if query.starting_on is None else "ending_before"
            raise BadRequest(f"{missing} is required (current_period is not supported)")
        windows = Windows.cut(query.starting_on, query.ending_before, query.window_size)
        if query.customer_id not in store.customers:
            raise BadRequest(f"customer_id {query.customer_id} is not a known customer")
        matcher = store.matchers.get(query.billable_metric_id)
        if matcher is None:
            raise BadRequest(
                f"billable_metric_id {query.billable_metric_id} is not a known billable metric"
            )
        key, keep = _grouping(query, matcher)
        return cls(query.customer_id, matcher, key, keep, windows)


def _grouping(
    query: GroupedUsageQuery, matcher: Matcher
) -> tuple[GroupKey | None, Callable[[GroupValue], bool]]:
    """The group key asked for, as the store keeps it, and which of its values to keep."""
    if query.group_key is not None and query.group_by is not None:
        raise BadRequest("group_key and group_by cannot be used together (group_by is deprecated)")
    if query.group_by is not None:
        if query.group_by.key not in matcher.group_names:
            raise BadRequest(
                f"group_by.key must be one of the metric's group keys ({_names(matcher)})"
            )
        wanted = None if query.group_by.values is None else frozenset(query.group_by.values)
        return query.group_by.key, lambda value: wanted is None or value in wanted
    if query.group_key is None:
        if query.group_filters:
            raise BadRequest("group_filters needs group_key")
        return None, lambda _value: True
    defined = [key for key in matcher.metric.group_keys if set(key) == set(query.group_key)]
    if not defined or len(set(query.group_key)) != len(query.group_key):
        raise BadRequest(f"group_key must be one of the metric's group keys ({_names(matcher)})")
    names = defined[0]
    filters = query.group_filters or {}
    for name in filters:
        if name not in names:
            raise BadRequest(f"group_filters: {name!r} is not in group_key")
    if sum(len(values) for values in filters.values()) > GROUP_VALUES:
        raise BadRequest(f"group_filters may list at most {GROUP_VALUES} values in all")
    allowed = [(i, frozenset(filters[name])) for i, name in enumerate(names) if filters.get(name)]
    if len(names) == 1:
        return names[0], lambda value: all(value in values for _, values in allowed)
    return tuple(names), lambda value: all(value[i] in values for i, values in allowed)


def _names(matcher: Matcher) -> str:
    keys = [", ".join(key) for key in matcher.metric.group_keys]
    return "; ".join(f"[{key}]" for key in keys) or "none: the metric has no group keys"


def group_rows(
    store: Store, scope: GroupsScope, position: GroupPosition | None
) -> Iterator[tuple[GroupPosition, GroupRow]]:
    """Rows from `position` on, each with its own position. A caller may stop, or give the event
    loop back, between rows: what is held across rows (the sorted value lists) is never changed
    in place, and each row's numbers are read whole."""
    senders = store.sender_keys(scope.customer_id)
    metric_id = scope.matcher.metric.id
    aggregation = scope.matcher.aggregation
    windows = scope.windows
    wi, start = (0, None) if position is None else position
    if scope.key is None:
        series = store.rollups(senders, metric_id)
        for index in range(wi, len(windows)):
            label, h_from, h_to = _window(windows, index)
            cells = [cell for rollup in series for cell in rollup.cells(h_from, h_to)]
            number = json_number(aggregation.fold(cells) if cells else aggregation.empty)
            yield (index, None), (*label, number, None)
        return
    levels = store.sorted_group_series(senders, metric_id, scope.key)
    whole = (windows.start // US_PER_HOUR, windows.end // US_PER_HOUR)

    def listed(value: GroupValue) -> bool:
        """Seen in the query range, and kept by the filters."""
        return scope.keep(value) and any(
            value in groups and groups[value].cells(*whole) for groups, _ in levels
        )

    # Events lacking the key: the null group row, first in each window, whatever the filters.
    null_group = any(NO_GROUP in groups and groups[NO_GROUP].cells(*whole) for groups, _ in levels)

    def row(value: GroupValue, label: tuple[str, str], h_from: int, h_to: int) -> GroupRow:
        rollups: list[Rollup] = [groups[value] for groups, _ in levels if value in groups]
        cells = [cell for rollup in rollups for cell in rollup.cells(h_from, h_to)]
        return (*label, json_number(aggregation.fold(cells)) if cells else None, value)

    while wi < len(windows):
        label, h_from, h_to = _window(windows, wi)
        found = False
        if null_group and start in (None, NO_GROUP):
            found = True
            yield (wi, NO_GROUP), row(NO_GROUP, label, h_from, h_to)
        for value in merged_group_values(levels, None if start == NO_GROUP else start):
            if not listed(value):
                continue
            found = True
            yield (wi, value), row(value, label, h_from, h_to)
        if not found and start is None:
            return  # no value in the whole range: no window has a row
        wi, start = wi + 1, None


def _window(windows: Windows, index: int) -> tuple[tuple[str, str], int, int]:
    lo, hi = windows.bounds(index)
    return (format_rfc3339(lo), format_rfc3339(hi)), lo // US_PER_HOUR, hi // US_PER_HOUR
