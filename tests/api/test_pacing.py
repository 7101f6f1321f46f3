"""No request stalls the others: a large page is computed in slices, and the limits that bound
what one request may ask for are 400s that state them."""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.app import create_app
from emulator.settings import Settings
from tests.api.conftest import AUTH

BIG_PAGE = {"X-Emulator-Page-Size": "100000", **AUTH}


class TestSlices:
    """Health and another tenant answer while the heaviest page is being computed."""

    async def test_health_answers_during_a_large_page(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(
            create_app(Settings(customers=30, days=2, events=500, response_cache_mb=0))
        )
        done: list[str] = []

        async def heavy() -> None:
            response = await client.post(
                "/v1/usage",
                json={
                    "starting_on": "2023-01-01T00:00:00Z",
                    "ending_before": "2023-05-01T00:00:00Z",
                    "window_size": "hour",
                },
                headers=BIG_PAGE,
            )
            assert response.status == 200
            assert len((await response.json())["data"]) == 100_000
            done.append("heavy")

        async def light() -> None:
            await asyncio.sleep(0.05)  # let the heavy request start computing
            health = await client.get("/_emulator/health")
            assert health.status == 200
            other = await client.get("/_emulator/clock", headers={"Authorization": "Bearer b"})
            assert other.status == 200
            done.append("light")

        await asyncio.gather(heavy(), light())
        assert done == ["light", "heavy"]


class TestLimits:
    """Over-limit queries are refused with the limit in the message."""

    async def test_too_many_windows(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=1, days=1, events=10)))
        response = await client.post(
            "/v1/usage",
            json={
                "starting_on": "2020-01-01T00:00:00Z",
                "ending_before": "2021-03-01T00:00:00Z",
                "window_size": "hour",
            },
            headers=AUTH,
        )
        assert response.status == 400
        assert await response.json() == {
            "message": "the range holds 10,200 hour windows: at most 10,000 per query (hour "
            "windows over at most 416 days)"
        }

    async def test_too_many_numbers_per_page(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=3, days=1, events=10)))
        state = await (await client.get("/_emulator/state", headers=AUTH)).json()
        metric = state["billable_metrics"][0]["id"]
        response = await client.post(
            "/v1/usage",
            json={
                "starting_on": "2020-01-01T00:00:00Z",
                "ending_before": "2021-01-01T00:00:00Z",
                "window_size": "hour",
                "billable_metrics": [{"id": metric, "group_by": {"key": "region"}}],
            },
            headers=BIG_PAGE,
        )
        assert response.status == 400
        assert await response.json() == {
            "message": "this page could hold 3,531,168 numbers (rows x (1 + group values)): at "
            "most 1,000,000 per page; ask for fewer rows per page (X-Emulator-Page-Size) or "
            "fewer group values"
        }


class TestResetLimit:
    """A reset may not generate more events than --reset-max-events."""

    async def test_over_the_setting(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(
            create_app(Settings(customers=1, days=1, events=10, reset_max_events=100))
        )
        response = await client.post("/_emulator/reset", json={"events": 101}, headers=AUTH)
        assert (response.status, await response.json()) == (
            400,
            {
                "message": "events must be less than or equal to 100 (this emulator's --reset-max-events)"
            },
        )
        response = await client.post("/_emulator/reset", json={"events": 100}, headers=AUTH)
        assert await response.json() == {"customers": 1, "billable_metrics": 9, "events": 100}
