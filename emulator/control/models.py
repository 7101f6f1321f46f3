"""The control plane's request and answer models: what `/_emulator/...` reads and writes, and
what `/openapi.json` says of it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from emulator.tenancy.faults import Fault
from emulator.wire.answers import SentEvent
from emulator.wire.limits import MAX_PAGE_SIZE, RESET_CUSTOMERS, RESET_DAYS, RESET_EVENTS
from emulator.wire.models import Timestamp, WireModel

__all__ = [
    "Clock",
    "ClockChange",
    "Config",
    "ConfigPatch",
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


class ConfigPatch(WireModel):
    """Runtime settings of the tenant; `null` clears one back to the command-line default."""

    page_size: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)


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


class Health(BaseModel):
    status: str
    version: str
    seed: int | None
    fixtures: str | None
    customers: int
    billable_metrics: int
    events: int


class Clock(BaseModel):
    now: str
    frozen: bool


class TenantCount(BaseModel):
    tenants: int


class StateSummary(BaseModel):
    customers: int
    billable_metrics: int
    events: int


class Config(BaseModel):
    page_size: int


class QueuedFault(Fault):
    remaining: int


class FaultList(BaseModel):
    data: list[QueuedFault]


class RecentEvent(SentEvent):
    seq: int


class RecentEvents(BaseModel):
    data: list[RecentEvent]
    next_before: int | None
    total: int


class JournalEntry(BaseModel):
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


class JournalList(BaseModel):
    data: list[JournalEntry]


class Snapshot(BaseModel):
    state_file: str
    tenants: Annotated[int, Field(ge=0)]
