"""Cursors (keyset positions bound to a query) and page-size resolution.

A cursor is `base64url(JSON [position..., query fingerprint]) + "." + MAC`. The MAC uses a fixed
key: it does not keep secrets, it makes a tampered or truncated cursor a clear 400 instead of a
silently wrong page, and being fixed it keeps responses byte-identical across processes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson

from emulator.errors import BadRequest

__all__ = [
    "MAX_PAGE_SIZE",
    "PAGE_SIZE_HEADER",
    "decode_cursor",
    "encode_cursor",
    "fingerprint",
    "page_size_from_header",
]

PAGE_SIZE_HEADER = "X-Emulator-Page-Size"
MAX_PAGE_SIZE = 100_000
_KEY = b"metronome-emulator cursor v1"


def fingerprint(query: Any) -> str:
    """A short digest of the normalised query a cursor belongs to."""
    return hashlib.sha256(orjson.dumps(query, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def _mac(payload: bytes) -> str:
    return hmac.new(_KEY, payload, hashlib.sha256).hexdigest()[:16]


def encode_cursor(position: list[Any], query_fingerprint: str) -> str:
    payload = base64.urlsafe_b64encode(orjson.dumps([*position, query_fingerprint]))
    return payload.decode().rstrip("=") + "." + _mac(payload.rstrip(b"="))


def decode_cursor(cursor: str, query_fingerprint: str) -> list[Any]:
    """The position encoded in `cursor`; 400 when it is malformed, altered or for another query."""
    payload, _, mac = cursor.partition(".")
    raw = payload.encode()
    if not mac or not hmac.compare_digest(mac.encode(), _mac(raw).encode()):
        raise BadRequest("next_page is not a valid cursor (malformed or altered)")
    decoded = orjson.loads(base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4)))
    if decoded[-1] != query_fingerprint:
        raise BadRequest(
            "next_page belongs to a different query: send the same body as the first page"
        )
    return list(decoded[:-1])


def page_size_from_header(value: str | None) -> int | None:
    if value is None:
        return None
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_PAGE_SIZE:
        return int(value)
    raise BadRequest(f"{PAGE_SIZE_HEADER} must be an integer from 1 to {MAX_PAGE_SIZE}")
