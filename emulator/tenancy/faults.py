"""Queued faults: what happens to the next N requests that match a method and path."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.wire.control import Fault

__all__ = ["FaultQueue"]


@dataclass(slots=True)
class _Queued:
    fault: Fault
    remaining: int


class FaultQueue:
    """A tenant's queued faults, oldest first; each is used up by `count` matching requests."""

    def __init__(self) -> None:
        self._queued: list[_Queued] = []

    def add(self, fault: Fault) -> None:
        self._queued.append(_Queued(fault, fault.count))

    def clear(self) -> None:
        self._queued.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first queued fault that matches this request, counted as used once."""
        for queued in self._queued:
            if queued.fault.matches(method, path):
                queued.remaining -= 1
                if not queued.remaining:
                    self._queued.remove(queued)
                return queued.fault
        return None

    def pending(self) -> list[dict[str, object]]:
        return [{**q.fault.model_dump(), "remaining": q.remaining} for q in self._queued]
