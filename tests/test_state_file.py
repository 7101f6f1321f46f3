"""`--state-file`: tenants' state comes back after a restart; writes are atomic."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from emulator.cli import main
from emulator.statefile import read_state_file, token_digest, write_state_file
from emulator.store.store import Store
from tests.contract.conftest import emulator_process
from tests.helpers import SMALL

EVENT = {
    "transaction_id": "kept",
    "customer_id": "c",
    "event_type": "e",
    "timestamp": "2024-01-01T00:00:00Z",
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestRestart:
    """What tenants wrote is there after a clean shutdown and a new start."""

    def test_round_trip(self, tmp_path: Path) -> None:
        path = tmp_path / "state.json"
        args = ("--customers", "2", "--days", "1", "--events", "30", "--state-file", str(path))
        with emulator_process(*args) as url:
            httpx.post(f"{url}/v1/ingest", json=[EVENT], headers=auth("a")).raise_for_status()
            httpx.post(
                f"{url}/_emulator/state", content=SMALL.read_bytes(), headers=auth("b")
            ).raise_for_status()
            httpx.patch(
                f"{url}/_emulator/config", json={"page_size": 3}, headers=auth("c")
            ).raise_for_status()
            before = {
                t: httpx.get(f"{url}/_emulator/state", headers=auth(t)).content for t in "abcd"
            }
        saved = json.loads(path.read_text())
        assert set(saved["tenants"]) == {token_digest(t) for t in "abc"}  # tokens only as digests
        with emulator_process(*args) as url:
            after = {
                t: httpx.get(f"{url}/_emulator/state", headers=auth(t)).content for t in "abcd"
            }
            config = httpx.get(f"{url}/_emulator/config", headers=auth("c")).json()
        assert after == before
        assert config == {"page_size": 3}

    def test_snapshot(self, tmp_path: Path) -> None:
        path = tmp_path / "nested" / "state.json"
        with emulator_process("--events", "10", "--state-file", str(path)) as url:
            httpx.post(f"{url}/v1/ingest", json=[EVENT], headers=auth("a")).raise_for_status()
            answer = httpx.post(f"{url}/_emulator/snapshot", headers=auth("a")).json()
            assert answer == {"state_file": str(path), "tenants": 1}
            store, _ = read_state_file(path)[token_digest("a")]
            assert store.events[-1].transaction_id == "kept"

    def test_snapshot_needs_a_state_file(self) -> None:
        with emulator_process("--events", "10") as url:
            response = httpx.post(f"{url}/_emulator/snapshot", headers=auth("a"))
        assert response.status_code == 400
        assert response.json() == {
            "message": "this emulator runs without --state-file: there is nowhere to write"
        }


class TestAtomicWrites:
    """A failed write leaves the previous file whole and no temporary file behind."""

    def test_failed_write(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "state.json"
        write_state_file(path, {})
        original = path.read_bytes()

        def crash(*_: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr("emulator.statefile.os.replace", crash)
        with pytest.raises(OSError, match="disk full"):
            write_state_file(path, {"x": (Store(), None)})
        assert path.read_bytes() == original
        assert [p.name for p in tmp_path.iterdir()] == ["state.json"]

    def test_corrupt_file_refused_at_start(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "state.json"
        path.write_text('{"version": 1, "tenants": {"x": {"state": {"customers": [{"id": 1}]}}}}')
        assert main(["--port", "0", "--state-file", str(path), "--events", "1"]) == 2
        assert "customers[0].id must be a UUID" in capsys.readouterr().err
