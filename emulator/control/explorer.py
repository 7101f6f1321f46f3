"""The explorer: `GET /_emulator/ui`, a page that shows one tenant's world, and the control call it
needs beyond the rest of the API: recent events.

The page is one more client. It reads everything through the emulator's HTTP API with the bearer
token it is given, so it shows what any client would see. Its HTML, CSS and JavaScript live beside
this module (`explorer.html`, `.css`, `.js`: plain JavaScript and inline SVG, no library) and are
put together into one document at import, with a Content-Security-Policy that allows exactly that
inline script and style and nothing from elsewhere.

`GET /_emulator/events` reads the log newest first through `len(store.events)` and
`store.events[seq]` only. Without a filter it reads `limit` events; with one it looks at no more
than `SCAN_BUDGET` events per request, giving the event loop back every `SCAN_SLICE` of them, and
answers `next_before` so the caller can go on: a filtered search of a million events is many
short requests, never one long one.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from importlib import resources
from typing import Any

from aiohttp import web

from emulator.api.events import event_fields
from emulator.metering.events import Event
from emulator.web.jsonio import json_response
from emulator.web.keys import TENANT
from emulator.wire.errors import BadRequest
from emulator.wire.limits import EVENTS_SCAN, EXPLORER_EVENTS

__all__ = ["SCAN_BUDGET", "SCAN_SLICE", "explorer_page", "page_html", "recent_events"]

DEFAULT_LIMIT = 25
SCAN_BUDGET = EVENTS_SCAN  # a name of its own here, so a test can make it small
# Events read between two returns to the event loop, so a scan never holds other requests long.
SCAN_SLICE = 2_000


def _asset(name: str) -> str:
    return (resources.files(__package__) / name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def page_html() -> tuple[str, str]:
    """The page, its stylesheet and script inlined, and the Content-Security-Policy for it."""
    script, style = _asset("explorer.js"), _asset("explorer.css")
    html = _asset("explorer.html").replace("/*STYLE*/", style).replace("/*SCRIPT*/", script)
    policy = (
        "default-src 'none'; "
        f"script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
        "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    return html, policy


_PAGE, _POLICY = page_html()


async def explorer_page(_: web.Request) -> web.Response:
    """The page itself: no token needed to load it; it asks for one or takes `?token=`."""
    response = web.Response(text=_PAGE, content_type="text/html")
    response.headers["Content-Security-Policy"] = _POLICY
    response.headers["Cache-Control"] = "no-cache"
    return response


def _int_param(request: web.Request, name: str, low: int, high: int | None) -> int | None:
    text = request.query.get(name)
    if text is None or text == "":
        return None
    if text.isascii() and text.isdigit():
        # Saturated: past 4,300 digits int() refuses, and no store holds 10**18 events.
        value = int(text) if len(text) <= 18 else 10**18
        if value >= low and (high is None or value <= high):
            return value
    bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
    raise BadRequest(f"{name} must be an integer {bounds}")


def _event(event: Event) -> dict[str, Any]:
    return {"seq": event.seq, **event_fields(event)}


async def recent_events(request: web.Request) -> web.Response:
    """`?limit=N&before=SEQ&customer_id=X&transaction_id=Y`: stored events newest first (by
    sequence number, which is ingest order), those with `seq < before`; the filters compare
    exactly with the event as sent (`customer_id` is an id or an alias, whatever was sent)."""
    limit = _int_param(request, "limit", 1, EXPLORER_EVENTS) or DEFAULT_LIMIT
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
