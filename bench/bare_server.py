"""The HTTP limit: a bare aiohttp handler that answers POST /v1/usage with bytes made in advance,
on the event loop the emulator runs on (uvloop).

Usage: python bench/bare_server.py PORT RESPONSE_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvloop
from aiohttp import web


def main() -> None:
    port, body = int(sys.argv[1]), Path(sys.argv[2]).read_bytes()

    async def usage(request: web.Request) -> web.Response:
        await request.read()  # the emulator reads the body too
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/usage", usage)
    web.run_app(
        app,
        host="127.0.0.1",
        port=port,
        access_log=None,
        print=None,
        loop=uvloop.new_event_loop(),
    )


if __name__ == "__main__":
    main()
