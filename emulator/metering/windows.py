"""Cutting `[starting_on, ending_before)` into hour, day or whole-range windows.

Both bounds must be UTC midnights, whatever the window size: Metronome "requires dates on specific
boundaries (hour for contracts, midnight for usage)", and public integrations query midnight-
aligned bounds with an hour window and trim the buckets (docs/CONTRACT.md, "POST /v1/usage").
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.wire.errors import BadRequest
from emulator.wire.limits import MAX_WINDOWS
from emulator.wire.timestamps import US_PER_DAY, US_PER_HOUR

__all__ = ["Windows"]

_SIZES = {"hour": US_PER_HOUR, "day": US_PER_DAY}


@dataclass(frozen=True, slots=True)
class Windows:
    start: int  # epoch microseconds, inclusive
    end: int  # exclusive
    size: int | None  # microseconds; None for one window over the whole range

    @classmethod
    def cut(cls, starting_on: int, ending_before: int, window_size: str) -> Windows:
        """Check the range against the window size (400 on a problem) and return its windows."""
        if ending_before <= starting_on:
            raise BadRequest("ending_before must be after starting_on")
        for name, bound in (("starting_on", starting_on), ("ending_before", ending_before)):
            if bound % US_PER_DAY:
                raise BadRequest(
                    f"{name} must be a UTC midnight (Metronome requires usage bounds on day "
                    "boundaries for every window_size; query whole days and trim the windows)"
                )
        windows = cls(starting_on, ending_before, _SIZES.get(window_size))
        if len(windows) > MAX_WINDOWS:
            raise BadRequest(
                f"the range holds {len(windows):,} {window_size} windows: at most "
                f"{MAX_WINDOWS:,} per query (hour windows over at most 416 days)"
            )
        return windows

    def __len__(self) -> int:
        return 1 if self.size is None else (self.end - self.start) // self.size

    def bounds(self, index: int) -> tuple[int, int]:
        if self.size is None:
            return self.start, self.end
        start = self.start + index * self.size
        return start, start + self.size
