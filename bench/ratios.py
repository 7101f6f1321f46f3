"""Issue 21's ratios in one run: `python bench/ratios.py`.

Each ratio is the emulator against a reference measured in the same run, interleaved (the two
alternate, round after round, and which goes first alternates too), and read from medians:

- requests/s of a small computed page (7 rows) and of a 1000-row computed page of the seeded
  default (`--response-cache-mb 0`), against a bare aiohttp + uvloop handler that returns the same
  bytes (`bare_server.py`), and the small page against Steady (a schema-only mock) when it runs;
- ingest of 100 events a request against the bare handler's read-and-orjson-parse;
- start-up of the seeded default against the bare handler's, each to its first answer: the
  emulator's bytecode compiled, as pip installs it, and its source compiled at every start;
- a million generated events: time to ready and RSS against the code the issue started from
  (`--baseline`, a commit of this repository, exported with `git archive` into bench/.cache);
- the dashboard query (day windows over 30 days, 1000 rows, computed) at a million events against
  at 10,000 (median latency, one connection);
- `GET /_emulator/health`, polled every 20 ms while the heaviest accepted usage query runs.

Writes bench/results/ratios.json and .md (other than the default options: bench/.cache/results/);
with `--update-docs`, the `bench:ratios` section of docs/speed.md too. Needs wrk; Node.js and npm
for the Steady row.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results as results_files
from run import INGEST_CLOCK, QUERY, SCENARIO, _mock_commands
from servers import (
    BENCH,
    TOKEN,
    baseline_tree,
    compile_package,
    drop_bytecode,
    emulator,
    free_port,
    request,
    rss_mb,
    server,
)
from soak_heavy import HEAVY_RANGE, HEAVY_VALUES
from wrk import require_wrk, wrk

from emulator.testing import EmulatorProcess
from emulator.wire.pagination import MAX_PAGE_SIZE, PAGE_SIZE_HEADER

NAME = "ratios"
BASELINE = "9b24af3"  # main when issue 21 was taken up
DEFAULTS = {"seconds": 3, "rounds": 3, "startups": 5, "million_runs": 1, "baseline": BASELINE}
CACHE = BENCH / ".cache"
PACKAGE = BENCH.parent / "emulator"
PAGE = {PAGE_SIZE_HEADER: "1000"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=DEFAULTS["seconds"], help="per wrk run")
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"], help="of each pair")
    parser.add_argument("--startups", type=int, default=DEFAULTS["startups"])
    parser.add_argument("--million-runs", type=int, default=DEFAULTS["million_runs"])
    parser.add_argument("--baseline", default=DEFAULTS["baseline"], help="a commit, or none")
    parser.add_argument("--skip-million", action="store_true", help="a short trial")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args()
    require_wrk()
    CACHE.mkdir(exist_ok=True)
    record: dict[str, Any] = {**results_files.stamp(), "load_average": {"start": os.getloadavg()}}
    record["options"] = {k: getattr(args, k) for k in DEFAULTS}
    record["pages"] = _pages(args.seconds, args.rounds)
    record["startup"] = _startup(args.startups)
    if not args.skip_million:
        record["million"] = _million(args)
    record["heaviest"] = _heaviest()
    record["load_average"]["end"] = os.getloadavg()
    record["targets"] = targets(record)
    table = markdown(record)
    print(table)
    default = not args.skip_million and all(getattr(args, k) == v for k, v in DEFAULTS.items())
    folder = results_files.RESULTS if default else results_files.TRIALS
    results_files.write(NAME, record, table, folder)
    if args.update_docs:
        results_files.update_docs(NAME, table)


# --- requests/s, interleaved -----------------------------------------------------------------


def _pages(seconds: int, rounds: int) -> dict[str, Any]:
    """The small page, the 1000-row page and ingest: emulator and bare handler in turns."""
    with ExitStack() as stack:
        emu, _ = stack.enter_context(emulator(response_cache_mb=0))
        sink, _ = stack.enter_context(emulator(response_cache_mb=0, clock=INGEST_CLOCK))
        state = json.loads(request(f"{emu.url}/_emulator/state"))
        customer = state["customers"][0]["id"]
        small = {
            "starting_on": "2024-01-01T00:00:00Z",
            "ending_before": "2024-01-08T00:00:00Z",
            "window_size": "day",
            "customer_ids": [customer],
            "billable_metrics": [{"id": state["billable_metrics"][0]["id"]}],
        }
        files = {}
        for name, query in (("small", small), ("large", QUERY)):
            body = CACHE / f"ratios-{name}.json"
            body.write_text(json.dumps(query))
            answer = CACHE / f"ratios-{name}-answer.json"
            answer.write_bytes(request(f"{emu.url}/v1/usage", query, PAGE))
            rows = len(json.loads(answer.read_bytes())["data"])
            files[name] = (body, answer, rows)
        spec = CACHE / "ratios-openapi.json"
        spec.write_bytes(request(f"{emu.url}/openapi.json"))
        port = free_port()
        pairs = [str(p) for name in files for p in files[name][:2]]
        default = str(files["small"][1])
        command = [sys.executable, str(BENCH / "bare_server.py"), str(port), default, *pairs]
        bare_url = f"http://127.0.0.1:{port}"
        probe = lambda: request(f"{bare_url}/v1/usage", small, PAGE)  # noqa: E731
        stack.enter_context(server(command, probe, "bare"))
        steady_url = _steady(stack, spec, small)

        runs: dict[str, list[dict[str, Any]]] = {}

        def measure(key: str, url: str, script: str, script_args: list[str]) -> None:
            run = wrk(url, script, script_args, seconds, connections=4, threads=2)
            runs.setdefault(key, []).append(run)
            print(f"bench: {key}: {run['requests_per_s']:,.0f} requests/s")

        ingest_customer = json.loads(request(f"{sink.url}/_emulator/state"))["customers"][0]["id"]
        for r in range(rounds):
            for name in ("small", "large"):
                body_file = str(files[name][0])
                turns = [
                    (f"{name}: emulator", emu.url),
                    (f"{name}: bare", bare_url),
                ]
                if name == "small" and steady_url is not None:
                    turns.append(("small: Steady", steady_url))
                for key, url in turns if r % 2 == 0 else turns[::-1]:
                    measure(key, url, "query.lua", [body_file])
            ingest_turns = [("ingest: emulator", sink.url), ("ingest: bare", bare_url)]
            for key, url in ingest_turns if r % 2 == 0 else ingest_turns[::-1]:
                measure(key, url, "ingest.lua", [ingest_customer, f"ratios-{r}"])
        # What ingest stored is counted back: the emulator did the work it answered for.
        counted = _count(sink.url, ingest_customer)
        answered = sum(run["requests"] for run in runs["ingest: emulator"]) * 100
    return {
        "rows": {name: files[name][2] for name in files},
        "steady": "ran" if steady_url is not None else _steady_reason(spec),
        "runs": runs,
        "medians": {k: statistics.median(r["requests_per_s"] for r in v) for k, v in runs.items()},
        "ingest_events_answered": answered,
        "ingest_events_counted": counted,
    }


def _count(url: str, customer: str) -> int:
    state = json.loads(request(f"{url}/_emulator/state"))
    metric = next(m["id"] for m in state["billable_metrics"] if m["name"] == "Billable events")
    page = json.loads(
        request(
            f"{url}/v1/usage",
            {
                "starting_on": "2025-06-01T00:00:00Z",
                "ending_before": "2025-06-02T00:00:00Z",
                "window_size": "none",
                "customer_ids": [customer],
                "billable_metrics": [{"id": metric}],
            },
        )
    )
    return int(page["data"][0]["value"])


def _steady(stack: ExitStack, spec: Path, small: dict[str, Any]) -> str | None:
    mocks = _mock_commands(spec)
    if isinstance(mocks, str):
        print(f"bench: Steady skipped: {mocks}")
        return None
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    probe = lambda: request(f"{url}/v1/usage", small, PAGE)  # noqa: E731
    stack.enter_context(server(mocks["Steady"](port), probe, "steady"))
    return url


def _steady_reason(spec: Path) -> str:
    mocks = _mock_commands(spec)
    return mocks if isinstance(mocks, str) else "ran"


# --- start-up ---------------------------------------------------------------------------------


def _startup(runs: int) -> dict[str, Any]:
    """Process start to first answer, in turns, twice.

    As installed: pip compiles a package's bytecode when it installs it (the docker image's
    `pip install .` too, whatever PYTHONDONTWRITEBYTECODE says), as it did aiohttp's for the bare
    server, so the emulator's is compiled first (`compileall`, into the checkout's gitignored
    __pycache__ folders). The seeded default with a seed cache folder (its seed from the entry the
    first start wrote), the same with `--seed-cache off` (its default: generated every time), and
    the bare handler.

    Then as this checkout runs in place where PYTHONDONTWRITEBYTECODE is set: the package's
    bytecode removed and never written, so each start compiles its source; built, and the bare
    handler again in the same turns."""
    answer = CACHE / "ratios-small-answer.json"
    times: dict[str, list[float]] = {}
    kept = CACHE / "seeds"  # the bench's own folder: no entry another run left is read
    kept.mkdir(mode=0o700, exist_ok=True)
    compile_package(PACKAGE)
    with emulator(seed_cache=str(kept)):
        pass  # the default's seed cache entry written, if it was not there yet
    _startup_turns(times, runs, ["emulator", "emulator, --seed-cache off", "bare"], kept, answer)
    drop_bytecode(PACKAGE)
    compiled = os.environ.get("PYTHONDONTWRITEBYTECODE")
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # for the children: none written between turns
    try:
        kinds = [SOURCE_COMPILED, "bare, in the same turns"]
        _startup_turns(times, runs, kinds, kept, answer)
    finally:
        if compiled is None:
            del os.environ["PYTHONDONTWRITEBYTECODE"]
        else:
            os.environ["PYTHONDONTWRITEBYTECODE"] = compiled
    medians = {kind: statistics.median(v) for kind, v in times.items()}
    print(f"bench: start-up medians {medians}")
    return {"runs": times, "medians": medians}


# The start-up kind whose emulator compiles its source at every start.
SOURCE_COMPILED = "emulator, --seed-cache off, its source compiled at every start"


def _startup_turns(
    times: dict[str, list[float]], runs: int, kinds: list[str], kept: Path, answer: Path
) -> None:
    for kind in kinds:
        times[kind] = []
    for r in range(runs):
        for kind in kinds if r % 2 == 0 else kinds[::-1]:
            if kind == "emulator":
                with emulator(seed_cache=str(kept)) as (_, seconds):
                    times[kind].append(seconds)
            elif kind.startswith("emulator, --seed-cache off"):
                with emulator(seed_cache="off") as (_, seconds):
                    times[kind].append(seconds)
            else:
                port = free_port()
                command = [sys.executable, str(BENCH / "bare_server.py"), str(port), str(answer)]
                target = f"http://127.0.0.1:{port}/v1/usage"
                probe = lambda target=target: request(target, {})  # noqa: E731
                with server(command, probe, "bare-startup") as (seconds, _):
                    times[kind].append(seconds)


# --- a million events ---------------------------------------------------------------------------


def _million_process(
    baseline: Path | None, events: int, seed_cache: Path | None = None
) -> EmulatorProcess:
    options: dict[str, Any] = {**SCENARIO, "events": events, "response_cache_mb": 0}
    if baseline is None:
        # A folder of the bench's own: no seed another run left is read by accident.
        folder = seed_cache if seed_cache is not None else "off"
        return EmulatorProcess(TOKEN, seed_cache=str(folder), **options)
    code = (
        f"import sys; sys.path.insert(0, {str(baseline)!r}); "
        "from emulator.cli import console; console()"
    )
    return EmulatorProcess(TOKEN, run=["-c", code], **options)


def _ready(process: EmulatorProcess) -> float:
    started = time.perf_counter()
    process.start()
    request(f"{process.url}/_emulator/health")
    return time.perf_counter() - started


def _million(args: argparse.Namespace) -> dict[str, Any]:
    """Time to ready and RSS at a million events, this code against the baseline's, in turns.
    This code three times each round: with the seed cache off (its default: it generates and
    ingests), with an empty cache folder (the same, and it writes the entry), and with that
    entry (it loads it). The dashboard query's latency at a million against at 10,000 (this code,
    the 10,000 built), in turns, on the million built and on the million loaded: a store read back
    from a pickle lies more compactly in memory than one built event by event, and reads faster."""
    body = CACHE / "ratios-dashboard.json"
    body.write_text(json.dumps(QUERY))
    out: dict[str, Any] = {"baseline": args.baseline, "ready_s": {}, "rss_mb": {}, "query": {}}
    built, cached = "this code, seed built", "this code, seed from its cache"
    written = "this code, seed built and its cache entry written"
    with ExitStack() as stack:
        baseline = None if args.baseline == "none" else baseline_tree(args.baseline)
        kinds = ["this code"] + ([] if baseline is None else [f"baseline {args.baseline}"])
        for r in range(args.million_runs):
            for kind in kinds if r % 2 == 0 else kinds[::-1]:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=CACHE)))
                names = [built, written, cached] if kind == "this code" else [kind]
                for name in names:
                    process = _million_process(
                        None if kind == "this code" else baseline,
                        1_000_000,
                        None if name == built else folder,
                    )
                    try:
                        seconds = _ready(process)
                        rss = rss_mb(process.pid)
                        out["ready_s"].setdefault(name, []).append(seconds)
                        out["rss_mb"].setdefault(name, []).append(rss)
                        print(f"bench: 1M events, {name}: ready in {seconds:.1f} s, {rss:.0f} MB")
                        if name in (built, cached) and name not in out["query"]:
                            out["query"][name] = _flat(process, body, args)
                    finally:
                        process.stop()
    return out


def _flat(million: EmulatorProcess, body: Path, args: argparse.Namespace) -> dict[str, Any]:
    small = _million_process(None, 10_000)
    _ready(small)
    try:
        runs: dict[str, list[dict[str, Any]]] = {"1M": [], "10k": []}
        for r in range(args.rounds):
            turns = [("10k", small.url), ("1M", million.url)]
            for key, url in turns if r % 2 == 0 else turns[::-1]:
                runs[key].append(wrk(url, "query.lua", [str(body)], args.seconds, connections=1))
    finally:
        small.stop()
    p50 = {k: statistics.median(r["latency_p50_us"] for r in v) for k, v in runs.items()}
    print(f"bench: dashboard query p50 {p50}")
    return {"runs": runs, "p50_us": p50}


# --- the heaviest accepted query ------------------------------------------------------------------


def _heaviest(runs: int = 2) -> dict[str, Any]:
    """Health polled every 20 ms from a thread while the heaviest usage query the limits accept
    (soak_heavy.py's: 9,984 hour windows x 10 customers, 9 group values) runs."""
    with emulator(customers=20, days=30, events=100_000) as (process, _):
        url = process.url
        state = json.loads(request(f"{url}/_emulator/state"))
        customers = sorted(c["id"] for c in state["customers"] if c["archived_at"] is None)[:10]
        metric = next(m["id"] for m in state["billable_metrics"] if m["name"] == "API requests")
        latencies: list[float] = []
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                started = time.perf_counter()
                with urllib.request.urlopen(f"{url}/_emulator/health", timeout=60) as answer:
                    answer.read()
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)

        poller = threading.Thread(target=poll)
        poller.start()
        seconds, sizes = [], []
        try:
            time.sleep(0.5)
            for run in range(runs):
                query = {
                    "starting_on": HEAVY_RANGE[0],
                    "ending_before": HEAVY_RANGE[1],
                    "window_size": "hour",
                    "customer_ids": customers,
                    "billable_metrics": [
                        {"id": metric, "group_by": {"key": "region", "values": HEAVY_VALUES}}
                    ],
                    "run": run,  # new bytes each time: never from the response cache
                }
                started = time.perf_counter()
                sizes.append(
                    len(request(f"{url}/v1/usage", query, {PAGE_SIZE_HEADER: str(MAX_PAGE_SIZE)}))
                )
                seconds.append(time.perf_counter() - started)
            time.sleep(0.2)
        finally:
            stop.set()
            poller.join()
    ordered = sorted(latencies)
    result = {
        "seconds": [round(s, 2) for s in seconds],
        "response_mb": round(sizes[0] / 2**20, 1),
        "health_polls": len(ordered),
        "health_worst_ms": round(ordered[-1] * 1000, 1),
        "health_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 1),
    }
    print(f"bench: heaviest {result}")
    return result


