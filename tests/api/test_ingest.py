"""POST /v1/ingest: validated batches, stored in order, visible in the next usage answer."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.api.conftest import AUTH, NOW
from tests.api.test_usage_validation import error_of
from tests.helpers import ACME, API_CALLS

Client = TestClient  # type: ignore[type-arg]
QUERY = {
    "starting_on": "2021-01-01T00:00:00Z",
    "ending_before": "2021-01-02T00:00:00Z",
    "window_size": "day",
    "customer_ids": [ACME],
    "billable_metrics": [{"id": API_CALLS}],
}


def event(i: int, **changes: Any) -> dict[str, Any]:
    return {
        "transaction_id": f"new-{i}",
        "customer_id": ACME,
        "event_type": "api_call",
        "timestamp": "2021-01-01T05:00:00Z",
        "properties": {"region": "us"},
        **changes,
    }


async def api_calls(client: Client, token: str = "My Bearer Token") -> int:
    response = await client.post(
        "/v1/usage", json=QUERY, headers={"Authorization": f"Bearer {token}"}
    )
    return int((await response.json())["data"][0]["value"])


class TestIngest:
    """Accepted events count at once; duplicates and aliases follow the store's rules."""

    async def test_visible_in_next_answer(self, client: Client) -> None:
        assert await api_calls(client) == 3
        response = await client.post(
            "/v1/ingest",
            json=[
                event(1),
                event(2, customer_id="acme-prod"),
                event(1, timestamp="2021-01-01T06:00:00Z"),
            ],
            headers=AUTH,
        )
        assert response.status == 200
        assert await response.read() == b""
        assert await api_calls(client) == 5  # the repeated new-1 is a duplicate

    async def test_duplicate_of_stored_event_ignored(self, client: Client) -> None:
        await client.post("/v1/ingest", json=[event(1, transaction_id="t01")], headers=AUTH)
        assert await api_calls(client) == 3

    async def test_gzip(self, client: Client) -> None:
        body = gzip.compress(json.dumps([event(1)]).encode())
        headers = {**AUTH, "Content-Encoding": "gzip", "Content-Type": "application/json"}
        response = await client.post("/v1/ingest", data=body, headers=headers)
        assert response.status == 200
        assert await api_calls(client) == 4

    async def test_tenants_do_not_see_each_other(self, client: Client) -> None:
        await client.post("/v1/ingest", json=[event(1)], headers={"Authorization": "Bearer a"})
        assert await api_calls(client, "a") == 4
        assert await api_calls(client, "b") == 3
        await client.post("/_emulator/reset", headers={"Authorization": "Bearer a"})
        assert await api_calls(client, "a") == 3


class TestIngestValidation:
    """One bad event rejects the whole batch with its index and field; nothing is stored."""

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (None, "request body is required: a JSON array"),
            ([], "request body must have at least 1 item(s)"),
            ({"usage": []}, "request body must be a JSON array"),
            ([event(i) for i in range(101)], "request body must have at most 100 item(s)"),
            (
                [event(1), {**event(2), "transaction_id": ""}],
                "usage[1].transaction_id must not be empty",
            ),
            (
                [event(1, transaction_id="x" * 129)],
                "usage[0].transaction_id must be at most 128 characters",
            ),
            ([event(1, customer_id="")], "usage[0].customer_id must not be empty"),
            ([event(1, event_type=None)], "usage[0].event_type must be a string"),
            (
                [{k: v for k, v in event(1).items() if k != "timestamp"}],
                "usage[0].timestamp is required",
            ),
            (
                [event(1), event(2, timestamp="2021-01-01T05:00:00")],
                "usage[1].timestamp must be an RFC 3339 timestamp with an offset, e.g. 2021-01-01T00:00:00Z",
            ),
            (
                [event(1, timestamp="9999-01-01T00:00:00Z")],
                f"usage[0].timestamp must be at most 24 hours after the current time ({NOW})",
            ),
            (
                [event(1), event(2, timestamp="2021-01-03T00:00:00.000001Z")],
                f"usage[1].timestamp must be at most 24 hours after the current time ({NOW})",
            ),
            (
                [event(1), event(2), event(3, timestamp="2020-11-28T23:59:59.999999Z")],
                "usage[2].timestamp must be at most 34 days before the current time "
                f"({NOW}): Metronome supports backdating 34 days",
            ),
            (
                [event(1, timestamp="2000-01-01T00:00:00Z")],
                "usage[0].timestamp must be at most 34 days before the current time "
                f"({NOW}): Metronome supports backdating 34 days",
            ),
            ([event(1, properties=[1])], "usage[0].properties must be an object"),
            (["x"], "usage[0] must be an object"),
        ],
    )
    async def test_rejected(self, client: Client, body: Any, message: str) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        response = await client.post("/v1/ingest", data=data, headers=AUTH)
        assert await error_of(response, 400) == message
        assert await api_calls(client) == 3

    async def test_properties_optional(self, client: Client) -> None:
        plain = {k: v for k, v in event(1, event_type="heartbeat").items() if k != "properties"}
        response = await client.post("/v1/ingest", json=[plain], headers=AUTH)
        assert response.status == 200
        state = await (await client.get("/_emulator/state", headers=AUTH)).json()
        assert state["events"][-1]["properties"] == {}


async def test_integers_beyond_64_bits_round_trip(client: Client) -> None:
    """orjson stops at 64 bits; such properties are still stored, exported and summed."""
    big = {"tokens": 10**30, "model": "small"}
    response = await client.post(
        "/v1/ingest", json=[event(1, event_type="completion", properties=big)], headers=AUTH
    )
    assert response.status == 200
    state = await (await client.get("/_emulator/state", headers=AUTH)).json()
    assert state["events"][-1]["properties"] == big
    query = {**QUERY, "billable_metrics": [{"id": "22222222-2222-4222-8222-222222222222"}]}
    usage = await (await client.post("/v1/usage", json=query, headers=AUTH)).json()
    assert usage["data"][0]["value"] == float(10**30 + 350)  # beyond 64 bits: written as a float
