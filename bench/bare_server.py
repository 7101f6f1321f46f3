"""The HTTP limit: a bare aiohttp handler that answers POST /v1/usage with bytes made in advance,
on the event loop the emulator runs on (uvloop).

Usage: python bench/bare_server.py PORT RESPONSE_FILE [QUERY_FILE RESPONSE_FILE ...]

RESPONSE_FILE answers every query; each further pair answers a request whose body is the bytes of
QUERY_FILE with those of its RESPONSE_FILE (a dict lookup, so several pages can be measured against
one process). POST /v1/ingest reads its body and parses it with orjson, as far as an ingest can
go without storing anything, and answers 200 with an empty body, as the emulator does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import uvloop
from aiohttp import web


def bare_app(body: bytes, answers: dict[bytes, bytes]) -> web.Application:
    """`body` for every query, or the answer kept for the query's bytes; ingest parsed only."""

    async def usage(request: web.Request) -> web.Response:
        sent = await request.read()  # the emulator reads the body too
        return web.Response(body=answers.get(sent, body), content_type="application/json")

    async def ingest(request: web.Request) -> web.Response:
        orjson.loads(await request.read())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/v1/usage", usage)
    app.router.add_post("/v1/ingest", ingest)
    return app


def main() -> None:
    port, body = int(sys.argv[1]), Path(sys.argv[2]).read_bytes()
    pairs = sys.argv[3:]
    answers = {
        Path(query).read_bytes(): Path(answer).read_bytes()
        for query, answer in zip(pairs[::2], pairs[1::2], strict=True)
    }
    web.run_app(
        bare_app(body, answers),
        host="127.0.0.1",
        port=port,
        access_log=None,
        print=None,
        loop=uvloop.new_event_loop(),
    )


if __name__ == "__main__":
    main()
