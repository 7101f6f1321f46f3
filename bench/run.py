"""Every benchmark of the emulator in one command: `python bench/run.py`.

Writes bench/results/run.json, bench/results/run.md and bench/results/latency.svg (a run with other
than the default `--seconds`: under bench/.cache/results/); with `--update-docs`, puts the table
between the `bench:run` markers of docs/speed.md too. Each server runs in its own process on
127.0.0.1 and wrk is the client for all of them, so the emulator, a bare aiohttp handler and the
schema-only mocks are measured side by side in one run. Needs wrk on PATH; Node.js and npm for the
Steady and Prism rows (skipped, with the reason, without them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results as results_files
from report import markdown, svg
from servers import BENCH, emulator, free_port, request, rss_mb, server
from wrk import require_wrk, wrk

from emulator.wire.pagination import PAGE_SIZE_HEADER

# The dashboard query: day windows over the scenario's 30 days, every customer and metric, first
# page of 1000 rows (the scenario has 19 live customers x 8 live metrics x 30 days = 4560 rows).
QUERY = {
    "starting_on": "2024-01-01T00:00:00Z",
    "ending_before": "2024-01-31T00:00:00Z",
    "window_size": "day",
}
PAGE = {PAGE_SIZE_HEADER: "1000"}
SCENARIO = {"customers": 20, "days": 30}
SIZES = [10_000, 100_000, 300_000, 1_000_000]
UNCACHED = {"response_cache_mb": 0}
COMPUTED = "emulator, computed every time (--response-cache-mb 0)"
CACHED = "emulator, repeats from its response cache (default)"
BARE = "bare aiohttp, precomputed bytes"
# bench/ingest.lua stamps its events in 2025-06-01 12:00-13:00. Ingest accepts events at most 34
# days before (24 hours after) the tenant's clock, so that emulator's clock is frozen the midnight
# after; usage bounds must be UTC midnights, so the count is read over that whole day.
INGEST_CLOCK = "2025-06-02T00:00:00Z"
INGEST_DAY = ("2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument(
        "--update-docs", action="store_true", help="put the table in docs/speed.md too"
    )
    args = parser.parse_args()
    require_wrk()
    seconds = args.seconds
    body_file = BENCH / ".cache" / "query.json"
    body_file.parent.mkdir(exist_ok=True)
    body_file.write_text(json.dumps(QUERY))

    results: dict[str, Any] = {
        **results_files.stamp(),
        "seconds_per_run": seconds,
        # Other work on the machine slows every number here; the 1-minute load average says how
        # busy it was (on 2 cores, anything near 2 or above means the runs shared the CPU).
        "load_average": {"start": os.getloadavg()[0]},
        "startup_default_s": _startup_default(),
        "stores": [],
        "throughput": {},
    }
    # The flat line: the query computed on every request (no response cache) at each size.
    for events in SIZES:
        with emulator(**SCENARIO, events=events, **UNCACHED) as (process, startup):
            url, rss = process.url, rss_mb(process.pid)
            print(f"bench: {events:,} events: healthy in {startup:.2f} s, {rss:.0f} MB")
            latency = wrk(url, "query.lua", [str(body_file)], seconds, connections=1)
            results["stores"].append(
                {"events": events, "startup_s": startup, "rss_mb": rss, "latency": latency}
            )
            if events == SIZES[-1]:
                results["throughput"][COMPUTED] = wrk(
                    url, "query.lua", [str(body_file)], seconds, connections=4
                )
    # As it runs by default: a repeated request is answered from the response cache.
    with emulator(**SCENARIO, events=SIZES[-1]) as (process, _):
        results["throughput"].update(_throughput(process.url, body_file, seconds))
    results["ingest"] = _ingest(seconds)
    results["load_average"]["end"] = os.getloadavg()[0]
    results["targets"] = _targets(results)

    table = markdown(results)
    print(table)
    folder = results_files.RESULTS if seconds == 5 else results_files.TRIALS
    plot = {"latency.svg": svg(results["stores"])}
    results_files.write("run", results, table, folder, extra=plot)
    if args.update_docs:
        results_files.update_docs("run", table)


def _startup_default(runs: int = 5) -> float:
    """Median seconds from process start to a healthy seeded default."""
    times = []
    for _ in range(runs):
        with emulator() as (_, startup):
            times.append(startup)
    median = statistics.median(times)
    print(f"bench: seeded default healthy in {median:.2f} s (median of {runs})")
    return median


def _throughput(url: str, body_file: Path, seconds: int) -> dict[str, Any]:
    """The same query against the emulator, a bare handler returning its bytes, and the mocks."""
    runs: dict[str, Any] = {}
    runs[CACHED] = wrk(url, "query.lua", [str(body_file)], seconds, connections=4)
    answer = BENCH / ".cache" / "answer.json"
    answer.write_bytes(request(f"{url}/v1/usage", QUERY, PAGE))
    spec = BENCH / ".cache" / "openapi.json"
    spec.write_bytes(request(f"{url}/openapi.json"))

    bare = free_port()
    command = [sys.executable, str(BENCH / "bare_server.py"), str(bare), str(answer)]
    with _serving(command, bare, "bare"):
        runs[BARE] = wrk(
            f"http://127.0.0.1:{bare}", "query.lua", [str(body_file)], seconds, connections=4
        )
    mocks = _mock_commands(spec)
    for name in ("Steady", "Prism"):
        if isinstance(mocks, str):
            runs[name] = {"skipped": mocks}
            print(f"bench: {name} skipped: {mocks}")
            continue
        port = free_port()
        with _serving(mocks[name](port), port, name.lower()):
            runs[name] = wrk(
                f"http://127.0.0.1:{port}", "query.lua", [str(body_file)], seconds, connections=4
            )
    for name, run in runs.items():
        if "requests_per_s" in run:
            print(f"bench: {name}: {run['requests_per_s']:,.0f} requests/s")
    return runs


def _serving(command: list[str], port: int, name: str) -> Any:
    target = f"http://127.0.0.1:{port}/v1/usage"
    return server(command, lambda: request(target, QUERY, PAGE), name)


def _mock_commands(spec: Path) -> Any:
    """How to start Steady and Prism on a port, or why they cannot run here."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        return "Node.js and npm are not installed"
    bin_dir = BENCH / "node_modules" / ".bin"
    if not (bin_dir / "steady").exists() or not (bin_dir / "prism").exists():
        print("bench: installing Steady and Prism (npm ci in bench/)")
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, capture_output=True, text=True
        )
        if done.returncode != 0:
            return f"npm ci failed: {done.stderr.strip().splitlines()[-1:]}"
    return {
        "Steady": lambda port: [
            str(bin_dir / "steady"),
            "-p",
            str(port),
            "--host",
            "127.0.0.1",
            "-q",
            str(spec),
        ],
        "Prism": lambda port: [
            str(bin_dir / "prism"),
            "mock",
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            str(spec),
        ],
    }


