"""Fault injection and the request journal, over HTTP."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from emulator.app import create_app
from emulator.settings import Settings
from tests.api.conftest import AUTH
from tests.api.test_usage_validation import VALID, error_of
from tests.helpers import SMALL

Client = TestClient  # type: ignore[type-arg]


async def usage(client: Client, **headers: str) -> Any:
    return await client.post("/v1/usage", json=VALID, headers={**AUTH, **headers})


async def fault(client: Client, **spec: Any) -> Any:
    response = await client.post("/_emulator/faults", json=spec, headers=AUTH)
    assert response.status == 200, await response.text()
    return await response.json()


class TestFaults:
    """Queued faults hit exactly the next `count` matching requests."""

    async def test_status_count_and_retry_after(self, client: Client) -> None:
        queued = await fault(
            client, method="POST", path="/v1/usage", count=2, status=429, retry_after=0.25
        )
        assert queued["data"][0]["remaining"] == 2
        for _ in range(2):
            response = await usage(client)
            assert await error_of(response, 429) == "injected fault: 429 Too Many Requests"
            assert (response.headers["Retry-After"], response.headers["retry-after-ms"]) == (
                "1",
                "250",
            )
        assert (await usage(client)).status == 200

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    async def test_server_errors(self, client: Client, status: int) -> None:
        await fault(client, path="/v1/usage", status=status, headers={"x-should-retry": "false"})
        response = await usage(client)
        assert (await error_of(response, status)).startswith(f"injected fault: {status}")
        assert response.headers["x-should-retry"] == "false"
        assert ("Retry-After" in response.headers) is (status == 503)

    async def test_selection_by_method_and_path(self, client: Client) -> None:
        await fault(client, method="POST", path="/v1/ingest", status=500)
        await fault(client, method="GET", path="/v1/usage", status=500)
        assert (await usage(client)).status == 200
        assert (await client.post("/v1/ingest", json=[], headers=AUTH)).status == 500

    async def test_delay_then_real_answer(self, client: Client) -> None:
        import time

        await fault(client, path="/v1/usage", delay_ms=150)
        started = time.monotonic()
        response = await usage(client)
        assert response.status == 200
        assert time.monotonic() - started >= 0.15

    async def test_drop_connection(self, client: Client) -> None:
        await fault(client, path="/v1/usage", drop_connection=True)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await usage(client)
        assert (await usage(client)).status == 200

    async def test_clear(self, client: Client) -> None:
        await fault(client, path="/v1/usage", status=500, count=5)
        cleared = await client.delete("/_emulator/faults", headers=AUTH)
        assert await cleared.json() == {"data": []}
        assert (await usage(client)).status == 200

    async def test_per_tenant(self, client: Client) -> None:
        await fault(client, path="/v1/usage", status=500)
        assert (await usage(client, Authorization="Bearer other")).status == 200

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            (
                {"path": "/v1/usage"},
                "request body: a fault needs a status, a delay_ms or drop_connection",
            ),
            ({"status": 200}, "status must be greater than or equal to 400"),
            ({"status": 500, "count": 0}, "count must be greater than or equal to 1"),
            (
                {"status": 500, "drop_connection": True},
                "request body: a fault either answers a status or drops the connection, not both",
            ),
        ],
    )
    async def test_bad_fault(self, client: Client, spec: dict[str, Any], message: str) -> None:
        response = await client.post("/_emulator/faults", json=spec, headers=AUTH)
        assert await error_of(response, 400) == message


class TestJournal:
    """What each API request was and how it was answered, oldest first."""

    async def test_entries(self, client: Client) -> None:
        await usage(client, **{"X-Emulator-Page-Size": "5", "Idempotency-Key": "k"})
        await client.post("/v1/usage?next_page=zzz", json={"window_size": "week"}, headers=AUTH)
        await client.get("/_emulator/config", headers=AUTH)  # control calls are left out
        entries = (await (await client.get("/_emulator/requests", headers=AUTH)).json())["data"]
        assert [(e["method"], e["path"], e["status"]) for e in entries] == [
            ("POST", "/v1/usage", 200),
            ("POST", "/v1/usage", 400),
        ]
        first, second = entries
        assert first["body"] == VALID
        assert first["headers"]["Authorization"] == "Bearer <redacted>"
        assert first["headers"]["X-Emulator-Page-Size"] == "5"
        assert first["headers"]["Idempotency-Key"] == "k"
        assert second["query"] == {"next_page": "zzz"}
        assert first["at"].endswith("Z")

    async def test_faults_are_journaled(self, client: Client) -> None:
        await fault(client, path="/v1/usage", status=429)
        await fault(client, path="/v1/usage", drop_connection=True)
        await usage(client)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await usage(client)
        entries = (await (await client.get("/_emulator/requests", headers=AUTH)).json())["data"]
        assert [e["status"] for e in entries] == [429, None]

    async def test_clear_and_tenants(self, client: Client) -> None:
        await usage(client)
        await usage(client, Authorization="Bearer other")
        await client.delete("/_emulator/requests", headers=AUTH)
        mine = await (await client.get("/_emulator/requests", headers=AUTH)).json()
        theirs = await (
            await client.get("/_emulator/requests", headers={"Authorization": "Bearer other"})
        ).json()
        assert (len(mine["data"]), len(theirs["data"])) == (0, 1)

    async def test_bounded(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, journal_size=3)))
        for size in range(1, 6):
            await usage(client, **{"X-Emulator-Page-Size": str(size)})
        entries = (await (await client.get("/_emulator/requests", headers=AUTH)).json())["data"]
        assert [e["headers"]["X-Emulator-Page-Size"] for e in entries] == ["3", "4", "5"]

    async def test_disabled(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, journal_size=0)))
        await usage(client)
        assert (await (await client.get("/_emulator/requests", headers=AUTH)).json())["data"] == []
