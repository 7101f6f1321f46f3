"""Keyset pagination of POST /v1/usage: page sizes, cursors bound to the query, exact pages."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.api.conftest import AUTH
from tests.api.test_usage_validation import VALID, error_of, post

Client = TestClient  # type: ignore[type-arg]
ROWS = 2 * 5 * 24  # VALID's rows: customers x active metrics x hour windows of one day


async def pages(client: Client, body: dict[str, Any], size: int) -> list[list[dict[str, Any]]]:
    """Every page of `body` at page size `size`, following next_page to the end."""
    found, cursor = [], None
    for _ in range(1000):
        params = {"next_page": cursor} if cursor else {}
        response = await post(
            client, body, params=params, headers={"X-Emulator-Page-Size": str(size)}
        )
        page = await response.json()
        assert response.status == 200, page
        found.append(page["data"])
        cursor = page["next_page"]
        if cursor is None:
            return found
        assert page["data"], "a page with a next_page must not be empty"
    raise AssertionError("pagination did not end")


class TestPages:
    """Concatenated pages equal one unlimited page, whatever the page size."""

    @pytest.mark.parametrize("size", [1, 2, 3, 7, 10, 19, 20, 21, 100, 239, 240, 241])
    async def test_concatenation(self, client: Client, size: int) -> None:
        (everything,) = await pages(client, VALID, 100_000)
        assert len(everything) == ROWS
        split = await pages(client, VALID, size)
        assert [len(p) for p in split] == [min(size, ROWS - i) for i in range(0, ROWS, size)]
        assert [row for page in split for row in page] == everything

    async def test_default_page_size_is_100(self, aiohttp_client: Any) -> None:
        from emulator.app import create_app
        from emulator.settings import Settings

        client = await aiohttp_client(create_app(Settings(customers=3, days=2, events=200)))
        body = {
            **VALID,
            "starting_on": "2024-01-01T00:00:00Z",
            "ending_before": "2024-01-03T00:00:00Z",
        }
        first = await (await post(client, body)).json()
        assert len(first["data"]) == 100
        assert first["next_page"] is not None

    async def test_settings_page_size(self, aiohttp_client: Any) -> None:
        from emulator.app import create_app
        from emulator.settings import Settings
        from tests.helpers import SMALL

        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, page_size=8)))
        assert len((await (await post(client, VALID)).json())["data"]) == 8

    async def test_runtime_setting_then_header_win(self, client: Client) -> None:
        patched = await client.patch(
            "/_emulator/config", json={"page_size": 6, "invoice_grace_seconds": 86400}, headers=AUTH
        )
        assert await patched.json() == {"page_size": 6, "invoice_grace_seconds": 86400}
        assert len((await (await post(client, VALID)).json())["data"]) == 6
        with_header = await post(client, VALID, headers={"X-Emulator-Page-Size": "4"})
        assert len((await with_header.json())["data"]) == 4
        await client.patch("/_emulator/config", json={"page_size": None}, headers=AUTH)
        assert len((await (await post(client, VALID)).json())["data"]) == 100  # the default

    @pytest.mark.parametrize("value", ["0", "100001", "-1", "abc", "1.5", ""])
    async def test_bad_header(self, client: Client, value: str) -> None:
        response = await post(client, VALID, headers={"X-Emulator-Page-Size": value})
        message = await error_of(response, 400)
        assert message == "X-Emulator-Page-Size must be an integer from 1 to 100000"

    async def test_bad_runtime_setting(self, client: Client) -> None:
        response = await client.patch(
            "/_emulator/config", json={"page_size": 0, "invoice_grace_seconds": 86400}, headers=AUTH
        )
        assert "page_size" in await error_of(response, 400)

    async def test_empty_scope_has_no_cursor(self, client: Client) -> None:
        body = {**VALID, "customer_ids": ["cccccccc-0000-4000-8000-000000000003"]}
        page = await (await post(client, body, headers={"X-Emulator-Page-Size": "1"})).json()
        assert page["next_page"] is not None  # 5 metrics x 24 windows for the archived customer
        body = {
            **VALID,
            "window_size": "none",
            "customer_ids": ["cccccccc-0000-4000-8000-000000000003"],
            "billable_metrics": [{"id": "11111111-1111-4111-8111-111111111111"}],
        }
        page = await (await post(client, body, headers={"X-Emulator-Page-Size": "1"})).json()
        assert (len(page["data"]), page["next_page"]) == (1, None)


class TestCursors:
    """A cursor is opaque, tamper-evident and bound to its query."""

    async def first_cursor(self, client: Client) -> str:
        page = await (await post(client, VALID, headers={"X-Emulator-Page-Size": "5"})).json()
        return str(page["next_page"])

    @pytest.mark.parametrize("cursor", ["next_page", "abc.def", "....", "€"])
    async def test_malformed(self, client: Client, cursor: str) -> None:
        response = await post(client, VALID, params={"next_page": cursor})
        assert (
            await error_of(response, 400)
            == "next_page is not a valid cursor (malformed or altered)"
        )

    async def test_tampered(self, client: Client) -> None:
        cursor = await self.first_cursor(client)
        payload, mac = cursor.split(".")
        tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + mac
        response = await post(client, VALID, params={"next_page": tampered})
        assert "not a valid cursor" in await error_of(response, 400)

    async def test_other_query(self, client: Client) -> None:
        cursor = await self.first_cursor(client)
        other = {**VALID, "ending_before": "2021-01-03T00:00:00Z"}
        response = await post(client, other, params={"next_page": cursor})
        assert "different query" in await error_of(response, 400)

    async def test_same_query_other_spelling(self, client: Client) -> None:
        cursor = await self.first_cursor(client)
        same = {**VALID, "window_size": "HOUR", "starting_on": "2021-01-01T01:00:00+01:00"}
        response = await post(client, same, params={"next_page": cursor})
        assert response.status == 200

    async def test_deterministic(self, client: Client) -> None:
        assert await self.first_cursor(client) == await self.first_cursor(client)


class TestJson:
    """Integral values are JSON integers; huge sums never break serialisation."""

    async def test_integers_unadorned(self, client: Client) -> None:
        text = await (await post(client, VALID)).text()
        assert '"value":350}' in text
        assert '"value":0.5}' in text
        assert ".0}" not in text

    async def test_sum_beyond_64_bits(self, aiohttp_client: Any, tmp_path: Any) -> None:
        import json

        from emulator.app import create_app
        from emulator.settings import Settings

        document = {
            "customers": [{"id": "aaaaaaaa-0000-4000-8000-000000000001", "name": "A"}],
            "billable_metrics": [
                {
                    "id": "11111111-1111-4111-8111-111111111111",
                    "name": "S",
                    "aggregation_type": "sum",
                    "aggregation_key": "n",
                }
            ],
            "events": [
                {
                    "transaction_id": f"t{i}",
                    "customer_id": "aaaaaaaa-0000-4000-8000-000000000001",
                    "event_type": "x",
                    "timestamp": "2021-01-01T00:00:00Z",
                    "properties": {"n": 2**62},
                }
                for i in range(4)
            ],
        }
        path = tmp_path / "big.json"
        path.write_text(json.dumps(document))
        client = await aiohttp_client(create_app(Settings(fixtures=path)))
        response = await post(client, VALID)
        assert response.status == 200
        assert (await response.json())["data"][0]["value"] == float(2**64)
