"""`POST /v1/ingest`: 1..100 usage events, validated as a whole, stored in order."""

from __future__ import annotations

import time
from typing import Annotated

from aiohttp import web
from pydantic import Field, TypeAdapter

from emulator.errors import BadRequest
from emulator.jsonio import read_array
from emulator.keys import TENANT, TENANTS
from emulator.timestamps import US_PER_HOUR, US_PER_SECOND
from emulator.wire import EventRecord

__all__ = ["BATCH", "ingest"]

BATCH = TypeAdapter(Annotated[list[EventRecord], Field(min_length=1, max_length=100)])
_FUTURE_LIMIT = 24 * US_PER_HOUR


async def ingest(request: web.Request) -> web.Response:
    events = await read_array(request, BATCH, items="usage")
    # The one rule that reads the wall clock, as Metronome's does: no events from the far future.
    latest = int(time.time() * US_PER_SECOND) + _FUTURE_LIMIT
    for index, event in enumerate(events):
        if event.timestamp > latest:
            raise BadRequest(
                f"usage[{index}].timestamp must not be more than 24 hours in the future"
            )
    tenant = request[TENANT]
    request.app[TENANTS].writable(tenant).ingest(events)
    return web.Response(status=200)
