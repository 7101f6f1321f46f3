"""A stored usage event."""

from __future__ import annotations

from typing import Any

from emulator.timestamps import format_rfc3339

__all__ = ["Event"]


class Event:
    """One event as received, in ingest order (`seq`).

    `customer_id` is kept as sent (an id, an alias or anything else): resolution happens at query
    time, so an alias added later picks up events sent before it.
    """

    __slots__ = (
        "customer_id",
        "duplicate",
        "event_type",
        "properties",
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
        self.properties = properties
        self.duplicate = duplicate  # a later event with an already-seen transaction_id

    def to_record(self) -> dict[str, Any]:
        """The event in the fixture document's shape."""
        return {
            "transaction_id": self.transaction_id,
            "customer_id": self.customer_id,
            "event_type": self.event_type,
            "timestamp": format_rfc3339(self.ts),
            "properties": self.properties,
        }
