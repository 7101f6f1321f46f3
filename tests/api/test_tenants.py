"""Tenants at scale: isolation under concurrent writes, dropping, and the least-recently-used cap."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from emulator.app import create_app
from emulator.settings import Settings
from emulator.wire.timestamps import parse_rfc3339
from tests.helpers import ACME, SMALL

CLOCK = parse_rfc3339("2024-03-02T00:00:00Z")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def health(client: Any) -> dict[str, Any]:
    return dict(await (await client.get("/_emulator/health")).json())


async def n_events(client: Any, token: str) -> int:
    return len((await (await client.get("/_emulator/state", headers=auth(token))).json())["events"])


class TestIsolation:
    """Hundreds of tokens writing at once each read exactly their own events; the seed stays."""

    async def test_concurrent_writers(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=CLOCK)))
        seeded = await n_events(client, "reader")

        async def worker(n: int) -> tuple[int, Any]:
            token = auth(f"worker-{n}")
            created = await client.post(
                "/v1/billable-metrics/create",
                json={
                    "name": "Calls",
                    "aggregation_type": "SUM",
                    "aggregation_key": "n",
                    "event_type_filter": {"in_values": ["call"]},
                    "property_filters": [{"name": "n", "exists": True}],
                },
                headers=token,
            )
            metric_id = (await created.json())["data"]["id"]
            events = [
                {
                    "transaction_id": f"t{i}",
                    "customer_id": ACME,
                    "event_type": "call",
                    "timestamp": "2024-03-01T12:00:00Z",
                    "properties": {"n": n},
                }
                for i in range(n % 7 + 1)
            ]
            assert (await client.post("/v1/ingest", json=events, headers=token)).status == 200
            usage = await client.post(
                "/v1/usage",
                json={
                    "starting_on": "2024-03-01T00:00:00Z",
                    "ending_before": "2024-03-02T00:00:00Z",
                    "window_size": "day",
                    "customer_ids": [ACME],
                    "billable_metrics": [{"id": metric_id}],
                },
                headers=token,
            )
            return n, (await usage.json())["data"][0]["value"]

        results = await asyncio.gather(*(worker(n) for n in range(300)))
        assert all(value == n * (n % 7 + 1) for n, value in results)
        assert await n_events(client, "reader") == seeded  # the shared base is untouched
        assert await n_events(client, "worker-12") == seeded + 12 % 7 + 1
        assert (await health(client))["tenants"] == 301


class TestLifecycle:
    """DELETE /_emulator/tenant and --max-tenants forget a tenant; its next request is afresh."""

    async def test_drop(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=CLOCK)))
        await client.post("/v1/customers", json={"name": "Mine"}, headers=auth("a"))
        await client.post("/_emulator/clock", json={"now": None}, headers=auth("a"))
        assert (await health(client))["tenants"] == 1
        response = await client.delete("/_emulator/tenant", headers=auth("a"))
        assert (response.status, await response.json()) == (200, {"tenants": 0})
        assert (await health(client))["tenants"] == 0
        customers = await (await client.get("/v1/customers", headers=auth("a"))).json()
        assert [c["name"] for c in customers["data"]] == ["Acme", "Beta"]  # from the fixture
        clock = await (await client.get("/_emulator/clock", headers=auth("a"))).json()
        assert clock == {"now": "2024-03-02T00:00:00Z", "frozen": True}  # the start clock

    async def test_least_recently_used_is_evicted(
        self, aiohttp_client: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        client = await aiohttp_client(
            create_app(Settings(fixtures=SMALL, clock=CLOCK, max_tenants=2))
        )
        for token in ("a", "b"):
            await client.post("/v1/customers", json={"name": token}, headers=auth(token))
        await client.get("/_emulator/clock", headers=auth("a"))  # "a" is now the most recent
        with caplog.at_level(logging.WARNING, logger="emulator"):
            await client.get("/_emulator/clock", headers=auth("c"))
        assert "more than 2 tenants: forgot the least recently used one" in caplog.text
        assert (await health(client))["tenants"] == 2
        assert (await health(client))["tenants_evicted"] == 1
        names = {
            token: [
                c["name"]
                for c in (await (await client.get("/v1/customers", headers=auth(token))).json())[
                    "data"
                ]
            ]
            for token in ("a", "b")
        }
        assert names == {"a": ["Acme", "Beta", "a"], "b": ["Acme", "Beta"]}  # "b" was forgotten

    async def test_no_limit(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, max_tenants=0)))
        for n in range(50):
            await client.get("/_emulator/clock", headers=auth(f"t{n}"))
        assert ((await health(client))["tenants"], (await health(client))["tenants_evicted"]) == (
            50,
            0,
        )


class TestSettle:
    """A large base is frozen out of the garbage collector's walks; a small one is left alone."""

    def test_large_bases_frozen(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import gc

        from emulator.scenario.initial import load_fixture_file
        from emulator.tenancy import tenants

        store = load_fixture_file(SMALL)
        gc.unfreeze()
        try:
            tenants.settle(store)  # 21 events: under SETTLE_EVENTS
            assert gc.get_freeze_count() == 0
            monkeypatch.setattr(tenants, "SETTLE_EVENTS", 21)
            tenants.settle(store)
            assert gc.get_freeze_count() > 0
            column = store.events.transaction_ids  # no longer in any generation collections walk
            assert all(tracked is not column for tracked in gc.get_objects())
        finally:
            gc.unfreeze()
