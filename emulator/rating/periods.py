"""R2: a contract's billing periods (usage statements).

Anchors are instants one step apart (MONTHLY: a month, QUARTERLY: three), all derived from one
base: FIRST_OF_MONTH counts from 00:00Z on 1970-01-01 (so quarters are calendar quarters),
CONTRACT_START from the contract's `starting_at`, CUSTOM_DATE from `billing_anchor_date` (either
way, its day and hour, the day clamped to short months: a choice). The first period runs from
`starting_at` to the first anchor after it; the last ends at `ending_before`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime

from emulator.rating.records import ContractRecord
from emulator.wire.timestamps import US_PER_SECOND

__all__ = ["Period", "anchor_base", "periods"]

Period = tuple[int, int]  # [start, end) in epoch microseconds
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(micros: int) -> datetime:
    return datetime.fromtimestamp(micros // US_PER_SECOND, UTC)


def _micros(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds()) * US_PER_SECOND


def anchor_base(contract: ContractRecord) -> int:
    """The instant anchors count from."""
    schedule = contract.usage_statement_schedule
    if schedule.day == "CONTRACT_START":
        return contract.starting_at
    if schedule.day == "CUSTOM_DATE" and schedule.billing_anchor_date is not None:
        return schedule.billing_anchor_date
    return 0  # FIRST_OF_MONTH: 1970-01-01T00:00:00Z


def _anchor(base: datetime, months: int) -> int:
    """`base` moved by a whole number of months, its day clamped to the month's length."""
    index = base.year * 12 + base.month - 1 + months
    year, month = divmod(index, 12)
    day = min(base.day, calendar.monthrange(year, month + 1)[1])
    return _micros(base.replace(year=year, month=month + 1, day=day))


def periods(contract: ContractRecord, begun_by: int | None = None) -> Iterator[Period]:
    """The contract's periods in order; with `begun_by`, those that start at or before it."""
    schedule = contract.usage_statement_schedule
    step = 3 if schedule.frequency == "QUARTERLY" else 1
    base = _utc(anchor_base(contract))
    start, end = contract.starting_at, contract.ending_before
    first = _utc(start)
    # Start from an anchor at or before `start` and walk forward.
    k = ((first.year * 12 + first.month) - (base.year * 12 + base.month)) // step - 1
    while _anchor(base, k * step) > start:
        k -= 1
    while _anchor(base, k * step) <= start:
        k += 1
    while end is None or start < end:
        if begun_by is not None and start > begun_by:
            return
        boundary = _anchor(base, k * step)
        stop = boundary if end is None else min(boundary, end)
        yield start, stop
        start, k = stop, k + 1
