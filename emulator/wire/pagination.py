"""Cursors (keyset positions bound to a query) and page-size resolution.

A cursor is `base64url(JSON [position..., query fingerprint]) + "." + MAC`. The MAC uses a fixed
key: it does not keep secrets, it makes a tampered or truncated cursor a clear 400 instead of a
silently wrong page, and being fixed it keeps responses byte-identical across processes. Since the
key is in this file, anyone can seal a cursor: `decode_cursor` also checks that the position has
the shape its endpoint issues (`CursorShape`), so no cursor reaches a handler in another shape.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from emulator.wire.errors import BadRequest
from emulator.wire.limits import MAX_PAGE_SIZE

__all__ = [
    "INDEX",
    "MAX_PAGE_SIZE",
    "NULL",
    "PAGE_SIZE_HEADER",
    "TEXT",
    "CursorItem",
    "CursorShape",
    "decode_cursor",
    "encode_cursor",
    "fingerprint",
    "page_size_from_header",
    "texts",
]

PAGE_SIZE_HEADER = "X-Emulator-Page-Size"
_KEY = b"metronome-emulator cursor v1"


def fingerprint(query: Any) -> str:
    """A short digest of the normalised query a cursor belongs to."""
    return hashlib.sha256(orjson.dumps(query, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


# What one item of a cursor's position must be; a shape is one check per item.
CursorItem = Callable[[Any], bool]
CursorShape = Sequence[CursorItem]


def _text(item: Any) -> bool:
    return isinstance(item, str)


def _index(item: Any) -> bool:
    return type(item) is int and item >= 0


def _null(item: Any) -> bool:
    return item is None


TEXT: CursorItem = _text  # a string: an id, a simple group value
INDEX: CursorItem = _index  # a whole number from 0 (a window, a sequence number), not a boolean
NULL: CursorItem = _null  # null: no group value


def texts(count: int) -> CursorItem:
    """A list of exactly `count` strings (a compound group value)."""
    return lambda item: (
        isinstance(item, list) and len(item) == count and all(isinstance(v, str) for v in item)
    )


def _mac(payload: bytes) -> str:
    return hmac.new(_KEY, payload, hashlib.sha256).hexdigest()[:16]


def _seal(payload: bytes) -> str:
    """`payload` (the cursor's JSON) as a cursor: its base64 and the MAC of that."""
    encoded = base64.urlsafe_b64encode(payload).rstrip(b"=")
    return encoded.decode() + "." + _mac(encoded)


def encode_cursor(position: list[Any], query_fingerprint: str) -> str:
    return _seal(orjson.dumps([*position, query_fingerprint]))


def decode_cursor(cursor: str, query_fingerprint: str, shape: CursorShape) -> list[Any]:
    """The position encoded in `cursor`, one item per check of `shape`; 400 when it is malformed,
    altered, for another query, or not in that shape."""
    invalid = BadRequest("next_page is not a valid cursor (malformed or altered)")
    payload, _, mac = cursor.partition(".")
    if not cursor.isascii() or not mac:
        raise invalid
    raw = payload.encode()
    if not hmac.compare_digest(mac.encode(), _mac(raw).encode()):
        raise invalid
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4)))
    except (binascii.Error, orjson.JSONDecodeError):
        raise invalid from None
    if not isinstance(decoded, list) or len(decoded) != len(shape) + 1:
        raise invalid
    if not isinstance(decoded[-1], str):  # the fingerprint
        raise invalid
    if decoded[-1] != query_fingerprint:
        raise BadRequest(
            "next_page belongs to a different query: send the same body as the first page"
        )
    position = decoded[:-1]
    if not all(check(item) for check, item in zip(shape, position, strict=True)):
        raise invalid
    return position


def page_size_from_header(value: str | None) -> int | None:
    if value is None:
        return None
    # At most 6 digits before int(): past 4,300 digits int() raises instead of answering.
    if len(value) <= 6 and value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_PAGE_SIZE:
        return int(value)
    raise BadRequest(f"{PAGE_SIZE_HEADER} must be an integer from 1 to {MAX_PAGE_SIZE}")
