"""The door refuses what the house cannot keep (issue 18, findings 2-4): clock moves past the last
representable instant, properties nested deeper than the state file holds, NaN and Infinity, names
and values past their sizes, page sizes of thousands of digits; and numbers past the float range
answer a number, never a 500."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from emulator.wire.limits import (
    CUSTOM_FIELD_CHARS,
    NAME_CHARS,
    PROPERTY_DEPTH,
    PROPERTY_VALUE_BYTES,
    RECORD_BYTES,
)
from tests.api.conftest import AUTH
from tests.helpers import ACME, PEAK_STORAGE, SEATS, TOKENS

DAY = {"starting_on": "2021-01-01T00:00:00Z", "ending_before": "2021-01-02T00:00:00Z"}


def event(n: int, event_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "transaction_id": f"door-{n}",
        "customer_id": ACME,
        "event_type": event_type,
        "timestamp": "2021-01-01T12:00:00Z",
        "properties": properties,
    }


async def ingest(client: Any, events: list[dict[str, Any]] | bytes) -> Any:
    body = events if isinstance(events, bytes) else json.dumps(events).encode()
    return await client.post("/v1/ingest", data=body, headers=AUTH)


async def value_of(client: Any, metric: str) -> Any:
    body = {
        **DAY,
        "window_size": "day",
        "customer_ids": [ACME],
        "billable_metrics": [{"id": metric}],
    }
    answer = await client.post("/v1/usage", json=body, headers=AUTH)
    assert answer.status == 200, await answer.text()
    return (await answer.json())["data"][0]["value"]


async def message(answer: Any, status: int = 400) -> str:
    assert answer.status == status, await answer.text()
    return str((await answer.json())["message"])


class TestClock:
    """A clock never passes 9999-12-31T23:59:59.999999Z; at that instant everything still works."""

    async def test_advance_past_the_end_is_refused(self, client: Any) -> None:
        set_to = {"now": "9999-12-31T00:00:00Z"}
        assert (await client.post("/_emulator/clock", json=set_to, headers=AUTH)).status == 200
        answer = await client.post(
            "/_emulator/clock", json={"advance_seconds": 86400 * 2}, headers=AUTH
        )
        text = await message(answer)
        assert "advance_seconds" in text
        assert "9999-12-31T23:59:59.999999Z" in text
        clock = await (await client.get("/_emulator/clock", headers=AUTH)).json()
        assert clock["now"] == "9999-12-31T00:00:00Z"

    async def test_the_last_instant_works(self, client: Any) -> None:
        last = {"now": "9999-12-31T23:59:59.999999Z"}
        assert (await client.post("/_emulator/clock", json=last, headers=AUTH)).status == 200
        created = await client.post("/v1/customers", json={"name": "late"}, headers=AUTH)
        assert created.status == 200
        state = await client.get("/_emulator/state", headers=AUTH)
        assert state.status == 200
        document = await state.json()
        assert document["clock"] == "9999-12-31T23:59:59.999999Z"
        loaded = await client.post("/_emulator/state", json=document, headers=AUTH)
        assert loaded.status == 200


class TestNesting:
    """Property values nest at most PROPERTY_DEPTH levels; what is accepted exports and loads."""

    @staticmethod
    def nested(depth: int) -> Any:
        value: Any = 1
        for _ in range(depth):
            value = {"a": value}
        return value

    async def test_too_deep_is_refused(self, client: Any) -> None:
        answer = await ingest(client, [event(1, "x", {"deep": self.nested(PROPERTY_DEPTH + 1)})])
        text = await message(answer)
        assert text.startswith("usage[0].properties")
        assert f"more than {PROPERTY_DEPTH} levels" in text

    async def test_195_deep_is_refused(self, client: Any) -> None:
        assert (await ingest(client, [event(1, "x", {"deep": self.nested(195)})])).status == 400

    async def test_the_deepest_accepted_round_trips(self, client: Any) -> None:
        deep = self.nested(PROPERTY_DEPTH)
        assert (await ingest(client, [event(1, "x", {"deep": deep})])).status == 200
        document = await (await client.get("/_emulator/state", headers=AUTH)).json()
        assert document["events"][-1]["properties"] == {"deep": deep}
        assert (await client.post("/_emulator/state", json=document, headers=AUTH)).status == 200
        again = await (await client.get("/_emulator/state", headers=AUTH)).json()
        assert again == document


class TestNonJsonNumbers:
    """NaN, Infinity and -Infinity are not JSON: refused at ingest and in a loaded document."""

    @pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
    async def test_ingest(self, client: Any, literal: bytes) -> None:
        body = json.dumps([event(1, "storage", {"gb": 0})]).encode().replace(b"0}", literal + b"}")
        assert literal in body
        text = await message(await ingest(client, body))
        assert "usage[0].properties" in text
        assert "not a JSON number" in text

    async def test_nested(self, client: Any) -> None:
        body = json.dumps([event(1, "x", {"a": [0]})]).encode().replace(b"[0]", b"[NaN]")
        assert "not a JSON number" in await message(await ingest(client, body))

    async def test_state_document(self, client: Any) -> None:
        document = await (await client.get("/_emulator/state", headers=AUTH)).text()
        body = document.replace('"events":[', '"events":[' + json.dumps(event(9, "x", {"v": 0}))
                                .replace("0}", "NaN}") + ",", 1)  # fmt: skip
        answer = await client.post("/_emulator/state", data=body.encode(), headers=AUTH)
        assert answer.status == 400


class TestSizes:
    """Names, property values and records past their sizes are 400s naming the field and limit."""

    async def test_metric_name(self, client: Any) -> None:
        body = {"name": "n" * (NAME_CHARS + 1), "aggregation_type": "COUNT"}
        answer = await client.post("/v1/billable-metrics/create", json=body, headers=AUTH)
        assert await message(answer) == f"name must be at most {NAME_CHARS} characters"

    async def test_property_value(self, client: Any) -> None:
        properties = {"model": "é" * (PROPERTY_VALUE_BYTES // 2 + 1), "tokens": 1}
        text = await message(await ingest(client, [event(1, "completion", properties)]))
        assert text.startswith("usage[0].properties: model:")
        assert f"at most {PROPERTY_VALUE_BYTES}" in text
        properties = {"model": "m" * PROPERTY_VALUE_BYTES, "tokens": 1}
        assert (await ingest(client, [event(2, "completion", properties)])).status == 200

    async def test_property_name_and_event_fields(self, client: Any) -> None:
        long = "k" * (NAME_CHARS + 1)
        assert "property names" in await message(await ingest(client, [event(1, "x", {long: 1})]))
        text = await message(await ingest(client, [event(1, long, {})]))
        assert text == f"usage[0].event_type must be at most {NAME_CHARS} characters"

    async def test_customer_record(self, client: Any) -> None:
        fields = {f"f{i}": "v" * CUSTOM_FIELD_CHARS for i in range(RECORD_BYTES // 1000)}
        body = {"name": "big", "custom_fields": fields}
        answer = await client.post("/v1/customers", json=body, headers=AUTH)
        assert f"at most {RECORD_BYTES:,}" in await message(answer)

    async def test_digits_of_limits(self, client: Any) -> None:
        digits = "9" * 5000
        answer = await client.get(f"/v1/customers?limit={digits}", headers=AUTH)
        assert await message(answer) == "limit must be an integer from 1 to 100"
        body = {**DAY, "window_size": "day"}
        headers = {**AUTH, "X-Emulator-Page-Size": digits}
        answer = await client.post("/v1/usage", json=body, headers=headers)
        assert "X-Emulator-Page-Size" in await message(answer)


class TestFloatRange:
    """SUM, MAX and LATEST past the float range answer the largest double with its sign."""

    async def test_sum_of_two_1e308(self, client: Any) -> None:
        events = [event(n, "completion", {"tokens": 1e308, "model": "m"}) for n in (1, 2)]
        assert (await ingest(client, events)).status == 200
        assert await value_of(client, TOKENS) == sys.float_info.max
        assert await value_of(client, TOKENS) == sys.float_info.max  # and every later query

    async def test_integer_of_310_digits_is_refused(self, client: Any) -> None:
        body = json.dumps([event(1, "seats", {"seats": 0})]).encode()
        body = body.replace(b'"seats": 0', b'"seats": ' + b"9" * 310)
        text = await message(await ingest(client, body))
        assert text.startswith("usage[0].properties: seats: property value is 310 bytes")

    async def test_mixed_sum_and_the_largest_accepted_integers(self, client: Any) -> None:
        longest = "9" * PROPERTY_VALUE_BYTES
        body = json.dumps(
            [event(1, "completion", {"tokens": 0.5, "model": "m"}),
             event(2, "completion", {"tokens": 1e308, "model": "m"}),
             event(3, "completion", {"tokens": 1e308, "model": "m"}),
             event(4, "storage", {"gb": 0}), event(5, "seats", {"seats": 0})]
        ).encode()  # fmt: skip
        body = body.replace(b'"gb": 0', b'"gb": -' + longest.encode())
        body = body.replace(b'"seats": 0', b'"seats": ' + longest.encode())
        assert (await ingest(client, body)).status == 200
        assert await value_of(client, TOKENS) == sys.float_info.max
        assert await value_of(client, SEATS) == float(longest)
        assert isinstance(await value_of(client, PEAK_STORAGE), int | float)


class TestWhatIsAcceptedLoads:
    """A customer grown to its largest through the API still loads from its own export."""

    async def test_largest_customer_round_trips(self, client: Any) -> None:
        fields = {f"f{i:02d}": "v" * CUSTOM_FIELD_CHARS for i in range(RECORD_BYTES // 1050)}
        created = await client.post(
            "/v1/customers", json={"name": "n" * NAME_CHARS, "custom_fields": fields}, headers=AUTH
        )
        assert created.status == 200, await created.text()
        customer_id = (await created.json())["data"]["id"]
        aliases = {"ingest_aliases": [f"{n:03d}" + "a" * (NAME_CHARS - 3) for n in range(100)]}
        path = f"/v1/customers/{customer_id}/setIngestAliases"
        assert (await client.post(path, json=aliases, headers=AUTH)).status == 200
        document = await (await client.get("/_emulator/state", headers=AUTH)).json()
        loaded = await client.post("/_emulator/state", json=document, headers=AUTH)
        assert loaded.status == 200, await loaded.text()

    async def test_most_aliases_and_an_external_id_round_trip(self, client: Any) -> None:
        body = {"name": "many", "ingest_aliases": [f"alias-{n}" for n in range(100)],
                "external_id": "one more"}  # fmt: skip
        assert (await client.post("/v1/customers", json=body, headers=AUTH)).status == 200
        document = await (await client.get("/_emulator/state", headers=AUTH)).json()
        loaded = await client.post("/_emulator/state", json=document, headers=AUTH)
        assert loaded.status == 200, await loaded.text()
