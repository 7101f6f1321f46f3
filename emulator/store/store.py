"""The state of one tenant: customers, billable metrics, events and the hourly rollups over them.

Nothing here knows about HTTP. Rollups are kept per *sender key* (the `customer_id` string an event
was sent with), metric and hour, and per group value; a customer's usage is the merge of the series
of its id and its aliases, so aliases resolve at query time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from emulator.errors import BadRequest
from emulator.store.events import Event, EventLike
from emulator.store.matching import NO_MATCH, Matcher
from emulator.store.values import string_form
from emulator.timestamps import US_PER_HOUR
from emulator.wire import BillableMetricRecord, CustomerRecord

__all__ = ["Cells", "Document", "Store"]

Cells = dict[int, Any]  # hour number -> aggregation cell


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
        self.customers: dict[str, CustomerRecord] = {}
        self.metrics: dict[str, BillableMetricRecord] = {}
        self.matchers: dict[str, Matcher] = {}
        self.events: list[Event] = []
        self._alias_owner: dict[str, str] = {}  # ingest alias -> customer id
        self._first_by_txn: dict[str, Event] = {}
        # Candidate matchers per event type; rebuilt lazily when the metric catalogue changes.
        self._candidates: dict[str, list[Matcher]] = {}
        self.series: dict[tuple[str, str], Cells] = {}  # (sender key, metric id)
        # (sender key, metric id, property) -> group value (string form) -> cells
        self.group_series: dict[tuple[str, str, str], dict[str, Cells]] = {}
        # (sender key, hour) -> the non-duplicate events of that hour, for partial-hour windows
        self.raw: dict[tuple[str, int], list[Event]] = {}
        # One copy of each customer id and event type string, however many events repeat it.
        self._strings: dict[str, str] = {}

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
        twin.events = list(self.events)
        twin._alias_owner = dict(self._alias_owner)
        twin._first_by_txn = dict(self._first_by_txn)
        twin.series = {key: _copy_cells(cells) for key, cells in self.series.items()}
        twin.group_series = {
            key: {value: _copy_cells(cells) for value, cells in groups.items()}
            for key, groups in self.group_series.items()
        }
        twin.raw = {key: list(events) for key, events in self.raw.items()}
        twin._strings = dict(self._strings)
        return twin

    # --- customers and metrics ----------------------------------------------------------------

    def add_customer(self, customer: CustomerRecord, where: str = "customer") -> None:
        if customer.id in self.customers:
            raise BadRequest(f"{where}.id {customer.id} is already a customer")
        if customer.id in self._alias_owner:
            owner = self._alias_owner[customer.id]
            raise BadRequest(f"{where}.id {customer.id} is an ingest alias of customer {owner}")
        for alias in customer.ingest_aliases:
            user = self._alias_owner.get(alias, alias if alias in self.customers else None)
            if user is not None:
                raise BadRequest(
                    f"{where}.ingest_aliases: {alias!r} is already used by customer {user}"
                )
        self.customers[customer.id] = customer
        for alias in customer.ingest_aliases:
            self._alias_owner[alias] = customer.id

    def add_metric(self, metric: BillableMetricRecord, where: str = "billable metric") -> None:
        if metric.id in self.metrics:
            raise BadRequest(f"{where}.id {metric.id} is already a billable metric")
        matcher = Matcher(metric)
        self.metrics[metric.id] = metric
        self.matchers[metric.id] = matcher
        self._candidates.clear()
        # A new metric applies to the events already stored.
        for event in self.events:
            if not event.duplicate:
                self._roll_up(matcher, event, event.properties)

    def sender_keys(self, customer_id: str) -> list[str]:
        """The `customer_id` strings whose events belong to this customer: its id and aliases."""
        # An alias equal to the id itself must not count its events twice.
        return list(dict.fromkeys([customer_id, *self.customers[customer_id].ingest_aliases]))

    # --- events -------------------------------------------------------------------------------

    def ingest(self, records: Iterable[EventLike]) -> None:
        """Store events in order; the first event with a transaction id wins, later ones are kept
        as duplicates that count nowhere."""
        strings = self._strings
        for record in records:
            first = self._first_by_txn.get(record.transaction_id)
            properties = record.properties
            event = Event(
                seq=len(self.events),
                transaction_id=record.transaction_id,
                customer_id=strings.setdefault(record.customer_id, record.customer_id),
                event_type=strings.setdefault(record.event_type, record.event_type),
                ts=record.timestamp,
                properties=properties,
                duplicate=first is not None,
            )
            self.events.append(event)
            if first is not None:
                continue
            self._first_by_txn[record.transaction_id] = event
            self.raw.setdefault((event.customer_id, event.ts // US_PER_HOUR), []).append(event)
            for matcher in self._candidates_for(event.event_type):
                self._roll_up(matcher, event, properties)

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

    def _roll_up(self, matcher: Matcher, event: Event, properties: dict[str, Any]) -> None:
        value = matcher.contribution(event.event_type, properties)
        if value is NO_MATCH:
            return
        hour = event.ts // US_PER_HOUR
        metric_id = matcher.metric.id
        add = matcher.aggregation.add
        cells = self.series.setdefault((event.customer_id, metric_id), {})
        add(cells, hour, value, event.ts, event.seq)
        for name in matcher.group_names:
            group_value = properties.get(name)
            if group_value is None:  # lacking the key: counts in `value`, in no group
                continue
            groups = self.group_series.setdefault((event.customer_id, metric_id, name), {})
            add(groups.setdefault(string_form(group_value), {}), hour, value, event.ts, event.seq)


def _copy_cells(cells: Cells) -> Cells:
    return {hour: set(cell) if isinstance(cell, set) else cell for hour, cell in cells.items()}
