"""`usage.ingest` through the official SDK: events sent are in the next `usage.list` at once."""

from __future__ import annotations

import asyncio

import pytest
from metronome import AsyncMetronome, BadRequestError, Metronome

from tests import brute
from tests.contract.conftest import emulator_process
from tests.contract.test_sdk_usage import as_wire
from tests.helpers import ROOT

SMALL = str(ROOT / "fixtures" / "small.json")
# The clock the emulator starts with: the day after the events these tests send, so that they are
# inside the ingest window (at most 34 days before the clock, 24 hours after it).
CLOCK = ("--clock", "2021-01-02T00:00:00Z")
ACME = "aaaaaaaa-0000-4000-8000-000000000001"
QUERY = {
    "starting_on": "2021-01-01T00:00:00Z",
    "ending_before": "2021-01-02T00:00:00Z",
    "window_size": "DAY",
}


def events(prefix: str) -> list[dict[str, object]]:
    return [
        {
            "transaction_id": f"{prefix}-{i}",
            "customer_id": "acme-prod" if i % 2 else ACME,
            "event_type": "completion",
            "timestamp": f"2021-01-01T{i:02d}:00:00Z",
            "properties": {"tokens": i * 10, "model": "small"},
        }
        for i in range(24)
    ]


class TestIngestThroughSdk:
    """Sync and async clients ingest; the usage read back equals the brute force."""

    def test_sync(self) -> None:
        with (
            emulator_process("--fixtures", SMALL, *CLOCK) as url,
            Metronome(
                base_url=url, bearer_token="sync", _strict_response_validation=True, max_retries=0
            ) as sdk,
        ):
            assert sdk.v1.usage.ingest(usage=events("s")) is None  # type: ignore[arg-type]
            rows = [as_wire(r) for r in sdk.v1.usage.list(**QUERY)]  # type: ignore[arg-type]
            state = sdk.get("/_emulator/state", cast_to=object)
            with pytest.raises(BadRequestError) as caught:
                sdk.v1.usage.ingest(usage=[{**events("bad")[0], "timestamp": "yesterday"}])  # type: ignore[list-item]
        expected = brute.usage_rows(state, QUERY)  # type: ignore[arg-type]
        tokens = "22222222-2222-4222-8222-222222222222"
        got = [
            r["value"]
            for r in rows
            if r["billable_metric_id"] == tokens and r["customer_id"] == ACME
        ]
        assert got == [350.5 + sum(i * 10 for i in range(24))]
        brute.assert_rows_equal(rows, expected)
        assert caught.value.body == {
            "message": "usage[0].timestamp must be an RFC 3339 timestamp with an offset, e.g. 2021-01-01T00:00:00Z"
        }

    def test_async(self) -> None:
        async def run(url: str) -> float:
            async with AsyncMetronome(
                base_url=url, bearer_token="async", _strict_response_validation=True
            ) as sdk:
                await sdk.v1.usage.ingest(usage=events("a"))  # type: ignore[arg-type]
                page = sdk.v1.usage.list(**QUERY, customer_ids=[ACME])  # type: ignore[arg-type]
                return sum([r.value or 0 async for r in page if r.billable_metric_name == "Tokens"])

        with emulator_process("--fixtures", SMALL, *CLOCK) as url:
            assert asyncio.run(run(url)) == 350.5 + sum(i * 10 for i in range(24))


class TestParallelWorkers:
    """Two workers with different tokens write and read one emulator at once, unseen by each other."""

    def test_isolated(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        def worker(url: str, token: str, rounds: int) -> list[float]:
            seen = []
            with Metronome(
                base_url=url, bearer_token=token, _strict_response_validation=True
            ) as sdk:
                for i in range(rounds):
                    sdk.v1.usage.ingest(
                        usage=[
                            {
                                **events(f"{token}-{i}")[0],
                                "properties": {"tokens": 1, "model": "small"},
                            }
                        ]
                    )  # type: ignore[list-item]
                    page = sdk.v1.usage.list(
                        **QUERY,
                        customer_ids=[ACME],
                        billable_metrics=[{"id": "22222222-2222-4222-8222-222222222222"}],
                    )  # type: ignore[arg-type]
                    seen.append(page.data[0].value or 0)
            return seen

        with emulator_process("--fixtures", SMALL, *CLOCK) as url, ThreadPoolExecutor(2) as pool:
            first = pool.submit(worker, url, "worker-1", 20)
            second = pool.submit(worker, url, "worker-2", 30)
            assert first.result() == [350.5 + i for i in range(1, 21)]
            assert second.result() == [350.5 + i for i in range(1, 31)]
