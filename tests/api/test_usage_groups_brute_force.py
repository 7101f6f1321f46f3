"""`POST /v1/usage/groups` against the independent brute force (`tests/brute.py`), on random
worlds whose events often lack a group key: those make the null group row that Metronome's docs
show (`"group_key": null, "group_value": null`), first in each window, whatever the filters."""

from __future__ import annotations

import random
from typing import Any

from aiohttp.test_utils import TestClient

from tests import brute
from tests.api.conftest import AUTH

CUSTOMER = "aaaaaaaa-0000-4000-8000-000000000001"
METRIC = "11111111-1111-4111-8111-111111111111"
VALUES = ["a", "b", "7", "true"]

Client = TestClient  # type: ignore[type-arg]


def random_world(rng: random.Random) -> dict[str, Any]:
    """A metric grouped by g, h and (g, h), with no property filter: an event that lacks g or
    h still counts."""
    events = []
    for n in range(rng.randrange(0, 25)):
        properties: dict[str, Any] = {"k": rng.choice([1, 2, "3", 4.5])}
        for name in ("g", "h"):
            if rng.random() < 0.7:
                properties[name] = rng.choice([*VALUES, 7, True, None])
        events.append({
            "transaction_id": f"t{rng.randrange(0, 30) if rng.random() < 0.1 else n}",
            "customer_id": rng.choice([CUSTOMER, "alias", "nobody"]),
            "event_type": "e",
            "timestamp": f"2024-01-0{rng.randrange(1, 3)}T{rng.randrange(0, 24):02d}:15:00Z",
            "properties": properties,
        })  # fmt: skip
    metric = {
        "id": METRIC,
        "name": "m",
        "aggregation_type": rng.choice(["COUNT", "SUM", "MAX", "UNIQUE", "LATEST"]),
        "aggregation_key": "k",
        "group_keys": [["g"], ["h"], ["g", "h"]],
    }
    customer = {"id": CUSTOMER, "name": "c", "ingest_aliases": ["alias"]}
    return {"customers": [customer], "billable_metrics": [metric], "events": events}


def random_body(rng: random.Random) -> dict[str, Any]:
    window = rng.choice(["hour", "day", "none"])
    body: dict[str, Any] = {
        "customer_id": CUSTOMER,
        "billable_metric_id": METRIC,
        "window_size": window,
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-02T00:00:00Z" if window == "hour" else "2024-01-03T00:00:00Z",
    }
    shape = rng.randrange(4)
    if shape == 0:
        body["group_key"] = [rng.choice(["g", "h"])]
    elif shape == 1:
        body["group_key"] = rng.choice([["g", "h"], ["h", "g"]])
    elif shape == 2:
        body["group_by"] = {"key": rng.choice(["g", "h"])}
        if rng.random() < 0.5:
            body["group_by"]["values"] = rng.sample(VALUES, rng.randrange(1, 3))
    if "group_key" in body and rng.random() < 0.5:
        name = rng.choice(body["group_key"])
        body["group_filters"] = {name: rng.sample(VALUES, rng.randrange(0, 3))}
    return body


def in_metric_order(body: dict[str, Any]) -> dict[str, Any]:
    """The brute force reads `group_key` in the metric's order."""
    if body.get("group_key") == ["h", "g"]:
        return {**body, "group_key": ["g", "h"]}
    return body


async def all_pages(client: Client, body: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = ""
    while True:
        response = await client.post(
            f"/v1/usage/groups?limit={limit}&next_page={cursor}", json=body, headers=AUTH
        )
        page = await response.json()
        assert response.status == 200, page
        rows.extend(page["data"])
        if page["next_page"] is None:
            return rows
        assert page["data"]  # a page with a cursor is never empty
        cursor = page["next_page"]


class TestAgainstBruteForce:
    """Every row, value and null group row equals the brute force's, page after page."""

    async def test_random_worlds(self, client: Client) -> None:
        rng = random.Random(20)
        null_rows = 0
        for _ in range(40):
            document = random_world(rng)
            loaded = await client.post("/_emulator/state", json=document, headers=AUTH)
            assert loaded.status == 200, await loaded.text()
            for _ in range(6):
                body = random_body(rng)
                got = await all_pages(client, body, rng.choice([1, 2, 3, 100]))
                want = brute.group_rows(document, in_metric_order(body))
                assert [{**r, "value": None} for r in got] == [
                    {**r, "value": None} for r in want
                ], body
                for a, b in zip(got, want, strict=True):
                    assert brute.same_number(a["value"], b["value"]), (body, a, b)
                null_rows += sum(r["group"] is None and "group_key" in body for r in got)
        assert null_rows > 20  # the null group row is exercised, not only the others


class TestNullGroupRow:
    """The row for events lacking the key, as Metronome's docs show it."""

    async def test_shape(self, client: Client) -> None:
        document = {
            "customers": [{"id": CUSTOMER, "name": "c"}],
            "billable_metrics": [
                {"id": METRIC, "name": "m", "aggregation_type": "COUNT", "group_keys": [["g"]]}
            ],
            "events": [
                {"transaction_id": "1", "customer_id": CUSTOMER, "event_type": "e",
                 "timestamp": "2024-01-01T01:00:00Z", "properties": {"g": "x"}},
                {"transaction_id": "2", "customer_id": CUSTOMER, "event_type": "e",
                 "timestamp": "2024-01-01T02:00:00Z", "properties": {}},
                {"transaction_id": "3", "customer_id": CUSTOMER, "event_type": "e",
                 "timestamp": "2024-01-01T03:00:00Z", "properties": {"g": None}},
            ],
        }  # fmt: skip
        await client.post("/_emulator/state", json=document, headers=AUTH)
        body = {
            "customer_id": CUSTOMER,
            "billable_metric_id": METRIC,
            "window_size": "day",
            "starting_on": "2024-01-01T00:00:00Z",
            "ending_before": "2024-01-02T00:00:00Z",
            "group_by": {"key": "g", "values": ["x"]},
        }
        response = await client.post("/v1/usage/groups", json=body, headers=AUTH)
        day = {"starting_on": "2024-01-01T00:00:00Z", "ending_before": "2024-01-02T00:00:00Z"}
        assert await response.json() == {
            "data": [
                {**day, "value": 2, "group": None, "group_key": None, "group_value": None},
                {**day, "value": 1, "group": {"g": "x"}, "group_key": "g", "group_value": "x"},
            ],
            "next_page": None,
        }
        # /v1/usage keeps them out of `groups`: its keys are the group values.
        usage = {key: body[key] for key in ("starting_on", "ending_before", "window_size")} | {
            "billable_metrics": [{"id": METRIC, "group_by": {"key": "g"}}]
        }
        response = await client.post("/v1/usage", json=usage, headers=AUTH)
        (row,) = (await response.json())["data"]
        assert (row["value"], row["groups"]) == (3, {"x": 1})
