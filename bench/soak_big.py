"""Phases 4 and 5 of the soak: a reset to 1,000,000 events on one token; a large state, an export
(`GET /_emulator/state`) of a tenant reset to 230,000 events posted to another token
(`POST /_emulator/state`), then a snapshot of those large tenants; then the large tenants are
dropped, and one is built and dropped three times more (the RSS must stay level). Health is
polled from another process during each.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from soak_client import Answer, call
from soak_emulator import Emulator, rss_sampler
from soak_probe import Latency, Probe

from emulator.wire.limits import RESET_EVENTS, MiB


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

        million = {"events": RESET_EVENTS, "customers": 20, "days": 30}  # the most a reset takes
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
