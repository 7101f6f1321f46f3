"""The request journal: what a tenant's API requests were and how they were answered.

Bounded twice, per tenant: the newest `--journal-size` entries, and at most `JOURNAL_BYTES` in all
(`emulator/wire/limits.py`), the oldest dropped first. An entry keeps its body as the bytes received
(inflated), cut at `JOURNAL_ENTRY_BODY`; it is parsed only when the journal is read, since parsed
JSON takes several times the memory of its text. An entry reads

    {"method", "path", "query", "body", "headers", "status", "at"}

with `body` the JSON sent (or its text when it is not JSON, or null when there is none). A cut body
is shown as text, and the entry adds `"body_truncated": true` and `"body_size"` (the whole body's
size in bytes) after it. A body over `_COMPRESS_OVER` bytes is kept zlib-compressed (an ingest of
100 events, about 18 KB of JSON, keeps about 3 KB), so the journal is a small part of what a
tenant costs; the ceiling counts bodies as they are given back, so it bounds the answer of
`GET /_emulator/requests` too.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from emulator.wire.limits import JOURNAL_BYTES, JOURNAL_ENTRY_BODY
from emulator.wire.timestamps import format_rfc3339

__all__ = ["JOURNALED_HEADERS", "Journal", "JournalEntries", "journal_body"]

# Headers worth seeing when checking what a client sent. Authorization is never kept whole.
JOURNALED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Content-Encoding",
    "Idempotency-Key",
    "User-Agent",
    "X-Emulator-Page-Size",
    "X-Stainless-Lang",
    "X-Stainless-Retry-Count",
)
# What an entry costs besides its text: the tuple, two small dicts, the str objects. Measured with
# tracemalloc: an entry with a 100-byte body and five headers takes about 880 bytes, 300 of them
# text.
_ENTRY_OVERHEAD = 600
# Bodies longer than this are kept compressed (level 1: about 50 µs for 18 KB).
_COMPRESS_OVER = 1024


def _at_chars(micros: int) -> int:
    """The length of `format_rfc3339(micros)`, without writing it: `YYYY-MM-DDTHH:MM:SSZ` (a
    timestamp's year has four digits), and a fraction's digits after a point, trailing zeros
    left out."""
    fraction = micros % 1_000_000
    return 20 if fraction == 0 else 21 + len(f"{fraction:06d}".rstrip("0"))


def journal_body(raw: bytes) -> Any:
    """The body as JSON when it is JSON, else as text; None when empty."""
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode(errors="replace")


class _Entry(NamedTuple):
    method: str
    path: str
    query: dict[str, str]
    body: bytes  # at most JOURNAL_ENTRY_BODY bytes of it, zlib-compressed when `compressed`
    compressed: bool
    body_size: int
    headers: dict[str, str]
    status: int | None
    at: int  # epoch microseconds, written out when the journal is read
    cost: int  # bytes counted against the journal's ceiling

    def render(self) -> dict[str, Any]:
        kept = zlib.decompress(self.body) if self.compressed else self.body
        entry: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": journal_body(kept),
        }
        if self.body_size > len(kept):
            entry.update(body_truncated=True, body_size=self.body_size)
        entry.update(headers=self.headers, status=self.status, at=format_rfc3339(self.at))
        return entry


class JournalEntries:
    """The entries, oldest first. Iterating gives them as the journal answers them, rendered
    then: `GET /_emulator/requests` lists them and `DELETE` clears them (control/routes.py)."""

    def __init__(self) -> None:
        self._entries: deque[_Entry] = deque()
        self.bytes = 0  # what the entries are counted to cost

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (entry.render() for entry in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def add(self, entry: _Entry, max_entries: int, max_bytes: int) -> None:
        self._entries.append(entry)
        self.bytes += entry.cost
        while self._entries and (len(self._entries) > max_entries or self.bytes > max_bytes):
            self.bytes -= self._entries.popleft().cost


class Journal:
    """The newest `size` entries, at most `max_bytes` of them (so a long soak or large bodies
    cannot exhaust memory)."""

    def __init__(self, size: int, max_bytes: int = JOURNAL_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.entries = JournalEntries()

    def record(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
        headers: dict[str, str],
        status: int | None,
        at_micros: int,
    ) -> None:
        if self.size == 0:
            return
        kept = body[:JOURNAL_ENTRY_BODY]
        # Counted as given back, not as kept: the ceiling bounds the journal's answer too.
        cost = len(kept) + _ENTRY_OVERHEAD
        compressed = len(kept) > _COMPRESS_OVER
        if compressed:
            kept = zlib.compress(kept, 1)
        text = [method, path, *query, *query.values(), *headers, *headers.values()]
        cost += sum(map(len, text)) + _at_chars(at_micros)
        entry = _Entry(
            method, path, query, kept, compressed, len(body), headers, status, at_micros, cost
        )
        self.entries.add(entry, self.size, self.max_bytes)
