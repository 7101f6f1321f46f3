"""`POST /v1/usage/groups`: parse, resolve the scope and page through the rows in the metering
domain (`emulator/metering/groups.py`), shape them. The rows are computed in slices that give the
event loop back (`emulator/web/pacing.py`)."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from aiohttp import web

from emulator.api.listing import query_limit
from emulator.metering.groups import GroupPosition, GroupRow, GroupsScope, group_rows
from emulator.metering.values import NO_GROUP, GroupKey, GroupValue
from emulator.web.jsonio import json_response, read_model
from emulator.web.keys import TENANT
from emulator.web.pacing import paced
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
    scope = GroupsScope.resolve(store, query)
    limit = query_limit(request)
    query_fingerprint = fingerprint(query.model_dump(mode="json"))
    position = _position(request.query.get("next_page") or None, query_fingerprint, scope.key)
    rows: list[GroupRow] = []
    following: GroupPosition | None = None
    async with aclosing(paced(group_rows(store, scope, position))) as computed:
        async for at, row in computed:
            if len(rows) == limit:
                following = at
                break
            rows.append(row)
    next_page = None
    if following is not None:
        value = following[1]
        # The null group as null; a compound value as a list.
        encoded = None if value == NO_GROUP else list(value) if isinstance(value, tuple) else value
        next_page = encode_cursor([following[0], encoded], query_fingerprint)
    return json_response({"data": [_row(scope.key, *row) for row in rows], "next_page": next_page})


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
