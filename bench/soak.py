"""Bounded under abuse: a soak of one real emulator process, `python bench/soak.py`.

Starts `python -m emulator --port 0 --clock 2024-01-31T00:00:00Z --customers 20 --days 30
--events 100000 --state-file <temp dir>/state.json` and, in order:

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

Writes bench/soak.json and bench/soak.md (and, with `--readme`, puts the table in README.md), then
runs the hostile pass of issue 18 (`bench/hostile.py`; alone: `--only hostile`) into
bench/soak_hostile.json and bench/soak_hostile.md. Any 5xx that is not an injected fault is a
failure, and is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import http.client
import json
import math
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from abuse import gzip_bomb
from servers import machine

BENCH = Path(__file__).resolve().parent
MiB = 2**20
CLOCK = "2024-01-31T00:00:00Z"
SCENARIO = ["--customers", "20", "--days", "30", "--events", "100000"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"]
ENDPOINTS = ["/v1/chat", "/v1/embeddings", "/v1/files", "/v1/search"]
# Hour windows from here: 416 days, 9,984 windows, the most one query may have.
HEAVY_RANGE = ("2023-12-01T00:00:00Z", "2025-01-20T00:00:00Z")
HEAVY_CUSTOMERS = 10
# 9 group values: rows x (1 + 9) = 99,840 x 10 = 998,400 numbers, just under 1,000,000.
HEAVY_VALUES = [*REGIONS, "sa-east-1", "ca-central-1", "me-south-1", "af-south-1", "il-central-1"]
PAGE_SIZE_HEADER = "X-Emulator-Page-Size"
# The cursor key is public (emulator/wire/pagination.py): anyone can seal a cursor, so the emulator
# checks each cursor's shape. `seal` makes cursors with a valid MAC to try that check.
CURSOR_KEY = b"metronome-emulator cursor v1"
HEALTH_TARGET_MS = 100.0
README_START, README_END = "<!-- soak:start -->", "<!-- soak:end -->"
# The emulator runs as `python -m emulator` would (runpy), with one addition: a gc callback that
# prints how long each full (generation 2) collection of CPython's cyclic garbage collector held
# the interpreter, so a stall in the health latencies can be matched with a collection. The
# collector stops every thread, worker threads included. `--no-gc-log` runs `python -m emulator`.
GC_WRAPPER = """
import gc, runpy, sys, time
def timed(phase, info, started=[0.0]):
    if phase == "start":
        started[0] = time.perf_counter()
    elif info["generation"] == 2:
        ms = 1000 * (time.perf_counter() - started[0])
        print(f"soak-gc: {time.time() - ms / 1000:.3f} {ms:.1f}", file=sys.stderr, flush=True)
gc.callbacks.append(timed)
sys.argv[0] = "emulator"
runpy.run_module("emulator", run_name="__main__", alter_sys=True)
"""


def seal(payload: bytes) -> str:
    encoded = base64.urlsafe_b64encode(payload).rstrip(b"=")
    return encoded.decode() + "." + hmac.new(CURSOR_KEY, encoded, hashlib.sha256).hexdigest()[:16]


def unseal(cursor: str) -> Any:
    payload = cursor.partition(".")[0].encode()
    return orjson.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))


# --- the emulator process ---------------------------------------------------------------------


class Emulator:
    """`python -m emulator --port 0 ...`: its URL from the start-up line, its memory from /proc."""

    def __init__(self, args: list[str], gc_log: bool = True) -> None:
        start = ["-c", GC_WRAPPER] if gc_log else ["-m", "emulator"]
        self.command = [sys.executable, *start, "--port", "0", *args]
        self.gc_pauses: list[tuple[float, float]] = []  # (wall-clock start, milliseconds)
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.process.stdout is not None
        self.log: list[str] = []
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("soak: the emulator did not start:\n" + "".join(self.log))
            self.log.append(line)
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                self.url = match.group(1)
                break
        self.startup_s = time.perf_counter() - started
        self.pid = self.process.pid
        host, _, port = self.url.removeprefix("http://").rpartition(":")
        self.host: str = host
        self.port = int(port)
        # Keep draining its output (progress lines, evictions, tracebacks) so it never blocks.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("soak-gc: "):
                started, ms = line.split()[1:3]
                self.gc_pauses.append((float(started), float(ms)))
            else:
                self.log.append(line)

    def gc_during(self, since: float, until: float) -> dict[str, Any]:
        """The full collections that started between two wall-clock times: how many, the longest."""
        pauses = [ms for started, ms in self.gc_pauses if since <= started <= until]
        return {
            "full_collections": len(pauses),
            "longest_ms": round(max(pauses, default=0.0), 1),
            "total_ms": round(sum(pauses), 1),
        }

    def memory_mb(self) -> dict[str, float]:
        """VmRSS and VmHWM (the peak), in MiB."""
        found: dict[str, float] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024
        return found

    def rss_mb(self) -> float:
        return self.memory_mb()["VmRSS"]

    def cpu_s(self) -> float:
        """CPU seconds the process has used (user and system)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> tuple[int, float]:
        """SIGTERM (it writes the state file on the way out); its exit code and the seconds."""
        started = time.perf_counter()
        self.process.terminate()
        code = self.process.wait(timeout=300)
        self._reader.join(timeout=10)
        return code, time.perf_counter() - started


