"""Stored usage events, kept column by column: a million of them must fit in a few hundred MB.

A Python object per event costs about 150 bytes before it holds anything (the object, its
sequence number and its timestamp as ints). The log keeps timestamps in a typed array, customer
ids and event types as references to one shared string each, and properties as the number of
their key list (events of one kind share one) and their values marshal-serialised; an `Event` is
made only when one is read.
"""

from __future__ import annotations

import marshal
from array import array
from collections.abc import Iterator
from typing import Any, NamedTuple, Protocol

from emulator.timestamps import format_rfc3339

__all__ = ["Event", "EventLike", "EventLog"]


class EventLike(Protocol):
    """What the store ingests: a validated `EventRecord`, or the seed's lighter tuples."""

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
    duplicate: bool  # a later event with an already-seen transaction_id

    def to_record(self) -> dict[str, Any]:
        """The event in the fixture document's shape."""
        return {
            "transaction_id": self.transaction_id,
            "customer_id": self.customer_id,
            "event_type": self.event_type,
            "timestamp": format_rfc3339(self.ts),
            "properties": self.properties,
        }


class EventLog:
    """Every event as received, in ingest order; an event's index is its sequence number."""

    def __init__(self) -> None:
        self.ts = array("q")
        self.transaction_ids: list[str] = []
        self.customer_ids: list[str] = []
        self.event_types: list[str] = []
        # marshal: exact-size bytes, any JSON value (integers of any size too), fast both ways;
        # only ever read back by this same process.
        self._values: list[bytes] = []
        self._shape = array("I")  # the index in `_shapes` of each event's property names
        self._shapes: list[tuple[str, ...]] = []
        self._shape_index: dict[tuple[str, ...], int] = {}
        self._duplicate = bytearray()
        self._strings: dict[str, str] = {}  # one copy of each customer id and event type

    def __len__(self) -> int:
        return len(self.ts)

    def __getitem__(self, seq: int) -> Event:
        return Event(
            seq,
            self.transaction_ids[seq],
            self.customer_ids[seq],
            self.event_types[seq],
            self.ts[seq],
            self.properties(seq),
            bool(self._duplicate[seq]),
        )

    def __iter__(self) -> Iterator[Event]:
        return map(self.__getitem__, range(len(self)))

    def properties(self, seq: int) -> dict[str, Any]:
        return dict(
            zip(self._shapes[self._shape[seq]], marshal.loads(self._values[seq]), strict=True)
        )

    def append(self, record: EventLike, duplicate: bool) -> int:
        """Store one event and return its sequence number."""
        strings = self._strings
        seq = len(self.ts)
        self.ts.append(record.timestamp)
        self.transaction_ids.append(record.transaction_id)
        self.customer_ids.append(strings.setdefault(record.customer_id, record.customer_id))
        self.event_types.append(strings.setdefault(record.event_type, record.event_type))
        properties = record.properties
        shape = tuple(properties)
        index = self._shape_index.get(shape)
        if index is None:
            index = self._shape_index[shape] = len(self._shapes)
            self._shapes.append(shape)
        self._shape.append(index)
        self._values.append(marshal.dumps(tuple(properties.values())))
        self._duplicate.append(duplicate)
        return seq

    def copy(self) -> EventLog:
        """An independent log sharing the (immutable) strings and bytes of this one."""
        twin = EventLog()
        twin.ts = array("q", self.ts)
        twin.transaction_ids = list(self.transaction_ids)
        twin.customer_ids = list(self.customer_ids)
        twin.event_types = list(self.event_types)
        twin._values = list(self._values)
        twin._shape = array("I", self._shape)
        twin._shapes = list(self._shapes)
        twin._shape_index = dict(self._shape_index)
        twin._duplicate = bytearray(self._duplicate)
        twin._strings = dict(self._strings)
        return twin
