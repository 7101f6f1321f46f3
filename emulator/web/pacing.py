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

__all__ = ["SLICE_SECONDS", "paced", "paced_list"]

SLICE_SECONDS = 0.002
T = TypeVar("T")


async def paced(items: Iterable[T]) -> AsyncGenerator[T, None]:
    deadline = perf_counter() + SLICE_SECONDS
    for item in items:
        yield item
        if perf_counter() >= deadline:
            await asyncio.sleep(0)
            deadline = perf_counter() + SLICE_SECONDS


async def paced_list(items: Iterable[T]) -> list[T]:
    """Every item, in a list, the loop given back as `paced` gives it back: for a caller that
    keeps them all, without an async generator's step per item."""
    kept: list[T] = []
    deadline = perf_counter() + SLICE_SECONDS
    for item in items:
        kept.append(item)
        if perf_counter() >= deadline:
            await asyncio.sleep(0)
            deadline = perf_counter() + SLICE_SECONDS
    return kept
