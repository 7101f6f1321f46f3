"""The state of one tenant: customers, billable metrics, events and the hourly rollups over them.

Nothing here knows about HTTP. Rollups (per hour and per day) are kept per *sender key* (the
`customer_id` string an event was sent with) and metric, and per group value; a customer's usage is
the merge of the rollups of its id and its aliases, so aliases resolve at query time.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from array import array
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from emulator.errors import BadRequest
from emulator.store.events import Event, EventLike, EventLog
from emulator.store.matching import NO_MATCH, Matcher
from emulator.store.rollups import Rollup
from emulator.store.values import GroupKey, GroupValue, group_value
from emulator.timestamps import US_PER_HOUR
from emulator.wire import BillableMetricRecord, CustomerRecord

__all__ = ["Document", "Store"]

# Store versions, unique across every store of the process (see `Store.version`).
_VERSIONS = itertools.count()


class Document(Protocol):
    """A fixture document, or the seed's scenario shaped like one."""

    @property
    def customers(self) -> Sequence[CustomerRecord]: ...
    @property
    def billable_metrics(self) -> Sequence[BillableMetricRecord]: ...
    @property
    def events(self) -> Iterable[EventLike]: ...


class Store:
    def __init__(self) -> None:
        # Changes with every write, and no two stores share one: what finished answers computed
        # from this store are kept under (`emulator/response_cache.py`).
        self.version = next(_VERSIONS)
        self.customers: dict[str, CustomerRecord] = {}
        self.metrics: dict[str, BillableMetricRecord] = {}
        self.matchers: dict[str, Matcher] = {}
        self.events = EventLog()
        self._alias_owner: dict[str, str] = {}  # ingest alias -> customer id
        self._transaction_ids: set[str] = set()  # of the events that count (not duplicates)
        # Candidate matchers per event type; rebuilt lazily when the metric catalogue changes.
        self._candidates: dict[str, list[Matcher]] = {}
        self.series: dict[tuple[str, str], Rollup] = {}  # (sender key, metric id)
        # (sender key, metric id, group key) -> group value -> its rollup
        self.group_series: dict[tuple[str, str, GroupKey], dict[GroupValue, Rollup]] = {}
        # (sender key, hour) -> sequence numbers of its non-duplicate events, for partial hours
        self.raw: dict[tuple[str, int], array[int]] = {}

    # --- loading and exporting ----------------------------------------------------------------

    @classmethod
    def from_document(cls, document: Document) -> Store:
        store = cls()
        for metric in document.billable_metrics:
            store.add_metric(metric, where=f"billable_metrics[{len(store.metrics)}]")
        for customer in document.customers:
            store.add_customer(customer, where=f"customers[{len(store.customers)}]")
        store.ingest(document.events)
        return store

    def to_document(self) -> dict[str, Any]:
        """The fixture document of the current state, in insertion order."""
        return {
            "customers": [c.model_dump(mode="json") for c in self.customers.values()],
            "billable_metrics": [m.model_dump(mode="json") for m in self.metrics.values()],
            "events": [event.to_record() for event in self.events],
        }

    def copy(self) -> Store:
        """An independent copy (for a tenant's first write to the shared seeded store).

        Records and events never change once stored, so they are shared; the indexes and rollups
        are copied (UNIQUE cells are sets, which grow in place).
        """
        twin = Store()
        twin.customers = dict(self.customers)
        twin.metrics = dict(self.metrics)
        twin.matchers = dict(self.matchers)
        twin.events = self.events.copy()
        twin._alias_owner = dict(self._alias_owner)
        twin._transaction_ids = set(self._transaction_ids)
        twin.series = {key: rollup.copy() for key, rollup in self.series.items()}
        twin.group_series = {
            key: {value: rollup.copy() for value, rollup in groups.items()}
            for key, groups in self.group_series.items()
        }
        twin.raw = {key: array("q", seqs) for key, seqs in self.raw.items()}
        return twin

    # --- customers and metrics ----------------------------------------------------------------

    def add_customer(self, customer: CustomerRecord, where: str = "customer") -> None:
        self.version = next(_VERSIONS)
        if customer.id in self.customers:
            raise BadRequest(f"{where}.id {customer.id} is already a customer")
        if customer.id in self._alias_owner:
            owner = self._alias_owner[customer.id]
            raise BadRequest(f"{where}.id {customer.id} is an ingest alias of customer {owner}")
        for alias in customer.ingest_aliases:
            user = self.alias_user(alias)
            if user is not None:
                raise BadRequest(
                    f"{where}.ingest_aliases: {alias!r} is already used by customer {user}"
                )
        self.customers[customer.id] = customer
        for alias in customer.ingest_aliases:
            self._alias_owner[alias] = customer.id

    def add_metric(self, metric: BillableMetricRecord, where: str = "billable metric") -> None:
        self.version = next(_VERSIONS)
        if metric.id in self.metrics:
            raise BadRequest(f"{where}.id {metric.id} is already a billable metric")
        matcher = Matcher(metric)
        self.metrics[metric.id] = metric
        self.matchers[metric.id] = matcher
        self._candidates.clear()
        # A new metric applies to the events already stored.
        for event in self.events:
            if not event.duplicate:
                self._roll_up(
                    matcher,
                    event.seq,
                    event.customer_id,
                    event.event_type,
                    event.ts,
                    event.properties,
                )

    def alias_user(self, alias: str) -> str | None:
        """The customer whose id or ingest alias `alias` is, if any."""
        return self._alias_owner.get(alias, alias if alias in self.customers else None)

    def set_ingest_aliases(self, customer_id: str, aliases: list[str]) -> None:
        """Replace a customer's aliases (the caller checked that no other customer uses them);
        events sent with an alias before it was set count from now on, at query time."""
        self.version = next(_VERSIONS)
        customer = self.customers[customer_id]
        for alias in customer.ingest_aliases:
            del self._alias_owner[alias]
        self.customers[customer_id] = customer.model_copy(update={"ingest_aliases": aliases})
        for alias in aliases:
            self._alias_owner[alias] = customer_id

    def archive_customer(self, customer_id: str, at: int) -> None:
        self.version = next(_VERSIONS)
        customer = self.customers[customer_id]
        if customer.archived_at is None:
            self.customers[customer_id] = customer.model_copy(update={"archived_at": at})

    def archive_metric(self, metric_id: str, at: int) -> None:
        self.version = next(_VERSIONS)
        metric = self.metrics[metric_id]
        if metric.archived_at is None:
            self.metrics[metric_id] = metric = metric.model_copy(update={"archived_at": at})
            # A new matcher, not a changed one: a copied store shares its matchers.
            self.matchers[metric_id] = Matcher(metric)
            self._candidates.clear()

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

    def events_with(self, transaction_ids: Iterable[str]) -> list[Event]:
        """Every stored event with one of these transaction ids, duplicates too, in ingest order.

        A scan: search is for looking at a few events, and an index of a million ids would cost
        more memory than the scan costs time (about 40 ms at a million events)."""
        wanted = set(transaction_ids) & self._transaction_ids
        if not wanted:
            return []
        log = self.events
        return [log[seq] for seq, txn in enumerate(log.transaction_ids) if txn in wanted]

    def matching_metrics(self, event: Event) -> list[BillableMetricRecord]:
        """The metrics an event counts for (none when it is a duplicate), archived ones too."""
        if event.duplicate:
            return []
        return [
            matcher.metric
            for matcher in self.matchers.values()
            if matcher.contribution(event.event_type, event.properties) is not NO_MATCH
        ]

    def sender_keys(self, customer_id: str) -> list[str]:
        """The `customer_id` strings whose events belong to this customer: its id and aliases."""
        # An alias equal to the id itself must not count its events twice.
        return list(dict.fromkeys([customer_id, *self.customers[customer_id].ingest_aliases]))

    # --- events -------------------------------------------------------------------------------

    def ingest(self, records: Iterable[EventLike]) -> None:
        """Store events in order; the first event with a transaction id wins, later ones are kept
        as duplicates that count nowhere."""
        self.version = next(_VERSIONS)
        log, seen, raw = self.events, self._transaction_ids, self.raw
        for record in records:
            duplicate = record.transaction_id in seen
            seq = log.append(record, duplicate)
            if duplicate:
                continue
            seen.add(record.transaction_id)
            customer_id, ts = log.customer_ids[seq], record.timestamp
            hour = ts // US_PER_HOUR
            seqs = raw.get((customer_id, hour))
            if seqs is None:
                raw[customer_id, hour] = seqs = array("q")
            seqs.append(seq)
            event_type = log.event_types[seq]
            for matcher in self._candidates_for(event_type):
                self._roll_up(matcher, seq, customer_id, event_type, ts, record.properties)

    def _candidates_for(self, event_type: str) -> list[Matcher]:
        candidates = self._candidates.get(event_type)
        if candidates is None:
            candidates = [
                m
                for m in self.matchers.values()
                if (m.event_types_in is None or event_type in m.event_types_in)
                and event_type not in m.event_types_out
            ]
            self._candidates[event_type] = candidates
        return candidates

    def _roll_up(
        self,
        matcher: Matcher,
        seq: int,
        customer_id: str,
        event_type: str,
        ts: int,
        properties: dict[str, Any],
    ) -> None:
        value = matcher.contribution(event_type, properties)
        if value is NO_MATCH:
            return
        hour = ts // US_PER_HOUR
        metric_id = matcher.metric.id
        aggregation = matcher.aggregation
        rollup = self.series.get((customer_id, metric_id))
        if rollup is None:
            rollup = self.series[customer_id, metric_id] = Rollup()
        rollup.add(aggregation, hour, value, ts, seq)
        for key in matcher.group_keys:
            found = group_value(properties, key)
            if found is None:  # lacking the key: counts in `value`, in no group
                continue
            groups = self.group_series.setdefault((customer_id, metric_id, key), {})
            rollup = groups.get(found)
            if rollup is None:
                rollup = groups[found] = Rollup()
            rollup.add(aggregation, hour, value, ts, seq)
