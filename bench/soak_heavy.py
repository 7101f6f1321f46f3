"""Phase 2 of the soak: the heaviest accepted `POST /v1/usage`, hour windows over 416 days
(9,984), 10 customers, one metric grouped by 9 values, one page of 100,000: 998,400 numbers,
just under the limit; one group value more is refused. Health and another tenant's small query
are polled from other processes meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from soak_client import World, call
from soak_emulator import Emulator, rss_sampler
from soak_probe import Probe

from emulator.scenario.seed import REGIONS
from emulator.wire.limits import MAX_PAGE_NUMBERS, MAX_WINDOWS, MiB
from emulator.wire.pagination import MAX_PAGE_SIZE, PAGE_SIZE_HEADER
from emulator.wire.timestamps import US_PER_HOUR, parse_rfc3339

# Hour windows from here: 416 days, 9,984 windows, the most one query may have.
HEAVY_RANGE = ("2023-12-01T00:00:00Z", "2025-01-20T00:00:00Z")
HEAVY_WINDOWS = (parse_rfc3339(HEAVY_RANGE[1]) - parse_rfc3339(HEAVY_RANGE[0])) // US_PER_HOUR
HEAVY_CUSTOMERS = 10
# 9 group values: rows x (1 + 9) = 99,840 x 10 = 998,400 numbers, just under the limit.
HEAVY_VALUES = [*REGIONS, "sa-east-1", "ca-central-1", "me-south-1", "af-south-1", "il-central-1"]
HEAVY_ROWS = HEAVY_WINDOWS * HEAVY_CUSTOMERS
assert HEAVY_WINDOWS <= MAX_WINDOWS
assert HEAVY_ROWS <= MAX_PAGE_SIZE
assert HEAVY_ROWS * (1 + len(HEAVY_VALUES)) <= MAX_PAGE_NUMBERS
assert HEAVY_ROWS * (2 + len(HEAVY_VALUES)) > MAX_PAGE_NUMBERS  # one value more is refused


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
    page = {PAGE_SIZE_HEADER: str(MAX_PAGE_SIZE)}
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
            "windows": HEAVY_WINDOWS,
            "customers": HEAVY_CUSTOMERS,
            "group_values": len(HEAVY_VALUES),
            "rows": rows,
            "numbers": rows * (1 + len(HEAVY_VALUES)),
            "page_size": MAX_PAGE_SIZE,
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
