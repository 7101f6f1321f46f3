"""The control endpoints issue 2 needs: health without auth, state export that round-trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator.app import create_app
from emulator.scenario.seed import generate
from emulator.settings import Settings
from tests.api.conftest import AUTH
from tests.api.test_usage_validation import error_of
from tests.helpers import ROOT


class TestHealth:
    """Health answers without a token and says what is loaded."""

    async def test_health(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(seed=3, customers=2, days=1, events=50)))
        response = await client.get("/_emulator/health")
        assert response.status == 200
        body = await response.json()
        assert body["status"] == "ok"
        assert (body["seed"], body["customers"], body["events"]) == (3, 2, 50)
        assert (body["tenants"], body["tenants_evicted"]) == (0, 0)
        await client.get("/_emulator/state", headers=AUTH)  # the first use makes a tenant
        body = await (await client.get("/_emulator/health")).json()
        assert (body["tenants"], body["tenants_evicted"]) == (1, 0)


class TestStateExport:
    """GET /_emulator/state is the fixture document; loading it back gives the same answers."""

    async def test_round_trip(self, aiohttp_client: Any, tmp_path: Path) -> None:
        first = await aiohttp_client(create_app(Settings(seed=5, customers=4, days=2, events=800)))
        exported = await (await first.get("/_emulator/state", headers=AUTH)).read()
        document = json.loads(exported)
        assert set(document) == {
            "customers", "billable_metrics", "events", "products", "rate_cards", "contracts",
            "clock",
        }  # fmt: skip
        # The seed's products, rate card and contracts, exactly as generated.
        rating = generate(5, customers=4, days=2, events=800).rating_fields()
        assert {k: document[k] for k in rating} == rating
        assert len(document["contracts"]) == 2  # customer 2 is archived, the last has none
        assert document["clock"] is None  # the wall clock
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


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestStateLoadAndReset:
    """Each token's state is its own: loading one never shows in another; reset restores it."""

    async def test_load_is_per_tenant(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=3, days=1, events=100)))
        seeded = await (await client.get("/_emulator/state", headers=auth("a"))).read()
        document = json.loads((ROOT / "fixtures" / "small.json").read_text())
        response = await client.post("/_emulator/state", json=document, headers=auth("a"))
        assert await response.json() == {"customers": 3, "billable_metrics": 6, "events": 21}
        mine = await (await client.get("/_emulator/state", headers=auth("a"))).json()
        assert [e["transaction_id"] for e in mine["events"]] == [
            e["transaction_id"] for e in document["events"]
        ]
        assert await (await client.get("/_emulator/state", headers=auth("b"))).read() == seeded

    async def test_reset_restores_byte_for_byte(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=3, days=1, events=100)))
        seeded = await (await client.get("/_emulator/state", headers=AUTH)).read()
        await client.post("/_emulator/state", json={"customers": []}, headers=AUTH)
        assert (await (await client.get("/_emulator/state", headers=AUTH)).json())["events"] == []
        response = await client.post("/_emulator/reset", headers=AUTH)
        assert await response.json() == {"customers": 3, "billable_metrics": 9, "events": 100}
        assert await (await client.get("/_emulator/state", headers=AUTH)).read() == seeded

    async def test_reset_with_options(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=3, days=1, events=100)))
        response = await client.post(
            "/_emulator/reset", json={"seed": 7, "events": 40}, headers=AUTH
        )
        assert await response.json() == {"customers": 3, "billable_metrics": 9, "events": 40}
        other = await (await client.get("/_emulator/state", headers=auth("other"))).json()
        assert len(other["events"]) == 100

    async def test_same_options_same_state(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=3, days=1, events=100)))
        states = []
        for token in ("a", "b"):
            await client.post("/_emulator/reset", json={"seed": 9}, headers=auth(token))
            states.append(await (await client.get("/_emulator/state", headers=auth(token))).read())
        assert states[0] == states[1]

    async def test_bad_documents(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=1, days=1, events=1)))
        cases = [
            (b"{", "state document must be valid JSON"),
            (b"[]", "state document must be a JSON object"),
            (b'{"customers": [{"id": "x", "name": "a"}]}', "customers[0].id must be a UUID"),
            (
                b'{"events": [{"transaction_id": "t", "customer_id": "c", "event_type": "e",'
                b' "timestamp": "2021-01-01"}]}',
                "events[0].timestamp must be an RFC 3339 timestamp with an offset, "
                "e.g. 2021-01-01T00:00:00Z",
            ),
        ]
        for raw, message in cases:
            response = await client.post("/_emulator/state", data=raw, headers=AUTH)
            assert await error_of(response, 400) == message
        # An alias two customers hold is a conflict, 409, as it is through the API.
        raw = (
            b'{"customers": [{"id": "aaaaaaaa-0000-4000-8000-000000000001", "name": "a",'
            b' "ingest_aliases": ["x"]}, {"id": "aaaaaaaa-0000-4000-8000-000000000002",'
            b' "name": "b", "ingest_aliases": ["x"]}]}'
        )
        response = await client.post("/_emulator/state", data=raw, headers=AUTH)
        assert await error_of(response, 409) == (
            "customers[1].ingest_aliases: 'x' is already used by customer "
            "aaaaaaaa-0000-4000-8000-000000000001"
        )
        response = await client.post("/_emulator/reset", json={"events": -1}, headers=AUTH)
        assert "events" in await error_of(response, 400)
