"""`POST /v1/ingest`: 1..100 usage events, validated as a whole, stored in order.

A batch is read with plain checks first (`emulator/wire/event_batch.py`); anything they do not
pass, wrong or only unusual, is validated by the pydantic model, whose message the 400 carries.
The ingest window reads the tenant's clock, as Metronome's reads its own
(`emulator.metering.store.check_ingest_window`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from aiohttp import web
from pydantic import Field, TypeAdapter

from emulator.metering.events import EventLike
from emulator.metering.store import check_ingest_window
from emulator.web.jsonio import parse_array, read_body
from emulator.web.keys import TENANT
from emulator.wire.event_batch import plain_events
from emulator.wire.limits import INGEST_BATCH
from emulator.wire.models import EventRecord

__all__ = ["BATCH", "ingest"]

BATCH = TypeAdapter(Annotated[list[EventRecord], Field(min_length=1, max_length=INGEST_BATCH)])


async def ingest(request: web.Request) -> web.Response:
    body = await read_body(request)
    events: Sequence[EventLike] | None = plain_events(body)
    if events is None:
        events = parse_array(body, BATCH, items="usage")
    tenant = request[TENANT]
    now = tenant.clock.now()
    check_ingest_window(events, now)
    tenant.writable().ingest(events, now)
    return web.Response(status=200)
