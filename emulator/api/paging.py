"""The rating endpoints' paging (RATING.md section 2): **Q** `limit` and `next_page` in the query
string (POSTs too) -> `{"data", "next_page"}`; **B** both in the body; **C** `limit` and `cursor`
in the body -> `{"data", "cursor"}`. A cursor holds the index of the next item and a fingerprint
of the query it belongs to (`emulator/wire/pagination.py`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from emulator.web.keys import SETTINGS, TENANT
from emulator.wire.errors import BadRequest
from emulator.wire.pagination import INDEX, decode_cursor, encode_cursor, fingerprint

__all__ = ["Q_LIMIT", "body_page", "query_limit_q", "query_page", "query_position"]

T = TypeVar("T")
Q_LIMIT = 100  # Q's `limit` is 1..100 [S10]


def query_limit_q(request: web.Request, cap: int = Q_LIMIT) -> int:
    """Q's `limit`: 1..100; absent, the tenant's page size (or the emulator's) capped at 100;
    then capped at `cap` (breakdowns: 35 day or 24 hour windows a page)."""
    text = request.query.get("limit")
    if text is None or text == "":
        size = request[TENANT].page_size or request.app[SETTINGS].page_size
        return min(size, Q_LIMIT, cap)
    if text.isascii() and text.isdigit() and 1 <= int(text) <= Q_LIMIT:
        return min(int(text), cap)
    raise BadRequest(f"limit must be an integer from 1 to {Q_LIMIT}")


def query_position(request: web.Request, filters: object) -> tuple[int, str]:
    """Where a Q page starts (0, or the `next_page` cursor's index) and the query's fingerprint."""
    query = fingerprint([request.path, filters])
    cursor = request.query.get("next_page") or None
    if cursor is None:
        return 0, query
    return decode_cursor(cursor, query, (INDEX,))[0], query


def query_page(
    request: web.Request,
    items: Sequence[T],
    render: Callable[[T], Any],
    filters: object,
    cap: int = Q_LIMIT,
) -> dict[str, Any]:
    """A Q page of `items` (computed in a stable order for the same query and state)."""
    limit = query_limit_q(request, cap)
    start, query = query_position(request, filters)
    page = items[start : start + limit]
    following = start + limit if start + limit < len(items) else None
    return {
        "data": [render(item) for item in page],
        "next_page": None if following is None else encode_cursor([following], query),
    }


def body_page(
    items: Sequence[T],
    render: Callable[[T], Any],
    filters: object,
    limit: int,
    cursor: str | None,
    name: str,
) -> dict[str, Any]:
    """A B (`name` "next_page") or C (`name` "cursor") page: `limit` and the cursor come in the
    body, and the cursor goes back under `name`."""
    query = fingerprint(filters)
    start = 0
    if cursor:
        try:
            start = decode_cursor(cursor, query, (INDEX,))[0]
        except BadRequest as exc:
            raise BadRequest(exc.message.replace("next_page", name)) from None
    page = items[start : start + limit]
    following = start + limit if start + limit < len(items) else None
    return {
        "data": [render(item) for item in page],
        name: None if following is None else encode_cursor([following], query),
    }
