"""`POST /v1/events/search`: stored events by transaction id, with what they matched.

Like Metronome's, it covers the events processed in the last 34 days of the tenant's clock (a
document's events are processed at their own timestamp unless it records otherwise).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from aiohttp import web

from emulator.api.billable_metrics import metric_detail
from emulator.metering.events import Event
from emulator.metering.store import BACKDATING, Store
from emulator.web.jsonio import json_array_response, read_model
from emulator.web.keys import TENANT
from emulator.wire.models import EventSearch
from emulator.wire.timestamps import format_rfc3339

__all__ = ["event_fields", "search_events"]


async def search_events(request: web.Request) -> web.Response:
    body = await read_model(request, EventSearch)
    tenant = request[TENANT]
    store = tenant.store
    since = tenant.clock.now() - BACKDATING
    found = store.events_with(body.transaction_ids, since)
    return json_array_response((_item(store, event) for event in found), "this search's answer")


def _item(store: Store, event: Event) -> dict[str, Any]:
    owner = store.alias_user(event.customer_id)
    customer = None if owner is None else store.customers[owner]
    return {
        "id": _event_id(event),
        **event_fields(event),
        "processed_at": format_rfc3339(event.processed_at),
        "matched_customer": None
        if customer is None
        else {"id": customer.id, "name": customer.name},
        "matched_billable_metrics": [metric_detail(m) for m in store.matching_metrics(event)],
    }


def event_fields(event: Event) -> dict[str, Any]:
    """An event as it was sent: the fields the search answer and the explorer's list share."""
    return {
        "transaction_id": event.transaction_id,
        "customer_id": event.customer_id,
        "event_type": event.event_type,
        "timestamp": format_rfc3339(event.ts),
        "properties": event.properties,
        "is_duplicate": event.duplicate,
    }


def _event_id(event: Event) -> str:
    """A UUID for the stored event, the same on every run: from its place in the log and its id."""
    digest = hashlib.sha256(f"metronome-emulator event {event.seq} {event.transaction_id}".encode())
    return str(uuid.UUID(bytes=digest.digest()[:16], version=4))
