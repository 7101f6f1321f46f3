"""The middlewares every request passes, outermost first: errors to `{"message"}`, then the edge:
the `Host` check, auth and the tenant, the journal, the body, faults, idempotency. Each step asks
the route table's row (`route_of`) what applies to it, never a list of paths of its own."""

from __future__ import annotations

import asyncio
import logging
import zlib
from functools import lru_cache
from http import HTTPStatus
from typing import NoReturn

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from emulator.tenancy.idempotency import Answer, request_fingerprint
from emulator.tenancy.journal import JOURNALED_HEADERS
from emulator.tenancy.tenants import Tenant
from emulator.web.hosts import host_allowed, host_name
from emulator.web.jsonio import BODY, json_response, read_body, too_large
from emulator.web.keys import SETTINGS, TENANT, TENANTS, TOKEN
from emulator.web.routing import Handler, not_emulated, route_of
from emulator.wire.errors import ApiError, Conflict, Forbidden, Unauthorized

__all__ = ["MIDDLEWARES"]

log = logging.getLogger("emulator")


class ConnectionDropped(Exception):
    """An injected fault closed the connection: there is no answer to write."""


# What aiohttp, asyncio and the standard library raise on input a client got wrong, and what the
# client is told: each is answered 400, never 500.
_CLIENT_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (UnicodeError, "the request's path, query or headers have bytes that are not UTF-8"),
    (zlib.error, "request body is not valid under its Content-Encoding"),
    (HttpProcessingError, "request body could not be read: it is malformed"),
    (RequestPayloadError, "request body could not be read: it is malformed or ends early"),
    (asyncio.IncompleteReadError, "request body ends before its Content-Length says"),
    (ConnectionResetError, "the connection was lost while the request was being read"),
)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as `{"message": ...}` with its real status; nothing leaks a traceback."""
    try:
        return await handler(request)
    except ApiError as exc:
        response = json_response({"message": exc.message}, exc.status)
        if exc.status == 408:  # the rest of the body may never come: do not wait for it
            response.force_close()
        return response
    except ConnectionDropped:
        return web.Response(status=499)  # never sent: the transport is closed
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status in (404, 405) and not_emulated(request, request.method, request.path):
            message = f"{request.method} {request.path} is not supported by the emulator"
            return json_response({"message": message}, 400)
        response = json_response({"message": _http_message(request, exc)}, exc.status)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except tuple(kind for kind, _ in _CLIENT_ERRORS) as exc:
        message = next(text for kind, text in _CLIENT_ERRORS if isinstance(exc, kind))
        return json_response({"message": message}, 400)
    except Exception:
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return json_response({"message": "internal error in the emulator (see its log)"}, 500)


def _http_message(request: web.Request, exc: web.HTTPException) -> str:
    if isinstance(exc, web.HTTPNotFound):
        return f"no such endpoint: {request.method} {request.path}"
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(exc.allowed_methods))
        return f"method {request.method} is not allowed on {request.path} (allowed: {allowed})"
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return too_large(request)
    return exc.reason


@lru_cache(maxsize=1024)
def _host_ok(header: str | None, allowed: tuple[str, ...]) -> bool:
    """`host_allowed`, remembered: a client sends the same `Host` on every request, and parsing
    it as an IP address costs microseconds (a pure function, so a memo, not state)."""
    return host_allowed(header, allowed)


@web.middleware
async def edge_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Everything between the errors and the handler, in this order: the `Host` check, auth and
    the tenant, the journal, the body, faults, idempotency. One middleware rather than six: the
    route, the tenant and whether the request is an API call are looked up once per request."""
    header = request.headers.get("Host")
    if not _host_ok(header, request.app[SETTINGS].allowed_hosts):
        _refuse_host(header)
    route = route_of(request)
    if route is not None and not route.token:
        return await _below_journal(request, handler, None)
    token = _bearer_token(request)
    request[TOKEN] = token
    tenants = request.app[TENANTS]
    # Held until the handler returns: a tenant with a request in flight is never evicted.
    request[TENANT] = tenant = tenants.acquire(token)
    try:
        # A 404 or 405 under /v1/ is an API call too: a client that calls a path the emulator
        # lacks sees it in the journal.
        api = not request.path.startswith("/_emulator/") if route is None else not route.control
        if not api:
            return await _below_journal(request, handler, None)
        return await _journaled(request, handler, tenant)
    finally:
        tenants.release(token)


