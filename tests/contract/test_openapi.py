"""`GET /openapi.json` covers every route, and a property-based fuzzer (schemathesis) finds no 5xx
and no response that breaks the document."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from emulator.app import create_app
from emulator.routes import ROUTES
from emulator.settings import Settings
from emulator.web.openapi import openapi_document
from tests.contract.conftest import emulator_process

# Bearer tokens are tenants: any non-empty token is valid by design, so schemathesis's
# ignored_auth check (which expects some token to be refused) does not apply; and the emulator
# answers 400 to most schema-valid usage queries (ranges, alignment, unknown ids), which
# positive_data_acceptance would count against it.
EXCLUDED_CHECKS = "positive_data_acceptance,ignored_auth"


def schemathesis(url: str, workdir: Path, *selection: str) -> subprocess.CompletedProcess[str]:
    st = Path(sys.executable).parent / "st"
    return subprocess.run(
        [
            str(st), "run", f"{url}/openapi.json", "-H", "Authorization: Bearer fuzz",
            "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
            "--max-examples", "50", "--generation-deterministic", *selection,
        ],
        capture_output=True, text=True, check=False, timeout=600, cwd=workdir,
    )  # fmt: skip


def test_every_route_is_documented() -> None:
    app = create_app(Settings(customers=1, days=1, events=1))
    routes = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    documented = {
        (method, path)
        for path, item in openapi_document(ROUTES)["paths"].items()
        for method in item
    }
    assert routes == documented


def test_served_and_open() -> None:
    with emulator_process("--events", "10") as url:
        response = httpx.get(f"{url}/openapi.json")
    assert response.status_code == 200
    assert response.json() == openapi_document(ROUTES)
    assert response.json()["openapi"] == "3.1.0"


def test_fuzz_api_and_control(tmp_path: Path) -> None:
    """Everything but faults (which would break the other operations' answers on purpose) and
    reset (fuzzed on its own below, with small worlds)."""
    with emulator_process("--customers", "3", "--days", "2", "--events", "300") as url:
        result = schemathesis(
            url,
            tmp_path,
            "--exclude-path",
            "/_emulator/faults",
            "--exclude-path",
            "/_emulator/reset",
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_fuzz_reset(tmp_path: Path) -> None:
    """Reset alone, every scenario option it takes, with generated worlds kept small."""
    with emulator_process("--events", "10", "--reset-max-events", "500") as url:
        result = schemathesis(url, tmp_path, "--include-path", "/_emulator/reset")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_fuzz_faults(tmp_path: Path) -> None:
    """Faults alone: queued faults only touch /v1 calls, which this run makes none of."""
    with emulator_process("--events", "10") as url:
        result = schemathesis(url, tmp_path, "--include-path", "/_emulator/faults")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