# --- targets and table ----------------------------------------------------------------------


def _ratio_row(
    what: str, target: str, emu: float, ref: float, ok: Callable[[float], bool], unit: str
) -> dict[str, Any]:
    ratio = emu / ref
    places = 2 if unit == "s" else 0
    return {
        "what": what,
        "target": target,
        "measured": f"{ratio:.3f} ({emu:,.{places}f} vs {ref:,.{places}f} {unit})",
        "met": ok(ratio),
    }


def targets(record: dict[str, Any]) -> list[dict[str, Any]]:
    m = record["pages"]["medians"]
    rows = [
        _ratio_row(
            "small computed page (7 rows) / bare handler (requests/s)",
            ">= 0.6",
            m["small: emulator"],
            m["small: bare"],
            lambda r: r >= 0.6,
            "req/s",
        ),
        _ratio_row(
            "1000-row computed page / bare handler (requests/s)",
            ">= 0.2",
            m["large: emulator"],
            m["large: bare"],
            lambda r: r >= 0.2,
            "req/s",
        ),
        _ratio_row(
            "ingest, 100 events a request / bare read-and-parse (requests/s)",
            ">= 0.3",
            m["ingest: emulator"],
            m["ingest: bare"],
            lambda r: r >= 0.3,
            "req/s",
        ),
    ]
    if "small: Steady" in m:
        rows.append(
            _ratio_row(
                "small computed page / Steady (requests/s)",
                ">= 1 (ahead of Steady)",
                m["small: emulator"],
                m["small: Steady"],
                lambda r: r >= 1,
                "req/s",
            )
        )
    else:
        rows.append(
            {
                "what": "small computed page / Steady (requests/s)",
                "target": ">= 1 (ahead of Steady)",
                "measured": f"not run: {record['pages']['steady']}",
                "met": None,
            }
        )
    s = record["startup"]["medians"]
    for kind, bare, how in (
        ("emulator", "bare", "seed from its cache"),
        ("emulator, --seed-cache off", "bare", "built, bytecode compiled"),
        (SOURCE_COMPILED, "bare, in the same turns", "built, source compiled at every start"),
    ):
        rows.append(
            _ratio_row(
                f"seeded default: ready / a bare aiohttp server's ready ({how})",
                "<= 2.5",
                s[kind],
                s[bare],
                lambda r: r <= 2.5,
                "s",
            )
        )
    million = record.get("million")
    if million is not None:
        ready = {k: statistics.median(v) for k, v in million["ready_s"].items()}
        rss = {k: statistics.median(v) for k, v in million["rss_mb"].items()}
        base = f"baseline {million['baseline']}"
        if base in ready:
            for name in ("this code, seed built", "this code, seed from its cache"):
                rows.append(
                    _ratio_row(
                        f"a million events: time to ready / the code at {million['baseline']} "
                        f"({name.split(', ')[1]})",
                        "<= 0.33",
                        ready[name],
                        ready[base],
                        lambda r: r <= 0.33,
                        "s",
                    )
                )
                rows.append(
                    {
                        "what": f"a million events: RSS when ready / the code at "
                        f"{million['baseline']} ({name.split(', ')[1]})",
                        "target": "<= 1 (no higher)",
                        "measured": f"{rss[name] / rss[base]:.2f} "
                        f"({rss[name]:.0f} vs {rss[base]:.0f} MB)",
                        "met": rss[name] <= rss[base],
                    }
                )
        for name, flat in million["query"].items():
            p50 = flat["p50_us"]
            rows.append(
                {
                    "what": "dashboard query (1000 rows, computed) at 1M events / at 10k (p50 "
                    f"latency; the million's {name.split(', ')[1]})",
                    "target": "<= 1.2",
                    "measured": f"{p50['1M'] / p50['10k']:.2f} "
                    f"({p50['1M'] / 1000:.2f} vs {p50['10k'] / 1000:.2f} ms)",
                    "met": p50["1M"] <= 1.2 * p50["10k"],
                }
            )
    heavy = record["heaviest"]
    rows.append(
        {
            "what": "health while the heaviest accepted query runs (worst of the polls)",
            "target": "<= 100 ms",
            "measured": f"{heavy['health_worst_ms']:.0f} ms (p99 {heavy['health_p99_ms']:.0f} ms, "
            f"{heavy['health_polls']} polls; the query: {', '.join(map(str, heavy['seconds']))} s, "
            f"{heavy['response_mb']} MiB)",
            "met": heavy["health_worst_ms"] <= 100,
        }
    )
    return rows


