"""`POST /v1/usage`: batched usage across customers and billable metrics.

A request that repeats one already answered from the same state is answered from the response
cache (`emulator/response_cache.py`); anything else is validated, computed, and then kept there.
"""

from __future__ import annotations

from aiohttp import web

from emulator.jsonio import json_response, read_body, read_model
from emulator.keys import RESPONSES, SETTINGS, TENANT
from emulator.pagination import (
    INDEX,
    PAGE_SIZE_HEADER,
    TEXT,
    decode_cursor,
    encode_cursor,
    fingerprint,
    page_size_from_header,
)
from emulator.store.usage import UsageScope, usage_page
from emulator.wire import UsageQuery

__all__ = ["list_usage"]

_CURSOR = (TEXT, TEXT, INDEX)  # the next row's customer id, metric id and window index


async def list_usage(request: web.Request) -> web.Response:
    tenant = request[TENANT]
    cursor = request.query.get("next_page") or None  # an empty cursor is no cursor
    page_size = request.headers.get(PAGE_SIZE_HEADER)
    # Everything the answer depends on; the app's own page size does not change while it runs.
    key = (tenant.store.version, await read_body(request), cursor, page_size, tenant.page_size)
    cache = request.app[RESPONSES]
    body = cache.get(key)
    if body is not None:
        return web.Response(body=body, content_type="application/json")

    query = await read_model(request, UsageQuery)
    scope = UsageScope.resolve(tenant.store, query)
    query_fingerprint = fingerprint(_normalised(query))
    position = None
    if cursor is not None:
        customer_id, metric_id, window = decode_cursor(cursor, query_fingerprint, _CURSOR)
        position = (customer_id, metric_id, window)
    limit = page_size_from_header(page_size) or tenant.page_size or request.app[SETTINGS].page_size
    rows, following = usage_page(tenant.store, scope, position, limit)
    next_page = None if following is None else encode_cursor(list(following), query_fingerprint)
    response = json_response({"data": rows, "next_page": next_page})
    assert isinstance(response.body, bytes)
    cache.put(key, response.body)
    return response


def _normalised(query: UsageQuery) -> object:
    """What makes two bodies the same query: spelling of window_size and id order do not count."""
    document = query.model_dump(mode="json")
    if query.customer_ids is not None:
        document["customer_ids"] = sorted(set(query.customer_ids))
    return document
