"""2xx means kept (issue 18, finding 8): a tenant with a request in flight is not evicted, and reset
and a state load clear the tenant's idempotency keys."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from emulator.app import create_app
from emulator.settings import Settings
from emulator.wire.timestamps import parse_rfc3339
from tests.helpers import ACME, SMALL

CLOCK = parse_rfc3339("2021-01-02T00:00:00Z")
EVENT = {
    "transaction_id": "kept-through-eviction",
    "customer_id": ACME,
    "event_type": "api_call",
    "timestamp": "2021-01-01T12:00:00Z",
    "properties": {"region": "us"},
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def transaction_ids(client: Any, token: str) -> list[str]:
    state = await (await client.get("/_emulator/state", headers=auth(token))).json()
    return [event["transaction_id"] for event in state["events"]]


class TestEviction:
    """Many new tokens while a body is in flight: the write answered 200 is in the tenant."""

    async def test_write_in_flight_is_kept(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(
            create_app(Settings(fixtures=SMALL, clock=CLOCK, max_tenants=2))
        )
        body = json.dumps([EVENT]).encode()
        half_sent = asyncio.Event()
        go_on = asyncio.Event()

        async def slow_body() -> AsyncIterator[bytes]:
            yield body[:10]
            half_sent.set()
            await go_on.wait()
            yield body[10:]

        writer = asyncio.create_task(
            client.post("/v1/ingest", data=slow_body(), headers=auth("writer"))
        )
        await half_sent.wait()
        await asyncio.sleep(0.05)  # the head is in; the tenant is chosen
        for n in range(10):  # more new tokens than --max-tenants allows
            answer = await client.get("/_emulator/clock", headers=auth(f"newcomer {n}"))
            assert answer.status == 200
        go_on.set()
        answer = await writer
        assert answer.status == 200
        assert "kept-through-eviction" in await transaction_ids(client, "writer")
        health = await (await client.get("/_emulator/health")).json()
        assert health["tenants"] <= 2  # back under the cap once the request ended


class TestIdempotencyKeys:
    """After a reset or a state load, a retry with an old key runs again and is stored."""

    async def test_reset_and_load_clear_keys(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=CLOCK)))
        headers = {**auth("retrier"), "Idempotency-Key": "k1"}
        document = await (await client.get("/_emulator/state", headers=auth("retrier"))).json()
        for clear in ("reset", "load"):
            answer = await client.post("/v1/ingest", json=[EVENT], headers=headers)
            assert answer.status == 200
            assert "kept-through-eviction" in await transaction_ids(client, "retrier")
            if clear == "reset":
                await client.post("/_emulator/reset", headers=auth("retrier"))
            else:
                await client.post("/_emulator/state", json=document, headers=auth("retrier"))
            assert "kept-through-eviction" not in await transaction_ids(client, "retrier")
            answer = await client.post("/v1/ingest", json=[EVENT], headers=headers)
            assert answer.status == 200
            assert "kept-through-eviction" in await transaction_ids(client, "retrier"), clear
            await client.post("/_emulator/reset", headers=auth("retrier"))
