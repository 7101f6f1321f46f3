"""Reading request bodies (bounded, inflated) into wire models and writing JSON responses."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from emulator.web.keys import SETTINGS
from emulator.web.response_cache import Body, body_size
from emulator.web.routing import route_of
from emulator.wire.encoding import encode_json
from emulator.wire.errors import (
    BadRequest,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
    message_for,
)
from emulator.wire.limits import ANSWER_BYTES, API_BODY

__all__ = [
    "BODY",
    "check_answer_size",
    "json_array_response",
    "json_response",
    "parse_array",
    "parse_model",
    "read_array",
    "read_body",
    "read_model",
    "send_json_bytes",
    "too_large",
]

M = TypeVar("M", bound=BaseModel)

# Per request: its body, inflated and within its route's limit (`read_body`).
BODY = web.RequestKey("body", bytes)


def body_limit(request: web.Request) -> int:
    """The most bytes the request's body may have (inflated): its route's `limit`."""
    route = route_of(request)
    return API_BODY if route is None else route.limit


async def read_body(request: web.Request) -> bytes:
    """The request body, read once: inflated when it was sent with `Content-Encoding: gzip`, and
    refused with 413 as soon as it passes its route's limit (`emulator/routes.py`).

    A Content-Length over the limit is refused before anything is read. A gzip body is inflated
    as a stream, a chunk at a time and never past the limit, so a gzip bomb costs at most the
    limit in memory. Every later reader (journal, idempotency keys, handler) gets the same bytes:
    nothing in the emulator calls `request.read()`. The app turns off aiohttp's own inflation
    (`create_app`), so the stream read here is the body as sent.
    """
    if BODY in request:
        return request[BODY]
    content = request.content
    if content.is_eof() and "Content-Encoding" not in request.headers:
        # The whole body came with the head (the usual small request): nothing to wait for, so
        # no timer; a body past the route's limit is still refused.
        limit = body_limit(request)
        length = request.content_length
        if (length is not None and length > limit) or content.total_bytes > limit:
            raise PayloadTooLarge(too_large(request))
        body = request[BODY] = content.read_nowait()
        return body
    seconds = request.app[SETTINGS].body_timeout
    try:
        async with asyncio.timeout(seconds):
            body = await _read_bounded(request)
    except TimeoutError:
        raise RequestTimeout(
            f"request body did not arrive within {seconds:g} seconds (--body-timeout)"
        ) from None
    request[BODY] = body
    return body


def too_large(request: web.Request) -> str:
    """The message of a 413: the limit, and the route it is for."""
    limit = body_limit(request)
    return f"request body is too large: at most {limit} bytes for {request.method} {request.path}"


async def _read_bounded(request: web.Request) -> bytes:
    limit = body_limit(request)
    message = too_large(request)
    inflater = _Inflater(limit, message) if _is_gzip(request) else None
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(message)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.content.iter_any():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge(message)
        if inflater is None:
            chunks.append(chunk)
        else:
            inflater.feed(chunk)
    return b"".join(chunks) if inflater is None else inflater.finish()


def _is_gzip(request: web.Request) -> bool:
    """Whether the body is gzip; 415 for any content coding but gzip and identity."""
    header = request.headers.get("Content-Encoding", "")
    codings = [c.strip().lower() for c in header.split(",")]
    codings = [c for c in codings if c not in ("", "identity")]
    if not codings:
        return False
    if codings in (["gzip"], ["x-gzip"]):
        return True
    raise UnsupportedMediaType(
        f"Content-Encoding {header.strip()!r} is not supported: send the body as it is, "
        "or with Content-Encoding: gzip"
    )


class _Inflater:
    """A gzip stream inflated chunk by chunk, never to more than `limit` bytes."""

    _WBITS = 16 + zlib.MAX_WBITS  # the gzip wrapper
    _INVALID = "request body is not valid gzip (it was sent with Content-Encoding: gzip)"
    _CUT = "request body is not valid gzip: it ends before the gzip stream does"

    def __init__(self, limit: int, too_large: str) -> None:
        self._zlib = zlib.decompressobj(self._WBITS)
        self._out = bytearray()
        self._limit = limit
        self._too_large = too_large  # the 413's message
        self._fed = False

    def feed(self, data: bytes) -> None:
        try:
            while data:
                self._fed = True
                if self._zlib.eof:  # another member follows: RFC 1952 allows several in a row
                    self._zlib = zlib.decompressobj(self._WBITS)
                piece = self._zlib.decompress(data, self._room())
                self._take(piece)
                rest = self._zlib.unconsumed_tail or self._zlib.unused_data
                if not piece and len(rest) == len(data):  # no progress: never loop on it
                    raise BadRequest(self._INVALID)
                data = rest
        except zlib.error:
            raise BadRequest(self._INVALID) from None

    def finish(self) -> bytes:
        if not self._fed:
            return b""  # an empty body stays empty, whatever its Content-Encoding says
        try:
            while not self._zlib.eof:  # output zlib still holds after the last input
                piece = self._zlib.decompress(b"", self._room())
                if not piece:
                    break
                self._take(piece)
        except zlib.error:
            raise BadRequest(self._INVALID) from None
        if not self._zlib.eof:
            raise BadRequest(self._CUT)
        return bytes(self._out)

    def _room(self) -> int:
        """How much output to ask zlib for: one byte past the limit tells that it was passed."""
        return self._limit + 1 - len(self._out)

    def _take(self, piece: bytes) -> None:
        self._out += piece
        if len(self._out) > self._limit:
            raise PayloadTooLarge(self._too_large)


async def read_model(request: web.Request, model: type[M], what: str = "request body") -> M:
    """The request body validated as `model`; 400 with a message naming the field otherwise."""
    return parse_model(await read_body(request), model, what)


def parse_model(body: bytes, model: type[M], what: str = "request body") -> M:
    if not body.strip():
        raise BadRequest(f"{what} is required: a JSON object")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(message_for(exc, what)) from None


T = TypeVar("T")


async def read_array(request: web.Request, adapter: TypeAdapter[T], items: str) -> T:
    """A request body that is a JSON array, validated by `adapter`; errors name the index."""
    return parse_array(await read_body(request), adapter, items)


def parse_array(body: bytes, adapter: TypeAdapter[T], items: str) -> T:
    if not body.strip():
        raise BadRequest("request body is required: a JSON array")
    try:
        return adapter.validate_json(body)
    except ValidationError as exc:
        raise BadRequest(message_for(exc, items=items)) from None


# Bodies over this are written a piece at a time: the whole of a 40 MB page in one write holds the
# event loop for about 100 ms.
_WRITE_PIECE = 256 * 1024


async def send_json_bytes(request: web.Request, body: Body) -> web.StreamResponse:
    """A 200 with this JSON body (bytes, or the pieces of a large one in order), written in
    writes of about _WRITE_PIECE that give the loop back between them."""
    if isinstance(body, bytes) and len(body) <= _WRITE_PIECE:
        return web.Response(body=body, content_type="application/json")
    pieces = (body,) if isinstance(body, bytes) else body
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = body_size(body)
    await response.prepare(request)
    batch: list[bytes | memoryview] = []
    batched = 0
    for piece in pieces:
        view = memoryview(piece)
        for start in range(0, len(view), _WRITE_PIECE):
            part = view[start : start + _WRITE_PIECE]
            batch.append(part)
            batched += len(part)
            if batched >= _WRITE_PIECE:
                await response.write(b"".join(batch))
                batch, batched = [], 0
                await asyncio.sleep(0)
    if batch:
        await response.write(b"".join(batch))
    await response.write_eof()
    return response


def check_answer_size(size: int, what: str = "this answer") -> None:
    """400 once an answer being built passes ANSWER_BYTES (`emulator/wire/limits.py`)."""
    if size > ANSWER_BYTES:
        raise BadRequest(
            f"{what} would be more than {ANSWER_BYTES:,} bytes of JSON: at most {ANSWER_BYTES:,} "
            "bytes per answer; ask for less (fewer rows per page, fewer ids or group values)"
        )


def json_response(payload: Any, status: int = 200) -> web.Response:
    body = encode_json(payload)
    if status < 400:
        check_answer_size(len(body))
    return web.Response(body=body, status=status, content_type="application/json")


def json_array_response(items: Iterable[Any], what: str = "this answer") -> web.Response:
    """A 200 with a JSON array of `items`, encoded one at a time and refused (400) as soon as the
    whole would pass ANSWER_BYTES: never more than that, and one item, in memory."""
    pieces: list[bytes] = []
    size = 2
    for item in items:
        piece = encode_json(item)
        size += len(piece) + 1
        check_answer_size(size, what)
        pieces.append(piece)
    body = b"[" + b",".join(pieces) + b"]"
    return web.Response(body=body, content_type="application/json")
