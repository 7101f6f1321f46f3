"""What the explorer needs beyond the rest of the API: recent events and the queued faults.

`GET /_emulator/events` reads the log newest first through `len(store.events)` and
`store.events[seq]` only. Without a filter it reads `limit` events; with one it looks at no more
than `SCAN_BUDGET` events per request, giving the event loop back every `SCAN_SLICE` of them, and
answers `next_before` so the caller can go on: a filtered search of a million events is many
short requests, never one long one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from emulator.errors import BadRequest
from emulator.jsonio import json_response
from emulator.keys import TENANT
from emulator.store.events import Event
from emulator.timestamps import format_rfc3339

__all__ = ["MAX_LIMIT", "SCAN_BUDGET", "SCAN_SLICE", "setup"]

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
# Events one filtered request looks at, at most: about 0.2 s of reading (some 4 µs an event).
SCAN_BUDGET = 50_000
# Events read between two returns to the event loop, so a scan never holds other requests long.
SCAN_SLICE = 2_000


def setup(app: web.Application) -> None:
    app.router.add_get("/_emulator/events", recent_events)
    app.router.add_get("/_emulator/faults", get_faults)


def _int_param(request: web.Request, name: str, low: int, high: int | None) -> int | None:
    text = request.query.get(name)
    if text is None or text == "":
        return None
    if text.isascii() and text.isdigit():
        value = int(text)
        if value >= low and (high is None or value <= high):
            return value
    bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
    raise BadRequest(f"{name} must be an integer {bounds}")


def _event(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "transaction_id": event.transaction_id,
        "customer_id": event.customer_id,
        "event_type": event.event_type,
        "timestamp": format_rfc3339(event.ts),
        "properties": event.properties,
        "is_duplicate": event.duplicate,
    }


async def recent_events(request: web.Request) -> web.Response:
    """`?limit=N&before=SEQ&customer_id=X&transaction_id=Y`: stored events newest first (by
    sequence number, which is ingest order), those with `seq < before`; the filters compare
    exactly with the event as sent (`customer_id` is an id or an alias, whatever was sent)."""
    limit = _int_param(request, "limit", 1, MAX_LIMIT) or DEFAULT_LIMIT
    before = _int_param(request, "before", 0, None)
    customer_id = request.query.get("customer_id") or None
    transaction_id = request.query.get("transaction_id") or None
    log = request[TENANT].store.events
    total = len(log)
    seq = total if before is None else min(before, total)
    found: list[dict[str, Any]] = []
    if customer_id is None and transaction_id is None:
        while seq > 0 and len(found) < limit:
            seq -= 1
            found.append(_event(log[seq]))
    else:
        floor = max(0, seq - SCAN_BUDGET)
        while seq > floor and len(found) < limit:
            stop = max(floor, seq - SCAN_SLICE)
            while seq > stop and len(found) < limit:
                seq -= 1
                event = log[seq]
                if (customer_id is None or event.customer_id == customer_id) and (
                    transaction_id is None or event.transaction_id == transaction_id
                ):
                    found.append(_event(event))
            if seq > floor and len(found) < limit:
                await asyncio.sleep(0)  # between slices: other requests go first
    return json_response({"data": found, "next_before": seq or None, "total": total})


async def get_faults(request: web.Request) -> web.Response:
    """The faults still queued for this tenant, oldest first, each with its `remaining` count."""
    return json_response({"data": request[TENANT].faults.pending()})
