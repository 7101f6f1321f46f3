"""Where a built start's time goes, by phase, this code against a baseline commit:
`python bench/startup_split.py`.

For each scenario (the seeded default, and a million events over 20 customers and 30 days) and
each tree (this code, and `--baseline` exported with `git archive` into bench/.cache), each with
its bytecode compiled first, as pip installs a package, taking turns: a child process times the
imports (`emulator.cli`, the app, the server), Faker's import,
generating alone (the events made and dropped) and then the build as start-up does it
(`build_scenario`: generated and ingested, streamed), so ingesting is the build less generating;
then the whole start, `EmulatorProcess` (`--seed-cache off`) to its first answer of
`/_emulator/health`, where this code builds a scenario under 100,000 events in a child while it
imports (`emulator/scenario/ahead.py`), so the phases add up to more than its start. The child
runs with the garbage collector off where that tree's `main()` turns it off. Medians of wall
seconds; the load average says how far to trust them.

Writes bench/results/startup_split.json and .md (other options: bench/.cache/results/); with
`--update-docs`, the `bench:startup_split` section of docs/speed.md too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results as results_files
from servers import BENCH, TOKEN, baseline_tree, compile_package, drop_bytecode

from emulator.testing import EmulatorProcess

NAME = "startup_split"
DEFAULTS = {"runs": 7, "million_runs": 2, "baseline": "aa9e829"}  # the start of perf-seed
SCENARIOS = {"seeded default": (8, 7, 20_000), "a million events": (20, 30, 1_000_000)}
PHASES = ["imports", "Faker's import", "generating", "ingesting"]
CHILD = """
import gc, json, sys, time
sys.path.insert(0, {tree!r})
if {collector_off}:
    gc.disable()
clock = time.perf_counter
t0 = clock()
import emulator.cli, emulator.app, emulator.web.server
t1 = clock()
import faker
t2 = clock()
from collections import deque
from emulator.scenario.seed import generate
deque(generate(42, {customers}, {days}, {events}).events, maxlen=0)
t3 = clock()
from emulator.scenario import initial
build = getattr(initial, "build_scenario", None) or initial._build  # the baseline's name
build(42, {customers}, {days}, {events})
t4 = clock()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, (t4 - t3) - (t3 - t2)]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULTS["runs"], help="at 20,000 events")
    parser.add_argument("--million-runs", type=int, default=DEFAULTS["million_runs"])
    parser.add_argument("--baseline", default=DEFAULTS["baseline"], help="a commit")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args()
    record: dict[str, Any] = {**results_files.stamp(), "load_average": {"start": os.getloadavg()}}
    record["options"] = {k: getattr(args, k) for k in DEFAULTS}
    trees = {"this code": BENCH.parent, f"baseline {args.baseline}": baseline_tree(args.baseline)}
    record["scenarios"] = {}
    try:
        for tree in trees.values():  # as installed: pip compiles a package's bytecode (ratios.py)
            compile_package(tree / "emulator")
        for scenario, runs in zip(SCENARIOS, (args.runs, args.million_runs), strict=True):
            if runs > 0:
                record["scenarios"][scenario] = _split(SCENARIOS[scenario], runs, trees)
    finally:  # no bytecode left behind: later runs in place (tenants.py) measure what they did
        for tree in trees.values():
            drop_bytecode(tree / "emulator")
    record["load_average"]["end"] = os.getloadavg()
    table = markdown(record)
    print(table)
    default = all(getattr(args, k) == v for k, v in DEFAULTS.items())
    folder = results_files.RESULTS if default else results_files.TRIALS
    results_files.write(NAME, record, table, folder)
    if args.update_docs:
        results_files.update_docs(NAME, table)


def _split(options: tuple[int, int, int], runs: int, trees: dict[str, Path]) -> dict[str, Any]:
    customers, days, events = options
    out: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    for r in range(runs):
        for name in list(trees) if r % 2 == 0 else list(trees)[::-1]:
            tree = str(trees[name])
            # As that tree's main() starts: with the collector off, or on.
            collector_off = "gc.disable()" in (trees[name] / "emulator" / "cli.py").read_text()
            code = CHILD.format(
                tree=tree,
                collector_off=collector_off,
                customers=customers,
                days=days,
                events=events,
            )
            child = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            for phase, seconds in zip(PHASES, json.loads(child.stdout), strict=True):
                out[name].setdefault(phase, []).append(seconds)
            run = f"import sys; sys.path.insert(0, {tree!r}); from emulator.cli import console; "
            started = time.perf_counter()
            process = EmulatorProcess(
                TOKEN,
                run=["-c", run + "console()"],
                seed_cache="off",
                customers=customers,
                days=days,
                events=events,
            )
            try:
                process.start()
                health = urllib.request.Request(f"{process.url}/_emulator/health")
                urllib.request.urlopen(health, timeout=120).read()
                out[name].setdefault("start to first answer", []).append(
                    time.perf_counter() - started
                )
            finally:
                process.stop()
    return {
        name: {phase: results_files.spread(values, 3) for phase, values in phases.items()}
        for name, phases in out.items()
    }


def markdown(record: dict[str, Any]) -> str:
    lines = [
        results_files.measured_under_load(record),
        "",
    ]
    for scenario, trees in record["scenarios"].items():
        names = list(trees)
        runs = len(trees[names[0]]["imports"]["values"])
        lines += [
            f"{scenario}, medians of {runs} runs (wall seconds):",
            "",
            "| phase | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        for phase in [*PHASES, "start to first answer"]:
            cells = " | ".join(f"{trees[name][phase]['median']:.3f}" for name in names)
            lines.append(f"| {phase} | {cells} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
