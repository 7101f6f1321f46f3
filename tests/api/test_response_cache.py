"""Repeated usage requests are answered from the response cache, never with a stale page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from emulator.api import usage as usage_api
from emulator.app import create_app
from emulator.metering.store import Store
from emulator.scenario.initial import load_fixture_file
from emulator.settings import Settings
from emulator.web.keys import RESPONSES
from emulator.web.response_cache import ResponseCache
from tests.api.conftest import AUTH, ClientFactory
from tests.api.test_ingest import QUERY, api_calls, event
from tests.helpers import SMALL

Client = TestClient  # type: ignore[type-arg]


def cached(client: Client) -> int:
    return len(client.app[RESPONSES])  # type: ignore[index]


async def usage(
    client: Client, headers: dict[str, str] = AUTH, query: dict[str, Any] = QUERY, **params: str
) -> bytes:
    response = await client.post("/v1/usage", json=query, headers=headers, params=params)
    assert response.status == 200, await response.text()
    return await response.read()


class TestHits:
    async def test_a_repeat_is_answered_without_computing(
        self, client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        first = await usage(client)
        assert cached(client) == 1

        def fail(*_: Any) -> Any:
            raise AssertionError("computed again")

        monkeypatch.setattr(usage_api, "UsagePage", fail)
        assert await usage(client) == first
        assert cached(client) == 1

    async def test_tokens_on_the_shared_seed_share_pages(self, client: Client) -> None:
        first = await usage(client)
        assert await usage(client, {"Authorization": "Bearer another"}) == first
        assert cached(client) == 1

    async def test_failed_requests_are_not_kept(self, client: Client) -> None:
        for _ in range(2):
            response = await client.post(
                "/v1/usage", json={**QUERY, "window_size": "week"}, headers=AUTH
            )
            assert response.status == 400
        assert cached(client) == 0


class TestEveryWriteRetiresPages:
    async def test_ingest(self, client: Client) -> None:
        assert await api_calls(client) == 3
        await client.post("/v1/ingest", json=[event(1)], headers=AUTH)
        assert await api_calls(client) == 4
        # Another token still reads the untouched seed, from the same page as before.
        assert await api_calls(client, "another") == 3

    async def test_replacing_and_resetting_the_state(self, client: Client) -> None:
        assert await api_calls(client) == 3
        state = await (await client.get("/_emulator/state", headers=AUTH)).json()
        state["events"] = [e for e in state["events"] if e["event_type"] != "api_call"]
        await client.post("/_emulator/state", json=state, headers=AUTH)
        assert await api_calls(client) == 0
        await client.post("/_emulator/reset", headers=AUTH)
        assert await api_calls(client) == 3

    async def test_page_size_header_and_config(self, client: Client) -> None:
        one_day = {**QUERY, "window_size": "hour"}
        pages = []
        for headers in (AUTH, {**AUTH, "X-Emulator-Page-Size": "2"}):
            response = await client.post("/v1/usage", json=one_day, headers=headers)
            pages.append(len((await response.json())["data"]))
        await client.patch("/_emulator/config", json={"page_size": 3}, headers=AUTH)
        response = await client.post("/v1/usage", json=one_day, headers=AUTH)
        pages.append(len((await response.json())["data"]))
        assert pages == [24, 2, 3]

    async def test_cursor_is_part_of_the_request(self, client: Client) -> None:
        headers = {**AUTH, "X-Emulator-Page-Size": "1"}
        hours = {**QUERY, "window_size": "hour"}
        first = json.loads(await usage(client, headers, hours))
        second = json.loads(await usage(client, headers, hours, next_page=first["next_page"]))
        assert first["data"][0]["start_timestamp"] == "2021-01-01T00:00:00Z"
        assert second["data"][0]["start_timestamp"] == "2021-01-01T01:00:00Z"


async def test_zero_keeps_none(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(create_app(Settings(fixtures=SMALL, response_cache_mb=0)))
    assert await usage(client) == await usage(client)
    assert cached(client) == 0


class TestResponseCache:
    def test_least_recently_used_go_first_to_stay_under_the_budget(self) -> None:
        cache = ResponseCache(max_bytes=10)
        cache.put("a", b"1234")
        cache.put("b", b"1234")
        assert cache.get("a") == b"1234"  # now b is the least recently used
        cache.put("c", b"1234")
        assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1234", None, b"1234")

    def test_a_body_over_the_budget_is_not_kept(self) -> None:
        cache = ResponseCache(max_bytes=3)
        cache.put("a", b"1234")
        assert len(cache) == 0


class TestStoreVersion:
    def test_every_write_and_every_store_has_a_new_version(self) -> None:
        store = load_fixture_file(SMALL)
        seen = {store.version, Store().version}
        twin = Store(store)  # a tenant's layer over the loaded state
        seen.add(twin.version)
        twin.ingest([])
        seen.add(twin.version)
        metric = next(iter(twin.metrics.values()))
        twin.add_metric(metric.model_copy(update={"id": "77777777-7777-4777-8777-777777777777"}))
        seen.add(twin.version)
        customer = next(iter(twin.customers.values()))
        twin.add_customer(
            customer.model_copy(
                update={"id": "dddddddd-0000-4000-8000-000000000009", "ingest_aliases": []}
            )
        )
        seen.add(twin.version)
        assert len(seen) == 6
