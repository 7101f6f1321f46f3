"""A stored usage event, kept compact: a million of them must fit in a few hundred megabytes."""

from __future__ import annotations

import marshal
from typing import Any, Protocol

from emulator.timestamps import format_rfc3339

__all__ = ["Event", "EventLike"]


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


class Event:
    """One event as received, in ingest order (`seq`).

    `customer_id` is kept as sent (an id, an alias or anything else): resolution happens at query
    time, so an alias added later picks up events sent before it. Properties are kept serialised
    (smaller than a dict and its values) and read back only where raw events are needed.
    """

    __slots__ = (
        "_properties",
        "customer_id",
        "duplicate",
        "event_type",
        "seq",
        "transaction_id",
        "ts",
    )

    def __init__(
        self,
        seq: int,
        transaction_id: str,
        customer_id: str,
        event_type: str,
        ts: int,
        properties: dict[str, Any],
        duplicate: bool,
    ) -> None:
        self.seq = seq
        self.transaction_id = transaction_id
        self.customer_id = customer_id
        self.event_type = event_type
        self.ts = ts  # epoch microseconds
        self.duplicate = duplicate  # a later event with an already-seen transaction_id
        # marshal: exact-size bytes, any JSON value (integers of any size too), fast both ways;
        # only ever read back by this same process.
        self._properties = marshal.dumps(properties)

    @property
    def properties(self) -> dict[str, Any]:
        return marshal.loads(self._properties)  # type: ignore[no-any-return]

    def to_record(self) -> dict[str, Any]:
        """The event in the fixture document's shape."""
        return {
            "transaction_id": self.transaction_id,
            "customer_id": self.customer_id,
            "event_type": self.event_type,
            "timestamp": format_rfc3339(self.ts),
            "properties": self.properties,
        }
