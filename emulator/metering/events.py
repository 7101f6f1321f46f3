"""Stored usage events, kept column by column: a million of them must fit in a few hundred MB.

A Python object per event costs about 150 bytes before it holds anything (the object, its
sequence number and its timestamp as ints). The log keeps timestamps in a typed array, customer
ids and event types as references to one shared string each, and properties as the number of
their key list (events of one kind share one) and their values marshal-serialised into one
buffer; an `Event` is made only when one is read.

A tenant's log sits on the base's: its first sequence number is the base's length, and reading a
lower number reads the base's log. Nothing is copied.
"""

from __future__ import annotations

import marshal
from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate, chain, islice
from typing import Any, NamedTuple, Protocol

from emulator.wire.timestamps import format_rfc3339

__all__ = ["Event", "EventLike", "EventLog"]


class EventLike(Protocol):
    """What the store ingests: a validated `EventRecord`, or the seed's lighter tuples. A
    document's events may also carry a `processed_at` (epoch microseconds or None)."""

    @property
    def transaction_id(self) -> str: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def event_type(self) -> str: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def properties(self) -> dict[str, Any]: ...


class Event(NamedTuple):
    """One stored event, read back from the log.

    `customer_id` is as sent (an id, an alias or anything else): resolution happens at query
    time, so an alias added later picks up events sent before it.
    """

    seq: int  # ingest order
    transaction_id: str
    customer_id: str
    event_type: str
    ts: int  # epoch microseconds
    properties: dict[str, Any]
    duplicate: bool  # a repeated transaction_id within the dedupe window of the first
    processed_at: int  # epoch microseconds, by the tenant's clock (a document's: its timestamp)

    def to_record(self) -> dict[str, Any]:
        """The event in the fixture document's shape; `processed_at` only when it is not the
        event's own timestamp (the default of a document's events)."""
        record = {
            "transaction_id": self.transaction_id,
            "customer_id": self.customer_id,
            "event_type": self.event_type,
            "timestamp": format_rfc3339(self.ts),
            "properties": self.properties,
        }
        if self.processed_at != self.ts:
            record["processed_at"] = format_rfc3339(self.processed_at)
        return record


class EventLog:
    """Every event as received, in ingest order; an event's index is its sequence number.

    The columns hold this log's own events; sequence numbers below `offset` are the base's.
    """

    def __init__(self, base: EventLog | None = None) -> None:
        self.base = base
        self.offset = len(base) if base is not None else 0
        self.ts = array("q")
        # Processing times; None while each event's is its own timestamp (a document's, the
        # seed's): a million of them would be 8 MB of copies.
        self.processed: array[int] | None = None
        self.transaction_ids: list[str] = []
        self.customer_ids: list[str] = []
        self.event_types: list[str] = []
        # Each event's property values marshal-serialised (exact-size bytes, any JSON value,
        # integers of any size too, fast both ways; only ever read back by this same process),
        # one after another in one buffer, and where each ends: a bytes object each would cost
        # 40 bytes more an event.
        self._values = bytearray()
        self._ends = array("Q")
        self._shape = array("I")  # the index in `_shapes` of each event's property names
        self._shapes: list[tuple[str, ...]] = []
        self._shape_index: dict[tuple[str, ...], int] = {}
        self._duplicate = bytearray()
        self._strings: dict[str, str] = {}  # one copy of each customer id and event type

    def __len__(self) -> int:
        return self.offset + len(self.ts)

    def __getitem__(self, seq: int) -> Event:
        if not 0 <= seq < len(self):
            raise IndexError(seq)
        if seq < self.offset:
            assert self.base is not None
            return self.base[seq]
        i = seq - self.offset
        return Event(
            seq,
            self.transaction_ids[i],
            self.customer_ids[i],
            self.event_types[i],
            self.ts[i],
            dict(zip(self._shapes[self._shape[i]], self._values_of(i), strict=True)),
            bool(self._duplicate[i]),
            self.ts[i] if self.processed is None else self.processed[i],
        )

    def _values_of(self, i: int) -> tuple[Any, ...]:
        ends = self._ends
        values: tuple[Any, ...] = marshal.loads(self._values[ends[i - 1] if i else 0 : ends[i]])
        return values

    def __iter__(self) -> Iterator[Event]:
        return chain(self.base or (), self.own())

    def own(self) -> Iterator[Event]:
        """This log's own events, without the base's."""
        return map(self.__getitem__, range(self.offset, len(self)))

    def processed_at(self, seq: int) -> int:
        if seq < self.offset:
            assert self.base is not None
            return self.base.processed_at(seq)
        i = seq - self.offset
        return self.ts[i] if self.processed is None else self.processed[i]

    def extend(
        self, records: Sequence[EventLike], duplicates: bytes | bytearray, processed_at: list[int]
    ) -> None:
        """Store a batch of events, a column at a time."""
        strings = self._strings
        stamps = [record.timestamp for record in records]
        if self.processed is None and processed_at != stamps:
            self.processed = array("q", self.ts)  # each event before was processed at its time
        self.ts.extend(stamps)
        if self.processed is not None:
            self.processed.extend(processed_at)
        self.transaction_ids.extend([record.transaction_id for record in records])
        self.customer_ids.extend(
            [strings.setdefault(r.customer_id, r.customer_id) for r in records]
        )
        self.event_types.extend([strings.setdefault(r.event_type, r.event_type) for r in records])
        shape_index, shapes, indices = self._shape_index, self._shapes, []
        dumps = marshal.dumps
        values = []
        for record in records:
            properties = record.properties
            shape = tuple(properties)
            index = shape_index.get(shape)
            if index is None:
                index = shape_index[shape] = len(shapes)
                shapes.append(shape)
            indices.append(index)
            values.append(dumps(tuple(properties.values())))
        self._shape.extend(indices)
        self._ends.extend(islice(accumulate(map(len, values), initial=len(self._values)), 1, None))
        self._values += b"".join(values)
        self._duplicate += duplicates
