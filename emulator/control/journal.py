"""The request journal: what a tenant's API requests were and how they were answered."""

from __future__ import annotations

from collections import deque
from typing import Any

import orjson

from emulator.timestamps import format_rfc3339

__all__ = ["JOURNALED_HEADERS", "Journal", "journal_body"]

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


def journal_body(raw: bytes) -> Any:
    """The body as JSON when it is JSON, else as text; None when empty."""
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode(errors="replace")


class Journal:
    """The newest `size` entries, oldest first (bounded, so a long soak cannot exhaust memory)."""

    def __init__(self, size: int) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=size)

    def record(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        headers: dict[str, str],
        status: int | None,
        at_micros: int,
    ) -> None:
        if self.entries.maxlen == 0:
            return
        self.entries.append(
            {
                "method": method,
                "path": path,
                "query": query,
                "body": body,
                "headers": headers,
                "status": status,
                "at": format_rfc3339(at_micros),
            }
        )