def _ingest(seconds: int) -> dict[str, Any]:
    """Batches of 100 events into the seeded default, then the count of them, queried back."""
    with emulator(clock=INGEST_CLOCK) as (process, _):
        url = process.url
        state = json.loads(request(f"{url}/_emulator/state"))
        customer = state["customers"][0]["id"]
        metric = next(m["id"] for m in state["billable_metrics"] if m["name"] == "Billable events")
        connections = 4
        run = wrk(url, "ingest.lua", [customer], seconds, connections=connections, threads=2)
        page = json.loads(
            request(
                f"{url}/v1/usage",
                {
                    "starting_on": INGEST_DAY[0],
                    "ending_before": INGEST_DAY[1],
                    "window_size": "none",
                    "customer_ids": [customer],
                    "billable_metrics": [{"id": metric}],
                },
            )
        )
    answered = run["requests"] * 100
    counted = page["data"][0]["value"]
    # wrk stops with up to one batch per connection sent but not answered; the emulator may have
    # stored those too.
    if not answered <= counted <= answered + 100 * connections:
        raise SystemExit(f"bench: ingest answered {answered} events but {counted} are counted")
    run["events_per_s"] = round(answered / (run["duration_us"] / 1e6))
    run["events_answered"] = answered
    run["events_counted"] = counted
    print(f"bench: ingest {run['events_per_s']:,} events/s; {counted:,} counted back")
    return run


def _targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    stores = {store["events"]: store for store in results["stores"]}
    small, big = stores[SIZES[0]], stores[SIZES[-1]]
    p50 = small["latency"]["latency_p50_us"], big["latency"]["latency_p50_us"]
    runs = results["throughput"]
    emulator_rps = runs[CACHED]["requests_per_s"]
    bare_rps = runs[BARE]["requests_per_s"]
    targets = [
        {
            "what": "dashboard query at 1M events vs at 10k (median latency, computed)",
            "target": "at most 1.2x",
            "measured": f"{p50[1] / p50[0]:.2f}x "
            f"({p50[1] / 1000:.2f} ms vs {p50[0] / 1000:.2f} ms)",
            "met": p50[1] <= 1.2 * p50[0],
        },
        {
            "what": "dashboard query vs a bare aiohttp handler (requests/s, repeated)",
            "target": "at least 0.5x",
            "measured": f"{emulator_rps / bare_rps:.2f}x ({emulator_rps:,.0f} vs {bare_rps:,.0f})",
            "met": emulator_rps >= 0.5 * bare_rps,
        },
        {
            "what": "ingest, batches of 100 events",
            "target": "at least 100,000 events/s",
            "measured": f"{results['ingest']['events_per_s']:,} events/s",
            "met": results["ingest"]["events_per_s"] >= 100_000,
        },
        {
            "what": "seeded default, process start to healthy",
            "target": "under 1 s",
            "measured": f"{results['startup_default_s']:.2f} s",
            "met": results["startup_default_s"] < 1,
        },
        {
            "what": "1,000,000 generated events, process start to healthy",
            "target": "under 20 s",
            "measured": f"{big['startup_s']:.1f} s",
            "met": big["startup_s"] < 20,
        },
        {
            "what": "RSS after loading 1,000,000 events",
            "target": "at most 500 MB",
            "measured": f"{big['rss_mb']:.0f} MB",
            "met": big["rss_mb"] <= 500,
        },
    ]
    for name in ("Steady", "Prism"):
        run = runs[name]
        if "skipped" in run:
            targets.append(
                {
                    "what": f"requests/s vs {name} (repeated)",
                    "target": "at least 1.0x",
                    "measured": run["skipped"],
                    "met": None,
                }
            )
            continue
        ratio = emulator_rps / run["requests_per_s"]
        targets.append(
            {
                "what": f"requests/s vs {name} (repeated)",
                "target": "at least 1.0x",
                "measured": f"{ratio:.2f}x ({emulator_rps:,.0f} vs {run['requests_per_s']:,.0f})",
                "met": ratio >= 1,
            }
        )
    return targets


if __name__ == "__main__":
    main()
