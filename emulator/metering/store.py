"""The state of one tenant: customers, billable metrics, events and the rollups over them.

Nothing here knows about HTTP. A tenant's state is two layers, and reads merge them here, so no
handler knows whether a tenant has a layer:

    a tenant's Store (its layer)                 the base Store (seed or --fixtures)
    +----------------------------------+         +-----------------------------------+
    | customers and metrics it made or |  reads  | the document's customers, metrics, |
    | changed (aliases, archive marks) | ------> | events and rollups: built once,    |
    | its own events, numbered after   |  fall   | shared by every tenant, never      |
    | the base's, and the rollups they |  through| written after it is built          |
    | feed                             |         |                                    |
    +----------------------------------+         +-----------------------------------+

Maps read through the layer to the base (`Layered`), the event log numbers the layer's events
after the base's (`EventLog`), and a customer's usage gathers cells from the base's rollups and the
layer's side by side. A tenant's first write makes an empty layer; nothing is copied, so a tenant
costs what it writes. Nothing in the base ever needs changing for a layer, because of the order
rule: a metric counts only the events ingested while it was active (`Matcher.counts`), so a metric
made in a layer has no stored events to count, and one archived in a layer keeps the base's cells.

Rollups (per hour and per day) are kept per *sender key* (the `customer_id` string an event was
sent with) and metric, and per group value; a customer's usage merges the rollups of its id and
its aliases at query time, so aliases stay retroactive. Each rollup also remembers the events
ingested after their hour had ended, so that a read can leave out what was processed after a
given moment (`Rollup.cells_as_of`, used by rating's frozen invoices) at rollup cost.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import uuid
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from emulator.metering.aggregations import Item
from emulator.metering.events import Event, EventLike, EventLog
from emulator.metering.layers import Layered
from emulator.metering.matching import NO_MATCH, Matcher
from emulator.metering.rollups import Rollup
from emulator.metering.values import NO_GROUP, GroupKey, GroupValue, group_value, string_form
from emulator.wire.errors import BadRequest, Conflict
from emulator.wire.models import BillableMetricRecord, CustomerRecord
from emulator.wire.timestamps import US_PER_DAY, US_PER_HOUR, format_rfc3339

__all__ = [
    "BACKDATING",
    "DEDUPE_WINDOW",
    "FUTURE",
    "Document",
    "DocumentSource",
    "MetricLike",
    "Store",
    "check_ingest_window",
    "merged_group_values",
]

# A transaction id seen less than this long before (processing time) makes a duplicate.
DEDUPE_WINDOW = 34 * US_PER_DAY
# The ingest window, around the tenant's clock: an event may be at most 34 days old (Metronome
# "supports backdating 34 days"; event search looks back as far) and at most 24 hours ahead.
BACKDATING = 34 * US_PER_DAY
FUTURE = 24 * US_PER_HOUR


def check_ingest_window(events: Sequence[EventLike], now: int, where: str = "usage") -> None:
    """400 naming the first event outside the window; both edges are inside it."""
    for index, event in enumerate(events):
        if event.timestamp < now - BACKDATING:
            raise BadRequest(
                f"{where}[{index}].timestamp must be at most 34 days before the current time "
                f"({format_rfc3339(now)}): Metronome supports backdating 34 days"
            )
        if event.timestamp > now + FUTURE:
            raise BadRequest(
                f"{where}[{index}].timestamp must be at most 24 hours after the current time "
                f"({format_rfc3339(now)})"
            )


# Events appended to the log at once by `Store.ingest` (a document's million come in batches).
_BATCH = 4096

# Store versions, unique across every store of the process (see `Store.version`).
_VERSIONS = itertools.count()


class MetricLike(Protocol):
    """A billable metric of a document: the record, and optionally the span of events it counts
    (sequence numbers; see `FixtureDocument`)."""

    @property
    def events_from(self) -> int: ...
    @property
    def events_until(self) -> int | None: ...
    def record(self) -> BillableMetricRecord: ...


class Document(Protocol):
    """A fixture document, or the seed's scenario shaped like one."""

    @property
    def customers(self) -> Sequence[CustomerRecord]: ...
    @property
    def billable_metrics(self) -> Sequence[MetricLike]: ...
    @property
    def events(self) -> Iterable[EventLike]: ...


