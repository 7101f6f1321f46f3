"""Fixture documents in and out of a running emulator without holding its event loop.

`load_document` parses, validates and stores a posted document; the caller runs it in a worker
thread (`asyncio.to_thread`): the new store is the thread's alone until it is handed back, and
only the JSON parse itself holds the interpreter in one piece (the body limit keeps it short).
`document_pieces` writes a store's document a piece at a time, so a large export (written out in
slices by `GET /_emulator/state`) or state file is never whole in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import from_json

from emulator.metering.store import DocumentSource, Store
from emulator.rating.catalog import Catalog
from emulator.rating.fixtures import load_fields
from emulator.wire.encoding import encode_json
from emulator.wire.errors import BadRequest, message_for
from emulator.wire.models import CustomerRecord, EventDocument, MetricDocument, Timestamp

__all__ = ["LoadedDocument", "document_pieces", "load_document", "rating_piece"]

_CUSTOMERS = TypeAdapter(list[CustomerRecord])
_METRICS = TypeAdapter(list[MetricDocument])
_CLOCK = TypeAdapter(Timestamp | None)
_WHAT = "state document"


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    store: Store
    catalog: Catalog
    clock_given: bool  # the document has a `clock` (null: the wall clock)
    clock: int | None


@dataclass(frozen=True, slots=True)
class _Parsed:
    """The document as `Store.from_document` reads it, events validated as they are stored."""

    customers: list[CustomerRecord]
    billable_metrics: list[MetricDocument]
    events: Iterator[EventDocument]


def load_document(body: bytes) -> LoadedDocument:
    """A store built from a posted fixture document; 400 naming the field when it is not valid.
    Unknown top-level fields are ignored, as everywhere."""
    if not body.strip():
        raise BadRequest(f"{_WHAT} is required: a JSON object")
    try:
        # pydantic's own parser: integers of any size come back exact (orjson's become floats).
        # NaN and Infinity literals are not JSON: refused, as at ingest.
        raw = from_json(body, allow_inf_nan=False)
    except ValueError:
        raise BadRequest(f"{_WHAT} must be valid JSON") from None
    if not isinstance(raw, dict):
        raise BadRequest(f"{_WHAT} must be a JSON object")
    customers = _section(_CUSTOMERS, raw, "customers", [])
    metrics = _section(_METRICS, raw, "billable_metrics", [])
    clock = _section(_CLOCK, raw, "clock", None)
    events = raw.get("events", [])
    if not isinstance(events, list):
        raise BadRequest("events must be a JSON array")
    store = Store.from_document(_Parsed(customers, metrics, _validated(events)))
    catalog = load_fields(raw, store)
    return LoadedDocument(store, catalog, "clock" in raw, clock)


def _section(adapter: TypeAdapter[Any], raw: dict[str, Any], name: str, default: Any) -> Any:
    """A top-level field, validated; `default` when absent."""
    if name not in raw:
        return default
    try:
        return adapter.validate_python(raw[name], strict=True)
    except ValidationError as exc:
        raise BadRequest(_named(message_for(exc, name, items=name), name)) from None


def _validated(events: list[Any]) -> Iterator[EventDocument]:
    for index, item in enumerate(events):
        try:
            yield EventDocument.model_validate(item, strict=True)
        except ValidationError as exc:
            where = f"events[{index}]"
            raise BadRequest(_named(message_for(exc, where), where)) from None


def _named(message: str, where: str) -> str:
    """pydantic's message, with the path from the document's top."""
    return message if message.startswith(where) else f"{where}.{message}"


def rating_piece(fields: dict[str, list[dict[str, Any]]] | None) -> bytes:
    """`,"products":...,"rate_cards":...,"contracts":...`: the rating fields of a document
    (`emulator.rating.fixtures.export_fields`), to go in `document_pieces`'s tail; nothing for
    None."""
    if fields is None:
        return b""
    return b"".join(
        b',"%b":%b' % (name.encode(), encode_json(fields[name]))
        for name in ("products", "rate_cards", "contracts")
    )


def document_pieces(source: DocumentSource, tail: bytes = b"") -> Iterator[bytes]:
    """A document as JSON, a piece at a time: its head, then its events 500 at a time. `tail`
    goes before the closing brace (`,"clock":...`)."""
    head = source.head()
    yield b'{"customers":%b,"billable_metrics":%b,"events":[' % (
        encode_json(head["customers"]),
        encode_json(head["billable_metrics"]),
    )
    records = source.records()
    separator = b""
    for chunk in iter(lambda: list(islice(records, 500)), []):
        yield separator + encode_json(chunk)[1:-1]
        separator = b","
    yield b"]%b}" % tail
