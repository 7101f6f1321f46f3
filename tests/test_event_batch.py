"""The plain checks of an ingest batch (`emulator/wire/event_batch.py`) against the pydantic model
they stand in for: random batches, valid and not, have the same outcome either way."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.api.ingest import BATCH
from emulator.web.jsonio import parse_array
from emulator.wire.errors import BadRequest
from emulator.wire.event_batch import PlainEvent, plain_events
from emulator.wire.limits import (
    INGEST_BATCH,
    NAME_CHARS,
    PROPERTY_DEPTH,
    PROPERTY_VALUE_BYTES,
    TRANSACTION_ID_CHARS,
)
from tests.test_timestamps import rfc3339_texts

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference(body: bytes) -> tuple[str, str]:
    """What the pydantic path makes of a body: its events (as a repr, so that 1 and 1.0, or the
    order of keys, differ) or its 400's message."""
    try:
        events = parse_array(body, BATCH, items="usage")
    except BadRequest as exc:
        return "400", exc.message
    return "ok", repr([_fields(event) for event in events])


def _fields(event: Any) -> tuple[Any, ...]:
    return (
        event.transaction_id,
        event.customer_id,
        event.event_type,
        event.timestamp,
        event.properties,
    )


def handled(body: bytes) -> tuple[str, str]:
    """What the handler makes of a body: the plain checks' events, else the pydantic path's."""
    events = plain_events(body)
    if events is None:
        return reference(body)
    return "ok", repr([_fields(event) for event in events])


def assert_same(body: bytes) -> None:
    assert handled(body) == reference(body), body


# --- strategies -------------------------------------------------------------------------------

CHARS = st.characters(codec="utf-8") | st.sampled_from("aé€😀")


def text_near(limit: int) -> st.SearchStrategy[str]:
    """Strings around a length limit (in characters), and short ones."""
    return st.one_of(
        st.text(CHARS, max_size=8),
        st.integers(limit - 2, limit + 2).flatmap(
            lambda n: st.text(CHARS, min_size=max(n, 0), max_size=max(n, 0))
        ),
    )


OTHER = st.none() | st.integers(-5, 5) | st.booleans() | st.just([]) | st.just({})


def timestamps() -> st.SearchStrategy[Any]:
    return rfc3339_texts() | OTHER | st.integers()


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, 10**30]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([1e308, -1e308, 2.0**63, -(2.0**63), 1e19, 0.1, -0.0]),
        st.text(CHARS, max_size=8),
        text_near(PROPERTY_VALUE_BYTES // 2),
        text_near(PROPERTY_VALUE_BYTES),
    )


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for n in range(depth):
        value = {"a": value} if n % 2 else [value]
    return value


def values() -> st.SearchStrategy[Any]:
    deep = st.builds(
        nested, st.integers(PROPERTY_DEPTH - 1, PROPERTY_DEPTH + 1), scalars() | st.just(1)
    )
    trees = st.recursive(
        scalars(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
        max_leaves=12,
    )
    return scalars() | trees | deep


def properties() -> st.SearchStrategy[Any]:
    names = st.text(CHARS, max_size=6) | text_near(NAME_CHARS)
    return st.dictionaries(names, values(), max_size=4) | OTHER


def events() -> st.SearchStrategy[Any]:
    fields = st.fixed_dictionaries(
        {},
        optional={
            "transaction_id": text_near(TRANSACTION_ID_CHARS) | OTHER,
            "customer_id": text_near(NAME_CHARS) | OTHER,
            "event_type": text_near(NAME_CHARS) | OTHER,
            "timestamp": timestamps(),
            "properties": properties(),
            "extra": values(),
        },
    )
    return fields | OTHER | st.text(max_size=3)


def valid_events() -> st.SearchStrategy[dict[str, Any]]:
    """Ordinary valid events: the plain checks take these themselves."""
    plain_values = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**62), 2**62),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e18, max_value=1e18),
        st.text(CHARS, max_size=20),
        st.lists(st.integers(0, 9) | st.text(max_size=3), max_size=3),
    )
    return st.fixed_dictionaries(
        {
            "transaction_id": st.text(CHARS, min_size=1, max_size=TRANSACTION_ID_CHARS),
            "customer_id": st.text(CHARS, min_size=1, max_size=40),
            "event_type": st.text(CHARS, min_size=1, max_size=40),
            "timestamp": st.builds(
                "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}Z".format,
                st.integers(1, 9999),
                st.integers(1, 12),
                st.integers(1, 28),
                st.integers(0, 23),
                st.integers(0, 59),
                st.integers(0, 59),
                st.sampled_from(["", ".1", ".12", ".123"]),
            ),
        },
        optional={"properties": st.dictionaries(st.text(CHARS, max_size=10), plain_values)},
    )