class DocumentSource:
    """A fixture document, read a part at a time: its customers and metrics (`head`), then its
    events one record at a time (`records`), so that a large one is never whole in memory."""

    def __init__(
        self,
        customers: list[CustomerRecord],
        matchers: list[Matcher],
        events: EventLog,
        first: int,
        total: int,
    ) -> None:
        self._customers, self._matchers, self._events = customers, matchers, events
        self._range = range(first, total)
        self._total = total

    def head(self) -> dict[str, Any]:
        return {
            "customers": [customer.document() for customer in self._customers],
            "billable_metrics": [_metric_record(m, self._total) for m in self._matchers],
        }

    def records(self) -> Iterator[dict[str, Any]]:
        events = self._events
        return (events[seq].to_record() for seq in self._range)

    def whole(self) -> dict[str, Any]:
        return {**self.head(), "events": list(self.records())}


class Store:
    def __init__(self, base: Store | None = None) -> None:
        self.base = base
        # Changes with every write, and no two stores share one: what finished answers computed
        # from this store are kept under (`emulator/web/response_cache.py`).
        self.version = next(_VERSIONS)
        self.customers: Layered[str, CustomerRecord] = Layered(base.customers if base else None)
        self.metrics: Layered[str, BillableMetricRecord] = Layered(base.metrics if base else None)
        self.matchers: Layered[str, Matcher] = Layered(base.matchers if base else None)
        self.events: EventLog = EventLog(base.events if base else None)
        self._alias_owner: Layered[str, str] = Layered(base._alias_owner if base else None)
        # transaction id -> the event that holds it now: the first, or the first after the dedupe
        # window of the one before had passed.
        self._first: dict[str, int] = {}  # this layer's; a lookup falls through to the base's
        # transaction id -> this layer's other events with it (duplicates, superseded firsts).
        self._others: dict[str, list[int]] = {}
        # Candidate matchers per event type; rebuilt lazily when the metric catalogue changes.
        self._candidates: dict[str, list[Matcher]] = {}
        self.series: dict[tuple[str, str], Rollup] = {}  # (sender key, metric id)
        # (sender key, metric id, group key) -> group value -> its rollup
        self.group_series: dict[tuple[str, str, GroupKey], dict[GroupValue, Rollup]] = {}
        # The same series' values, sorted (`sorted_group_series`): rebuilt only when values were
        # added, never changed in place, so a page that holds one across slices reads it whole.
        # Per group series: how many of its values are sorted, and those values sorted.
        self._group_order: dict[tuple[str, str, GroupKey], tuple[int, list[GroupValue]]] = {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A store read back (the seed cache's pickle) is a new state: a version of its own."""
        self.__dict__.update(state)
        self.version = next(_VERSIONS)

    def _levels(self) -> tuple[Store, ...]:
        return (self,) if self.base is None else (self.base, self)

    # --- loading and exporting ----------------------------------------------------------------

    @classmethod
    def from_document(cls, document: Document, base: Store | None = None) -> Store:
        """The state a document describes; over `base`, a layer that a state file kept (its
        customers and metrics replace the base's of the same id)."""
        store = cls(base)
        for i, metric in enumerate(document.billable_metrics):
            store._put_metric(metric.record(), metric.events_from, metric.events_until, i)
        for i, customer in enumerate(document.customers):
            if base is not None and customer.id in base.customers:
                store.check_aliases(customer.ingest_aliases, customer.id, f"customers[{i}]")
                store._put_customer(customer)
            else:
                store.add_customer(customer, where=f"customers[{i}]")
        store.ingest(document.events)
        # A document's archived metric counts every event of the document, unless it says when
        # it stopped: from here on it counts nothing.
        for metric_id, matcher in list(store.matchers.own()):
            if matcher.metric.archived_at is not None and matcher.until is None:
                store.matchers[metric_id] = Matcher(
                    matcher.metric, matcher.first, len(store.events)
                )
        # Sorted here, where a load runs (a worker thread for POST /_emulator/state): sorting
        # 100,000 group values takes tens of milliseconds, which the first page would otherwise
        # spend on the event loop.
        for k, groups in store.group_series.items():
            store._sorted_values(k, groups)
        return store

    def to_document(self) -> dict[str, Any]:
        """The fixture document of the current state, in insertion order."""
        return self.document_source().whole()

    def layer_document(self) -> dict[str, Any]:
        """Only what this layer holds itself: `from_document(it, base)` gives this store back."""
        return self.document_source(layer_only=True).whole()

    def document_source(self, layer_only: bool = False) -> DocumentSource:
        """The document of the state as it is now, read when asked for. Safe to read from another
        thread, or between slices, while this store takes more writes: events are only ever
        appended, and records and matchers are replaced, never changed, so holding the current
        ones is enough."""
        total = len(self.events)
        if layer_only:
            customers = [customer for _, customer in self.customers.own()]
            metrics = [metric for _, metric in self.metrics.own()]
            first = self.events.offset
        else:
            customers, metrics = list(self.customers.values()), list(self.metrics.values())
            first = 0
        matchers = [self.matchers[metric.id] for metric in metrics]
        return DocumentSource(customers, matchers, self.events, first, total)

    # --- customers and metrics ----------------------------------------------------------------

    def add_customer(self, customer: CustomerRecord, where: str = "customer") -> None:
        if customer.id in self.customers:
            raise BadRequest(f"{where}.id {customer.id} is already a customer")
        if customer.id in self._alias_owner:
            owner = self._alias_owner[customer.id]
            raise BadRequest(f"{where}.id {customer.id} is an ingest alias of customer {owner}")
        self.check_aliases(customer.ingest_aliases, customer.id, where)
        self._put_customer(customer)

    def check_aliases(self, aliases: Iterable[str], customer_id: str, where: str) -> None:
        """409 when an alias is another customer's id or alias, wherever it comes from (an API
        write or a document): Metronome "returns 409 Conflict if ingest alias is already in
        use"."""
        for alias in aliases:
            user = self.alias_user(alias)
            if user is not None and user != customer_id:
                prefix = f"{where}." if where else ""
                raise Conflict(
                    f"{prefix}ingest_aliases: {alias!r} is already used by customer {user}"
                )

    def _put_customer(self, customer: CustomerRecord) -> None:
        """Add or replace a customer, pointing its aliases at it."""
        self.version = next(_VERSIONS)
        old = self.customers.get(customer.id)
        if old is not None:
            for alias in old.ingest_aliases:
                del self._alias_owner[alias]
        self.customers[customer.id] = customer
        for alias in customer.ingest_aliases:
            self._alias_owner[alias] = customer.id

    def add_metric(self, metric: BillableMetricRecord, where: str = "billable metric") -> None:
        """A new metric: it counts the events ingested from now on, none stored before."""
        if metric.id in self.metrics:
            raise BadRequest(f"{where}.id {metric.id} is already a billable metric")
        self._put_metric(metric, len(self.events), None)

    def _put_metric(
        self, metric: BillableMetricRecord, first: int, until: int | None, index: int = 0
    ) -> None:
        if until is not None and until < first:
            raise BadRequest(
                f"billable_metrics[{index}].events_until must not be before events_from"
            )
        self.version = next(_VERSIONS)
        self.metrics[metric.id] = metric
        self.matchers[metric.id] = Matcher(metric, first, until)
        self._candidates.clear()

    def alias_user(self, alias: str) -> str | None:
        """The customer whose id or ingest alias `alias` is, if any."""
        return self._alias_owner.get(alias, alias if alias in self.customers else None)

    def set_ingest_aliases(self, customer_id: str, aliases: list[str], at: int) -> None:
        """Replace a customer's aliases (the caller checked that no other customer uses them);
        events sent with an alias before it was set count from now on, at query time."""
        customer = self.customers[customer_id]
        self._put_customer(
            customer.model_copy(update={"ingest_aliases": aliases, "updated_at": at})
        )

    def replace_customer(self, customer: CustomerRecord) -> None:
        """Write a changed customer (its name, config or billing configurations; the caller
        checked the change: `emulator/metering/customers.py`)."""
        self._put_customer(customer)

    def replace_metric(self, metric: BillableMetricRecord) -> None:
        """Write a metric whose name changed: it counts the same events as before."""
        matcher = self.matchers[metric.id]
        self._put_metric(metric, matcher.first, matcher.until)

    def archive_customer(self, customer_id: str, at: int) -> None:
        customer = self.customers[customer_id]
        if customer.archived_at is None:
            self._put_customer(customer.model_copy(update={"archived_at": at, "updated_at": at}))

    def archive_metric(self, metric_id: str, at: int) -> None:
        """From now on the metric counts no new event; what it counted stays."""
        metric = self.metrics[metric_id]
        if metric.archived_at is None:
            first = self.matchers[metric_id].first
            archived = metric.model_copy(update={"archived_at": at})
            self._put_metric(archived, first, len(self.events))

    def new_id(self, kind: str) -> str:
        """A UUID for a customer or billable metric made through the API. Derived from how many
        there are, not drawn at random: the same steps give the same ids on every run."""
        n = len(self.customers) + len(self.metrics)
        while True:
            digest = hashlib.sha256(f"metronome-emulator {kind} {n}".encode()).digest()
            candidate = str(uuid.UUID(bytes=digest[:16], version=4))
            if candidate not in self.customers and candidate not in self.metrics:
                return candidate
            n += 1

    def events_with(self, transaction_ids: Iterable[str], processed_since: int) -> list[Event]:
        """Every stored event with one of these transaction ids, duplicates too, processed at or
        after `processed_since`, in ingest order: a lookup per id, whatever the log's size."""
        seqs: set[int] = set()
        for transaction_id in set(transaction_ids):
            first = self._holder(transaction_id)
            if first is not None:
                seqs.add(first)
                for store in self._levels():
                    seqs.update(store._others.get(transaction_id, ()))
        log = self.events
        return [
            event for seq in sorted(seqs) if (event := log[seq]).processed_at >= processed_since
        ]

    def _holder(self, transaction_id: str) -> int | None:
        """The event that holds a transaction id now (see `_first`)."""
        first = self._first.get(transaction_id)
        if first is None and self.base is not None:
            return self.base._first.get(transaction_id)
        return first

    def matching_metrics(self, event: Event) -> list[BillableMetricRecord]:
        """The metrics an event counts for (none when it is a duplicate), archived ones too."""
        if event.duplicate:
            return []
        return [
            matcher.metric
            for matcher in self.matchers.values()
            if matcher.counts(event.seq)
            and matcher.contribution(event.event_type, event.properties) is not NO_MATCH
        ]

    def sender_keys(self, customer_id: str) -> list[str]:
        """The `customer_id` strings whose events belong to this customer: its id and aliases."""
        # An alias equal to the id itself must not count its events twice.
        return list(dict.fromkeys([customer_id, *self.customers[customer_id].ingest_aliases]))

    def rollups(self, senders: list[str], metric_id: str) -> list[Rollup]:
        """The series of these sender keys for a metric, the base's and this layer's."""
        return [
            rollup
            for store in self._levels()
            for sender in senders
            if (rollup := store.series.get((sender, metric_id)))
        ]

    def group_rollups(
        self, senders: list[str], metric_id: str, key: GroupKey
    ) -> list[dict[GroupValue, Rollup]]:
        """The series per group value of these sender keys, the base's and this layer's."""
        return [
            groups
            for store in self._levels()
            for sender in senders
            if (groups := store.group_series.get((sender, metric_id, key)))
        ]

    def sorted_group_series(
        self, senders: list[str], metric_id: str, key: GroupKey
    ) -> list[tuple[dict[GroupValue, Rollup], list[GroupValue]]]:
        """`group_rollups`, each with its values sorted: what `/v1/usage/groups` seeks in."""
        return [
            (groups, store._sorted_values(k, groups))
            for store in self._levels()
            for sender in senders
            if (groups := store.group_series.get(k := (sender, metric_id, key)))
        ]

    def _sorted_values(
        self, k: tuple[str, str, GroupKey], groups: dict[GroupValue, Rollup]
    ) -> list[GroupValue]:
        """A series' values, sorted. Values are only ever added, and a dict keeps them in the
        order they came: the new ones are the last, sorted alone and merged in (a sort of two
        sorted runs is one pass), so a page after a write never sorts every value again."""
        seen, order = self._group_order.get(k, (0, []))
        if seen != len(groups):
            # NO_GROUP (events lacking the key) is no value to list: `/v1/usage/groups` puts its
            # row first, and `/v1/usage` leaves it out.
            fresh = [v for v in itertools.islice(groups, seen, None) if v != NO_GROUP]
            order = sorted(order + fresh)  # all str, or all tuples of str: never compared across
            self._group_order[k] = (len(groups), order)
        return order

    # --- events -------------------------------------------------------------------------------

    def ingest(self, records: Iterable[EventLike], now: int | None = None) -> None:
        """Store events in order, processed at `now` (the tenant's clock); a document's events
        (no `now`) at their recorded `processed_at`, by default their own timestamp.

        An event whose transaction id an event processed less than 34 days earlier holds is a
        duplicate: stored, counted nowhere. After that the id makes a new event."""
        self.version = next(_VERSIONS)
        batch: list[EventLike] = []
        for record in records:
            batch.append(record)
            if len(batch) == _BATCH:
                self._ingest_batch(batch, now)
                batch = []
        if batch:
            self._ingest_batch(batch, now)

    def _ingest_batch(self, records: list[EventLike], now: int | None) -> None:
        """`ingest` for a batch: the duplicates found in order (a batch's own events count), the
        batch appended to the log's columns at once, then folded per series (`_fold`)."""
        log, first_of, others = self.events, self._first, self._others
        own_first = first_of.get
        base_first = (self.base._first if self.base is not None else {}).get
        start = len(log)
        processed_at: list[int] = []
        recorded_at: list[int | None] = []  # a document event's own processed_at, if it has one
        duplicates = bytearray()
        counted: list[int] = []  # batch indices of the events that are not duplicates
        for i, record in enumerate(records):
            recorded: int | None = None
            if now is not None:
                processed = now
            else:
                recorded = getattr(record, "processed_at", None)
                processed = record.timestamp if recorded is None else recorded
            processed_at.append(processed)
            recorded_at.append(recorded)
            transaction_id = record.transaction_id
            first = own_first(transaction_id)
            if first is None:
                first = base_first(transaction_id)
            duplicate = False
            if first is not None:
                held = processed_at[first - start] if first >= start else log.processed_at(first)
                duplicate = processed - held < DEDUPE_WINDOW
                others.setdefault(transaction_id, []).append(start + i if duplicate else first)
            duplicates.append(duplicate)
            if not duplicate:
                first_of[transaction_id] = start + i
                counted.append(i)
        log.extend(records, duplicates, processed_at)
        # Each matcher's events, in batch order, whatever their types: a cell must take its
        # events in the order they came (a float sum's rounding, the first of equal maxima).
        chosen: dict[str, list[list[int]]] = {}  # event type -> its matchers' lists
        per_matcher: dict[Matcher, list[int]] = {}  # one list a matcher, shared by its types
        for i in counted:
            event_type = records[i].event_type
            lists = chosen.get(event_type)
            if lists is None:
                # As of the batch's start: a matcher closed inside the batch still counts the
                # events before its end (`counts`, below).
                lists = chosen[event_type] = [
                    per_matcher.setdefault(matcher, [])
                    for matcher in self._candidates_for(event_type, start)
                ]
            for indices in lists:
                indices.append(i)
        # The processing time lateness is read from (rollups.py): the tenant's clock for the API;
        # for a document, the processed_at its events were exported with, if any (then as the
        # API had it, so that a finalized invoice, rating's R9, reads the same after an export
        # and a load), folded in runs of one processing time.
        runs: list[tuple[int | None, int, int]] = (
            [(now, 0, len(records))] if now is not None else _runs(recorded_at)
        )
        end = start + len(records)
        for matcher, indices in per_matcher.items():
            if not (matcher.first <= start and (matcher.until is None or matcher.until >= end)):
                indices = [i for i in indices if matcher.counts(start + i)]
            for at, low, high in runs:
                part = indices if len(runs) == 1 else [i for i in indices if low <= i < high]
                self._fold(matcher, records, part, start, at)

    def _fold(
        self,
        matcher: Matcher,
        records: list[EventLike],
        indices: list[int],
        start: int,
        processed: int | None,
    ) -> None:
        """A matcher's events of a batch (indices into it, in order), processed at `processed`:
        their values found, gathered per series, and each series folded at once."""
        value_of = matcher.value_of
        per_sender: dict[str, list[Item]] = {}
        # per group key: (sender key, group value) -> its items
        per_group = [
            (key, dict[tuple[str, GroupValue], list[Item]]()) for key in matcher.group_keys
        ]
        for i in indices:
            record = records[i]
            properties = record.properties
            value = value_of(properties)
            if value is NO_MATCH:
                continue
            ts = record.timestamp
            item = (ts // US_PER_HOUR, ts, value, start + i)
            sender = record.customer_id
            items = per_sender.get(sender)
            if items is None:
                items = per_sender[sender] = []
            items.append(item)
            for key, groups in per_group:
                found: GroupValue | None
                if type(key) is str:  # `group_value`, inlined for the common key of one name
                    raw = properties.get(key)
                    found = raw if type(raw) is str or raw is None else string_form(raw)
                else:
                    found = group_value(properties, key)
                # Lacking the key: kept under NO_GROUP, the null group row of /v1/usage/groups.
                pair = (sender, NO_GROUP if found is None else found)
                items = groups.get(pair)
                if items is None:
                    items = groups[pair] = []
                items.append(item)
        metric_id, aggregation = matcher.metric.id, matcher.aggregation
        series = self.series
        for sender, items in per_sender.items():
            rollup = series.get((sender, metric_id))
            if rollup is None:
                rollup = series[sender, metric_id] = Rollup()
            rollup.add_batch(aggregation, items, processed)
        for key, groups in per_group:
            for (sender, group), items in groups.items():
                values = self.group_series.setdefault((sender, metric_id, key), {})
                rollup = values.get(group)
                if rollup is None:
                    rollup = values[group] = Rollup()
                rollup.add_batch(aggregation, items, processed)

    def _candidates_for(self, event_type: str, now: int | None = None) -> list[Matcher]:
        candidates = self._candidates.get(event_type)
        if candidates is None:
            now = len(self.events) if now is None else now
            candidates = [
                m
                for m in self.matchers.values()
                if (m.event_types_in is None or event_type in m.event_types_in)
                and event_type not in m.event_types_out
                and (m.until is None or m.until > now)  # closed for good: sequences only grow
            ]
            self._candidates[event_type] = candidates
        return candidates


def _runs(processed: list[int | None]) -> list[tuple[int | None, int, int]]:
    """The batch's maximal runs of one processing time: (it, first index, end index)."""
    runs: list[tuple[int | None, int, int]] = []
    low = 0
    for i in range(1, len(processed) + 1):
        if i == len(processed) or processed[i] != processed[low]:
            runs.append((processed[low], low, i))
            low = i
    return runs


def merged_group_values(
    levels: list[tuple[dict[GroupValue, Rollup], list[GroupValue]]], start: GroupValue | None
) -> Iterator[GroupValue]:
    """Every value of these series (`Store.sorted_group_series`) at or after `start`, sorted, each
    once: a bisect into each series' sorted values, and a lazy merge of what follows."""
    tails = [_tail(order, start) for _, order in levels]
    previous: object = None
    for value in heapq.merge(*tails):
        if value != previous:
            previous = value
            yield value


def _tail(order: list[GroupValue], start: GroupValue | None) -> Iterator[GroupValue]:
    """The values of a sorted list at or after `start`, read lazily (no copy of the tail)."""
    first = 0 if start is None else bisect_left(order, start)
    return map(order.__getitem__, range(first, len(order)))


def _metric_record(matcher: Matcher, total: int) -> dict[str, Any]:
    """A metric as a document of `total` events holds it. Its span of events is written only where
    a load would not infer it: a metric made after some events, or archived before the last one."""
    record = matcher.metric.model_dump(mode="json")
    if matcher.first:
        record["events_from"] = matcher.first
    if matcher.until is not None and matcher.until < total:
        record["events_until"] = matcher.until
    return record
