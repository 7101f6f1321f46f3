"""`POST /v1/ingest`: 1..100 usage events, validated as a whole, stored in order.

The ingest window reads the tenant's clock, as Metronome's reads its own
(`emulator.metering.store.check_ingest_window`).
"""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import Field, TypeAdapter

from emulator.metering.store import check_ingest_window
from emulator.web.jsonio import read_array
from emulator.web.keys import TENANT
from emulator.wire.limits import INGEST_BATCH
from emulator.wire.models import EventRecord

__all__ = ["BATCH", "ingest"]

BATCH = TypeAdapter(Annotated[list[EventRecord], Field(min_length=1, max_length=INGEST_BATCH)])


async def ingest(request: web.Request) -> web.Response:
    events = await read_array(request, BATCH, items="usage")
    tenant = request[TENANT]
    now = tenant.clock.now()
    check_ingest_window(events, now)
    tenant.writable().ingest(events, now)
    return web.Response(status=200)
