"""Cutting `[starting_on, ending_before)` into hour, day or whole-range windows."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.errors import BadRequest
from emulator.timestamps import US_PER_DAY, US_PER_HOUR

__all__ = ["Windows"]

_SIZES = {"hour": US_PER_HOUR, "day": US_PER_DAY}
_ALIGNMENT = {"hour": "a whole UTC hour", "day": "a UTC midnight"}


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
        size = _SIZES.get(window_size)
        if size is not None:
            for name, bound in (("starting_on", starting_on), ("ending_before", ending_before)):
                if bound % size:
                    raise BadRequest(
                        f"{name} must be {_ALIGNMENT[window_size]} when window_size is "
                        f"{window_size}"
                    )
        return cls(starting_on, ending_before, size)

    def __len__(self) -> int:
        return 1 if self.size is None else (self.end - self.start) // self.size

    def bounds(self, index: int) -> tuple[int, int]:
        if self.size is None:
            return self.start, self.end
        start = self.start + index * self.size
        return start, start + self.size
