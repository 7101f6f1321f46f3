"""`POST /v1/usage`: batched usage across customers and billable metrics.

A request that repeats one already answered from the same state is answered from the response
cache (`emulator/web/response_cache.py`); anything else is validated, computed a series at a time in
chunks that give the event loop back (`emulator/web/pacing.py`), and then kept there.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, repeat

import orjson
from aiohttp import web

from emulator.metering.usage import UsagePage, UsageScope
from emulator.web.jsonio import check_answer_size, read_body, read_model, send_json_bytes
from emulator.web.keys import RESPONSES, SETTINGS, TENANT
from emulator.web.pacing import paced_list
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
    # An empty cursor is no cursor; without a query string there is nothing to parse.
    cursor = (request.query.get("next_page") or None) if request.query_string else None
    page_size = request.headers.get(PAGE_SIZE_HEADER)
    version = tenant.store.version
    cache = request.app[RESPONSES]
    key = None
    if cache.max_bytes:  # a cache of no bytes (--response-cache-mb 0) keeps nothing to look up
        # Everything the answer depends on; the app's own page size does not change while it runs.
        key = (version, await read_body(request), cursor, page_size, tenant.page_size)
        cached = cache.get(key)
        if cached is not None:
            return await send_json_bytes(request, cached)

    query = await read_model(request, UsageQuery)
    scope = UsageScope.resolve(tenant.store, query)
    position = None
    if cursor is not None:
        query_fingerprint = fingerprint(_normalised(query))
        customer_id, metric_id, window = decode_cursor(cursor, query_fingerprint, _CURSOR)
        position = (customer_id, metric_id, window)
    limit = page_size_from_header(page_size) or tenant.page_size or request.app[SETTINGS].page_size
    scope.check_page(limit)
    # The rows come a chunk at a time (a series' windows at once), the loop given back between
    # chunks; the body is joined once from the pairs' rows (a 40 MB page copied twice held the
    # event loop for tens of milliseconds, and a 240 KB one copied twice cost 60 us).
    page = UsagePage(tenant.store, scope, position, limit)
    pieces = [b'{"data":[']
    # Past ANSWER_BYTES the page is a 400 (`_checked`), before any of it is sent.
    for batch in await paced_list(_checked(page.batches())):
        pieces += chain.from_iterable(zip(batch, repeat(b",")))
    if len(pieces) > 1:
        pieces.pop()  # the comma after the last rows
    following = page.following
    next_page = None  # the query's fingerprint only when a cursor needs it (a sha256 of a dump)
    if following is not None:
        next_page = encode_cursor(list(following), fingerprint(_normalised(query)))
    pieces.append(b'],"next_page":%b}' % orjson.dumps(next_page))
    # A small page is joined; a large one is kept and sent as its pieces (`send_json_bytes`).
    body: Body = b"".join(pieces) if sum(map(len, pieces)) <= _JOIN_BELOW else tuple(pieces)
    del pieces
    if key is not None and tenant.store.version == version:  # no write landed between slices
        cache.put(key, body)
    return await send_json_bytes(request, body)


def _checked(batches: Iterator[list[bytes]]) -> Iterator[list[bytes]]:
    """The batches, with a 400 as soon as they pass ANSWER_BYTES (commas between rows counted)."""
    size = -1
    for batch in batches:
        size += sum(map(len, batch)) + len(batch)
        check_answer_size(size, "this page")
        yield batch


def _normalised(query: UsageQuery) -> object:
    """What makes two bodies the same query: spelling of window_size and id order do not count."""
    document = query.model_dump(mode="json")
    if query.customer_ids is not None:
        document["customer_ids"] = sorted(set(query.customer_ids))
    return document