def encode(payload: Any, ascii_only: bool) -> bytes:
    return json.dumps(payload, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


# --- tests ------------------------------------------------------------------------------------


class TestSameOutcome:
    """Every body has the outcome the pydantic model gives it: equal events, or its message."""

    @SETTINGS
    @given(st.lists(events(), min_size=1, max_size=4), st.booleans())
    def test_random_batches(self, batch: list[Any], ascii_only: bool) -> None:
        assert_same(encode(batch, ascii_only))

    @SETTINGS
    @given(st.lists(valid_events(), min_size=1, max_size=8), st.booleans())
    def test_ordinary_batches_take_the_plain_path(
        self, batch: list[dict[str, Any]], ascii_only: bool
    ) -> None:
        body = encode(batch, ascii_only)
        found = plain_events(body)
        assert found is not None
        assert ("ok", repr([_fields(event) for event in found])) == reference(body)
        assert all(type(event) is PlainEvent for event in found)

    @SETTINGS
    @given(st.lists(valid_events(), min_size=1, max_size=3), st.data())
    def test_one_field_spoilt(self, batch: list[dict[str, Any]], data: st.DataObject) -> None:
        """A valid batch with one field of one event replaced by anything at all."""
        index = data.draw(st.integers(0, len(batch) - 1))
        field = data.draw(st.sampled_from(["transaction_id", "customer_id", "event_type",
                                           "timestamp", "properties", "extra"]))  # fmt: skip
        strategy = {
            "timestamp": timestamps(),
            "properties": properties(),
            "extra": values(),
        }.get(field, text_near(NAME_CHARS) | text_near(TRANSACTION_ID_CHARS) | OTHER)
        batch[index][field] = data.draw(strategy)
        if data.draw(st.booleans()):
            del batch[index][field]
        assert_same(encode(batch, ascii_only=False))

    @pytest.mark.parametrize(
        "body",
        [
            b"",
            b"  ",
            b"[]",
            b"{}",
            b"null",
            b"[1]",
            b"[{}]",
            b"\xef\xbb\xbf[]",
            b"[NaN]",
            b'["\\ud800"]',
            b'["\xff"]',
            b"[1,]",
        ],
    )
    def test_bodies(self, body: bytes) -> None:
        assert_same(body)

    @pytest.mark.parametrize("size", [1, INGEST_BATCH, INGEST_BATCH + 1])
    def test_batch_sizes(self, size: int) -> None:
        event = {"transaction_id": "t", "customer_id": "c", "event_type": "e",
                 "timestamp": "2021-01-01T00:00:00Z"}  # fmt: skip
        body = encode([event] * size, ascii_only=True)
        assert_same(body)
        assert (plain_events(body) is None) == (size > INGEST_BATCH)

    @pytest.mark.parametrize(
        "literal",
        [b"1e400", b"-1e400", b"NaN", b"Infinity", b"-Infinity", b"18446744073709551616",
         b"-9223372036854775809", b"18446744073709551615", b"9223372036854775808",
         b"1" + b"0" * 256, b"9" * 257, b"[[[[1e400]]]]", b'{"x": 18446744073709551616}',
         b"1E2", b"-0", b"-0.0", b"0.1e1", b"1e-400"],
    )  # fmt: skip
    def test_numbers_orjson_reads_its_own_way(self, literal: bytes) -> None:
        """Integers past 64 bits (orjson: a float), past the float range (orjson: an error)."""
        body = (
            b'[{"transaction_id":"t","customer_id":"c","event_type":"e",'
            b'"timestamp":"2021-01-01T00:00:00Z","properties":{"n":' + literal + b"}}]"
        )
        assert_same(body)

    def test_repeated_keys(self) -> None:
        """The last of a repeated key counts, both ways."""
        body = (
            b'[{"transaction_id":"t","customer_id":"c","event_type":"e","timestamp":5,'
            b'"timestamp":"2021-01-01T00:00:00Z","properties":{"y":1,"x":2,"y":3},'
            b'"transaction_id":"u"}]'
        )
        assert handled(body) == reference(body)
        assert plain_events(body) is not None
        assert_same(body.replace(b'"timestamp":5,', b"").replace(b"}]", b',"timestamp":5}]'))

    @pytest.mark.parametrize("properties", [None, {}, {"a": 1}])
    def test_deep_unknown_field(self, properties: dict[str, Any] | None) -> None:
        """pydantic's parser stops at 200 levels even in a field it ignores; orjson does not."""
        event = {**EVENT, "extra": nested(250)}
        if properties is not None:
            event["properties"] = properties
        body = encode([event], ascii_only=True)
        assert reference(body) == ("400", "request body must be valid JSON")
        assert_same(body)


EVENT = {"transaction_id": "t", "customer_id": "c", "event_type": "e",
         "timestamp": "2021-01-01T00:00:00Z"}  # fmt: skip
EMOJI, E_ACUTE = "😀", "é"  # 4 and 2 bytes in UTF-8
LONGEST = PROPERTY_VALUE_BYTES


def _edges() -> list[tuple[dict[str, Any], bool]]:
    """One event at each side of each rule: (the changes, whether the model accepts them)."""
    cases: list[tuple[dict[str, Any], bool]] = []
    for name, limit in [("transaction_id", TRANSACTION_ID_CHARS), ("customer_id", NAME_CHARS),
                        ("event_type", NAME_CHARS)]:  # fmt: skip
        for char in ("x", EMOJI):
            cases += [({name: char * limit}, True), ({name: char * (limit + 1)}, False)]
        cases += [({name: ""}, False), ({name: None}, False), ({name: 1}, False)]
    for char, size in (("m", 1), (E_ACUTE, 2), (EMOJI, 4)):
        cases += [
            ({"properties": {"v": char * (LONGEST // size)}}, True),
            ({"properties": {"v": char * (LONGEST // size + 1)}}, False),
            ({"properties": {"v": ["v" * (LONGEST - 4)]}}, True),  # ["..."]: 4 more bytes
            ({"properties": {"v": ["v" * (LONGEST - 3)]}}, False),
            ({"properties": {"v": {"k": "v" * (LONGEST - 8)}}}, True),  # {"k":"..."}
            ({"properties": {"v": {"k": "v" * (LONGEST - 7)}}}, False),
        ]
    for char in ("k", EMOJI):
        cases += [
            ({"properties": {char * NAME_CHARS: 1}}, True),
            ({"properties": {char * (NAME_CHARS + 1): 1}}, False),
        ]
    for leaf in (1, "x", 1.5, None, -(2.0**63), 1e19):
        cases += [
            ({"properties": {"v": nested(PROPERTY_DEPTH, leaf)}}, True),
            ({"properties": {"v": nested(PROPERTY_DEPTH + 1, leaf)}}, False),
            ({"properties": {"a": 1, "v": nested(PROPERTY_DEPTH - 1, leaf)}}, True),
        ]
    cases += [
        ({"properties": None}, False),
        ({"properties": []}, False),
        ({"properties": {}}, True),
        ({"extra": 1}, True),
        ({"extra": 1, "properties": {"a": "b"}}, True),
        ({"timestamp": "2021-01-01T00:00:00.123Z"}, True),
        ({"timestamp": "2021-01-01T00:00:00+00:00"}, True),
        ({"timestamp": "2021-01-01T00:00:60Z"}, False),
        ({"timestamp": "2021-02-29T00:00:00Z"}, False),
        ({"timestamp": 0}, False),
    ]
    return cases


class TestEdges:
    """Each side of each rule: the same outcome, and the plain path takes what it should."""

    @pytest.mark.parametrize(("changes", "accepted"), _edges())
    def test_edge(self, changes: dict[str, Any], accepted: bool) -> None:
        body = encode([EVENT, {**EVENT, **changes}], ascii_only=False)
        assert_same(body)
        assert reference(body)[0] == ("ok" if accepted else "400")
        # What the plain path leaves to pydantic though valid: unknown fields, and floats as large
        # as integers past 64 bits (which orjson reads as floats).
        text = repr(changes)
        unusual = "extra" in changes or "e+18" in text or "e+19" in text
        assert (plain_events(body) is not None) == (accepted and not unusual)
