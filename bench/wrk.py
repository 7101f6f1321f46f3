"""Run wrk with one of the bench's Lua scripts and read the JSON line the script prints."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is not installed (Debian/Ubuntu: apt-get install wrk)")


def wrk(
    url: str, script: str, args: list[str], seconds: int, connections: int, threads: int = 1
) -> dict[str, Any]:
    """One wrk run; requests/s and latencies (µs) as measured by wrk, checked for errors."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(BENCH / script),
        url,
        "--",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    output = done.stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    if result["non_2xx"] or result["socket_errors"] or not result["requests"]:
        raise SystemExit(f"bench: {' '.join(command)} had errors:\n{output}")
    result["requests_per_s"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    result["connections"] = connections
    return result
