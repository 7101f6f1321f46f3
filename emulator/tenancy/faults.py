"""Queued faults: what happens to the next N requests that match a method and path."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, model_validator

from emulator.wire.limits import FAULT_COUNT, FAULT_DELAY_MS, FAULT_RETRY_AFTER
from emulator.wire.models import WireModel

__all__ = ["Fault", "FaultQueue"]

# Statuses whose real answers carry a Retry-After header.
RETRY_AFTER_STATUSES = (429, 503)


class Fault(WireModel):
    """`POST /_emulator/faults` body. `method` and `path` select requests (absent: any);
    the rest says what happens to the next `count` of them."""

    method: str | None = None
    path: str | None = None
    count: Annotated[int, Field(ge=1, le=FAULT_COUNT)] = 1
    status: Annotated[int, Field(ge=400, le=599)] | None = None
    retry_after: Annotated[float, Field(ge=0, le=FAULT_RETRY_AFTER)] | None = None  # seconds
    delay_ms: Annotated[int, Field(ge=0, le=FAULT_DELAY_MS)] = 0
    drop_connection: bool = False
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _does_something(self) -> Fault:
        if self.status is None and not self.delay_ms and not self.drop_connection:
            raise ValueError("a fault needs a status, a delay_ms or drop_connection")
        if self.status is not None and self.drop_connection:
            raise ValueError("a fault either answers a status or drops the connection, not both")
        return self

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and (
            self.path is None or self.path == path
        )

    def response_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        retry_after = self.retry_after
        if retry_after is None and self.status in RETRY_AFTER_STATUSES:
            retry_after = 1
        if retry_after is not None:
            # Retry-After holds whole seconds; retry-after-ms (read first by the official SDKs)
            # keeps sub-second values exact, so retry tests need not wait whole seconds.
            headers.setdefault("Retry-After", str(math.ceil(retry_after)))
            headers.setdefault("retry-after-ms", str(round(retry_after * 1000)))
        return headers


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
