"""`Idempotency-Key`: the first answer is replayed for the same request; another request is a 409."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.api.conftest import AUTH
from tests.api.test_usage_validation import VALID, error_of

Client = TestClient  # type: ignore[type-arg]


async def usage(client: Client, body: Any, key: str, token: str = "My Bearer Token") -> Any:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    return await client.post("/v1/usage", json=body, headers=headers)


class TestIdempotencyKey:
    """Replays, conflicts, and validation failures that are not remembered."""

    async def test_replayed_not_recomputed(self, client: Client) -> None:
        first = await usage(client, VALID, "k1")
        assert len((await first.json())["data"]) == 100  # a full first page of 240 rows
        # A change of state between the two: a fresh run would now answer 5 rows.
        await client.patch("/_emulator/config", json={"page_size": 5}, headers=AUTH)
        again = await usage(client, VALID, "k1")
        assert again.status == 200
        assert await again.read() == await first.read()
        assert len((await (await usage(client, VALID, "k2")).json())["data"]) == 5

    async def test_other_request_same_key(self, client: Client) -> None:
        await usage(client, VALID, "k1")
        other = await usage(client, {**VALID, "window_size": "none"}, "k1")
        assert "Idempotency-Key" in await error_of(other, 409)

    async def test_validation_failure_not_remembered(self, client: Client) -> None:
        bad = await usage(client, {**VALID, "window_size": "week"}, "k1")
        await error_of(bad, 400)
        assert (await usage(client, VALID, "k1")).status == 200

    async def test_unknown_ids_are_validation_failures(self, client: Client) -> None:
        body = {**VALID, "customer_ids": ["182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"]}
        first = await usage(client, body, "k1")
        assert first.status == 400  # not remembered: the corrected request runs
        assert (await usage(client, VALID, "k1")).status == 200

    async def test_keys_are_per_tenant(self, client: Client) -> None:
        await usage(client, VALID, "k1", token="a")
        other = await usage(client, {**VALID, "window_size": "none"}, "k1", token="b")
        assert other.status == 200
