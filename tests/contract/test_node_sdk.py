"""A smoke test through the official Node SDK (`@metronome/sdk`, pinned in node/package.json):
the same emulator works unchanged for a Node client. Skipped, with the reason, without Node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.contract.conftest import emulator_process

NODE_DIR = Path(__file__).parent / "node"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="Node.js and npm are not installed: the Node SDK smoke test needs them",
)


@pytest.fixture(scope="module")
def node_sdk() -> Path:
    if not (NODE_DIR / "node_modules" / "@metronome" / "sdk").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=300
        )
    return NODE_DIR / "smoke.mjs"


def test_node_sdk_builds_a_world_and_reads_it_back(node_sdk: Path) -> None:
    # The clock pinned at the end of the two days smoke.mjs ingests into (the ingest window).
    with emulator_process(
        "--customers", "1", "--days", "1", "--events", "10", "--clock", "2022-03-03T00:00:00Z"
    ) as url:
        done = subprocess.run(
            ["node", str(node_sdk), url], capture_output=True, text=True, timeout=120, check=False
        )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    # Day 1: 10 (a) + "7" (b, a numeric string, by alias) + 5 (a, by alias); n-2's duplicate is
    # ignored. Day 2: 2.5 (b), sent exactly at midnight.
    assert result["usage"] == [
        {"start": "2022-03-01T00:00:00Z", "value": 22, "groups": {"a": 15, "b": 7}},
        {"start": "2022-03-02T00:00:00Z", "value": 2.5, "groups": {"a": None, "b": 2.5}},
    ]
    assert result["groups"] == [
        {"start": "2022-03-01T00:00:00Z", "group": {"model": "a"}, "value": 15},
        {"start": "2022-03-01T00:00:00Z", "group": {"model": "b"}, "value": 7},
        {"start": "2022-03-02T00:00:00Z", "group": {"model": "a"}, "value": None},
        {"start": "2022-03-02T00:00:00Z", "group": {"model": "b"}, "value": 2.5},
    ]
    assert result["searched"] == [
        {"customer": "node-co", "duplicate": False},
        {"customer": result["searched"][1]["customer"], "duplicate": True},
    ]
    assert result["notFound"] == {
        "status": 404,
        "message": "customer 0f0f0f0f-0000-4000-8000-000000000000 not found",
    }


def test_node_sdk_reads_an_invoice(node_sdk: Path) -> None:
    """A contract built through the Node SDK, its January invoice FINALIZED after the grace, read
    by `invoices.list` and `invoices.retrieve`: 4 calls at 2.5 cents."""
    with emulator_process("--customers", "1", "--days", "1", "--events", "10") as url:
        done = subprocess.run(
            ["node", str(node_sdk.parent / "invoice.mjs"), url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["invoices"] == [
        {"status": "FINALIZED", "start": "2024-01-01T00:00:00Z", "total": 10},
        {"status": "DRAFT", "start": "2024-02-01T00:00:00Z", "total": 0},
    ]
    assert result["retrieved"] == {
        "id": True,
        "status": "FINALIZED",
        "lines": [["Calls", 4, 2.5, 10]],
        "total": 10,
    }
