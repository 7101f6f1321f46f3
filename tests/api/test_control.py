"""The control endpoints issue 2 needs: health without auth, state export that round-trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator.app import create_app
from emulator.settings import Settings
from tests.api.conftest import AUTH
from tests.api.test_usage_validation import error_of


class TestHealth:
    """Health answers without a token and says what is loaded."""

    async def test_health(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(seed=3, customers=2, days=1, events=50)))
        response = await client.get("/_emulator/health")
        assert response.status == 200
        body = await response.json()
        assert body["status"] == "ok"
        assert (body["seed"], body["customers"], body["events"]) == (3, 2, 50)


class TestStateExport:
    """GET /_emulator/state is the fixture document; loading it back gives the same answers."""

    async def test_round_trip(self, aiohttp_client: Any, tmp_path: Path) -> None:
        first = await aiohttp_client(create_app(Settings(seed=5, customers=4, days=2, events=800)))
        exported = await (await first.get("/_emulator/state", headers=AUTH)).read()
        document = json.loads(exported)
        assert set(document) == {"customers", "billable_metrics", "events"}
        assert len(document["events"]) == 800
        path = tmp_path / "state.json"
        path.write_bytes(exported)
        second = await aiohttp_client(create_app(Settings(fixtures=path)))
        assert await (await second.get("/_emulator/state", headers=AUTH)).read() == exported
        query = {
            "starting_on": "2024-01-01T00:00:00Z",
            "ending_before": "2024-01-03T00:00:00Z",
            "window_size": "hour",
        }
        for client in (first, second):
            response = await client.post("/v1/usage", json=query, headers=AUTH)
            assert response.status == 200
        answers = [
            await (await c.post("/v1/usage", json=query, headers=AUTH)).read()
            for c in (first, second)
        ]
        assert answers[0] == answers[1]

    async def test_state_needs_a_token(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=1, days=1, events=1)))
        await error_of(await client.get("/_emulator/state"), 401)
