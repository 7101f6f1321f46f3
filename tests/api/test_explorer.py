"""The explorer's server side: the page, `GET /_emulator/events` and `GET /_emulator/faults`."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from emulator.control import explorer
from tests.api.conftest import AUTH
from tests.api.test_usage_validation import VALID
from tests.helpers import ACME, SMALL

Client = TestClient  # type: ignore[type-arg]

# fixtures/small.json, in ingest order (sequence numbers 0..20).
SMALL_EVENTS = json.loads(SMALL.read_text())["events"]
TXNS = [event["transaction_id"] for event in SMALL_EVENTS]


async def events(client: Client, query: str = "") -> Any:
    response = await client.get(f"/_emulator/events?{query}", headers=AUTH)
    assert response.status == 200, await response.text()
    return await response.json()


async def error(client: Client, query: str) -> str:
    response = await client.get(f"/_emulator/events?{query}", headers=AUTH)
    assert response.status == 400
    body = await response.json()
    assert list(body) == ["message"]
    return str(body["message"])


class TestRecentEvents:
    """Events come newest first, in pages that `next_before` chains, filtered exactly as sent."""

    async def test_newest_first_with_the_fields(self, client: Client) -> None:
        page = await events(client, "limit=2")
        assert page["total"] == 21
        assert page["next_before"] == 19
        assert page["data"] == [
            {
                "seq": 20,
                "transaction_id": "t21",
                "customer_id": ACME,
                "event_type": "heartbeat",
                "timestamp": "2021-01-01T00:30:00Z",
                "properties": SMALL_EVENTS[20].get("properties", {}),
                "is_duplicate": False,
            },
            {
                "seq": 19,
                "transaction_id": "t20",
                "customer_id": "cccccccc-0000-4000-8000-000000000003",
                "event_type": "api_call",
                "timestamp": "2021-01-01T00:40:00Z",
                "properties": SMALL_EVENTS[19].get("properties", {}),
                "is_duplicate": False,
            },
        ]

    async def test_default_limit_is_25(self, client: Client) -> None:
        page = await events(client)
        assert [e["seq"] for e in page["data"]] == list(range(20, -1, -1))
        assert page["next_before"] is None

    @pytest.mark.parametrize("limit", [1, 4, 7, 100])
    async def test_pages_chain_through_the_whole_log(self, client: Client, limit: int) -> None:
        seen: list[str] = []
        query = f"limit={limit}"
        while True:
            page = await events(client, query)
            assert 0 < len(page["data"]) <= limit
            seen += [e["transaction_id"] for e in page["data"]]
            if page["next_before"] is None:
                break
            query = f"limit={limit}&before={page['next_before']}"
        assert seen == TXNS[::-1]

    async def test_before_bounds(self, client: Client) -> None:
        assert await events(client, "before=0") == {"data": [], "next_before": None, "total": 21}
        assert [e["seq"] for e in (await events(client, "before=1"))["data"]] == [0]
        # Past the end (a state replaced by a smaller one since): the newest events.
        page = await events(client, "limit=1&before=1000")
        assert [e["seq"] for e in page["data"]] == [20]
        page = await events(client, "limit=1&before=" + "9" * 5000)
        assert [e["seq"] for e in page["data"]] == [20]
        assert (
            await error(client, "limit=" + "1" * 5000) == "limit must be an integer from 1 to 100"
        )

    async def test_duplicate_by_transaction_id(self, client: Client) -> None:
        page = await events(client, "transaction_id=t01")
        assert [(e["seq"], e["is_duplicate"]) for e in page["data"]] == [(4, True), (0, False)]
        assert page["next_before"] is None

    async def test_customer_id_as_sent(self, client: Client) -> None:
        by_alias = await events(client, "customer_id=acme-prod")
        assert [e["transaction_id"] for e in by_alias["data"]] == ["t14", "t02"]
        by_id = await events(client, f"customer_id={ACME}&limit=100")
        assert {e["customer_id"] for e in by_id["data"]} == {ACME}
        assert len(by_id["data"]) == sum(e["customer_id"] == ACME for e in SMALL_EVENTS)
        both = await events(client, f"customer_id={ACME}&transaction_id=t01")
        assert [e["seq"] for e in both["data"]] == [4, 0]
        assert (await events(client, "customer_id=nobody&transaction_id=t01"))["data"] == []

    async def test_empty_filters_are_no_filters(self, client: Client) -> None:
        assert await events(client, "customer_id=&transaction_id=&limit=3") == await events(
            client, "limit=3"
        )

    async def test_filtered_scan_is_bounded(
        self, client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A filtered request looks at no more than SCAN_BUDGET events and says where to go on."""
        monkeypatch.setattr(explorer, "SCAN_BUDGET", 5)
        monkeypatch.setattr(explorer, "SCAN_SLICE", 2)
        page = await events(client, "customer_id=acme-prod")
        assert page == {"data": [], "next_before": 16, "total": 21}  # looked at 20..16
        found, before = [], page["next_before"]
        while before is not None:
            page = await events(client, f"customer_id=acme-prod&before={before}")
            found += [e["seq"] for e in page["data"]]
            before = page["next_before"]
        assert found == [13, 1]

    async def test_filtered_stops_at_limit(self, client: Client) -> None:
        page = await events(client, f"customer_id={ACME}&limit=2")
        assert [e["seq"] for e in page["data"]] == [20, 16]
        assert page["next_before"] == 16

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("limit=0", "limit must be an integer from 1 to 100"),
            ("limit=101", "limit must be an integer from 1 to 100"),
            ("limit=ten", "limit must be an integer from 1 to 100"),
            ("limit=-1", "limit must be an integer from 1 to 100"),
            ("limit=1.5", "limit must be an integer from 1 to 100"),
            ("before=-1", "before must be an integer of at least 0"),
            ("before=x", "before must be an integer of at least 0"),
            ("before=%EF%BC%91", "before must be an integer of at least 0"),  # a full-width 1
        ],
    )
    async def test_bad_parameters(self, client: Client, query: str, message: str) -> None:
        assert await error(client, query) == message

    async def test_needs_a_token(self, client: Client) -> None:
        response = await client.get("/_emulator/events")
        assert response.status == 401

    async def test_follows_the_tenant(self, client: Client) -> None:
        state = {
            "customers": [],
            "billable_metrics": [],
            "events": [
                {
                    "transaction_id": "only",
                    "customer_id": "x",
                    "event_type": "e",
                    "timestamp": "2021-01-01T00:00:00Z",
                }
            ],
        }
        assert (await client.post("/_emulator/state", json=state, headers=AUTH)).status == 200
        page = await events(client)
        assert [e["transaction_id"] for e in page["data"]] == ["only"]
        other = await client.get("/_emulator/events", headers={"Authorization": "Bearer other"})
        assert (await other.json())["total"] == 21


