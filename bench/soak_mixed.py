"""Phase 1 of the soak, mixed load: `--tokens` tokens at once for `--seconds` seconds, each
doing a mix of ingest (batches of 100), usage queries (midnight bounds, hour/day/none windows,
some paged), resets (plain and with small scenario options), faults followed by the request
they hit, tenant deletes, state exports and journal reads; one more task takes a snapshot every
2 s. Health is polled from another process meanwhile.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import aiohttp
from soak_client import Answer, World, call
from soak_emulator import Emulator
from soak_probe import Probe, percentile

from emulator.scenario.seed import ENDPOINTS, REGIONS  # the seeded world's values
from emulator.wire.pagination import PAGE_SIZE_HEADER


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