def _refuse_host(header: str | None) -> NoReturn:
    """A `Host` that a web page could have re-resolved to the emulator (DNS rebinding) is refused
    before any tenant is touched; see `emulator/web/hosts.py` for the rule."""
    name = host_name(header or "")
    raise Forbidden(
        f"Host {name!r} is not allowed: the emulator answers loopback names, IP literals "
        "and single-label service names only (a guard against DNS rebinding); to reach it "
        f"by this name, start it with --allowed-host {name} (or EMULATOR_ALLOWED_HOSTS={name})"
    )


def _bearer_token(request: web.Request) -> str:
    """`Authorization: Bearer <token>` selects the tenant; tokens may contain spaces."""
    header = request.headers.get("Authorization")
    if header is None:
        raise Unauthorized("missing Authorization header: send 'Authorization: Bearer <token>'")
    if not _is_utf8(header):
        raise Unauthorized("Authorization header must be UTF-8 text: 'Bearer <token>'")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization header must be 'Bearer <token>' with a non-empty token")
    allowed = request.app[SETTINGS].tokens
    if allowed and token not in allowed:
        raise Unauthorized("this bearer token is not accepted by this emulator (see --token)")
    return token


def _is_utf8(text: str) -> bool:
    """aiohttp decodes header bytes that are not UTF-8 to surrogates, which cannot be encoded."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


async def _journaled(request: web.Request, handler: Handler, tenant: Tenant) -> web.StreamResponse:
    """Records an API request of the tenant with the status it was answered with."""
    status: int | None = None  # stays None when the connection is dropped
    try:
        response = await _below_journal(request, handler, tenant)
        status = response.status
        return response
    except (ApiError, web.HTTPException) as exc:
        status = exc.status
        raise
    except ConnectionDropped:
        raise
    except Exception:
        status = 500
        raise
    finally:
        # No await here: a dropped connection may cancel this task, and the entry must stay.
        sent = request.headers
        headers = {h: sent[h] for h in JOURNALED_HEADERS if h in sent}
        if "Authorization" in headers:
            headers["Authorization"] = "Bearer <redacted>"
        tenant.journal.record(
            request.method,
            request.path,
            dict(request.query) if request.query_string else {},
            request.get(BODY, b""),  # read below; absent when refused unread
            headers,
            status,
            tenant.clock.now(),
        )


async def _below_journal(
    request: web.Request, handler: Handler, tenant: Tenant | None
) -> web.StreamResponse:
    """The body read once (`read_body`; a 404 or 405 needs none), then the first queued fault
    that matches an API call (`tenant` given: POST /_emulator/faults), then idempotency."""
    if request.match_info.http_exception is None:
        await read_body(request)
    if tenant is None:
        return await _idempotent(request, handler)
    fault = tenant.faults.take(request.method, request.path)
    if fault is None:
        return await _idempotent(request, handler)
    if fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)
    if fault.drop_connection:
        if request.transport is not None:
            request.transport.close()
        raise ConnectionDropped
    if fault.status is None:  # a delay alone: then the real answer
        return await _idempotent(request, handler)
    reason = (
        HTTPStatus(fault.status).phrase if fault.status in HTTPStatus._value2member_map_ else ""
    )
    response = json_response(
        {"message": f"injected fault: {fault.status} {reason}".strip()}, fault.status
    )
    response.headers.update(fault.response_headers())
    return response


async def _idempotent(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Replays the stored answer of an `Idempotency-Key` (see `emulator/tenancy/idempotency.py`)."""
    key = request.headers.get("Idempotency-Key")
    if not key or request.method != "POST" or not request.path.startswith("/v1/"):
        return await handler(request)
    fingerprint = request_fingerprint(request.path, request.query_string, await read_body(request))
    keys = request[TENANT].idempotency
    stored = keys.get(key)
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise Conflict("Idempotency-Key was already used with a different request")
        return web.Response(
            body=stored.body, status=stored.status, content_type=stored.content_type
        )
    try:
        response = await handler(request)
    except ApiError as exc:
        if exc.status == 400:  # failed validation: not executed, so not remembered
            raise
        response = json_response({"message": exc.message}, exc.status)
    if isinstance(response, web.Response):
        body = response.body if isinstance(response.body, bytes) else b""
        keys.remember(key, Answer(fingerprint, response.status, body, response.content_type))
    return response


MIDDLEWARES = (errors_middleware, edge_middleware)
