"""A tenant's clock: the wall clock until a test pins it, then only what the test says.

Everything the real API takes from its own clock (the `created_at` it stamps, the ingest window,
the dedupe window, the event-search window) reads a tenant's `Clock`, so a test that pins it gets
the same answers on any day. Stripe's test clocks are the model: time moves only when told to.
"""

from __future__ import annotations

import time

from emulator.wire.errors import BadRequest
from emulator.wire.timestamps import MAX_US, US_PER_SECOND, format_rfc3339

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
        """Move forward from now (wall or frozen) and freeze there; 400 past the last instant a
        timestamp can name (9999-12-31T23:59:59.999999Z), where no answer could say the time."""
        now = self.now()
        moved = now + round(seconds * US_PER_SECOND)
        if moved > MAX_US:
            raise BadRequest(
                f"advance_seconds must be at most {(MAX_US - now) / US_PER_SECOND:.6f} from "
                f"{format_rfc3339(now)}: the clock cannot pass {format_rfc3339(MAX_US)}, the last "
                "instant an RFC 3339 timestamp can name"
            )
        self.frozen_at = moved
