"""Each tenant's clock, and every rule that reads it (docs/CONTRACT.md, "Time" and ingest).

Checked over HTTP on the small fixture: the clock endpoints, the ingest window's exact edges, the
dedupe window, event search's window, the stamped fields, and the order rule between metric
creation, archiving and ingest.
"""

from __future__ import annotations

from typing import Any

from emulator.app import create_app
from emulator.settings import Settings
from emulator.wire.timestamps import parse_rfc3339
from tests.api.conftest import AUTH
from tests.helpers import ACME, SMALL

CLOCK = "2024-03-02T00:00:00Z"
DAY_ONE = {"starting_on": "2024-03-01T00:00:00Z", "ending_before": "2024-03-02T00:00:00Z"}


async def pinned(aiohttp_client: Any, clock: str | None = CLOCK) -> Any:
    start = None if clock is None else parse_rfc3339(clock)
    return await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=start)))


def event(transaction_id: str, timestamp: str, **properties: Any) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "customer_id": ACME,
        "event_type": "call",
        "timestamp": timestamp,
        "properties": properties,
    }


async def post(client: Any, path: str, body: Any) -> tuple[int, Any]:
    response = await client.post(path, json=body, headers=AUTH)
    text = await response.text()
    return response.status, (await response.json()) if text else None


async def calls_metric(client: Any) -> str:
    status, body = await post(
        client,
        "/v1/billable-metrics/create",
        {
            "name": "Calls",
            "aggregation_type": "COUNT",
            "event_type_filter": {"in_values": ["call"]},
        },
    )
    assert status == 200
    return str(body["data"]["id"])


async def day_value(client: Any, metric_id: str) -> Any:
    status, body = await post(
        client,
        "/v1/usage",
        {
            **DAY_ONE,
            "window_size": "day",
            "customer_ids": [ACME],
            "billable_metrics": [{"id": metric_id}],
        },
    )
    assert status == 200, body
    return [row["value"] for row in body["data"]]


