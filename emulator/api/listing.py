"""What the list endpoints (`GET /v1/customers`, `GET /v1/billable-metrics`, ...) share: their query
parameters, and cursor pages over items in the order they were created."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from emulator.wire.errors import BadRequest
from emulator.wire.limits import LIST_LIMIT
from emulator.wire.models import Uuid
from emulator.wire.pagination import INDEX, decode_cursor, encode_cursor, fingerprint

__all__ = [
    "cursor_page",
    "parse_uuid",
    "query_flag",
    "query_limit",
    "query_list",
]


T = TypeVar("T")
_UUID = TypeAdapter(Uuid)


def parse_uuid(text: str, where: str) -> str:
    """An id from a path or query string, in its canonical (lowercase) form."""
    try:
        return _UUID.validate_python(text)
    except ValidationError:
        raise BadRequest(f"{where} must be a UUID") from None


def query_limit(request: web.Request) -> int:
    text = request.query.get("limit")
    if text is None or text == "":
        return LIST_LIMIT
    # At most 6 digits before int(): past 4,300 digits int() raises instead of answering.
    if len(text) <= 6 and text.isascii() and text.isdigit() and 1 <= int(text) <= LIST_LIMIT:
        return int(text)
    raise BadRequest(f"limit must be an integer from 1 to {LIST_LIMIT}")


def query_flag(request: web.Request, name: str) -> bool:
    text = request.query.get(name, "false")
    if text in ("true", "false"):
        return text == "true"
    raise BadRequest(f"{name} must be true or false")


def query_list(request: web.Request, name: str) -> list[str] | None:
    """A query-string array, comma-joined as the SDKs send it (`customer_ids=a,b`)."""
    text = request.query.get(name)
    if text is None:
        return None
    return [item for item in text.split(",") if item]


def cursor_page(
    request: web.Request,
    items: Sequence[tuple[int, T]],
    render: Callable[[T], Any],
    filters: object,
) -> dict[str, Any]:
    """`{"data": [...], "next_page": ...}`: up to `limit` of `items` (sequence number in creation
    order, item), from the `next_page` cursor on. The cursor holds the sequence number of the next
    item, so items created or archived between pages do not shift the ones after them."""
    limit = query_limit(request)
    query = fingerprint([request.path, filters])
    cursor = request.query.get("next_page") or None
    start = 0
    if cursor is not None:
        position = decode_cursor(cursor, query, (INDEX,))
        start = bisect_left([seq for seq, _ in items], position[0])
    page = items[start : start + limit]
    following = items[start + limit] if start + limit < len(items) else None
    return {
        "data": [render(item) for _, item in page],
        "next_page": None if following is None else encode_cursor([following[0]], query),
    }
