"""`POST /v1/usage/groups`: one customer's usage of one metric, a row per window and group value.

The numbers are those of `/v1/usage` for the same windows (`emulator/metering/usage.py`); this
module checks the query's group key against the metric and shapes the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from emulator.api.listing import query_limit
from emulator.metering.matching import Matcher
from emulator.metering.usage import GroupPosition, MetricScope, group_rows
from emulator.metering.values import NO_GROUP, GroupKey, GroupValue
from emulator.metering.windows import Windows
from emulator.web.jsonio import json_response, read_model
from emulator.web.keys import TENANT
from emulator.wire.errors import BadRequest
from emulator.wire.limits import GROUP_VALUES
from emulator.wire.models import GroupedUsageQuery
from emulator.wire.pagination import (
    INDEX,
    NULL,
    TEXT,
    CursorItem,
    decode_cursor,
    encode_cursor,
    fingerprint,
    texts,
)

__all__ = ["list_with_groups"]


async def list_with_groups(request: web.Request) -> web.Response:
    query = await read_model(request, GroupedUsageQuery)
    store = request[TENANT].store
    if query.current_period:
        raise BadRequest(
            "current_period needs the customer's billing period, which the emulator does not "
            "model: send starting_on and ending_before"
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
    limit = query_limit(request)
    query_fingerprint = fingerprint(query.model_dump(mode="json"))
    position = _position(request.query.get("next_page") or None, query_fingerprint, key)
    scope = MetricScope(matcher, key, None, value_limit=None, null_group=True)
    rows, following = group_rows(store, query.customer_id, scope, windows, keep, position, limit)
    next_page = None
    if following is not None:
        value = following[1]
        # The null group as null; a compound value as a list.
        encoded = None if value == NO_GROUP else list(value) if isinstance(value, tuple) else value
        next_page = encode_cursor([following[0], encoded], query_fingerprint)
    return json_response({"data": [_row(key, *row) for row in rows], "next_page": next_page})


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


def _position(
    cursor: str | None, query_fingerprint: str, key: GroupKey | None
) -> GroupPosition | None:
    if cursor is None:
        return None
    group = NULL if key is None else TEXT if isinstance(key, str) else texts(len(key))
    if key is not None:  # or null: the null group
        group = _or_null(group)
    window, value = decode_cursor(cursor, query_fingerprint, (INDEX, group))
    if value is None:
        return int(window), None if key is None else NO_GROUP
    return int(window), tuple(value) if isinstance(value, list) else value


def _or_null(check: CursorItem) -> CursorItem:
    return lambda item: item is None or check(item)


def _row(
    key: GroupKey | None, start: str, end: str, value: Any, group: GroupValue | None
) -> dict[str, Any]:
    row: dict[str, Any] = {"starting_on": start, "ending_before": end, "value": value}
    # No key asked for, or the null group (events lacking the key): the docs' example row
    # `"group_key": null, "group_value": null`; `group` is null too (the SDK types its values
    # as strings).
    if key is None or group is None or group == NO_GROUP:
        row.update(group=None, group_key=None, group_value=None)
    elif isinstance(key, str):
        assert isinstance(group, str)
        row.update(group={key: group}, group_key=key, group_value=group)
    else:
        row.update(group=dict(zip(key, group, strict=True)), group_key=None, group_value=None)
    return row
