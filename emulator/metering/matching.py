"""Whether an event matches a billable metric, and what it contributes.

A `Matcher` is compiled once per metric; `contribution(event_type, properties)` answers `NO_MATCH`
or the value the event adds to the metric's aggregation (None for COUNT).

A metric counts only the events ingested while it was active (Metronome: usage sent before a
billable metric is created "isn't attributed", an archived one "no longer processes new usage
events"): the matcher holds that span as sequence numbers of the event log, `[first, until)`.
"""

from __future__ import annotations

from typing import Any, Final

from emulator.metering.aggregations import AGGREGATIONS, Aggregation
from emulator.metering.values import GroupKey, as_number, string_form
from emulator.wire.models import BillableMetricRecord

__all__ = ["NO_MATCH", "Matcher"]

NO_MATCH: Final = object()


class Matcher:
    """A billable metric compiled for matching: filters as frozensets, the aggregation chosen."""

    def __init__(
        self, metric: BillableMetricRecord, first: int = 0, until: int | None = None
    ) -> None:
        self.metric = metric
        self.first = first  # the first event (sequence number) it counts
        self.until = until  # the first it no longer counts (archived), or None while active
        self.aggregation: Aggregation = AGGREGATIONS[metric.aggregation_type]
        etf = metric.event_type_filter
        self.event_types_in = frozenset(etf.in_values) if etf and etf.in_values else None
        self.event_types_out = frozenset(etf.not_in_values or ()) if etf else frozenset()
        # The property filters, by what they ask (all must hold, so their order does not matter):
        # names that must have a value, names that must not, and names whose value's string
        # form must be in a set or must not be (a filter may ask two of these).
        filters = metric.property_filters
        self.present = tuple(f.name for f in filters if f.exists is True)
        self.absent = tuple(f.name for f in filters if f.exists is False)
        self.within = tuple(
            (f.name, frozenset(f.in_values)) for f in filters if f.in_values is not None
        )
        self.without = tuple(
            (f.name, frozenset(f.not_in_values)) for f in filters if f.not_in_values is not None
        )
        self.kind = metric.aggregation_type
        self.key = metric.aggregation_key
        self.group_names = metric.group_key_names()
        # What the store keeps group rollups for: every name on its own (`/v1/usage` groups by
        # any of them), and each compound key as a whole (`/v1/usage/groups`).
        self.group_keys: list[GroupKey] = [
            *self.group_names,
            *(tuple(key) for key in metric.group_keys if len(key) > 1),
        ]

    def counts(self, seq: int) -> bool:
        """Whether the event with this sequence number was ingested while the metric was active."""
        return self.first <= seq and (self.until is None or seq < self.until)

    def contribution(self, event_type: str, properties: dict[str, Any]) -> Any:
        if self.event_types_in is not None and event_type not in self.event_types_in:
            return NO_MATCH
        if event_type in self.event_types_out:
            return NO_MATCH
        return self.value_of(properties)

    def value_of(self, properties: dict[str, Any]) -> Any:
        """`contribution` for an event whose type the metric takes (the store's candidates)."""
        for name in self.present:
            if properties.get(name) is None:
                return NO_MATCH
        for name in self.absent:
            if properties.get(name) is not None:
                return NO_MATCH
        for name, values in self.within:
            value = properties.get(name)
            if value is None:
                return NO_MATCH
            if (value if type(value) is str else string_form(value)) not in values:
                return NO_MATCH
        for name, values in self.without:
            value = properties.get(name)
            if (
                value is not None
                and (value if type(value) is str else string_form(value)) in values
            ):
                return NO_MATCH
        if self.kind == "COUNT":
            return None
        raw = properties.get(self.key)  # type: ignore[arg-type]
        if raw is None:
            return NO_MATCH
        if self.kind == "UNIQUE":
            return string_form(raw)
        number = as_number(raw)
        return NO_MATCH if number is None else number
