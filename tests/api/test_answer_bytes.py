"""No answer is built past ANSWER_BYTES (issue 18, finding 5): a page or a search that would be
larger is a 400 that states the limit, before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import AUTH

LIMIT = 3000  # ANSWER_BYTES, shrunk for the test


@pytest.fixture(autouse=True)
def small_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("emulator.web.jsonio.ANSWER_BYTES", LIMIT)


class TestCeiling:
    """Past the ceiling: 400 naming it; under it: the same answer as before."""

    async def test_usage_page(self, client: Any) -> None:
        body = {"starting_on": "2021-01-01T00:00:00Z", "ending_before": "2021-01-02T00:00:00Z"}
        hourly = await client.post("/v1/usage", json={**body, "window_size": "hour"}, headers=AUTH)
        assert hourly.status == 400
        message = (await hourly.json())["message"]
        assert message.startswith(f"this page would be more than {LIMIT:,} bytes of JSON")
        small = {**body, "window_size": "day"}
        headers = {**AUTH, "X-Emulator-Page-Size": "5"}
        answer = await client.post("/v1/usage", json=small, headers=headers)
        assert answer.status == 200

    async def test_search(self, client: Any) -> None:
        events = [
            {"transaction_id": "dup", "customer_id": "c", "event_type": "e",
             "timestamp": "2021-01-01T12:00:00Z", "properties": {"p": "x" * 200}}
        ] * 30  # fmt: skip
        assert (await client.post("/v1/ingest", json=events, headers=AUTH)).status == 200
        body = {"transactionIds": ["dup"]}
        answer = await client.post("/v1/events/search", json=body, headers=AUTH)
        assert answer.status == 400
        assert f"at most {LIMIT:,} bytes per answer" in (await answer.json())["message"]
