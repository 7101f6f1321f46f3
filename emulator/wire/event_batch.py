"""A `POST /v1/ingest` body read with plain checks: the fast path beside `EventRecord`.

`plain_events` parses the body with orjson and checks each event with plain Python, no model
built. It accepts only what `list[EventRecord]` (1 to INGEST_BATCH of them) accepts, with equal
values, and answers None for anything else: anything wrong, and anything it does not expect
(a field it does not know, a form of timestamp it does not read itself, a number orjson reads
differently from pydantic). The caller then validates the body with pydantic, whose message
names the problem, so the fast path never has messages of its own to keep in step.

The checks mirror `EventRecord` and `Properties` (`emulator/wire/models.py`), with the same limits
(`emulator/wire/limits.py`); `tests/test_event_batch.py` feeds random batches, valid and not, to
both and holds them to the same outcome. A rule added there needs its mirror here, or a None.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from emulator.wire.encoding import encode_json
from emulator.wire.limits import (
    INGEST_BATCH,
    NAME_CHARS,
    PROPERTY_DEPTH,
    PROPERTY_VALUE_BYTES,
    TRANSACTION_ID_CHARS,
)
from emulator.wire.timestamps import parse_rfc3339_all

__all__ = ["PlainEvent", "plain_events"]


class PlainEvent(NamedTuple):
    """An event that passed the plain checks: what the store ingests (`EventLike`)."""

    transaction_id: str
    customer_id: str
    event_type: str
    timestamp: int  # epoch microseconds
    properties: dict[str, Any]


# orjson reads an integer literal beyond 64 bits as a float, pydantic as the exact integer: such a
# float is at least 2**63 in size, so any float that large goes to pydantic.
_FLOAT_EDGE = 2.0**63
# A string of at most this many characters is within PROPERTY_VALUE_BYTES in any UTF-8 (at most
# 4 bytes a character), so its bytes need no counting.
_SHORT = PROPERTY_VALUE_BYTES // 4
# An integer this large has more digits than a property value may have (`models._check_value`).
_LONGEST_INT = 10**PROPERTY_VALUE_BYTES


def plain_events(body: bytes) -> list[PlainEvent] | None:
    """The body's events, when the plain checks find nothing wrong or unusual; None otherwise."""
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(items) is not list or not 1 <= len(items) <= INGEST_BATCH:
        return None
    rows: list[tuple[str, str, str, dict[str, Any]]] = []
    stamps: list[str] = []
    for item in items:
        if type(item) is not dict:
            return None
        transaction_id = item.get("transaction_id")
        customer_id = item.get("customer_id")
        event_type = item.get("event_type")
        stamp = item.get("timestamp")
        if (
            type(transaction_id) is not str
            or not 0 < len(transaction_id) <= TRANSACTION_ID_CHARS
            or type(customer_id) is not str
            or not 0 < len(customer_id) <= NAME_CHARS
            or type(event_type) is not str
            or not 0 < len(event_type) <= NAME_CHARS
            or type(stamp) is not str
        ):
            return None
        properties = item.get("properties")
        if properties is None:
            # No other field: pydantic ignores unknown fields, but it would still refuse some
            # that orjson reads (nested past its depth), so those are its to judge.
            if len(item) != 4:
                return None
            properties = {}
        elif type(properties) is not dict or len(item) != 5 or not _plain(properties):
            return None
        rows.append((transaction_id, customer_id, event_type, properties))
        stamps.append(stamp)
    try:
        micros = parse_rfc3339_all(stamps)
    except ValueError:
        return None
    return [
        PlainEvent(transaction_id, customer_id, event_type, timestamp, properties)
        for (transaction_id, customer_id, event_type, properties), timestamp in zip(
            rows, micros, strict=True
        )
    ]


def _plain(properties: dict[str, Any]) -> bool:
    """Whether `Properties` accepts these properties as they are, and orjson read their numbers
    as pydantic does."""
    for name, value in properties.items():
        if len(name) > NAME_CHARS:
            return False
        kind = type(value)
        if kind is str:
            if (
                len(value) > _SHORT
                and len(value.encode(errors="surrogatepass")) > PROPERTY_VALUE_BYTES
            ):
                return False
        elif kind is int:
            if not -_LONGEST_INT < value < _LONGEST_INT:
                return False
        elif kind is float:
            if not -_FLOAT_EDGE < value < _FLOAT_EDGE:  # NaN too
                return False
        elif kind is dict or kind is list:
            if not _plain_tree(value) or len(encode_json(value)) > PROPERTY_VALUE_BYTES:
                return False
        elif kind is not bool and value is not None:
            return False
    return True


def _plain_tree(value: dict[str, Any] | list[Any]) -> bool:
    """At most PROPERTY_DEPTH levels of objects and arrays, and every float within _FLOAT_EDGE."""
    level: list[Any] = [value]
    depth = 0
    while level:
        depth += 1
        if depth > PROPERTY_DEPTH:
            return False
        below: list[Any] = []
        for item in level:
            for child in item.values() if type(item) is dict else item:
                kind = type(child)
                if kind is float:
                    if not -_FLOAT_EDGE < child < _FLOAT_EDGE:
                        return False
                elif kind is dict or kind is list:
                    below.append(child)
        level = below
    return True
