"""Long work in slices: the event loop is everyone's.

`paced(items)` hands items on and gives the loop back (`await asyncio.sleep(0)`) whenever about
`SLICE_SECONDS` have passed since it last did, so one tenant's big page, export or load never
keeps another's small request (or the health check) waiting more than a slice. The work must not
iterate anything another request may change across items (see `emulator/metering/usage.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from time import perf_counter
from typing import TypeVar

__all__ = ["SLICE_SECONDS", "paced"]

SLICE_SECONDS = 0.002
T = TypeVar("T")


async def paced(items: Iterable[T]) -> AsyncGenerator[T, None]:
    deadline = perf_counter() + SLICE_SECONDS
    for item in items:
        yield item
        if perf_counter() >= deadline:
            await asyncio.sleep(0)
            deadline = perf_counter() + SLICE_SECONDS