@contextmanager
def rss_sampler(emulator: Emulator, every: float = 0.002) -> Iterator[list[float]]:
    """The process's VmRSS in MiB, sampled every `every` s while the block runs."""
    samples: list[float] = [emulator.rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            samples.append(emulator.rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()
        samples.append(emulator.rss_mb())


# --- probes: latency from another process -----------------------------------------------------


def _probe(
    host: str, port: int, kind: str, customer: str, pipe: Connection, stop: EventType
) -> None:
    """Runs in its own process: GET /_emulator/health (or another tenant's small usage query,
    new bytes each time so that the response cache never answers it) every 20 ms until `stop`."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    connection = http.client.HTTPConnection(host, port, timeout=60)
    n = 0
    while not stop.is_set():
        n += 1
        started = time.perf_counter()
        try:
            if kind == "health":
                connection.request("GET", "/_emulator/health")
            else:
                body = {
                    "starting_on": "2024-01-15T00:00:00Z",
                    "ending_before": "2024-01-16T00:00:00Z",
                    "window_size": "day",
                    "customer_ids": [customer],
                    "probe": n,  # unknown fields are ignored: this only defeats the cache
                }
                connection.request(
                    "POST",
                    "/v1/usage",
                    body=json.dumps(body),
                    headers={
                        "Authorization": "Bearer soak-probe",
                        "Content-Type": "application/json",
                    },
                )
            response = connection.getresponse()
            response.read()
            statuses[response.status] += 1
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
        elapsed = time.perf_counter() - started
        latencies.append(elapsed)
        time.sleep(max(0.0, 0.02 - elapsed))
    connection.close()
    pipe.send((latencies, dict(statuses), errors))


@dataclass
class Latency:
    count: int
    worst_ms: float
    p99_ms: float
    p50_ms: float
    statuses: dict[int, int]
    errors: list[str]

    def summary(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "worst_ms": round(self.worst_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "p50_ms": round(self.p50_ms, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors[:5],
        }


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Probe:
    """A poller in its own process, started and stopped around a phase."""

    def __init__(self, emulator: Emulator, kind: str = "health", customer: str = "") -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_probe,
            args=(emulator.host, emulator.port, kind, customer, send, self._stop),
            daemon=True,
        )
        self._process.start()

    def result(self) -> Latency:
        self._stop.set()
        latencies, statuses, errors = self._receive.recv()
        self._process.join(timeout=30)
        ms = [1000 * s for s in latencies]
        return Latency(
            len(ms),
            max(ms, default=math.nan),
            percentile(ms, 0.99),
            percentile(ms, 0.5),
            statuses,
            errors,
        )


# --- HTTP helpers -------------------------------------------------------------------------------


def headers_for(token: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(extra or {})}


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return orjson.loads(self.body)

    def message(self) -> str:
        try:
            return str(self.json().get("message", ""))
        except (orjson.JSONDecodeError, AttributeError):
            return self.body[:200].decode(errors="replace")


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    token: str,
    body: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    payload = data if data is not None else None if body is None else orjson.dumps(body)
    started = time.perf_counter()
    async with session.request(
        method, url, data=payload, headers=headers_for(token, headers)
    ) as response:
        answer = await response.read()
        return Answer(response.status, answer, time.perf_counter() - started)


# --- 1. mixed load ------------------------------------------------------------------------------


@dataclass
class World:
    customers: list[str]  # the seeded customers' ids, archived ones included
    live_customers: list[str]
    metrics: dict[str, str]  # name -> id


@dataclass
class MixedStats:
    counts: Counter[str] = field(default_factory=Counter)  # "action status" -> n
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # a 5xx that was not injected, an error
    unexpected: list[str] = field(default_factory=list)  # a status other than the one expected
    injected: Counter[str] = field(default_factory=Counter)
    requests: int = 0

    def record(self, action: str, answer: Answer, expected: int | tuple[int, ...] = 200) -> None:
        self.requests += 1
        self.counts[f"{action} {answer.status}"] += 1
        self.latencies.setdefault(action, []).append(answer.seconds)
        wanted = (expected,) if isinstance(expected, int) else expected
        if answer.status >= 500 and not answer.message().startswith("injected fault"):
            self.failures.append(f"{action}: {answer.status} {answer.message()}")
        elif answer.status not in wanted:
            self.unexpected.append(f"{action}: {answer.status} {answer.message()}")


def ingest_batch(rng: random.Random, world: World, token: str, n: int) -> list[dict[str, Any]]:
    """100 events stamped on 2024-01-30, inside the tenant clock's window (2024-01-31)."""
    events = []
    for k in range(100):
        second = rng.randrange(86400)
        events.append(
            {
                "transaction_id": f"{token}-{n}-{k}",
                "customer_id": rng.choice(world.customers),
                "event_type": "api_request",
                "timestamp": f"2024-01-30T{second // 3600:02d}:{second // 60 % 60:02d}:"
                f"{second % 60:02d}Z",
                "properties": {
                    "region": rng.choice(REGIONS),
                    "endpoint": rng.choice(ENDPOINTS),
                    "user_id": f"user-{rng.randrange(100)}",
                },
            }
        )
    return events


def usage_query(rng: random.Random, world: World, seeded: bool) -> dict[str, Any]:
    """Midnight bounds for every window size; ids only when the tenant holds the seeded world."""
    window = rng.choice(["hour", "day", "none", "HOUR", "Day"])
    first = date(2024, 1, rng.randrange(1, 30))
    days = rng.randint(1, 3 if window.lower() == "hour" else (date(2024, 1, 31) - first).days)
    query: dict[str, Any] = {
        "starting_on": f"{first.isoformat()}T00:00:00Z",
        "ending_before": f"{(first + timedelta(days=days)).isoformat()}T00:00:00Z",
        "window_size": window,
    }
    if seeded and rng.random() < 0.5:
        query["customer_ids"] = rng.sample(world.live_customers, rng.randint(1, 5))
    if seeded and rng.random() < 0.5:
        query["billable_metrics"] = [
            {"id": world.metrics["API requests"], "group_by": {"key": "region"}},
            {"id": world.metrics["LLM tokens"], "group_by": {"key": "model"}},
        ]
    return query


FAULTS: list[tuple[dict[str, Any], int | None]] = [
    ({"status": 429, "retry_after": 0.05}, 429),
    ({"status": 500}, 500),
    ({"status": 503, "retry_after": 1}, 503),
    ({"delay_ms": 50}, 200),
    ({"drop_connection": True}, None),  # no answer at all
]
ACTIONS = ["ingest", "usage", "reset", "fault", "delete", "state", "journal"]
WEIGHTS = [30, 34, 6, 10, 3, 6, 3]


async def worker(
    session: aiohttp.ClientSession,
    url: str,
    world: World,
    index: int,
    deadline: float,
    stats: MixedStats,
) -> None:
    token = f"soak-{index:03d}"
    rng = random.Random(index)
    seeded = True  # the tenant holds the seeded world (not a small scenario of its own)
    n = 0
    while time.perf_counter() < deadline:
        n += 1
        action = rng.choices(ACTIONS, WEIGHTS)[0]
        try:
            if action == "ingest":
                batch = ingest_batch(rng, world, token, n)
                stats.record(action, await call(session, "POST", f"{url}/v1/ingest", token, batch))
            elif action == "usage":
                await mixed_usage(session, url, token, usage_query(rng, world, seeded), rng, stats)
            elif action == "reset":
                if rng.random() < 0.5:
                    answer = await call(session, "POST", f"{url}/_emulator/reset", token)
                    seeded = True
                else:
                    options = {"seed": rng.randrange(1000), "customers": 3, "days": 2}
                    options["events"] = rng.choice([0, 100, 500])
                    answer = await call(session, "POST", f"{url}/_emulator/reset", token, options)
                    seeded = False
                stats.record(action, answer)
            elif action == "fault":
                await mixed_fault(session, url, token, rng, stats)
            elif action == "delete":
                answer = await call(session, "DELETE", f"{url}/_emulator/tenant", token)
                stats.record(action, answer)
                seeded = True
            elif action == "state":
                if seeded:  # the seeded world is 100,000 events: read a small thing instead
                    answer = await call(session, "GET", f"{url}/_emulator/clock", token)
                    stats.record("clock", answer)
                else:
                    answer = await call(session, "GET", f"{url}/_emulator/state", token)
                    stats.record(action, answer)
            else:
                answer = await call(session, "GET", f"{url}/_emulator/requests", token)
                stats.record(action, answer)
        except (aiohttp.ClientError, TimeoutError) as exc:
            stats.requests += 1
            stats.counts[f"{action} error"] += 1
            stats.failures.append(f"{action}: {type(exc).__name__}: {exc}")


async def mixed_usage(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    query: dict[str, Any],
    rng: random.Random,
    stats: MixedStats,
) -> None:
    """One query; one time in four with small pages, following up to 3 cursors."""
    if rng.random() < 0.25:
        extra = {PAGE_SIZE_HEADER: str(rng.choice([1, 7, 50]))}
        cursor = ""
        for _ in range(4):
            answer = await call(
                session, "POST", f"{url}/v1/usage?next_page={cursor}", token, query, headers=extra
            )
            stats.record("usage (paged)", answer)
            if answer.status != 200:
                return
            following = answer.json()["next_page"]
            if following is None:
                return
            cursor = following
    else:
        stats.record("usage", await call(session, "POST", f"{url}/v1/usage", token, query))


async def mixed_fault(
    session: aiohttp.ClientSession, url: str, token: str, rng: random.Random, stats: MixedStats
) -> None:
    """Queue a fault for the next POST /v1/usage, then send it: it must be hit."""
    spec, expected = rng.choice(FAULTS)
    fault = {"method": "POST", "path": "/v1/usage", "count": 1, **spec}
    stats.record("fault", await call(session, "POST", f"{url}/_emulator/faults", token, fault))
    query = {
        "starting_on": "2024-01-29T00:00:00Z",
        "ending_before": "2024-01-31T00:00:00Z",
        "window_size": "day",
    }
    what = "faulted usage " + (f"{spec['status']}" if "status" in spec else next(iter(spec)))
    if expected is None:
        try:
            answer = await call(session, "POST", f"{url}/v1/usage", token, query)
        except aiohttp.ClientError:
            stats.requests += 1
            stats.counts[f"{what} dropped"] += 1
            stats.injected["dropped connection"] += 1
            return
        stats.record(what, answer, expected=-1)  # an answer where none was due
        return
    answer = await call(session, "POST", f"{url}/v1/usage", token, query)
    stats.record(what, answer, expected)
    if answer.status == expected and expected != 200:
        stats.injected[str(expected)] += 1
    if "delay_ms" in spec and answer.seconds < spec["delay_ms"] / 1000:
        stats.unexpected.append(f"{what}: answered in {answer.seconds:.3f} s, before the delay")


async def snapshots(
    session: aiohttp.ClientSession, url: str, deadline: float, stats: MixedStats
) -> None:
    """A snapshot every 2 s, from a token of its own."""
    while time.perf_counter() + 2 < deadline:
        await asyncio.sleep(2)
        try:
            answer = await call(session, "POST", f"{url}/_emulator/snapshot", "soak-snapshots")
            stats.record("snapshot", answer)
        except (aiohttp.ClientError, TimeoutError) as exc:
            stats.failures.append(f"snapshot: {type(exc).__name__}: {exc}")


async def mixed_load(
    emulator: Emulator, world: World, seconds: float, tokens: int
) -> dict[str, Any]:
    stats = MixedStats()
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    rss_before = emulator.rss_mb()
    probe = Probe(emulator)
    cpu = emulator.cpu_s()
    wall = time.time()
    started = time.perf_counter()
    deadline = started + seconds
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(
            snapshots(session, emulator.url, deadline, stats),
            *(worker(session, emulator.url, world, i, deadline, stats) for i in range(tokens)),
        )
    elapsed = time.perf_counter() - started
    cpu = emulator.cpu_s() - cpu
    health = probe.result()
    for failure in stats.failures:
        print(f"soak: FAILURE in mixed load: {failure}")
    latencies = {
        action: {
            "count": len(values),
            "p50_ms": round(1000 * percentile(values, 0.5), 1),
            "p99_ms": round(1000 * percentile(values, 0.99), 1),
            "worst_ms": round(1000 * max(values), 1),
        }
        for action, values in sorted(stats.latencies.items())
    }
    return {
        "tokens": tokens,
        "seconds": round(elapsed, 1),
        "requests": stats.requests,
        "requests_per_s": round(stats.requests / elapsed),
        "emulator_cpu_share": round(cpu / elapsed, 2),
        "gc": emulator.gc_during(wall, time.time()),
        "statuses": dict(sorted(stats.counts.items())),
        "injected": dict(stats.injected),
        "failures_5xx_or_errors": stats.failures,
        "unexpected_statuses": stats.unexpected[:20],
        "unexpected_count": len(stats.unexpected),
        "client_observed_latency_by_action": latencies,  # includes the client's own queueing
        "health": health.summary(),
        "rss_before_mb": round(rss_before, 1),
        "rss_after_mb": round(emulator.rss_mb(), 1),
    }


# --- 2. the heaviest accepted request ---------------------------------------------------------


def heavy_query(world: World, values: list[str], run: int) -> dict[str, Any]:
    return {
        "starting_on": HEAVY_RANGE[0],
        "ending_before": HEAVY_RANGE[1],
        "window_size": "hour",
        "customer_ids": sorted(world.customers)[:HEAVY_CUSTOMERS],
        "billable_metrics": [
            {"id": world.metrics["API requests"], "group_by": {"key": "region", "values": values}}
        ],
        "run": run,  # ignored by the emulator; new bytes each run, so the cache never answers
    }


async def heaviest(emulator: Emulator, world: World, runs: int = 3) -> dict[str, Any]:
    url = emulator.url
    page = {PAGE_SIZE_HEADER: "100000"}
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # One more group value and the page would hold 1,098,240 numbers: refused.
        over = await call(
            session,
            "POST",
            f"{url}/v1/usage",
            "soak-heavy",
            heavy_query(world, [*HEAVY_VALUES, "one-more"], 0),
            headers=page,
        )
        health = Probe(emulator)
        other = Probe(emulator, "usage", world.live_customers[0])
        await asyncio.sleep(1)  # both probes running before the first heavy request
        answers = []
        cpu = emulator.cpu_s()
        wall = time.time()
        with rss_sampler(emulator, 0.01) as rss:
            for run in range(1, runs + 1):
                answer = await call(
                    session,
                    "POST",
                    f"{url}/v1/usage",
                    "soak-heavy",
                    heavy_query(world, HEAVY_VALUES, run),
                    headers=page,
                )
                answers.append(answer)
                await asyncio.sleep(0.5)
        cpu = emulator.cpu_s() - cpu
        health_latency = health.result()
        other_latency = other.result()
    first = answers[0]
    rows = len(first.json()["data"]) if first.status == 200 else 0
    return {
        "query": {
            "windows": 9984,
            "customers": HEAVY_CUSTOMERS,
            "group_values": len(HEAVY_VALUES),
            "rows": rows,
            "numbers": rows * (1 + len(HEAVY_VALUES)),
            "page_size": 100000,
        },
        "one_more_value": {"status": over.status, "message": over.message()},
        "statuses": [a.status for a in answers],
        "seconds": [round(a.seconds, 2) for a in answers],
        "emulator_cpu_s": round(cpu, 2),
        "gc": emulator.gc_during(wall, time.time()),
        "response_mb": round(len(first.body) / MiB, 1),
        "health": health_latency.summary(),
        "other_tenant_small_usage": other_latency.summary(),
        "rss_peak_during_mb": round(max(rss), 1),
        "rss_after_mb": round(emulator.rss_mb(), 1),
    }


# --- 3. abusive requests ------------------------------------------------------------------------


def raw_request(
    emulator: Emulator,
    method: str,
    path: str,
    headers: dict[str, str | bytes],
    body: bytes | None = None,
    chunks: Iterator[bytes] | None = None,
) -> tuple[int, bytes]:
    """One request on a fresh connection (header values may be raw bytes)."""
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=120)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        named = {name.lower() for name in headers}
        if body is not None and not {"content-length", "transfer-encoding"} & named:
            headers = {**headers, "Content-Length": str(len(body))}
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        try:  # the emulator may answer (413) and close before all of it is sent
            if body is not None:
                connection.send(body)
            for chunk in chunks or ():
                connection.send(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def message_of(body: bytes) -> str:
    try:
        return str(orjson.loads(body)["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return body[:200].decode(errors="replace")


def attack(
    emulator: Emulator, what: str, expected: int, send: Callable[[], tuple[int, bytes]]
) -> dict[str, Any]:
    """Send one abusive request; its answer, time, and the RSS around it (sampled every 2 ms)."""
    with rss_sampler(emulator) as rss:
        started = time.perf_counter()
        try:
            status, body = send()
            message = message_of(body)
        except (OSError, http.client.HTTPException) as exc:
            status, message, body = 0, f"{type(exc).__name__}: {exc}", b""
        elapsed = time.perf_counter() - started
    result = {
        "what": what,
        "status": status,
        "expected": expected,
        "ok": status == expected,
        "message": message[:160],
        "seconds": round(elapsed, 3),
        "rss_before_mb": round(rss[0], 1),
        "rss_peak_mb": round(max(rss), 1),
        "rss_after_mb": round(rss[-1], 1),
        "growth_peak_mb": round(max(rss) - rss[0], 1),
        "response_bytes": len(body),
    }
    mark = "ok" if result["ok"] else "UNEXPECTED"
    print(
        f"soak: {what}: {status} in {elapsed:.3f} s, RSS {rss[0]:.0f} -> peak {max(rss):.0f} -> "
        f"{rss[-1]:.0f} MiB [{mark}]"
    )
    return result


def json_post(token: str = "soak-abuse") -> dict[str, str | bytes]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def cursor_cases(emulator: Emulator, world: World) -> list[dict[str, Any]]:
    """Tampered cursors, and cursors with a valid MAC but a position of the wrong shape (or out
    of range), on /v1/usage, /v1/usage/groups and /v1/customers: each must be a 400."""
    token = "soak-cursors"
    usage_query = {
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-03T00:00:00Z",
        "window_size": "day",
    }
    groups_query = {
        "customer_id": world.live_customers[0],
        "billable_metric_id": world.metrics["API requests"],
        "window_size": "day",
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-03T00:00:00Z",
        "group_key": ["region"],
    }
    body = orjson.dumps(usage_query)
    headers = {**json_post(token), PAGE_SIZE_HEADER: "1"}
    _, answer = raw_request(emulator, "POST", "/v1/usage", headers, body)
    real = str(orjson.loads(answer)["next_page"])
    usage_fp = unseal(real)[-1]
    _, answer = raw_request(
        emulator,
        "POST",
        "/v1/usage/groups?limit=1",
        json_post(token),
        orjson.dumps(groups_query),
    )
    groups_real = str(orjson.loads(answer)["next_page"])
    groups_fp = unseal(groups_real)[-1]
    _, answer = raw_request(emulator, "GET", "/v1/customers?limit=1", json_post(token))
    customers_real = str(orjson.loads(answer)["next_page"])
    customers_fp = unseal(customers_real)[-1]
    assert seal(base64.urlsafe_b64decode(real.split(".")[0] + "==")) == real, "seal disagrees"

    payload, mac = real.split(".")
    flipped = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    customer, metric = world.live_customers[0], world.metrics["API requests"]

    def sealed(*items: Any) -> str:
        return seal(orjson.dumps(list(items)))

    usage_cases: list[tuple[str, str]] = [
        ("payload altered", f"{flipped}.{mac}"),
        ("MAC altered", f"{payload}.{mac[::-1]}"),
        ("truncated", real[:-5]),
        ("no MAC", payload),
        ("non-ASCII", real + "é"),
        ("garbage", "next_page"),
        ("only a dot", "."),
        ("valid MAC, not JSON", seal(b"\xff\xfe not json")),
        ("valid MAC, an object", seal(b'{"a": 1}')),
        ("valid MAC, a string", seal(b'"x"')),
        ("valid MAC, ints for ids", sealed(1, 2, 3, usage_fp)),
        ("valid MAC, too short", sealed(customer, metric, usage_fp)),
        ("valid MAC, too long", sealed(customer, metric, 0, 0, usage_fp)),
        ("valid MAC, negative window", sealed(customer, metric, -1, usage_fp)),
        ("valid MAC, boolean window", sealed(customer, metric, True, usage_fp)),
        ("valid MAC, float window", sealed(customer, metric, 1.5, usage_fp)),
        ("valid MAC, string window", sealed(customer, metric, "0", usage_fp)),
        ("valid MAC, nulls", sealed(None, None, None, usage_fp)),
        ("valid MAC, list id", sealed([customer], metric, 0, usage_fp)),
        ("valid MAC, fingerprint a number", sealed(customer, metric, 0, 7)),
        (
            "valid MAC, window beyond 2**64",
            seal(f'["{customer}","{metric}",{2**70},"{usage_fp}"]'.encode()),
        ),
        ("valid MAC, deep nesting", seal(b"[" * 1500 + b"]" * 1500)),
    ]
    # Right shape, wrong place: positions the emulator never issued. Each must answer 200 (a
    # page from there, possibly empty) or 400: never a 5xx.
    in_shape: list[tuple[str, str]] = [
        ("valid MAC, window 2**62", sealed(customer, metric, 2**62, usage_fp)),
        ("valid MAC, window 10**6", sealed(customer, metric, 10**6, usage_fp)),
        ("valid MAC, unknown ids", sealed("zzzz", "0000", 0, usage_fp)),
        ("valid MAC, empty ids", sealed("", "", 0, usage_fp)),
    ]
    results = []
    for name, cursor in usage_cases:
        results.append(
            cursor_attack(emulator, "/v1/usage", body, cursor, name, token, expected=(400,))
        )
    for name, cursor in in_shape:
        results.append(
            cursor_attack(emulator, "/v1/usage", body, cursor, name, token, expected=(200, 400))
        )
    groups_body = orjson.dumps(groups_query)
    groups_cases = [
        ("groups: payload altered", groups_real[:4] + "x" + groups_real[5:], (400,)),
        ("groups: valid MAC, null value for a key", sealed(0, None, groups_fp), (400,)),
        ("groups: valid MAC, list value", sealed(0, ["a", "b"], groups_fp), (400,)),
        ("groups: valid MAC, negative window", sealed(-5, "us-east-1", groups_fp), (400,)),
        ("groups: valid MAC, window 2**62", sealed(2**62, "us-east-1", groups_fp), (200, 400)),
        ("groups: valid MAC, unknown value", sealed(1, "zz-nowhere", groups_fp), (200, 400)),
    ]
    for name, cursor, expected in groups_cases:
        path = "/v1/usage/groups?limit=1"
        results.append(cursor_attack(emulator, path, groups_body, cursor, name, token, expected))
    customers_cases = [
        ("customers: payload altered", customers_real[:3] + "x" + customers_real[4:], (400,)),
        ("customers: valid MAC, negative", sealed(-1, customers_fp), (400,)),
        ("customers: valid MAC, a string", sealed("1", customers_fp), (400,)),
        ("customers: valid MAC, 2**62", sealed(2**62, customers_fp), (200, 400)),
    ]
    for name, cursor, expected in customers_cases:
        results.append(
            cursor_attack(emulator, "/v1/customers?limit=1", None, cursor, name, token, expected)
        )
    return results


def cursor_attack(
    emulator: Emulator,
    path: str,
    body: bytes | None,
    cursor: str,
    name: str,
    token: str,
    expected: tuple[int, ...],
) -> dict[str, Any]:
    separator = "&" if "?" in path else "?"
    target = f"{path}{separator}next_page={_quote(cursor)}"
    method = "GET" if body is None else "POST"
    status, answer = raw_request(emulator, method, target, json_post(token), body)
    ok = status in expected
    if not ok:
        print(f"soak: cursor {name} on {path}: {status} {message_of(answer)} [UNEXPECTED]")
    return {
        "what": f"cursor: {name}",
        "path": path,
        "status": status,
        "ok": ok,
        "message": message_of(answer)[:120],
    }


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def journal_flood(emulator: Emulator, token: str, body: bytes, count: int = 200) -> dict[str, Any]:
    """`count` requests with a large body to POST /v1/ingest (each refused with 400, so nothing is
    stored but the journal entry), then GET /_emulator/requests: its size."""
    statuses: Counter[int] = Counter()
    for _ in range(count):
        status, _ = raw_request(emulator, "POST", "/v1/ingest", json_post(token), body)
        statuses[status] += 1
    with rss_sampler(emulator) as rss:
        started = time.perf_counter()
        status, answer = raw_request(emulator, "GET", "/_emulator/requests", json_post(token))
        elapsed = time.perf_counter() - started
    entries = len(orjson.loads(answer)["data"]) if status == 200 else 0
    return {
        "requests": count,
        "request_body_bytes": len(body),
        "request_statuses": {str(k): v for k, v in statuses.items()},
        "journal_status": status,
        "journal_entries": entries,
        "journal_response_bytes": len(answer),
        "journal_response_mib": round(len(answer) / MiB, 2),
        "seconds": round(elapsed, 3),
        "rss_peak_growth_mb": round(max(rss) - rss[0], 1),
    }


def abuse(emulator: Emulator, world: World) -> dict[str, Any]:
    before = emulator.rss_mb()
    print(f"soak: abuse: RSS before {before:.1f} MiB")
    bomb = b"".join(gzip_bomb(1000))
    results = [
        attack(
            emulator,
            f"gzip bomb ({len(bomb):,} bytes inflating to 1000 MiB) to /v1/ingest",
            413,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/ingest",
                {**json_post(), "Content-Encoding": "gzip", "Content-Length": str(len(bomb))},
                bomb,
            ),
        ),
        attack(
            emulator,
            "declared 1 GiB Content-Length, no body sent, to /v1/ingest",
            413,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/ingest",
                {**json_post(), "Content-Length": str(1024 * MiB)},
            ),
        ),
        attack(
            emulator,
            "declared 1 GiB Content-Length, no body sent, to /_emulator/state",
            413,
            lambda: raw_request(
                emulator,
                "POST",
                "/_emulator/state",
                {**json_post(), "Content-Length": str(1024 * MiB)},
            ),
        ),
        attack(
            emulator,
            "2 MiB plain body to /v1/ingest",
            413,
            lambda: raw_request(emulator, "POST", "/v1/ingest", json_post(), b" " * (2 * MiB)),
        ),
        attack(
            emulator,
            "2 MiB chunked body (no Content-Length) to /v1/ingest",
            413,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/ingest",
                {**json_post(), "Transfer-Encoding": "chunked"},
                chunks=_chunked(b"[" + b" " * (2 * MiB)),
            ),
        ),
        attack(
            emulator,
            "65 MiB plain body to /_emulator/state",
            413,
            lambda: raw_request(
                emulator, "POST", "/_emulator/state", json_post(), b" " * (65 * MiB)
            ),
        ),
        attack(
            emulator,
            "bad gzip to /v1/ingest",
            400,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/ingest",
                {**json_post(), "Content-Encoding": "gzip"},
                b"\x1f\x8b\x08\x00 this is not a deflate stream" * 100,
            ),
        ),
        attack(
            emulator,
            "gzip cut short to /v1/usage",
            400,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/usage",
                {**json_post(), "Content-Encoding": "gzip"},
                zlib.compress(json.dumps(list(range(20000))).encode(), wbits=31)[:200],
            ),
        ),
        attack(
            emulator,
            "non-UTF-8 Authorization header",
            401,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/usage",
                {"Authorization": b"Bearer \xff\xfe\xc3(", "Content-Type": "application/json"},
                b"{}",
            ),
        ),
    ]
    cursors = cursor_cases(emulator, world)
    with rss_sampler(emulator, 0.01) as rss:
        # JSON-like bodies: a batch of 100 events with large properties, the last one invalid, so
        # the request is refused (400) and only its journal entry is kept (cut to 64 KiB).
        big_events = [
            {
                "transaction_id": f"j{k}",
                "customer_id": "c",
                "event_type": "e",
                "timestamp": "2024-01-30T00:00:00Z",
                "properties": {"blob": "x" * 9000},
            }
            for k in range(100)
        ]
        big_events[-1]["timestamp"] = "not a time"
        journal_json = journal_flood(emulator, "soak-journal-json", orjson.dumps(big_events))
        # The worst case for JSON overhead: control bytes, kept as text, each written as \u0001.
        journal_worst = journal_flood(emulator, "soak-journal-control", b"\x01" * (1000 * 1024))
    for token in ("soak-journal-json", "soak-journal-control", "soak-cursors", "soak-abuse"):
        raw_request(emulator, "DELETE", "/_emulator/tenant", json_post(token))
    after = emulator.rss_mb()
    print(f"soak: abuse: RSS after {after:.1f} MiB ({after - before:+.1f})")
    failed = [r for r in cursors if not r["ok"]]
    return {
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "rss_change_mb": round(after - before, 1),
        "requests": results,
        "cursors": {
            "cases": len(cursors),
            "ok": len(cursors) - len(failed),
            "statuses": dict(Counter(str(r["status"]) for r in cursors)),
            "failed": failed,
            "all": cursors,
        },
        "journal_json_bodies": journal_json,
        "journal_control_bytes": journal_worst,
        "journal_rss_peak_growth_mb": round(max(rss) - rss[0], 1),
    }


