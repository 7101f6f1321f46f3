"""R4's metric values, read from the metering store's rollups (never a scan of the event log).

A value is (customer, product's metric, pricing group values, hours [lo, hi)) folded from the
day and hour cells of the customer's sender keys (its id and its ingest aliases), the base's and
the tenant layer's, exactly as `/v1/usage` reads them (`emulator/metering/usage.py`). With `as_of`,
the cells count only events processed by then (`Rollup.cells_as_of`: a frozen invoice).

A preview (`previewEvents`) adds rollups of its own events, built here and never stored, and in
`replace` mode reads only those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emulator.metering.matching import NO_MATCH, Matcher
from emulator.metering.rollups import Rollup
from emulator.metering.store import DEDUPE_WINDOW, Store
from emulator.metering.values import GroupKey, GroupValue, group_value
from emulator.rating.rates import GroupValues
from emulator.rating.records import ProductRecord
from emulator.wire.errors import BadRequest
from emulator.wire.timestamps import US_PER_HOUR

__all__ = ["PreviewEvent", "Usage"]

PreviewEvent = tuple[str, str, int, dict[str, Any]]  # (transaction id, event type, ts, properties)


def metric_group(
    matcher: Matcher, product: ProductRecord, values: GroupValues
) -> tuple[GroupKey, GroupValue] | None:
    """The metric's group key matching the product's pricing group key, and the rate's values in
    that key's order; None without pricing groups."""
    if not values:
        return None
    wanted = dict(values)
    for key in matcher.metric.group_keys:
        if sorted(key) == sorted(wanted):
            if len(key) == 1:
                return key[0], wanted[key[0]]
            return tuple(key), tuple(wanted[name] for name in key)
    raise BadRequest(f"product {product.id}: its pricing_group_key is no longer on its metric")


class Usage:
    """Metric values for rating, from one store (and, for a preview, some unstored events)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.replace = False
        # (metric id, group key or None, group value or None) -> a rollup of preview events
        self.extra: dict[tuple[str, GroupKey | None, GroupValue | None], Rollup] = {}

    def with_preview(
        self, customer_id: str, events: Sequence[PreviewEvent], replace: bool, now: int
    ) -> Usage:
        """A copy that also counts `events` (sent for `customer_id`), or only them (`replace`).
        In merge mode an event whose transaction id is stored within the dedupe window is
        skipped; every active metric counts the others."""
        ids: set[str] = set()
        for i, event in enumerate(events):
            if event[0] in ids:
                raise BadRequest(
                    f"events[{i}].transaction_id {event[0]!r} is repeated in the request"
                )
            ids.add(event[0])
        usage = Usage(self.store)
        usage.replace = replace
        store = self.store
        seen = (
            set()
            if replace
            else {
                e.transaction_id
                for e in store.events_with([e[0] for e in events], now - DEDUPE_WINDOW)
            }
        )
        matchers = [m for m in store.matchers.values() if m.until is None]
        for seq, (transaction_id, event_type, ts, properties) in enumerate(events):
            if transaction_id in seen:
                continue
            hour = ts // US_PER_HOUR
            for matcher in matchers:
                value = matcher.contribution(event_type, properties)
                if value is NO_MATCH:
                    continue
                metric_id = matcher.metric.id
                targets: list[tuple[GroupKey | None, GroupValue | None]] = [(None, None)]
                for key in matcher.group_keys:
                    found = group_value(properties, key)
                    if found is not None:
                        targets.append((key, found))
                for target_key, target_value in targets:
                    rollup = usage.extra.setdefault((metric_id, target_key, target_value), Rollup())
                    # After every stored event: a LATEST tie goes to the preview.
                    rollup.add(matcher.aggregation, hour, value, ts, len(store.events) + seq)
        return usage

    def value(
        self,
        customer_id: str,
        product: ProductRecord,
        values: GroupValues,
        lo: int,
        hi: int,
        as_of: int | None,
    ) -> Any:
        """The product's metric over [lo, hi) (whole hours) for the customer; None without a
        matching event (then MAX and LATEST have no value; the quantity is 0)."""
        store = self.store
        assert product.billable_metric_id is not None
        matcher = store.matchers[product.billable_metric_id]
        aggregation = matcher.aggregation
        metric_id = matcher.metric.id
        h_from, h_to = lo // US_PER_HOUR, hi // US_PER_HOUR
        group = metric_group(matcher, product, values)
        rollups: list[Rollup] = []
        if not self.replace:
            senders = store.sender_keys(customer_id)
            if group is None:
                rollups = store.rollups(senders, metric_id)
            else:
                key, wanted = group
                rollups = [
                    groups[wanted]
                    for groups in store.group_rollups(senders, metric_id, key)
                    if wanted in groups
                ]
        extra = self.extra.get((metric_id, *group) if group else (metric_id, None, None))
        if extra is not None:
            rollups.append(extra)
        cells = [
            cell
            for rollup in rollups
            for cell in rollup.cells_as_of(aggregation, h_from, h_to, as_of)
        ]
        return aggregation.fold(cells) if cells else None