def markdown(record: dict[str, Any]) -> str:
    lines = [
        results_files.measured_under_load(record),
        "",
        "| what | target | measured | met |",
        "|---|---|---|---|",
    ]
    for row in record["targets"]:
        met = "" if row["met"] is None else "yes" if row["met"] else "**no**"
        lines.append(f"| {row['what']} | {row['target']} | {row['measured']} | {met} |")
    pages = record["pages"]
    lines += [
        "",
        f"Requests/s of each run, in the order of the rounds (wrk, 4 connections, "
        f"{record['options']['seconds']} s each; the small page has {pages['rows']['small']} "
        f"rows, the large {pages['rows']['large']}; ingest stored "
        f"{pages['ingest_events_counted']:,} events for {pages['ingest_events_answered']:,} "
        "answered):",
        "",
        "| run | requests/s | median |",
        "|---|---|---:|",
    ]
    for key, runs in pages["runs"].items():
        each = ", ".join(f"{run['requests_per_s']:,.0f}" for run in runs)
        lines.append(f"| {key} | {each} | {pages['medians'][key]:,.0f} |")
    s = record["startup"]
    lines += ["", "| start-up to the first answer (s) | runs | median |", "|---|---|---:|"]
    for kind, runs in s["runs"].items():
        each = ", ".join(f"{t:.2f}" for t in runs)
        lines.append(f"| {kind} | {each} | {s['medians'][kind]:.2f} |")
    million = record.get("million")
    if million is not None:
        lines += ["", "| a million events | ready (s) | RSS (MB) |", "|---|---|---|"]
        for kind in million["ready_s"]:
            ready = ", ".join(f"{t:.1f}" for t in million["ready_s"][kind])
            rss = ", ".join(f"{t:.0f}" for t in million["rss_mb"][kind])
            lines.append(f"| {kind} | {ready} | {rss} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
