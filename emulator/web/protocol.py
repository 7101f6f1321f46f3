"""aiohttp's own refusals as `{"message"}`: what its HTTP parser rejects never reaches a middleware.

A request line over 8 KB (the SDK reaches it with a long `customer_ids` list), too many headers, a
header over 8 KB or a malformed request are answered by aiohttp's `RequestHandler.handle_error`,
which writes a text/plain 400. `install_json_errors` makes the connections of a runner's server
use `JsonErrorsHandler`, whose `handle_error` lets aiohttp do everything it does (log, refuse when
an answer was already sent) and then answers the same refusal as JSON, with the status that fits:
414 for a request line too long, 431 for headers too large or too many, 400 for the rest (and
500 for what a handler let escape, which the errors middleware makes unreachable).

The hook touches no private attribute and copies no aiohttp code: it swaps the class of the
runner's `Server` (`__call__` makes each connection's handler) and of each handler it makes for
subclasses that add no state (`__slots__ = ()`), overriding the public `handle_error`. A test
(`tests/api/test_protocol.py`) sends each refusal through real sockets, so an aiohttp release that
changes this fails there, not in a user's CI.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from emulator.wire.encoding import encode_json

__all__ = ["JsonErrorsHandler", "install_json_errors", "refusal"]


def refusal(status: int, exc: BaseException | None, message: str | None) -> tuple[int, str]:
    """The status and message of the JSON answer for one of aiohttp's own refusals."""
    if isinstance(exc, LineTooLong):
        line = exc.args[0] if exc.args else b""
        limit = exc.args[1] if len(exc.args) > 1 else "8190"
        text = line if isinstance(line, str) else bytes(line).decode("latin-1")
        # The C parser hands the request target over as a bytearray (its URL buffer), a header
        # name or value as bytes; the pure-Python parser says "Status line is too long".
        if isinstance(line, bytearray) or "status line" in text.lower():
            return 414, (
                f"the request line is longer than {limit} bytes: send fewer query parameters "
                "(a long customer_ids list can be split across requests)"
            )
        return 431, f"a request header is longer than {limit} bytes"
    text = (message or (str(exc) if exc else "") or "").strip()
    if isinstance(exc, BadHttpMessage) and "too many headers" in text.lower():
        return 431, "the request has too many headers (at most 128)"
    if status >= 500:
        return status, "internal error in the emulator (see its log)"
    first = text.splitlines()[0] if text else "malformed request"
    return status, f"the request is not valid HTTP: {first[:200]}"


class JsonErrorsHandler(RequestHandler):
    __slots__ = ()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        answer = super().handle_error(request, status, exc, message)
        status, text = refusal(answer.status, exc, message)
        json = web.Response(
            body=encode_json({"message": text}), status=status, content_type="application/json"
        )
        json.force_close()
        return json


class _JsonErrorsServer(web.Server):
    __slots__ = ()

    def __call__(self) -> RequestHandler:
        handler = super().__call__()
        handler.__class__ = JsonErrorsHandler
        return handler


def install_json_errors(runner: web.BaseRunner) -> None:
    """Make every connection the runner's server accepts from now on answer aiohttp's own
    refusals as JSON. Call after `runner.setup()`, before the site starts."""
    server = runner.server
    assert server is not None, "call install_json_errors after runner.setup()"
    server.__class__ = _JsonErrorsServer