class TestQueuedFaults:
    """`GET /_emulator/faults` lists what is queued, with what is left of each."""

    async def faults(self, client: Client) -> list[dict[str, Any]]:
        response = await client.get("/_emulator/faults", headers=AUTH)
        assert response.status == 200
        return list((await response.json())["data"])

    async def test_listed_used_and_cleared(self, client: Client) -> None:
        assert await self.faults(client) == []
        spec = {"method": "POST", "path": "/v1/usage", "count": 2, "status": 429}
        posted = await client.post("/_emulator/faults", json=spec, headers=AUTH)
        queued = (await posted.json())["data"]
        assert await self.faults(client) == queued
        assert queued[0] | spec == queued[0]
        assert queued[0]["remaining"] == 2
        assert (await client.post("/v1/usage", json=VALID, headers=AUTH)).status == 429
        assert [f["remaining"] for f in await self.faults(client)] == [1]
        assert (await client.delete("/_emulator/faults", headers=AUTH)).status == 200
        assert await self.faults(client) == []

    async def test_needs_a_token(self, client: Client) -> None:
        assert (await client.get("/_emulator/faults")).status == 401


class TestPage:
    """The page loads without a token, as one document whose CSP allows exactly its own code."""

    async def test_served_without_a_token(self, client: Client) -> None:
        response = await client.get("/_emulator/ui")
        assert response.status == 200
        assert response.content_type == "text/html"
        html = await response.text()
        assert "<title>Explorer · metronome-emulator</title>" in html
        assert "/*SCRIPT*/" not in html
        assert "/*STYLE*/" not in html
        policy = response.headers["Content-Security-Policy"]
        script = re.search(r"<script>(.*)</script>", html, re.S)
        style = re.search(r"<style>(.*)</style>", html, re.S)
        assert script is not None
        assert style is not None
        for code in (script.group(1), style.group(1)):
            digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy
        assert "default-src 'none'" in policy

    async def test_not_journaled(self, client: Client) -> None:
        assert (await client.get("/_emulator/ui", headers=AUTH)).status == 200
        journal = await (await client.get("/_emulator/requests", headers=AUTH)).json()
        assert journal == {"data": []}

    def test_every_control_is_labelled(self) -> None:
        """Each input and select has a `<label for>` naming it (the page's own markup; the ones
        the script makes are checked in the browser tests)."""
        html, _ = explorer.page_html()
        body = html.split("<script>")[0]
        ids = re.findall(r"<(?:input|select)[^>]*\bid=\"([^\"]+)\"", body)
        labels = set(re.findall(r"<label[^>]*\bfor=\"([^\"]+)\"", body))
        assert ids
        assert set(ids) <= labels