class TestClockEndpoints:
    """GET and POST /_emulator/clock: freeze, advance, back to the wall clock, reset."""

    async def test_pinned_at_start(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        response = await client.get("/_emulator/clock", headers=AUTH)
        assert await response.json() == {"now": CLOCK, "frozen": True}

    async def test_wall_clock_by_default(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client, None)
        body = await (await client.get("/_emulator/clock", headers=AUTH)).json()
        assert body["frozen"] is False
        assert parse_rfc3339(body["now"]) > parse_rfc3339("2026-01-01T00:00:00Z")

    async def test_set_advance_release_and_reset(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        assert await post(client, "/_emulator/clock", {"now": "2024-05-01T10:00:00+02:00"}) == (
            200,
            {"now": "2024-05-01T08:00:00Z", "frozen": True},
        )
        assert await post(client, "/_emulator/clock", {"advance_seconds": 90.5}) == (
            200,
            {"now": "2024-05-01T08:01:30.5Z", "frozen": True},
        )
        status, body = await post(client, "/_emulator/clock", {"now": None})
        assert (status, body["frozen"]) == (200, False)
        status, body = await post(client, "/_emulator/clock", {"advance_seconds": 0})
        assert (status, body["frozen"]) == (200, True)  # advancing freezes
        assert (await post(client, "/_emulator/reset", None))[0] == 200
        response = await client.get("/_emulator/clock", headers=AUTH)
        assert await response.json() == {"now": CLOCK, "frozen": True}

    async def test_clock_is_per_tenant(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        await post(client, "/_emulator/clock", {"now": "2030-01-01T00:00:00Z"})
        other = {"Authorization": "Bearer someone else"}
        response = await client.get("/_emulator/clock", headers=other)
        assert (await response.json())["now"] == CLOCK

    async def test_bad_changes(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        cases = [
            ({}, "send exactly one of now (a timestamp, or null) and advance_seconds"),
            (
                {"now": CLOCK, "advance_seconds": 1},
                "send exactly one of now (a timestamp, or null) and advance_seconds",
            ),
            ({"advance_seconds": -1}, "advance_seconds must be greater than or equal to 0"),
            ({"advance_seconds": None}, "advance_seconds must be a number"),
            (
                {"now": "2024-01-01"},
                "now must be an RFC 3339 timestamp with an offset, e.g. 2021-01-01T00:00:00Z",
            ),
        ]
        for body, message in cases:
            assert await post(client, "/_emulator/clock", body) == (400, {"message": message})


class TestIngestWindow:
    """34 days back and 24 hours ahead of the tenant's clock, both edges included."""

    async def test_edges(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        oldest, newest = "2024-01-28T00:00:00Z", "2024-03-03T00:00:00Z"
        assert await post(client, "/v1/ingest", [event("a", oldest), event("b", newest)]) == (
            200,
            None,
        )
        too_old = [event("c", CLOCK), event("d", "2024-01-27T23:59:59.999999Z")]
        assert await post(client, "/v1/ingest", too_old) == (
            400,
            {
                "message": "usage[1].timestamp must be at most 34 days before the current time "
                "(2024-03-02T00:00:00Z): Metronome supports backdating 34 days"
            },
        )
        too_new = [event("e", "2024-03-03T00:00:00.000001Z")]
        assert await post(client, "/v1/ingest", too_new) == (
            400,
            {
                "message": "usage[0].timestamp must be at most 24 hours after the current time "
                "(2024-03-02T00:00:00Z)"
            },
        )
        found = await post(client, "/v1/events/search", {"transactionIds": ["a", "b", "c", "e"]})
        assert [item["transaction_id"] for item in found[1]] == ["a", "b"]  # nothing else stored

    async def test_moving_the_clock_moves_the_window(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        late = [event("late", "2024-06-01T00:00:00Z")]
        assert (await post(client, "/v1/ingest", late))[0] == 400
        await post(client, "/_emulator/clock", {"advance_seconds": 91 * 86400})
        assert (await post(client, "/v1/ingest", late))[0] == 200


class TestDedupeAndSearchWindows:
    """A transaction id is a duplicate for 34 days of processing time; search covers 34 days."""

    async def test_dedupe_window(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        metric = await calls_metric(client)
        await post(client, "/v1/ingest", [event("t", "2024-03-01T10:00:00Z")])
        await post(client, "/_emulator/clock", {"advance_seconds": 34 * 86400 - 1})
        assert (await post(client, "/v1/ingest", [event("t", "2024-04-04T11:00:00Z")]))[0] == 200
        await post(client, "/_emulator/clock", {"advance_seconds": 1})
        await post(client, "/v1/ingest", [event("t", "2024-04-04T12:00:00Z")])  # new again
        usage = {
            "starting_on": "2024-03-01T00:00:00Z",
            "ending_before": "2024-04-06T00:00:00Z",
            "window_size": "none",
            "customer_ids": [ACME],
            "billable_metrics": [{"id": metric}],
        }
        status, body = await post(client, "/v1/usage", usage)
        assert [row["value"] for row in body["data"]] == [2]
        status, found = await post(client, "/v1/events/search", {"transactionIds": ["t"]})
        assert status == 200
        assert [(e["is_duplicate"], e["processed_at"]) for e in found] == [
            (False, "2024-03-02T00:00:00Z"),
            (True, "2024-04-04T23:59:59Z"),
            (False, "2024-04-05T00:00:00Z"),
        ]

    async def test_search_covers_the_last_34_days(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        await post(client, "/v1/ingest", [event("old", "2024-03-01T10:00:00Z")])
        await post(client, "/_emulator/clock", {"advance_seconds": 34 * 86400})
        found = await post(client, "/v1/events/search", {"transactionIds": ["old"]})
        assert [e["transaction_id"] for e in found[1]] == ["old"]  # exactly 34 days: still in
        await post(client, "/_emulator/clock", {"advance_seconds": 1})
        assert await post(client, "/v1/events/search", {"transactionIds": ["old"]}) == (200, [])

    async def test_document_events_are_processed_at_their_timestamp(
        self, aiohttp_client: Any
    ) -> None:
        client = await pinned(aiohttp_client, "2021-01-05T00:00:00Z")  # small.json is 2021-01-01
        status, found = await post(client, "/v1/events/search", {"transactionIds": ["t01"]})
        assert status == 200
        assert [(e["timestamp"], e["processed_at"], e["is_duplicate"]) for e in found] == [
            ("2021-01-01T00:10:00Z", "2021-01-01T00:10:00Z", False),
            ("2021-01-01T00:30:00Z", "2021-01-01T00:30:00Z", True),
        ]


class TestStampedFields:
    """created_at, updated_at and archived_at come from the tenant's clock."""

    async def test_customer_timestamps(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        status, body = await post(client, "/v1/customers", {"name": "Zed"})
        assert status == 200
        customer_id = body["data"]["id"]
        await post(client, "/_emulator/clock", {"advance_seconds": 3600})
        await post(
            client, f"/v1/customers/{customer_id}/setIngestAliases", {"ingest_aliases": ["z"]}
        )
        await post(client, "/_emulator/clock", {"advance_seconds": 3600})
        await post(client, "/v1/customers/archive", {"id": customer_id})
        response = await client.get(f"/v1/customers/{customer_id}", headers=AUTH)
        data = (await response.json())["data"]
        assert (data["created_at"], data["updated_at"], data["archived_at"]) == (
            "2024-03-02T00:00:00Z",
            "2024-03-02T02:00:00Z",
            "2024-03-02T02:00:00Z",
        )

    async def test_metric_archived_at(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        metric = await calls_metric(client)
        await post(client, "/v1/billable-metrics/archive", {"id": metric})
        response = await client.get(f"/v1/billable-metrics/{metric}", headers=AUTH)
        assert (await response.json())["data"]["archived_at"] == CLOCK


class TestOrderRule:
    """A metric counts only the events ingested while it was active."""

    async def test_created_between_ingests_and_archived(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        await post(client, "/v1/ingest", [event("before", "2024-03-01T01:00:00Z")])
        metric = await calls_metric(client)
        await post(client, "/v1/ingest", [event("during", "2024-03-01T02:00:00Z")])
        assert await day_value(client, metric) == [1]  # "before" is not attributed
        await post(client, "/v1/billable-metrics/archive", {"id": metric})
        await post(client, "/v1/ingest", [event("after", "2024-03-01T03:00:00Z")])
        assert await day_value(client, metric) == [1]  # "after" is not processed
        status, found = await post(
            client, "/v1/events/search", {"transactionIds": ["before", "during", "after"]}
        )
        assert status == 200
        matched = {e["transaction_id"]: len(e["matched_billable_metrics"]) for e in found}
        assert matched == {"before": 0, "during": 1, "after": 0}

    async def test_export_records_it_and_a_load_gives_the_same_numbers(
        self, aiohttp_client: Any
    ) -> None:
        client = await pinned(aiohttp_client)
        await post(client, "/v1/ingest", [event("before", "2024-03-01T01:00:00Z")])
        metric = await calls_metric(client)
        await post(client, "/v1/ingest", [event("during", "2024-03-01T02:00:00Z")])
        await post(client, "/v1/billable-metrics/archive", {"id": metric})
        await post(client, "/v1/ingest", [event("after", "2024-03-01T03:00:00Z")])
        exported = await (await client.get("/_emulator/state", headers=AUTH)).json()
        record = next(m for m in exported["billable_metrics"] if m["id"] == metric)
        n = len(exported["events"])
        assert (record["events_from"], record["events_until"]) == (n - 2, n - 1)
        assert exported["clock"] == CLOCK
        other = {"Authorization": "Bearer loader"}
        assert (await client.post("/_emulator/state", json=exported, headers=other)).status == 200
        again = await (await client.get("/_emulator/state", headers=other)).json()
        assert again == exported
        usage = {
            **DAY_ONE,
            "window_size": "day",
            "customer_ids": [ACME],
            "billable_metrics": [{"id": metric}],
        }
        mine = await (await client.post("/v1/usage", json=usage, headers=AUTH)).json()
        theirs = await (await client.post("/v1/usage", json=usage, headers=other)).json()
        assert mine == theirs
        assert [row["value"] for row in mine["data"]] == [1]

    async def test_aliases_stay_retroactive(self, aiohttp_client: Any) -> None:
        client = await pinned(aiohttp_client)
        metric = await calls_metric(client)
        sent = {**event("by-alias", "2024-03-01T01:00:00Z"), "customer_id": "later-alias"}
        await post(client, "/v1/ingest", [sent])
        assert await day_value(client, metric) == [0]
        await post(
            client, f"/v1/customers/{ACME}/setIngestAliases", {"ingest_aliases": ["later-alias"]}
        )
        assert await day_value(client, metric) == [1]


class TestFixtureClock:
    """A fixture document's clock is the start clock of `--fixtures`, unless `--clock` is given."""

    async def test_export_round_trips_through_fixtures(
        self, aiohttp_client: Any, tmp_path: Any
    ) -> None:
        client = await pinned(aiohttp_client)
        await post(client, "/v1/ingest", [event("mine", "2024-03-01T01:00:00Z")])
        exported = await (await client.get("/_emulator/state", headers=AUTH)).read()
        path = tmp_path / "export.json"
        path.write_bytes(exported)
        again = await aiohttp_client(create_app(Settings(fixtures=path)))
        assert await (await again.get("/_emulator/state", headers=AUTH)).read() == exported
        overridden = await aiohttp_client(
            create_app(Settings(fixtures=path, clock=parse_rfc3339("2025-01-01T00:00:00Z")))
        )
        clock = await (await overridden.get("/_emulator/clock", headers=AUTH)).json()
        assert clock["now"] == "2025-01-01T00:00:00Z"
