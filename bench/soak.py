"""Bounded under abuse: a soak of one real emulator process, `python bench/soak.py`.

Starts one emulator process as the tests do (an `EmulatorProcess`: `python -m emulator --clock
2024-01-31T00:00:00Z --customers 20 --days 30 --events 100000 --state-file <temp dir>/state.json`
on a free port, run through `GC_WRAPPER`) and, in order:

1. mixed load: `--tokens` tokens (200) at once for `--seconds` seconds (60), each doing a mix of
   ingest (batches of 100), usage queries (midnight bounds, hour/day/none windows, some paged),
   resets (plain and with small scenario options), faults followed by the request they hit,
   tenant deletes, state exports and journal reads; one more task takes a snapshot every 2 s;
2. the heaviest accepted `POST /v1/usage`: hour windows over 416 days (9,984), 10 customers,
   one metric grouped by 9 values, one page of 100,000: 998,400 numbers, just under the limit;
3. abusive requests, one at a time, each with the process's RSS sampled every 2 ms meanwhile:
   a gzip bomb, a declared 1 GiB body, a 2 MiB plain body, bad gzip, a non-UTF-8 Authorization,
   tampered cursors and cursors with a valid MAC but the wrong shape, 200 large journal entries;
4. a reset to 1,000,000 events on one token;
5. a large state: an export (`GET /_emulator/state`) of a tenant reset to 230,000 events, posted
   to another token (`POST /_emulator/state`), then a snapshot of those large tenants;
then the large tenants are dropped, and one is built and dropped three times more (the RSS must
stay level). During phases 1, 2, 4 and 5 a separate process polls `GET /_emulator/health` every
20 ms (and, in phase 2, another tenant's small usage query), so what the load generator itself
costs does not count in those latencies; the emulator's full garbage collections are timed too
(`GC_WRAPPER`), to tell which stalls they cause.

Each phase is a module: soak_mixed.py (1), soak_heavy.py (2), soak_abuse.py (3), soak_big.py (4
and 5); soak_emulator.py runs the emulator, soak_probe.py polls it from another process,
soak_client.py makes the calls and soak_report.py the table.

Writes bench/results/soak.json and bench/results/soak.md (a run with other options: under
bench/.cache/results/), then runs the hostile pass of issue 18 (`bench/hostile.py`; alone:
`--only hostile`) into bench/results/soak_hostile.json and .md; with `--update-docs`, puts each
table between its markers in docs/speed.md too. Any 5xx that is not an injected fault is a
failure, and is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results as results_files
from soak_abuse import abuse
from soak_big import big_phases
from soak_client import discover
from soak_emulator import Emulator
from soak_heavy import heaviest
from soak_mixed import mixed_load
from soak_report import five_xx, markdown, table

from emulator.wire.limits import MiB

CLOCK = "2024-01-31T00:00:00Z"
SCENARIO = {"customers": 20, "days": 30, "events": 100_000}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run(seconds: float, tokens: int, gc_log: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        state_file = Path(folder) / "state.json"
        emulator = Emulator(gc_log, clock=CLOCK, **SCENARIO, state_file=state_file)
        wall = time.time()
        print(f"soak: emulator at {emulator.url}, up in {emulator.startup_s:.1f} s")
        results: dict[str, Any] = {"startup_s": round(emulator.startup_s, 2)}
        try:
            results["rss_start_mb"] = round(emulator.rss_mb(), 1)
            world = await discover(emulator.url)
            print(f"soak: mixed load, {tokens} tokens, {seconds:g} s")
            results["mixed"] = await mixed_load(emulator, world, seconds, tokens)
            mixed = results["mixed"]
            print(f"soak: mixed: {mixed['requests']:,} requests, health {mixed['health']}")
            print("soak: the heaviest accepted request")
            results["heavy"] = await heaviest(emulator, world)
            heavy = results["heavy"]
            print(f"soak: heavy: {heavy['seconds']} s, health {heavy['health']}")
            results["abuse"] = abuse(emulator, world)
            results["big"] = await big_phases(emulator)
            memory = emulator.memory_mb()
            results["rss_final_mb"] = round(memory["VmRSS"], 1)
            results["rss_peak_mb"] = round(memory["VmHWM"], 1)
            results["gc"] = emulator.gc_during(wall, time.time()) if gc_log else None
        finally:
            code, stop_s = emulator.stop()
        results["exit"] = {
            "code": code,
            "seconds": round(stop_s, 2),
            "state_file_mb": round(state_file.stat().st_size / MiB, 1)
            if state_file.exists()
            else None,
        }
        problems = [
            line.rstrip() for line in emulator.log if re.search(r"Traceback|Error|error", line)
        ]
        results["emulator_log_problems"] = problems[:50]
        results["emulator_command"] = emulator.shown_command(state_file, "<tmp>/state.json")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of the mixed load")
    parser.add_argument("--tokens", type=int, default=200, help="tokens at once in the mixed load")
    parser.add_argument(
        "--no-gc-log",
        action="store_true",
        help="run `python -m emulator` itself, without timing its garbage collections",
    )
    parser.add_argument(
        "--update-docs", action="store_true", help="put the tables in docs/speed.md too"
    )
    parser.add_argument(
        "--only",
        choices=("all", "hostile"),
        default="all",
        help="hostile: only the hostile pass of issue 18 (bench/hostile.py); all: the soak, then "
        "the hostile pass",
    )
    args = parser.parse_args()
    if args.only == "hostile":
        hostile_pass(args.update_docs)
        return
    record = results_files.stamp()
    started = time.perf_counter()
    load_before = load_average()
    results = asyncio.run(run(args.seconds, args.tokens, not args.no_gc_log))
    results = {
        **record,
        "load_before": load_before,
        "load_after": load_average(),
        "total_s": round(time.perf_counter() - started, 1),
        **results,
    }
    results["five_xx"] = five_xx(results)
    results["table"] = table(results)
    text = markdown(results)
    print(text)
    default_run = args.seconds == 60 and args.tokens == 200 and not args.no_gc_log
    folder = results_files.RESULTS if default_run else results_files.TRIALS
    results_files.write("soak", results, text, folder)
    if args.update_docs:
        results_files.update_docs("soak", text)
    hostile_pass(args.update_docs)


def hostile_pass(update_docs: bool) -> None:
    """The hostile pass of issue 18 (`bench/hostile.py`), into bench/results/soak_hostile.*."""
    import hostile

    record = results_files.stamp()
    started = time.perf_counter()
    load_before = load_average()
    found = asyncio.run(hostile.run())
    results = {
        **record,
        "load_before": load_before,
        "load_after": load_average(),
        "total_s": round(time.perf_counter() - started, 1),
        **found,
    }
    results["table"] = hostile.table(results)
    text = markdown(results)
    print(text)
    results_files.write("soak_hostile", results, text)
    if update_docs:
        results_files.update_docs("soak_hostile", text)


if __name__ == "__main__":
    main()
