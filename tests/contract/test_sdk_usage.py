"""POST /v1/usage through the official `metronome-sdk`, against a real emulator process.

The SDK's strict response validation is on; every number is checked against the brute force over
the emulator's own exported state.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from metronome import AsyncMetronome, BadRequestError, Metronome

from tests import brute
from tests.contract.conftest import TOKEN, emulator_process

QUERIES: list[dict[str, Any]] = [
    {
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-04T00:00:00Z",
        "window_size": "DAY",
    },
    # Usage bounds are UTC midnights for every window size, hour and none windows too.
    {
        "starting_on": "2024-01-02T00:00:00Z",
        "ending_before": "2024-01-03T00:00:00Z",
        "window_size": "HOUR",
    },
    {
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-03T00:00:00Z",
        "window_size": "NONE",
    },
]


def client(url: str, **extra: Any) -> Metronome:
    return Metronome(base_url=url, bearer_token=TOKEN, _strict_response_validation=True, **extra)


def state(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/_emulator/state", headers={"Authorization": f"Bearer {TOKEN}"})
    response.raise_for_status()
    return dict(response.json())


def one_page(url: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{url}/v1/usage",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}", "X-Emulator-Page-Size": "100000"},
    )
    response.raise_for_status()
    page = response.json()
    assert page["next_page"] is None
    return list(page["data"])


def as_wire(row: Any) -> dict[str, Any]:
    """An SDK row back in the API's JSON shape, for comparison with raw pages."""
    data = row.model_dump(mode="json", exclude_none=False)
    for field in ("start_timestamp", "end_timestamp"):
        data[field] = brute.iso(brute.when(data[field]))
    if data.get("groups") is None:
        data.pop("groups", None)
    return dict(data)


def with_group_by(document: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    metrics = [m for m in document["billable_metrics"] if m["group_keys"]][:2]
    return {
        **query,
        "billable_metrics": [
            {"id": metrics[0]["id"], "group_by": {"key": metrics[0]["group_keys"][0][0]}},
            {
                "id": metrics[1]["id"],
                "group_by": {"key": metrics[1]["group_keys"][0][0], "values": ["x", "eu-west-1"]},
            },
        ],
        "customer_ids": [c["id"] for c in document["customers"]][:3],
    }


class TestSyncClient:
    """Auto-pagination over small pages gives exactly the rows of one big page, and they are right."""

    @pytest.mark.parametrize("query", QUERIES)
    @pytest.mark.parametrize("page_size", [1, 7, 100])
    def test_auto_pagination(self, seeded_url: str, query: dict[str, Any], page_size: int) -> None:
        with client(seeded_url) as sdk:
            pages = sdk.v1.usage.list(
                **query, extra_headers={"X-Emulator-Page-Size": str(page_size)}
            )
            rows = [as_wire(row) for row in pages]
        assert rows == one_page(seeded_url, query)
        brute.assert_rows_equal(rows, brute.usage_rows(state(seeded_url), query))

    @pytest.mark.parametrize("query", QUERIES)
    def test_group_by(self, seeded_url: str, query: dict[str, Any]) -> None:
        body = with_group_by(state(seeded_url), query)
        with client(seeded_url) as sdk:
            rows = [as_wire(r) for r in sdk.v1.usage.list(**body)]
        assert all("groups" in r for r in rows)
        brute.assert_rows_equal(rows, brute.usage_rows(state(seeded_url), body))

    def test_errors_surface_as_sdk_exceptions(self, seeded_url: str) -> None:
        with client(seeded_url, max_retries=0) as sdk, pytest.raises(BadRequestError) as caught:
            sdk.v1.usage.list(
                starting_on="2024-01-01T06:00:00Z",  # a whole hour, yet not a midnight
                ending_before="2024-01-02T00:00:00Z",
                window_size="HOUR",
            )
        assert caught.value.status_code == 400
        assert caught.value.body == {
            "message": "starting_on must be a UTC midnight (Metronome requires usage bounds on "
            "day boundaries for every window_size; query whole days and trim the windows)"
        }


class TestAsyncClient:
    """The async client pages the same rows."""

    def test_auto_pagination(self, seeded_url: str) -> None:
        query = QUERIES[0]

        async def collect() -> list[dict[str, Any]]:
            async with AsyncMetronome(
                base_url=seeded_url, bearer_token=TOKEN, _strict_response_validation=True
            ) as sdk:
                pages = sdk.v1.usage.list(**query, extra_headers={"X-Emulator-Page-Size": "9"})
                return [as_wire(row) async for row in pages]

        rows = asyncio.run(collect())
        assert rows == one_page(seeded_url, query)
        brute.assert_rows_equal(rows, brute.usage_rows(state(seeded_url), query))


class TestDeterminism:
    """Two processes with the same seed answer byte for byte the same."""

    def test_same_seed_same_bytes(self) -> None:
        answers = []
        for _ in range(2):
            with emulator_process("--seed", "11", "--events", "2000") as url:
                headers = {"Authorization": f"Bearer {TOKEN}", "X-Emulator-Page-Size": "50"}
                usage = httpx.post(f"{url}/v1/usage", json=QUERIES[0], headers=headers)
                exported = httpx.get(f"{url}/_emulator/state", headers=headers)
                answers.append((usage.content, exported.content))
        assert answers[0] == answers[1]
        assert b'"next_page":"' in answers[0][0]

    def test_same_clock_same_writes_same_bytes(self) -> None:
        """With --clock, what a tenant writes (ids, stamped times, processed_at) is the same too."""
        answers = []
        for _ in range(2):
            with emulator_process("--events", "100", "--clock", "2024-01-09T00:00:00Z") as url:
                headers = {"Authorization": f"Bearer {TOKEN}"}
                made = httpx.post(f"{url}/v1/customers", json={"name": "Zed"}, headers=headers)
                event = {
                    "transaction_id": "t",
                    "customer_id": made.json()["data"]["id"],
                    "event_type": "e",
                    "timestamp": "2024-01-08T12:00:00Z",
                }
                httpx.post(f"{url}/v1/ingest", json=[event], headers=headers).raise_for_status()
                search = httpx.post(
                    f"{url}/v1/events/search", json={"transactionIds": ["t"]}, headers=headers
                )
                exported = httpx.get(f"{url}/_emulator/state", headers=headers)
                answers.append((made.content, search.content, exported.content))
        assert answers[0] == answers[1]
        assert b'"created_at":"2024-01-09T00:00:00Z"' in answers[0][2]
