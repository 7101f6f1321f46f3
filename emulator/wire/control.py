"""The control plane's request and answer models: what `/_emulator/...` reads and writes, and
what `/openapi.json` says of it. A queued `Fault` is one of them: the body of
`POST /_emulator/faults`, which the tenant's fault queue keeps as it is."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Field, model_validator

from emulator.wire.answers import SentEvent
from emulator.wire.limits import (
    FAULT_COUNT,
    FAULT_DELAY_MS,
    FAULT_RETRY_AFTER,
    INVOICE_GRACE,
    MAX_PAGE_SIZE,
    RESET_CUSTOMERS,
    RESET_DAYS,
    RESET_EVENTS,
)
from emulator.wire.models import AnswerModel, Timestamp, WireModel

__all__ = [
    "Clock",
    "ClockChange",
    "Config",
    "ConfigPatch",
    "Fault",
    "FaultList",
    "Health",
    "JournalEntry",
    "JournalList",
    "QueuedFault",
    "RecentEvent",
    "RecentEvents",
    "ResetOptions",
    "Snapshot",
    "StateSummary",
    "TenantCount",
]


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


class ConfigPatch(WireModel):
    """Runtime settings of the tenant; `null` clears one back to the command-line default."""

    page_size: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)
    # Seconds after a billing period's end before its invoice is FINALIZED (RATING.md R9);
    # null: the default, 86400.
    invoice_grace_seconds: int | None = Field(default=None, ge=0, le=INVOICE_GRACE)


class ResetOptions(WireModel):
    """Scenario options of `POST /_emulator/reset`; any given one regenerates the tenant's state
    from the seed, the others taking the command line's values."""

    seed: int | None = None
    customers: int | None = Field(default=None, ge=0, le=RESET_CUSTOMERS)
    days: int | None = Field(default=None, ge=0, le=RESET_DAYS)
    events: int | None = Field(default=None, ge=0, le=RESET_EVENTS)


class ClockChange(WireModel):
    """`{"now": T}` freezes the clock at T, `{"now": null}` gives it back to the wall clock,
    `{"advance_seconds": N}` moves it forward from now and freezes it."""

    now: Timestamp | None = None
    advance_seconds: float | None = Field(default=None, ge=0, le=100 * 366 * 86400)


class Health(AnswerModel):
    status: str
    version: str
    seed: int | None
    fixtures: str | None
    customers: int
    billable_metrics: int
    events: int


class Clock(AnswerModel):
    now: str
    frozen: bool


class TenantCount(AnswerModel):
    tenants: int


class StateSummary(AnswerModel):
    customers: int
    billable_metrics: int
    events: int


class Config(AnswerModel):
    page_size: int
    invoice_grace_seconds: int


class QueuedFault(Fault):
    remaining: int


class FaultList(AnswerModel):
    data: list[QueuedFault]


class RecentEvent(SentEvent):
    seq: int


class RecentEvents(AnswerModel):
    data: list[RecentEvent]
    next_before: int | None
    total: int


class JournalEntry(AnswerModel):
    method: str
    path: str
    query: dict[str, str]
    body: Any
    # Only on an entry whose body was cut (emulator/tenancy/journal.py): true, and its whole size.
    body_truncated: bool = False
    body_size: Annotated[int, Field(ge=0)] | None = None
    headers: dict[str, str]
    status: int | None
    at: str


class JournalList(AnswerModel):
    data: list[JournalEntry]


class Snapshot(AnswerModel):
    state_file: str
    tenants: Annotated[int, Field(ge=0)]
