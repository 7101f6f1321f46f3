"""`POST /v1/usage`: batched usage across customers and billable metrics."""

from __future__ import annotations

from aiohttp import web

from emulator.jsonio import json_response, read_model
from emulator.keys import SETTINGS, TENANT
from emulator.pagination import (
    PAGE_SIZE_HEADER,
    decode_cursor,
    encode_cursor,
    fingerprint,
    page_size_from_header,
)
from emulator.store.usage import UsageScope, usage_page
from emulator.wire import UsageQuery

__all__ = ["list_usage"]


async def list_usage(request: web.Request) -> web.Response:
    query = await read_model(request, UsageQuery)
    tenant = request[TENANT]
    scope = UsageScope.resolve(tenant.store, query)
    query_fingerprint = fingerprint(_normalised(query))
    cursor = request.query.get("next_page") or None  # an empty cursor is no cursor
    position = None
    if cursor is not None:
        customer_id, metric_id, window = decode_cursor(cursor, query_fingerprint)
        position = (customer_id, metric_id, window)
    limit = (
        page_size_from_header(request.headers.get(PAGE_SIZE_HEADER))
        or tenant.page_size
        or request.app[SETTINGS].page_size
    )
    rows, following = usage_page(tenant.store, scope, position, limit)
    next_page = None if following is None else encode_cursor(list(following), query_fingerprint)
    return json_response({"data": rows, "next_page": next_page})


def _normalised(query: UsageQuery) -> object:
    """What makes two bodies the same query: spelling of window_size and id order do not count."""
    document = query.model_dump(mode="json")
    if query.customer_ids is not None:
        document["customer_ids"] = sorted(set(query.customer_ids))
    return document