def _chunked(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


# --- 4. a million-event reset, 5. a large state ---------------------------------------------


async def timed_with_health(
    emulator: Emulator, work: Callable[[], Awaitable[Answer]]
) -> tuple[Answer, Latency, dict[str, float]]:
    """Run `work` while health is polled; its answer, the health latencies, the peak RSS and the
    CPU seconds the emulator used meanwhile."""
    probe = Probe(emulator)
    await asyncio.sleep(0.5)
    cpu = emulator.cpu_s()
    wall = time.time()
    with rss_sampler(emulator, 0.02) as rss:
        answer = await work()
    used = {"rss_peak_mb": max(rss), "cpu_s": emulator.cpu_s() - cpu, "since": wall}
    await asyncio.sleep(0.2)
    return answer, probe.result(), used


def measured(
    emulator: Emulator, what: str, answer: Answer, health: Latency, used: dict[str, float]
) -> dict[str, Any]:
    """One big request's result, printed as it comes."""
    gc = emulator.gc_during(used["since"], time.time())
    print(
        f"soak: {what}: {answer.status} in {answer.seconds:.1f} s, "
        f"health worst {health.worst_ms:.0f} ms, p99 {health.p99_ms:.0f} ms; "
        f"longest full GC {gc['longest_ms']:.0f} ms"
    )
    return {
        "status": answer.status,
        "seconds": round(answer.seconds, 2),
        "emulator_cpu_s": round(used["cpu_s"], 2),
        "gc": gc,
        "health": health.summary(),
        "rss_peak_mb": round(used["rss_peak_mb"], 1),
    }


def summary_of(answer: Answer) -> Any:
    return answer.json() if answer.status == 200 else answer.message()


async def big_phases(emulator: Emulator) -> dict[str, Any]:
    url = emulator.url
    timeout = aiohttp.ClientTimeout(total=600)
    results: dict[str, Any] = {}
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def send(
            method: str, path: str, token: str, body: Any = None, data: bytes | None = None
        ) -> Answer:
            return await call(session, method, f"{url}{path}", token, body, data)

        million = {"events": 1_000_000, "customers": 20, "days": 30}
        answer, health, used = await timed_with_health(
            emulator, lambda: send("POST", "/_emulator/reset", "soak-million", million)
        )
        results["reset_1m"] = {
            **measured(emulator, "1M-event reset", answer, health, used),
            "answer": summary_of(answer),
            "rss_after_mb": round(emulator.rss_mb(), 1),
        }

        source = {"events": 230_000, "customers": 20, "days": 30}
        made = await send("POST", "/_emulator/reset", "soak-export", source)
        assert made.status == 200, made.message()
        export, health, used = await timed_with_health(
            emulator, lambda: send("GET", "/_emulator/state", "soak-export")
        )
        document = export.body
        results["state_export"] = {
            **measured(emulator, f"export of {len(document) / MiB:.1f} MiB", export, health, used),
            "events": 230_000,
            "bytes": len(document),
            "mib": round(len(document) / MiB, 1),
        }
        load, health, used = await timed_with_health(
            emulator, lambda: send("POST", "/_emulator/state", "soak-import", data=document)
        )
        results["state_load"] = {
            **measured(emulator, "state load", load, health, used),
            "answer": summary_of(load),
            "bytes": len(document),
            "rss_after_mb": round(emulator.rss_mb(), 1),
        }
        snap, health, used = await timed_with_health(
            emulator, lambda: send("POST", "/_emulator/snapshot", "soak-export")
        )
        results["snapshot"] = {
            **measured(emulator, "snapshot", snap, health, used),
            "answer": summary_of(snap),
            "large_tenants": "1,000,000 + 230,000 + 230,000 events",
        }
        before_drop = emulator.rss_mb()
        for token in ("soak-million", "soak-export", "soak-import"):
            dropped = await send("DELETE", "/_emulator/tenant", token)
            assert dropped.status == 200, dropped.message()
        await asyncio.sleep(1)
        results["drop_large_tenants"] = {
            "rss_before_mb": round(before_drop, 1),
            "rss_after_mb": round(emulator.rss_mb(), 1),
        }
        # Freed memory that the process keeps is reused, not leaked: build and drop a large
        # tenant a few times, and the RSS after each drop stays level.
        cycles = []
        for _ in range(3):
            built = await send("POST", "/_emulator/reset", "soak-cycle", source)
            assert built.status == 200, built.message()
            dropped = await send("DELETE", "/_emulator/tenant", "soak-cycle")
            assert dropped.status == 200, dropped.message()
            cycles.append(round(emulator.rss_mb(), 1))
        results["drop_large_tenants"]["rss_after_each_rebuild_and_drop_mb"] = cycles
    return results


# --- the run --------------------------------------------------------------------------------


async def discover(url: str) -> World:
    async with aiohttp.ClientSession() as session:
        customers = (await call(session, "GET", f"{url}/v1/customers?limit=100", "soak-x")).json()
        archived = await call(
            session, "GET", f"{url}/v1/customers?limit=100&only_archived=true", "soak-x"
        )
        metrics = (
            await call(session, "GET", f"{url}/v1/billable-metrics?limit=100", "soak-x")
        ).json()
        await call(session, "DELETE", f"{url}/_emulator/tenant", "soak-x")
    live = [c["id"] for c in customers["data"]]
    return World(
        customers=live + [c["id"] for c in archived.json()["data"]],
        live_customers=live,
        metrics={m["name"]: m["id"] for m in metrics["data"]},
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run(seconds: float, tokens: int, gc_log: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        state_file = Path(folder) / "state.json"
        options = ["--clock", CLOCK, *SCENARIO, "--state-file", str(state_file)]
        emulator = Emulator(options, gc_log)
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
        how = "python -c <GC_WRAPPER, runs emulator as -m does>" if gc_log else "python -m emulator"
        shown = [*options[:-1], "<tmp>/state.json"]
        results["emulator_command"] = f"{how} --port 0 " + " ".join(shown)
    return results


def five_xx(results: dict[str, Any]) -> int:
    """Every 5xx that was not injected, across the run."""
    count = len([f for f in results["mixed"]["failures_5xx_or_errors"] if ": 5" in f])
    count += sum(1 for s in results["heavy"]["statuses"] if s >= 500)
    count += sum(1 for r in results["abuse"]["requests"] if r["status"] >= 500)
    count += sum(1 for r in results["abuse"]["cursors"]["all"] if r["status"] >= 500)
    for key in ("journal_json_bodies", "journal_control_bytes"):
        journal = results["abuse"][key]
        count += sum(v for k, v in journal["request_statuses"].items() if k.startswith("5"))
        count += journal["journal_status"] >= 500
    count += sum(
        1
        for key in ("reset_1m", "state_export", "state_load", "snapshot")
        if results["big"][key]["status"] >= 500
    )
    return count


def table(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(what, target, measured, met) rows; met None when there is no target."""
    mixed, heavy, abuse_, big = results["mixed"], results["heavy"], results["abuse"], results["big"]
    rows: list[tuple[str, str, str, bool | None]] = []

    def row(what: str, target: str, measured: str, met: bool | None) -> None:
        rows.append((what, target, measured, met))

    def latency(what: str, phase: dict[str, Any], key: str, target: float | None) -> None:
        """Worst and p99 of a probe, with the longest full GC pause of the phase beside them."""
        measured = f"worst {phase[key]['worst_ms']:.0f} ms, p99 {phase[key]['p99_ms']:.0f} ms"
        if phase.get("gc", {}).get("full_collections"):
            measured += f" (longest full GC: {phase['gc']['longest_ms']:.0f} ms)"
        if target is None:
            row(what, "reported", measured, None)
        else:
            row(what, f"worst <= {target:.0f} ms", measured, phase[key]["worst_ms"] <= target)

    failures = mixed["failures_5xx_or_errors"]
    row(
        f"mixed load, {mixed['tokens']} tokens for {mixed['seconds']:.0f} s: 5xx not injected, "
        "or connection errors",
        "0",
        f"{len(failures)} of {mixed['requests']:,} requests ({mixed['requests_per_s']:,}/s, "
        f"emulator CPU {mixed['emulator_cpu_share']:.0%} of a core; "
        f"{sum(mixed['injected'].values()):,} faults injected and hit)",
        not failures,
    )
    row(
        "mixed load: answers other than expected",
        "0",
        str(mixed["unexpected_count"]),
        mixed["unexpected_count"] == 0,
    )
    latency("mixed load: health", mixed, "health", None)
    q = heavy["query"]
    row(
        f"heaviest usage query: {q['windows']:,} hour windows x {q['customers']} customers, "
        f"{q['group_values']} group values, one page: {q['numbers']:,} numbers, "
        f"{heavy['response_mb']} MiB",
        "200; one value more 400",
        f"{'/'.join(map(str, heavy['statuses']))} in "
        f"{', '.join(f'{s:.1f}' for s in heavy['seconds'])} s; "
        f"one more: {heavy['one_more_value']['status']}",
        all(s == 200 for s in heavy["statuses"]) and heavy["one_more_value"]["status"] == 400,
    )
    latency("heaviest query: health", heavy, "health", HEALTH_TARGET_MS)
    latency(
        "heaviest query: another tenant's small query",
        heavy,
        "other_tenant_small_usage",
        HEALTH_TARGET_MS,
    )
    reset = big["reset_1m"]
    latency(f"1M-event reset ({reset['seconds']:.1f} s): health", reset, "health", HEALTH_TARGET_MS)
    row("1M-event reset: RSS after", "reported", f"{reset['rss_after_mb']:.0f} MiB", None)
    export, load, snap = big["state_export"], big["state_load"], big["snapshot"]
    latency(
        f"GET /_emulator/state, {export['mib']} MiB streamed ({export['seconds']:.1f} s): health",
        export,
        "health",
        HEALTH_TARGET_MS,
    )
    latency(
        f"POST /_emulator/state, {load['bytes'] / MiB:.1f} MiB ({load['seconds']:.1f} s, "
        f"{load['status']}): health (known: the JSON parse holds the loop)",
        load,
        "health",
        None,
    )
    latency(
        f"POST /_emulator/snapshot of {snap['large_tenants']} ({snap['seconds']:.1f} s, "
        f"{snap['status']}): health",
        snap,
        "health",
        HEALTH_TARGET_MS,
    )
    row("POST /_emulator/snapshot: peak RSS", "reported", f"{snap['rss_peak_mb']:.0f} MiB", None)
    for r in abuse_["requests"]:
        target = f"{r['expected']}"
        measured = f"{r['status']} in {r['seconds']:.3f} s, RSS peak +{r['growth_peak_mb']:.1f} MiB"
        met = r["ok"]
        if r["what"].startswith("gzip bomb"):
            target += " within 0.5 s, < 50 MB growth"
            met = met and r["seconds"] <= 0.5 and r["growth_peak_mb"] < 50
        row(r["what"], target, measured, met)
    c = abuse_["cursors"]
    statuses = ", ".join(f"{n} x {k}" for k, n in sorted(c["statuses"].items()))
    row(
        f"tampered cursors and valid-MAC cursors of the wrong shape ({c['cases']} cases, 3 "
        "endpoints)",
        "400 (in-shape positions never issued: 200 or 400)",
        f"{c['ok']} of {c['cases']} as expected ({statuses})",
        not c["failed"],
    )
    for key, what in (
        ("journal_json_bodies", "200 requests of ~890 KiB JSON"),
        ("journal_control_bytes", "200 requests of 1000 KiB of control bytes"),
    ):
        j = abuse_[key]
        row(
            f"journal after {what}: GET /_emulator/requests",
            "1 MiB plus JSON overhead",
            f"{j['journal_response_mib']} MiB ({j['journal_entries']} entries)",
            None,
        )
    row(
        "RSS before and after the attacks",
        "back within 20 MiB",
        f"{abuse_['rss_before_mb']:.0f} -> {abuse_['rss_after_mb']:.0f} MiB "
        f"({abuse_['rss_change_mb']:+.1f})",
        abs(abuse_["rss_change_mb"]) <= 20,
    )
    drop = big["drop_large_tenants"]
    row(
        "RSS with the large tenants, then after dropping them",
        "reported",
        f"{drop['rss_before_mb']:.0f} -> {drop['rss_after_mb']:.0f} MiB",
        None,
    )
    cycles = drop["rss_after_each_rebuild_and_drop_mb"]
    row(
        "RSS after each of 3 rebuilds (230,000 events) and drops of one tenant",
        "level (no growth over 20 MiB)",
        " -> ".join(f"{mb:.0f}" for mb in cycles) + " MiB",
        max(cycles) - cycles[0] <= 20,
    )
    row(
        "peak RSS (VmHWM), final RSS",
        "reported",
        f"{results['rss_peak_mb']:.0f} MiB, {results['rss_final_mb']:.0f} MiB",
        None,
    )
    row(
        "5xx that were not injected, whole run",
        "0",
        str(results["five_xx"]),
        results["five_xx"] == 0,
    )
    return rows


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Measured {results['date']} on {m['cpu']} ({m['cores']} cores), Python {m['python']}, "
        f"with `{results['command']}` (load average {results['load_before']} before, "
        f"{results['load_after']} after; {results['total_s']:.0f} s in all).",
        "",
        "| what | target | measured | met |",
        "|---|---|---|---|",
    ]
    for what, target, measured, met in results["table"]:
        mark = "" if met is None else "yes" if met else "**no**"
        lines.append(f"| {what} | {target} | {measured} | {mark} |")
    return "\n".join(lines) + "\n"


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
        "--only",
        choices=("all", "hostile"),
        default="all",
        help="hostile: only the hostile pass of issue 18 (bench/hostile.py), written to "
        "bench/soak_hostile.json and .md; all: the soak, then the hostile pass",
    )
    parser.add_argument(
        "--readme",
        action="store_true",
        help="also put the soak's table in README.md (off: README.md is not written)",
    )
    args = parser.parse_args()
    if args.only == "hostile":
        hostile_pass()
        return
    started = time.perf_counter()
    load_before = load_average()
    results = asyncio.run(run(args.seconds, args.tokens, not args.no_gc_log))
    command = "python bench/soak.py"
    if args.seconds != 60:
        command += f" --seconds {args.seconds:g}"
    if args.tokens != 200:
        command += f" --tokens {args.tokens}"
    if args.no_gc_log:
        command += " --no-gc-log"
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "command": command,
        "load_before": load_before,
        "load_after": load_average(),
        "total_s": round(time.perf_counter() - started, 1),
        **results,
    }
    results["five_xx"] = five_xx(results)
    results["table"] = table(results)
    (BENCH / "soak.json").write_text(json.dumps(results, indent=2) + "\n")
    (BENCH / "soak.md").write_text(markdown(results))
    if args.readme:
        update_readme(markdown(results))
    print(markdown(results))
    hostile_pass()


def hostile_pass() -> None:
    """The hostile pass of issue 18 (`bench/hostile.py`), into bench/soak_hostile.json and .md."""
    import hostile

    started = time.perf_counter()
    load_before = load_average()
    results = asyncio.run(hostile.run())
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "command": "python bench/soak.py --only hostile",
        "load_before": load_before,
        "load_after": load_average(),
        "total_s": round(time.perf_counter() - started, 1),
        **results,
    }
    results["table"] = hostile.table(results)
    (BENCH / "soak_hostile.json").write_text(json.dumps(results, indent=2) + "\n")
    (BENCH / "soak_hostile.md").write_text(markdown(results))
    print(markdown(results))


def update_readme(table: str) -> None:
    """Put the table between the soak markers of README.md's "Speed" section."""
    readme = BENCH.parent / "README.md"
    text = readme.read_text()
    before, start, rest = text.partition(README_START)
    _, end, after = rest.partition(README_END)
    if not start or not end:
        print(f"soak: README.md has no {README_START} ... {README_END} section; not updated")
        return
    readme.write_text(f"{before}{start}\n{table}{end}{after}")


if __name__ == "__main__":
    main()
