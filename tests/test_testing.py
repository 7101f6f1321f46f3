"""`Emulator`, the context manager for any test runner: start, control calls, tenants, stop."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from emulator.testing import Emulator, EmulatorError
from tests.helpers import SMALL


class TestEmulator:
    """The handle starts a real server and drives the control API."""

    def test_lifecycle(self) -> None:
        with Emulator(seed=3, customers=2, days=1, events=50, page_size=7) as emu:
            assert emu.url.startswith("http://127.0.0.1:")
            assert emu.request("GET", "/_emulator/health")["events"] == 50
            assert emu.request("GET", "/_emulator/config") == {"page_size": 7}
            port = int(emu.url.rsplit(":", 1)[1])
        with socket.socket() as sock:  # stopped: nothing listens there any more
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))

    def test_load_state_reset_and_tenants(self) -> None:
        with Emulator(customers=2, days=1, events=20) as emu:
            seeded = emu.state()
            assert emu.load(SMALL) == {"customers": 3, "billable_metrics": 6, "events": 21}
            assert emu.state() == json.loads(json.dumps(emu.state()))
            assert len(emu.state()["events"]) == 21
            assert emu.tenant("other").state() == seeded
            assert emu.reset() == {"customers": 2, "billable_metrics": 9, "events": 20}
            assert emu.state() == seeded
            assert emu.reset(events=5)["events"] == 5
            assert emu.configure(3) == {"page_size": 3}

    def test_refusals_raise(self) -> None:
        with Emulator(customers=1, days=1, events=1) as emu, pytest.raises(EmulatorError) as caught:
            emu.load({"customers": [{"id": "nope", "name": "x"}]})
        assert (caught.value.status, caught.value.message) == (
            400,
            "customers[0].id must be a UUID",
        )

    def test_bad_fixtures_fail_at_start(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.json"
        path.write_text("{")
        with (
            pytest.raises(Exception, match="fixture document must be valid JSON"),
            Emulator(fixtures=path),
        ):
            pass


def test_faults_and_journal_through_the_handle() -> None:
    with Emulator(customers=1, days=1, events=5, clock="2024-01-02T00:00:00Z") as emu:
        queued = emu.inject_fault("/v1/usage", status=503, count=2)
        assert [(f["status"], f["remaining"]) for f in queued] == [(503, 2)]
        emu.clear_faults()
        assert emu.inject_fault(method="GET", delay_ms=1)[0]["path"] is None
        emu.clear_faults()
        emu.request(
            "POST",
            "/v1/ingest",
            [
                {
                    "transaction_id": "t",
                    "customer_id": "c",
                    "event_type": "e",
                    "timestamp": "2024-01-01T00:00:00Z",
                }
            ],
        )
        assert [(r["path"], r["status"]) for r in emu.requests()] == [("/v1/ingest", 200)]
        emu.clear_requests()
        assert emu.requests() == []


def test_clock_and_drop_through_the_handle() -> None:
    with Emulator(customers=1, days=1, events=5, clock="2024-01-02T00:00:00Z") as emu:
        assert emu.clock() == {"now": "2024-01-02T00:00:00Z", "frozen": True}
        assert emu.advance_clock(90) == {"now": "2024-01-02T00:01:30Z", "frozen": True}
        assert emu.set_clock("2024-02-01T00:00:00Z")["now"] == "2024-02-01T00:00:00Z"
        assert emu.set_clock(None)["frozen"] is False
        emu.reset(customers=0)
        assert emu.state()["customers"] == []
        emu.drop()  # forgotten: afresh from the seed, at the start clock
        assert len(emu.state()["customers"]) == 1
        assert emu.clock() == {"now": "2024-01-02T00:00:00Z", "frozen": True}
