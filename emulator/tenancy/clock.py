"""A tenant's clock: the wall clock until a test pins it, then only what the test says.

Everything the real API takes from its own clock (the `created_at` it stamps, the ingest window,
the dedupe window, the event-search window) reads a tenant's `Clock`, so a test that pins it gets
the same answers on any day. Stripe's test clocks are the model: time moves only when told to.
"""

from __future__ import annotations

import time

from emulator.wire.timestamps import US_PER_SECOND

__all__ = ["Clock"]


class Clock:
    __slots__ = ("frozen_at",)

    def __init__(self, frozen_at: int | None = None) -> None:
        self.frozen_at = frozen_at  # epoch microseconds; None: the wall clock

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def now(self) -> int:
        """Epoch microseconds."""
        if self.frozen_at is not None:
            return self.frozen_at
        return time.time_ns() // 1000

    def set(self, at: int | None) -> None:
        """Freeze at `at`, or give the clock back to the wall clock with None."""
        self.frozen_at = at

    def advance(self, seconds: float) -> None:
        """Move forward from now (wall or frozen) and freeze there."""
        self.frozen_at = self.now() + round(seconds * US_PER_SECOND)
