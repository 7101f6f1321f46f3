"""The floor under the pytest session of bench/tenants.py: a server that answers the session's
five calls with bytes made in advance, on the event loop the emulator runs on (uvloop). The same
tests against it measure pytest, the SDK and HTTP alone: what the emulator adds is the rest.

Usage: python bench/canned_server.py PORT   (prints "listening" once it listens)
"""

from __future__ import annotations

import asyncio
import json
import sys

import uvloop
from aiohttp import web

CUSTOMER_ID = "aaaaaaaa-0000-4000-8000-000000000001"
METRIC_ID = "bbbbbbbb-0000-4000-8000-000000000001"
STAMP = "2024-01-31T00:00:00Z"
ANSWERS = {
    ("POST", "/v1/customers"): {
        "data": {
            "id": CUSTOMER_ID,
            "external_id": CUSTOMER_ID,
            "ingest_aliases": [],
            "name": "customer",
            "custom_fields": {},
            "created_at": STAMP,
            "updated_at": STAMP,
        }
    },
    ("POST", "/v1/billable-metrics/create"): {"data": {"id": METRIC_ID}},
    ("POST", "/v1/ingest"): None,
    ("POST", "/v1/usage"): {
        "data": [
            {
                "customer_id": CUSTOMER_ID,
                "billable_metric_id": METRIC_ID,
                "billable_metric_name": "bench",
                "start_timestamp": "2024-01-30T00:00:00Z",
                "end_timestamp": STAMP,
                "value": 100,
            }
        ],
        "next_page": None,
    },
    ("DELETE", "/_emulator/tenant"): {"tenants": 0},
}


async def serve(port: int) -> None:
    app = web.Application()
    for (method, path), answer in ANSWERS.items():
        body = b"" if answer is None else json.dumps(answer).encode()

        async def handler(request: web.Request, body: bytes = body) -> web.Response:
            await request.read()  # the emulator reads the body too
            return web.Response(body=body, content_type="application/json")

        app.router.add_route(method, path, handler)

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("listening", flush=True)
    await asyncio.Event().wait()  # until the bench terminates it


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1])))
