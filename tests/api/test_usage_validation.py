"""Every bad input to POST /v1/usage gets its status and a message naming the field; never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.api.conftest import AUTH
from tests.helpers import ACME, API_CALLS, TOKENS

H0, DAY_END = "2021-01-01T00:00:00Z", "2021-01-02T00:00:00Z"
VALID: dict[str, Any] = {"starting_on": H0, "ending_before": DAY_END, "window_size": "hour"}
MIDNIGHT_RULE = (
    "{} must be a UTC midnight (Metronome requires usage bounds on day boundaries for every "
    "window_size; query whole days and trim the windows)"
)


async def error_of(response: Any, status: int) -> str:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert list(body) == ["message"]
    assert isinstance(body["message"], str)
    return str(body["message"])


async def post(client: TestClient, body: Any, **kwargs: Any) -> Any:  # type: ignore[type-arg]
    headers = {**AUTH, **kwargs.pop("headers", {})}
    return await client.post("/v1/usage", json=body, headers=headers, **kwargs)


class TestAuth:
    """A Bearer token is required; tokens may contain spaces."""

    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": ""}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}],
    )
    async def test_rejected(self, client: TestClient, headers: dict[str, str]) -> None:  # type: ignore[type-arg]
        response = await client.post("/v1/usage", json=VALID, headers=headers)
        assert "Bearer" in await error_of(response, 401)

    async def test_token_with_spaces(self, client: TestClient) -> None:  # type: ignore[type-arg]
        response = await client.post(
            "/v1/usage", json=VALID, headers={"Authorization": "Bearer My Bearer Token"}
        )
        assert response.status == 200

    async def test_only_listed_tokens(self, aiohttp_client: Any) -> None:
        from emulator.app import create_app
        from emulator.settings import Settings
        from tests.helpers import SMALL

        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, tokens=("good",))))
        ok = await client.post("/v1/usage", json=VALID, headers={"Authorization": "Bearer good"})
        assert ok.status == 200
        bad = await client.post("/v1/usage", json=VALID, headers={"Authorization": "Bearer bad"})
        assert "--token" in await error_of(bad, 401)


class TestRouting:
    """Unknown paths are 404 and wrong methods 405, both with a JSON message."""

    async def test_unknown_path(self, client: TestClient) -> None:  # type: ignore[type-arg]
        response = await client.post("/v1/nope", json={}, headers=AUTH)
        assert "/v1/nope" in await error_of(response, 404)

    async def test_wrong_method(self, client: TestClient) -> None:  # type: ignore[type-arg]
        response = await client.get("/v1/usage", headers=AUTH)
        assert "GET" in await error_of(response, 405)
        assert response.headers["Allow"] == "POST"


class TestBody:
    """Malformed and incomplete bodies."""

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (b"", "request body is required: a JSON object"),
            (b"{", "request body must be valid JSON"),
            (b"[1, 2]", "request body must be a JSON object"),
            (b'"x"', "request body must be a JSON object"),
            (b"null", "request body must be a JSON object"),
        ],
    )
    async def test_malformed(self, client: TestClient, raw: bytes, message: str) -> None:  # type: ignore[type-arg]
        response = await client.post("/v1/usage", data=raw, headers=AUTH)
        assert await error_of(response, 400) == message

    @pytest.mark.parametrize("field", ["starting_on", "ending_before", "window_size"])
    async def test_required(self, client: TestClient, field: str) -> None:  # type: ignore[type-arg]
        body = {k: v for k, v in VALID.items() if k != field}
        assert await error_of(await post(client, body), 400) == f"{field} is required"

    async def test_unknown_fields_ignored(self, client: TestClient) -> None:  # type: ignore[type-arg]
        response = await post(client, {**VALID, "surprise": [1, {"x": None}]})
        assert response.status == 200


class TestFields:
    """Each rule in CONTRACT.md's table of POST /v1/usage, with its message."""

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"window_size": "week"}, "window_size must be one of hour, day, none"),
            ({"window_size": "hOUR"}, "window_size must be one of hour, day, none"),
            ({"window_size": 1}, "window_size must be one of hour, day, none"),
            (
                {"starting_on": "2021-01-01T00:00:00"},
                "starting_on must be an RFC 3339 timestamp with an offset, "
                "e.g. 2021-01-01T00:00:00Z",
            ),
            (
                {"ending_before": "tomorrow"},
                "ending_before must be an RFC 3339 timestamp with an offset, "
                "e.g. 2021-01-01T00:00:00Z",
            ),
            (
                {"ending_before": 1609459200},
                "ending_before must be an RFC 3339 timestamp with an offset, "
                "e.g. 2021-01-01T00:00:00Z",
            ),
            ({"ending_before": H0}, "ending_before must be after starting_on"),
            (
                {"starting_on": DAY_END, "ending_before": H0},
                "ending_before must be after starting_on",
            ),
            (  # order is checked before alignment
                {"starting_on": "2021-01-01T02:00:00Z", "ending_before": "2021-01-01T01:00:00Z"},
                "ending_before must be after starting_on",
            ),
            ({"starting_on": "2021-01-01T00:30:00Z"}, MIDNIGHT_RULE.format("starting_on")),
            (
                {"ending_before": "2021-01-01T02:00:00.5Z"},
                MIDNIGHT_RULE.format("ending_before"),
            ),
            (
                {"window_size": "day", "ending_before": "2021-01-01T02:00:00Z"},
                MIDNIGHT_RULE.format("ending_before"),
            ),
            (
                {"window_size": "DAY", "starting_on": "2021-01-01T00:00:00+01:00"},
                MIDNIGHT_RULE.format("starting_on"),
            ),
            ({"customer_ids": "x"}, "customer_ids must be a list"),
            ({"customer_ids": []}, "customer_ids must have at least 1 item(s)"),
            ({"customer_ids": ["not-a-uuid"]}, "customer_ids[0] must be a UUID"),
            ({"customer_ids": [ACME, 7]}, "customer_ids[1] must be a UUID"),
            (
                {"customer_ids": [ACME, "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"]},
                "customer_ids[1] 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e is not a known customer",
            ),
            ({"billable_metrics": {}}, "billable_metrics must be a list"),
            ({"billable_metrics": []}, "billable_metrics must have at least 1 item(s)"),
            ({"billable_metrics": ["x"]}, "billable_metrics[0] must be an object"),
            ({"billable_metrics": [{}]}, "billable_metrics[0].id is required"),
            ({"billable_metrics": [{"id": "nope"}]}, "billable_metrics[0].id must be a UUID"),
            (
                {"billable_metrics": [{"id": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"}]},
                "billable_metrics[0].id 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e is not a known "
                "billable metric",
            ),
            (
                {"billable_metrics": [{"id": API_CALLS}, {"id": API_CALLS}]},
                f"billable_metrics[1].id {API_CALLS} is named more than once",
            ),
            (
                {"billable_metrics": [{"id": API_CALLS, "group_by": "region"}]},
                "billable_metrics[0].group_by must be an object",
            ),
            (
                {"billable_metrics": [{"id": API_CALLS, "group_by": {}}]},
                "billable_metrics[0].group_by.key is required",
            ),
            (
                {"billable_metrics": [{"id": API_CALLS, "group_by": {"key": "model"}}]},
                "billable_metrics[0].group_by.key must be one of the metric's group keys (region)",
            ),
            (
                {"billable_metrics": [{"id": API_CALLS, "group_by": {"key": 5}}]},
                "billable_metrics[0].group_by.key must be a string",
            ),
            (
                {
                    "billable_metrics": [
                        {"id": API_CALLS, "group_by": {"key": "region", "values": []}}
                    ]
                },
                "billable_metrics[0].group_by.values must have at least 1 item(s)",
            ),
            (
                {
                    "billable_metrics": [
                        {"id": API_CALLS, "group_by": {"key": "region", "values": [""]}}
                    ]
                },
                "billable_metrics[0].group_by.values[0] must not be empty",
            ),
            (
                {
                    "billable_metrics": [
                        {
                            "id": TOKENS,
                            "group_by": {"key": "model", "values": [str(i) for i in range(201)]},
                        }
                    ]
                },
                "billable_metrics[0].group_by.values must have at most 200 item(s)",
            ),
        ],
    )
    async def test_rule(self, client: TestClient, change: dict[str, Any], message: str) -> None:  # type: ignore[type-arg]
        assert await error_of(await post(client, {**VALID, **change}), 400) == message

    @pytest.mark.parametrize(
        "window_size", ["hour", "day", "none", "HOUR", "DAY", "NONE", "Hour", "Day", "None"]
    )
    async def test_window_size_spellings(self, client: TestClient, window_size: str) -> None:  # type: ignore[type-arg]
        body = {**VALID, "ending_before": "2021-01-02T00:00:00Z", "window_size": window_size}
        assert (await post(client, body)).status == 200

    async def test_null_optional_fields_mean_absent(self, client: TestClient) -> None:  # type: ignore[type-arg]
        body = {**VALID, "customer_ids": None, "billable_metrics": None}
        response = await post(client, body, headers={"X-Emulator-Page-Size": "1000"})
        assert response.status == 200
        assert len((await response.json())["data"]) == 2 * 5 * 24  # customers x metrics x hours

    async def test_two_hundred_values_allowed(self, client: TestClient) -> None:  # type: ignore[type-arg]
        values = [str(i) for i in range(200)]
        body = {
            **VALID,
            "billable_metrics": [{"id": TOKENS, "group_by": {"key": "model", "values": values}}],
        }
        rows = (await (await post(client, body)).json())["data"]
        assert list(rows[0]["groups"]) == values

    async def test_uppercase_uuid_is_the_same_customer(self, client: TestClient) -> None:  # type: ignore[type-arg]
        response = await post(client, {**VALID, "customer_ids": [ACME.upper()]})
        assert {r["customer_id"] for r in (await response.json())["data"]} == {ACME}


class TestUsageBounds:
    """Both bounds must be UTC midnights for every window size, on /v1/usage and on
    /v1/usage/groups alike (CONTRACT.md, "Alignment"): an hour-precise period is read by querying
    whole days with hour windows and trimming the rows."""

    ENDPOINTS = ("/v1/usage", "/v1/usage/groups")
    WINDOW_SIZES = ("hour", "day", "none")
    OFF_MIDNIGHT = (
        "2021-01-01T01:00:00Z",  # a whole hour
        "2021-01-01T00:30:00Z",
        "2021-01-01T00:00:01Z",
        "2021-01-01T00:00:00.5Z",  # half a second past
        "2020-12-31T23:59:59.999999Z",  # a microsecond before
        "2021-01-01T00:00:00+01:00",  # midnight in another zone: 23:00Z
        "2021-01-01T00:00:00-05:00",  # 05:00Z
    )

    @staticmethod
    def body(endpoint: str, window_size: str, start: str, end: str) -> dict[str, Any]:
        body = {"starting_on": start, "ending_before": end, "window_size": window_size}
        if endpoint == "/v1/usage/groups":
            return {**body, "customer_id": ACME, "billable_metric_id": API_CALLS}
        return {**body, "customer_ids": [ACME], "billable_metrics": [{"id": API_CALLS}]}

    async def answer(
        self,
        client: TestClient,  # type: ignore[type-arg]
        endpoint: str,
        window_size: str,
        start: str,
        end: str,
    ) -> Any:
        body = self.body(endpoint, window_size, start, end)
        return await client.post(endpoint, json=body, headers=AUTH)

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    @pytest.mark.parametrize("window_size", WINDOW_SIZES)
    @pytest.mark.parametrize("start", OFF_MIDNIGHT)
    async def test_starting_on_off_midnight(
        self,
        client: TestClient,  # type: ignore[type-arg]
        endpoint: str,
        window_size: str,
        start: str,
    ) -> None:
        response = await self.answer(client, endpoint, window_size, start, "2021-01-03T00:00:00Z")
        assert await error_of(response, 400) == MIDNIGHT_RULE.format("starting_on")

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    @pytest.mark.parametrize("window_size", WINDOW_SIZES)
    @pytest.mark.parametrize("end", OFF_MIDNIGHT)
    async def test_ending_before_off_midnight(
        self,
        client: TestClient,  # type: ignore[type-arg]
        endpoint: str,
        window_size: str,
        end: str,
    ) -> None:
        response = await self.answer(client, endpoint, window_size, "2020-12-30T00:00:00Z", end)
        assert await error_of(response, 400) == MIDNIGHT_RULE.format("ending_before")

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    @pytest.mark.parametrize("window_size", WINDOW_SIZES)
    async def test_both_off_midnight_names_starting_on(
        self,
        client: TestClient,  # type: ignore[type-arg]
        endpoint: str,
        window_size: str,
    ) -> None:
        response = await self.answer(
            client, endpoint, window_size, "2021-01-01T01:00:00Z", "2021-01-01T02:00:00Z"
        )
        assert await error_of(response, 400) == MIDNIGHT_RULE.format("starting_on")

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    @pytest.mark.parametrize(
        ("window_size", "windows"), [("hour", 48), ("day", 2), ("none", 1), ("NONE", 1)]
    )
    @pytest.mark.parametrize(
        ("start", "end"),
        [
            ("2021-01-01T00:00:00Z", "2021-01-03T00:00:00Z"),
            ("2021-01-01T00:00:00.000Z", "2021-01-03T00:00:00+00:00"),
            ("2021-01-01T02:00:00+02:00", "2021-01-02T19:00:00-05:00"),  # midnights, UTC
        ],
    )
    async def test_midnights_accepted(
        self,
        client: TestClient,  # type: ignore[type-arg]
        endpoint: str,
        window_size: str,
        windows: int,
        start: str,
        end: str,
    ) -> None:
        response = await self.answer(client, endpoint, window_size, start, end)
        assert response.status == 200, await response.text()
        page = await response.json()
        rows = page["data"]
        assert (len(rows), page["next_page"]) == (windows, None)
        # t01, t02 (alias) and t03 on the first day: 3 API calls, whatever the window size.
        assert sum(r["value"] for r in rows) == 3
