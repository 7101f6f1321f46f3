"""Randomised batches ingested over HTTP; every usage number checked against the brute force."""

from __future__ import annotations

import random
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests import brute
from tests.api.conftest import AUTH

Client = TestClient  # type: ignore[type-arg]
DAY0 = brute.when("2021-01-01T00:00:00Z")


def random_event(rng: random.Random, index: int) -> dict[str, Any]:
    # Timestamps on window edges, a microsecond either side of them, or anywhere.
    edge = DAY0 + brute.HOUR * rng.randrange(0, 30)
    moment = rng.choice(
        [
            edge,
            edge - brute.timedelta(microseconds=1),
            edge + brute.timedelta(seconds=rng.randrange(3600)),
        ]
    )
    properties: dict[str, Any] = {}
    for key, pool in {
        "region": ["us", "eu", "ap", 7, True],
        "tokens": [5, "12", "3.5", "x", 2.25, None],
        "model": ["small", "large"],
        "gb": [1, 9.5, "40"],
        "user": ["u1", "u2", "u3", 4],
        "seats": [1, 2, 3, "10"],
    }.items():
        if rng.random() < 0.7:
            properties[key] = rng.choice(pool)
    return {
        "transaction_id": f"r{rng.randrange(index + 1)}" if rng.random() < 0.1 else f"n{index}",
        "customer_id": rng.choice(
            [
                "aaaaaaaa-0000-4000-8000-000000000001",
                "acme-prod",
                "bbbbbbbb-0000-4000-8000-000000000002",
                "stranger",
            ]
        ),
        "event_type": rng.choice(["api_call", "completion", "storage", "login", "seats", "other"]),
        "timestamp": brute.iso(moment),
        "properties": properties,
    }


@pytest.mark.parametrize("seed", [1, 2])
async def test_ingested_usage_matches_brute_force(client: Client, seed: int) -> None:
    rng = random.Random(seed)
    for batch in range(6):
        events = [random_event(rng, batch * 100 + i) for i in range(rng.randrange(1, 101))]
        response = await client.post("/v1/ingest", json=events, headers=AUTH)
        assert response.status == 200, await response.text()
    document = await (await client.get("/_emulator/state", headers=AUTH)).json()
    queries = [
        {
            "starting_on": "2021-01-01T00:00:00Z",
            "ending_before": "2021-01-03T00:00:00Z",
            "window_size": "hour",
        },
        {
            "starting_on": "2021-01-01T00:00:00Z",
            "ending_before": "2021-01-03T00:00:00Z",
            "window_size": "day",
        },
        {  # usage bounds are UTC midnights for every window size
            "starting_on": "2021-01-01T00:00:00Z",
            "ending_before": "2021-01-03T00:00:00Z",
            "window_size": "none",
        },
        {  # events on the midnight edge and a microsecond before it
            "starting_on": "2021-01-02T00:00:00Z",
            "ending_before": "2021-01-03T00:00:00Z",
            "window_size": "none",
        },
        {
            "starting_on": "2021-01-01T00:00:00Z",
            "ending_before": "2021-01-02T00:00:00Z",
            "window_size": "hour",
            "billable_metrics": [
                {"id": "11111111-1111-4111-8111-111111111111", "group_by": {"key": "region"}},
                {
                    "id": "22222222-2222-4222-8222-222222222222",
                    "group_by": {"key": "model", "values": ["small", "tiny"]},
                },
            ],
        },
    ]
    for query in queries:
        response = await client.post(
            "/v1/usage", json=query, headers={**AUTH, "X-Emulator-Page-Size": "100000"}
        )
        page = await response.json()
        brute.assert_rows_equal(page["data"], brute.usage_rows(document, query))
