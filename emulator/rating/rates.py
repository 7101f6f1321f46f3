"""R3: which rate is in force, and the segments a billing period splits into.

At instant t, among a card's rates for one product and one set of pricing group values with
`starting_at <= t < ending_before`, the latest `starting_at` wins; ties go to the rate added last.
Within a period, every rate boundary is a possible split; consecutive pieces won by the same rate
are one segment (choice). A piece no rate covers, or won by a rate with `entitled: false`, has no
segment: its usage is not billed (choice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from emulator.rating.records import RateRecord

__all__ = ["GroupValues", "Segment", "in_force", "rate_groups", "segments", "winner"]

# A rate's pricing group values as a sorted tuple of (key, value): hashable, ordered.
GroupValues = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    rate: RateRecord


def group_values(rate: RateRecord) -> GroupValues:
    return tuple(sorted((rate.pricing_group_values or {}).items()))


def rate_groups(rates: Sequence[RateRecord]) -> dict[str, dict[GroupValues, list[RateRecord]]]:
    """product id (in the order of its first rate) -> group values -> its rates in added order."""
    found: dict[str, dict[GroupValues, list[RateRecord]]] = {}
    for rate in rates:
        found.setdefault(rate.product_id, {}).setdefault(group_values(rate), []).append(rate)
    return found


def winner(rates: Sequence[RateRecord], at: int) -> RateRecord | None:
    """The rate in force at `at` among these (one product, one set of group values)."""
    best: tuple[int, int] | None = None
    found: RateRecord | None = None
    for index, rate in enumerate(rates):
        if rate.starting_at <= at and (rate.ending_before is None or at < rate.ending_before):
            key = (rate.starting_at, index)
            if best is None or key > best:
                best, found = key, rate
    return found


def segments(rates: Sequence[RateRecord], start: int, end: int) -> list[Segment]:
    """The entitled segments of [start, end), in time order."""
    points = {start, end}
    for rate in rates:
        for bound in (rate.starting_at, rate.ending_before):
            if bound is not None and start < bound < end:
                points.add(bound)
    cuts = sorted(points)
    found: list[Segment] = []
    previous: RateRecord | None = None
    for lo, hi in pairwise(cuts):
        won = winner(rates, lo)
        if won is not None and won is previous:
            found[-1] = Segment(found[-1].start, hi, won)
        elif won is not None and won.entitled:
            found.append(Segment(lo, hi, won))
        previous = won if won is not None and won.entitled else None
    return found


def in_force(rates: Sequence[RateRecord], at: int) -> list[RateRecord]:
    """`getRates`: per product and set of group values (card order), the rate in force at `at`,
    entitled or not."""
    found = []
    for by_values in rate_groups(rates).values():
        for values in sorted(by_values):
            rate = winner(by_values[values], at)
            if rate is not None:
                found.append(rate)
    return found
