"""`POST /v1/usage`: batched usage across customers and billable metrics.

A request that repeats one already answered from the same state is answered from the response
cache (`emulator/web/response_cache.py`); anything else is validated, computed row by row in slices
that give the event loop back (`emulator/web/pacing.py`), and then kept there.
"""

from __future__ import annotations

from contextlib import aclosing

import orjson
from aiohttp import web

from emulator.metering.usage import UsageScope, iter_rows
from emulator.web.jsonio import check_answer_size, read_body, read_model, send_json_bytes
from emulator.web.keys import RESPONSES, SETTINGS, TENANT
from emulator.web.pacing import paced
from emulator.web.response_cache import Body
from emulator.wire.models import UsageQuery
from emulator.wire.pagination import (
    INDEX,
    PAGE_SIZE_HEADER,
    TEXT,
    decode_cursor,
    encode_cursor,
    fingerprint,
    page_size_from_header,
)

__all__ = ["list_usage"]

# Pages up to this many bytes are joined into one (a copy that costs well under a millisecond).
_JOIN_BELOW = 1024 * 1024

_CURSOR = (TEXT, TEXT, INDEX)  # the next row's customer id, metric id and window index


async def list_usage(request: web.Request) -> web.StreamResponse:
    tenant = request[TENANT]
    cursor = request.query.get("next_page") or None  # an empty cursor is no cursor
    page_size = request.headers.get(PAGE_SIZE_HEADER)
    # Everything the answer depends on; the app's own page size does not change while it runs.
    version = tenant.store.version
    key = (version, await read_body(request), cursor, page_size, tenant.page_size)
    cache = request.app[RESPONSES]
    cached = cache.get(key)
    if cached is not None:
        return await send_json_bytes(request, cached)

    query = await read_model(request, UsageQuery)
    scope = UsageScope.resolve(tenant.store, query)
    query_fingerprint = fingerprint(_normalised(query))
    position = None
    if cursor is not None:
        customer_id, metric_id, window = decode_cursor(cursor, query_fingerprint, _CURSOR)
        position = (customer_id, metric_id, window)
    limit = page_size_from_header(page_size) or tenant.page_size or request.app[SETTINGS].page_size
    scope.check_page(limit)
    # The body's pieces, each row with the comma before it: joined once (a 40 MB page copied
    # twice held the event loop for tens of milliseconds).
    pieces = [b'{"data":[']
    following = None
    size = 0  # bytes of the rows so far: past ANSWER_BYTES the page is a 400, before any is sent
    async with aclosing(paced(iter_rows(tenant.store, scope, position))) as computed:
        async for at, row in computed:
            if len(pieces) > limit:
                following = at
                break
            piece = orjson.dumps(row) if len(pieces) == 1 else b"," + orjson.dumps(row)
            size += len(piece)
            check_answer_size(size, "this page")
            pieces.append(piece)
    next_page = None if following is None else encode_cursor(list(following), query_fingerprint)
    pieces.append(b'],"next_page":%b}' % orjson.dumps(next_page))
    # A small page is joined; a large one is kept and sent as its pieces (`send_json_bytes`).
    body: Body = b"".join(pieces) if size <= _JOIN_BELOW else tuple(pieces)
    del pieces
    if tenant.store.version == version:  # no write landed between two slices
        cache.put(key, body)
    return await send_json_bytes(request, body)


def _normalised(query: UsageQuery) -> object:
    """What makes two bodies the same query: spelling of window_size and id order do not count."""
    document = query.model_dump(mode="json")
    if query.customer_ids is not None:
        document["customer_ids"] = sorted(set(query.customer_ids))
    return document
