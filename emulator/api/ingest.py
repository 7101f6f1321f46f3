"""`POST /v1/ingest`: 1..100 usage events, validated as a whole, stored in order.

The ingest window reads the tenant's clock, as Metronome's reads its own: an event may be at most
34 days old ("supports backdating 34 days") and at most 24 hours ahead. Both edges are inclusive:
exactly 34 days before the clock, or exactly 24 hours after it, is accepted.
"""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import Field, TypeAdapter

from emulator.web.jsonio import read_array
from emulator.web.keys import TENANT
from emulator.wire.errors import BadRequest
from emulator.wire.limits import INGEST_BATCH
from emulator.wire.models import EventRecord
from emulator.wire.timestamps import US_PER_DAY, US_PER_HOUR, format_rfc3339

__all__ = ["BACKDATING", "BATCH", "FUTURE", "ingest"]

BATCH = TypeAdapter(Annotated[list[EventRecord], Field(min_length=1, max_length=INGEST_BATCH)])
BACKDATING = 34 * US_PER_DAY
FUTURE = 24 * US_PER_HOUR


async def ingest(request: web.Request) -> web.Response:
    events = await read_array(request, BATCH, items="usage")
    tenant = request[TENANT]
    now = tenant.clock.now()
    for index, event in enumerate(events):
        if event.timestamp < now - BACKDATING:
            raise BadRequest(
                f"usage[{index}].timestamp must be at most 34 days before the current time "
                f"({format_rfc3339(now)}): Metronome supports backdating 34 days"
            )
        if event.timestamp > now + FUTURE:
            raise BadRequest(
                f"usage[{index}].timestamp must be at most 24 hours after the current time "
                f"({format_rfc3339(now)})"
            )
    tenant.writable().ingest(events, now)
    return web.Response(status=200)
