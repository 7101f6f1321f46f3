"""The official SDK's retry behaviour, tested through injected faults and read from the journal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from metronome import APIConnectionError, InternalServerError, Metronome, RateLimitError

from emulator.testing import Emulator, EmulatorHandle

QUERY: dict[str, Any] = {
    "starting_on": "2024-01-01T00:00:00Z",
    "ending_before": "2024-01-02T00:00:00Z",
    "window_size": "DAY",
}


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator(customers=2, days=1, events=100) as emulator:
        yield emulator


@pytest.fixture
def emu(server: Emulator, request: pytest.FixtureRequest) -> EmulatorHandle:
    return server.tenant(request.node.name)


def journal(emu: EmulatorHandle) -> list[tuple[int | None, str | None]]:
    entries = emu.requests()
    return [(e["status"], e["headers"].get("X-Stainless-Retry-Count")) for e in entries]


def sdk(emu: EmulatorHandle, **options: Any) -> Metronome:
    return Metronome(
        base_url=emu.url, bearer_token=emu.token, _strict_response_validation=True, **options
    )


class TestRetries:
    """The SDK recovers from transient faults within its retry budget, and gives up after it."""

    def test_recovers_from_two_429s(self, emu: EmulatorHandle) -> None:
        emu.inject_fault("/v1/usage", count=2, status=429, retry_after=0.01)
        with sdk(emu) as client:
            rows = list(client.v1.usage.list(**QUERY))
        assert len(rows) == 16  # 2 customers x 8 active metrics x 1 day
        assert journal(emu) == [(429, "0"), (429, "1"), (200, "2")]

    def test_gives_up_after_its_budget(self, emu: EmulatorHandle) -> None:
        emu.inject_fault("/v1/usage", count=3, status=429, retry_after=0.01)
        with sdk(emu) as client, pytest.raises(RateLimitError) as caught:
            client.v1.usage.list(**QUERY)
        assert caught.value.body == {"message": "injected fault: 429 Too Many Requests"}
        assert [status for status, _ in journal(emu)] == [429, 429, 429]

    def test_obeys_x_should_retry(self, emu: EmulatorHandle) -> None:
        emu.inject_fault("/v1/usage", status=500, headers={"x-should-retry": "false"})
        with sdk(emu) as client, pytest.raises(InternalServerError):
            client.v1.usage.list(**QUERY)
        assert len(journal(emu)) == 1

    def test_dropped_connections(self, emu: EmulatorHandle) -> None:
        emu.inject_fault("/v1/usage", count=2, drop_connection=True)
        with sdk(emu, max_retries=1) as client, pytest.raises(APIConnectionError):
            client.v1.usage.list(**QUERY)
        with sdk(emu) as client:
            assert len(list(client.v1.usage.list(**QUERY))) == 16
        assert [status for status, _ in journal(emu)] == [None, None, 200]
