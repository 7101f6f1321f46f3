"""Bounded under abuse: body limits per route, gzip inflated as a stream, a journal and
idempotency keys bounded in bytes, and a 4xx with a message (never a 5xx) for hostile input."""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import random
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, ContentEncodingError
from aiohttp.test_utils import TestClient
from aiohttp.web_protocol import RequestPayloadError

from emulator.tenancy.idempotency import Answer, IdempotencyKeys
from emulator.tenancy.journal import _ENTRY_OVERHEAD, Journal
from emulator.web.middlewares import errors_middleware
from emulator.web.routing import ROUTES, Route
from emulator.wire.limits import (
    API_BODY,
    CONTROL_BODY,
    IDEMPOTENCY_BYTES,
    INGEST_BODY,
    JOURNAL_BYTES,
    JOURNAL_ENTRY_BODY,
    STATE_BODY,
    USAGE_BODY,
)
from emulator.wire.pagination import _mac, _seal, encode_cursor
from emulator.wire.timestamps import MAX_US, MIN_US
from tests.api.conftest import AUTH
from tests.api.test_ingest import api_calls, event
from tests.api.test_usage_validation import VALID, error_of
from tests.helpers import ACME, API_CALLS, bench_module

Client = TestClient  # type: ignore[type-arg]
GZIP = {**AUTH, "Content-Encoding": "gzip", "Content-Type": "application/json"}
NOT_GZIP = "request body is not valid gzip (it was sent with Content-Encoding: gzip)"
CUT_GZIP = "request body is not valid gzip: it ends before the gzip stream does"


# The bomb bench/abuse.py sends: a valid gzip stream of N MiB of zeros, made in pieces.
gzip_bomb = bench_module("abuse").gzip_bomb


def too_large(method: str, path: str, limit: int) -> str:
    return f"request body is too large: at most {limit} bytes for {method} {path}"


async def raw(client: Client, request: bytes) -> tuple[int, Any]:
    """Send `request` as bytes on a new connection (for what aiohttp's client will not send); the
    status and the JSON body of the answer. The connection is closed without sending more."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(request)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status = int(head.split(" ", 2)[1])
        length = next(
            int(line.split(":", 1)[1])
            for line in head.split("\r\n")
            if line.lower().startswith("content-length:")
        )
        body = json.loads(await reader.readexactly(length)) if length else None
    finally:
        writer.close()
        await writer.wait_closed()
    return status, body


def head(method: str, path: str, *headers: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: emulator", *headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def journal(client: Client) -> list[dict[str, Any]]:
    response = await client.get("/_emulator/requests", headers=AUTH)
    assert response.status == 200
    return list((await response.json())["data"])


class TestBodyLimits:
    """Each route refuses a body over its own limit with 413, before reading it."""

    @pytest.mark.parametrize(
        ("method", "path", "limit"),
        [
            ("POST", "/v1/ingest", INGEST_BODY),
            ("POST", "/v1/usage", USAGE_BODY),
            ("POST", "/v1/usage/groups", USAGE_BODY),
            ("POST", "/v1/customers", API_BODY),
            ("POST", "/v1/events/search", API_BODY),
            ("POST", "/_emulator/state", STATE_BODY),
            ("POST", "/_emulator/reset", CONTROL_BODY),
            ("POST", "/_emulator/faults", CONTROL_BODY),
            ("PATCH", "/_emulator/config", CONTROL_BODY),
        ],
    )
    async def test_declared_length(
        self, client: Client, method: str, path: str, limit: int
    ) -> None:
        # Only the head is sent: the answer comes without the body being read.
        request = head(
            method, path, b"Authorization: Bearer t", f"Content-Length: {limit + 1}".encode()
        )
        status, body = await raw(client, request)
        assert (status, body) == (413, {"message": too_large(method, path, limit)})

    async def test_limit_itself_is_read(self, client: Client) -> None:
        body = b" " * (INGEST_BODY - 2) + b"[]"
        response = await client.post("/v1/ingest", data=body, headers=AUTH)
        assert "at least 1" in await error_of(response, 400)

    async def test_chunked_body_is_counted(self, client: Client) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(4):
                yield b" " * (INGEST_BODY // 2)

        response = await client.post("/v1/ingest", data=chunks(), headers=AUTH)
        assert await error_of(response, 413) == too_large("POST", "/v1/ingest", INGEST_BODY)

    async def test_unknown_path_is_a_404_first(self, client: Client) -> None:
        request = head("POST", "/v1/nope", b"Authorization: Bearer t", b"Content-Length: 1")
        assert await raw(client, request + b"x") == (
            404,
            {"message": "no such endpoint: POST /v1/nope"},
        )


class TestGzip:
    """A gzip body is inflated as a stream, against its route's limit, for every route."""

    async def test_bomb(self, client: Client) -> None:
        bomb = b"".join(gzip_bomb(1000))  # 1000 MiB of zeros
        assert len(bomb) < INGEST_BODY  # so only inflating it can tell
        response = await client.post("/v1/ingest", data=bomb, headers=GZIP)
        assert await error_of(response, 413) == too_large("POST", "/v1/ingest", INGEST_BODY)

    async def test_bomb_without_content_length(self, client: Client) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for piece in gzip_bomb(1000):
                yield piece

        response = await client.post("/v1/ingest", data=chunks(), headers=GZIP)
        assert await error_of(response, 413) == too_large("POST", "/v1/ingest", INGEST_BODY)

    async def test_just_under_the_limit(self, client: Client) -> None:
        body = json.dumps([event(1)]).encode()
        padded = body[:-1] + b" " * (INGEST_BODY - len(body)) + b"]"
        response = await client.post("/v1/ingest", data=gzip.compress(padded), headers=GZIP)
        assert response.status == 200
        assert await api_calls(client) == 4

    async def test_several_members(self, client: Client) -> None:
        body = json.dumps([event(1)]).encode()
        members = gzip.compress(body[:10]) + gzip.compress(body[10:])
        assert (await client.post("/v1/ingest", data=members, headers=GZIP)).status == 200
        assert await api_calls(client) == 4

    async def test_control_calls_see_the_inflated_body(self, client: Client) -> None:
        options = {"seed": 3, "customers": 2, "days": 1, "events": 10}
        body = gzip.compress(json.dumps(options).encode())
        response = await client.post("/_emulator/reset", data=body, headers=GZIP)
        assert response.status == 200, await response.text()
        state = await (await client.get("/_emulator/state", headers=AUTH)).json()
        assert len(state["customers"]) == 2

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (b'[{"not": "gzip"}]', NOT_GZIP),
            (gzip.compress(b"[]")[:-3], CUT_GZIP),  # inside the trailer
            (gzip.compress(b"[]" * 1000)[:20], CUT_GZIP),  # inside the data
            (gzip.compress(b"[]") + b"trailing", NOT_GZIP),
            (b"\x1f\x8b\x08\x00" + b"\xff" * 100, NOT_GZIP),
        ],
        ids=["json", "cut-trailer", "cut-data", "trailing-garbage", "bad-header"],
    )
    async def test_not_gzip(self, client: Client, body: bytes, message: str) -> None:
        response = await client.post("/v1/ingest", data=body, headers=GZIP)
        assert await error_of(response, 400) == message

    async def test_empty(self, client: Client) -> None:
        response = await client.post("/v1/ingest", data=b"", headers=GZIP)
        assert await error_of(response, 400) == "request body is required: a JSON array"

    @pytest.mark.parametrize("coding", ["br", "deflate", "zstd", "compress", "gzip, gzip"])
    async def test_unsupported(self, client: Client, coding: str) -> None:
        headers = {**AUTH, "Content-Encoding": coding}
        response = await client.post("/v1/usage", data=json.dumps(VALID), headers=headers)
        assert await error_of(response, 415) == (
            f"Content-Encoding {coding!r} is not supported: send the body as it is, "
            "or with Content-Encoding: gzip"
        )

    @pytest.mark.parametrize("coding", ["identity", "", "GZIP", "x-gzip"])
    async def test_accepted_spellings(self, client: Client, coding: str) -> None:
        body = json.dumps(VALID).encode()
        if "gzip" in coding.lower():
            body = gzip.compress(body)
        headers = {**AUTH, "Content-Encoding": coding}
        assert (await client.post("/v1/usage", data=body, headers=headers)).status == 200


class TestJournalBounds:
    """The journal keeps bodies as bytes, cut at 64 KiB, and at most 1 MiB per tenant."""

    async def test_entry_shape(self, client: Client) -> None:
        await client.post("/v1/usage", json=VALID, headers=AUTH)
        (entry,) = await journal(client)
        assert list(entry) == ["method", "path", "query", "body", "headers", "status", "at"]
        assert entry["body"] == VALID

    async def test_large_body_is_cut(self, client: Client) -> None:
        body = json.dumps({**VALID, "padding": "x" * (100 * 1024)})
        assert (await client.post("/v1/usage", data=body, headers=AUTH)).status == 200
        (entry,) = await journal(client)
        assert list(entry) == [
            "method", "path", "query", "body", "body_truncated", "body_size", "headers", "status", "at",
        ]  # fmt: skip
        assert entry["body"] == body[:JOURNAL_ENTRY_BODY]  # shown as text: cut, it is not JSON
        assert (entry["body_truncated"], entry["body_size"]) == (True, len(body))

    async def test_inflated_body_is_kept(self, client: Client) -> None:
        data = gzip.compress(json.dumps(VALID).encode())
        await client.post("/v1/usage", data=data, headers=GZIP)
        (entry,) = await journal(client)
        assert entry["body"] == VALID

    async def test_refused_body_is_not_kept(self, client: Client) -> None:
        body = io.BytesIO(b" " * (INGEST_BODY + 1))
        response = await client.post("/v1/ingest", data=body, headers=AUTH)
        assert response.status == 413
        (entry,) = await journal(client)
        assert (entry["status"], entry["body"]) == (413, None)

    async def test_bytes_ceiling(self, client: Client) -> None:
        padding = base64.b64encode(random.Random(0).randbytes(45 * 1024)).decode()
        body = json.dumps({**VALID, "padding": padding})
        for n in range(30):  # 30 x 60 KiB: more than the ceiling
            await client.post("/v1/usage", data=body, headers=AUTH, params={"n": str(n)})
        entries = await journal(client)
        kept = [int(entry["query"]["n"]) for entry in entries]
        assert kept == list(range(30 - len(kept), 30))  # the newest, oldest first
        assert 10 < len(kept) < JOURNAL_BYTES // len(body) + 1
        assert all(entry["body"]["padding"] == padding for entry in entries)  # given back whole

    def test_large_bodies_kept_compressed(self) -> None:
        journal = Journal(10)
        body = json.dumps({**VALID, "padding": "x" * (60 * 1024)}).encode()
        journal.record("POST", "/v1/usage", {}, body, {}, 200, 0)
        (entry,) = journal.entries._entries
        assert len(entry.body) < 2048  # what memory holds
        assert [e["body"] for e in journal.entries] == [json.loads(body)]  # what it gives back


class TestIdempotencyBounds:
    """Remembered answers are bounded in bytes per tenant, the oldest dropped first."""

    def test_oldest_dropped_past_the_bytes(self) -> None:
        keys = IdempotencyKeys(max_keys=100, max_bytes=10_000)
        for n in range(20):
            keys.remember(f"k{n}", Answer("f", 200, b"x" * 1000, "application/json"))
        assert keys.bytes <= 10_000
        remembered = [n for n in range(20) if keys.get(f"k{n}") is not None]
        assert remembered == list(range(20 - len(remembered), 20))
        assert len(remembered) == len(keys) >= 5

    def test_oldest_dropped_past_the_keys(self) -> None:
        keys = IdempotencyKeys(max_keys=3, max_bytes=10_000)
        for n in range(5):
            keys.remember(f"k{n}", Answer("f", 200, b"", "application/json"))
        assert [n for n in range(5) if keys.get(f"k{n}")] == [2, 3, 4]

    def test_answer_larger_than_the_ceiling(self) -> None:
        keys = IdempotencyKeys(max_keys=3, max_bytes=10_000)
        keys.remember("small", Answer("f", 200, b"x", "application/json"))
        keys.remember("large", Answer("f", 200, b"x" * 10_000, "application/json"))
        assert (keys.get("large"), keys.get("small") is not None) == (None, True)

    async def test_large_answer_not_remembered(self, client: Client) -> None:
        # Hour windows over 90 days for every customer and metric: a page over the ceiling.
        body = {**VALID, "ending_before": "2021-04-01T00:00:00Z"}
        headers = {**AUTH, "Idempotency-Key": "k", "X-Emulator-Page-Size": "100000"}
        first = await client.post("/v1/usage", json=body, headers=headers)
        assert first.status == 200
        assert len(await first.read()) > IDEMPOTENCY_BYTES
        other = await client.post("/v1/usage", json=VALID, headers=headers)
        assert other.status == 200  # the key was left free: no 409


BAD_CURSOR = "next_page is not a valid cursor (malformed or altered)"


def payload_of(cursor: str) -> list[Any]:
    encoded = cursor.split(".")[0]
    return list(json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))))


GROUPS = {
    "customer_id": ACME,
    "billable_metric_id": API_CALLS,
    "window_size": "day",
    "starting_on": "2021-01-01T00:00:00Z",
    "ending_before": "2021-01-03T00:00:00Z",
}
# Cursors sealed with a valid MAC, for any query, whose payload is not a cursor at all.
NOT_A_POSITION = [
    _seal(b"not json"),
    _seal(b'{"a": 1}'),
    _seal(b'"text"'),
    _seal(b"[]"),
    "a." + _mac(b"a"),  # base64 of a length no base64 has
    "€." + _mac("€".encode()),
]


class TestCursorShapes:
    """A cursor with a valid MAC but not in the shape its endpoint issues is a 400, never a 500."""

    async def cursor(self, client: Client, path: str, body: Any, **params: str) -> str:
        response = await client.post(path, json=body, headers=AUTH, params=params)
        assert response.status == 200, await response.text()
        return str((await response.json())["next_page"])

    @pytest.mark.parametrize(
        "position",
        [
            [],
            [ACME, API_CALLS],
            [ACME, API_CALLS, 0, 0],
            [ACME, API_CALLS, -1],
            [ACME, API_CALLS, True],
            [ACME, API_CALLS, 1.5],
            [ACME, API_CALLS, "1"],
            [1, API_CALLS, 0],
            [ACME, None, 0],
            [ACME, [API_CALLS], 0],
        ],
    )
    async def test_usage(self, client: Client, position: list[Any]) -> None:
        headers = {**AUTH, "X-Emulator-Page-Size": "1"}
        first = await client.post("/v1/usage", json=VALID, headers=headers)
        query = payload_of((await first.json())["next_page"])[-1]
        params = {"next_page": encode_cursor(position, query)}
        response = await client.post("/v1/usage", json=VALID, headers=headers, params=params)
        assert await error_of(response, 400) == BAD_CURSOR

    async def test_usage_sealed_in_shape(self, client: Client) -> None:
        headers = {**AUTH, "X-Emulator-Page-Size": "1"}
        first = await client.post("/v1/usage", json=VALID, headers=headers)
        query = payload_of((await first.json())["next_page"])[-1]
        params = {"next_page": encode_cursor([ACME, API_CALLS, 1], query)}
        response = await client.post("/v1/usage", json=VALID, headers=headers, params=params)
        assert response.status == 200

    @pytest.mark.parametrize("cursor", NOT_A_POSITION)
    async def test_not_a_position(self, client: Client, cursor: str) -> None:
        for path, body in (("/v1/usage", VALID), ("/v1/usage/groups", GROUPS)):
            response = await client.post(
                path, json=body, headers=AUTH, params={"next_page": cursor}
            )
            assert await error_of(response, 400) == BAD_CURSOR
        response = await client.get("/v1/customers", headers=AUTH, params={"next_page": cursor})
        assert await error_of(response, 400) == BAD_CURSOR

    @pytest.mark.parametrize(
        ("group_key", "position"),
        [
            (["region"], [0, ["us"]]),
            (["region"], [0, [None]]),  # null alone is the null group; a list is not
            (["region"], [-1, "us"]),
            (["region"], [True, "us"]),
            (["region"], [0, 5]),
            (["region"], [0]),
            (None, [0, "us"]),  # no group key: the position holds no group value
            (None, [0, ["us"]]),
            (None, [1.0, None]),
        ],
    )
    async def test_usage_groups(
        self, client: Client, group_key: list[str] | None, position: list[Any]
    ) -> None:
        body = {**GROUPS, "group_key": group_key} if group_key else GROUPS
        query = payload_of(await self.cursor(client, "/v1/usage/groups", body, limit="1"))[-1]
        params = {"next_page": encode_cursor(position, query), "limit": "1"}
        response = await client.post("/v1/usage/groups", json=body, headers=AUTH, params=params)
        assert await error_of(response, 400) == BAD_CURSOR

    @pytest.mark.parametrize("position", [[-1], [True], ["1"], [1.0], [1, 2], [None]])
    async def test_listing(self, client: Client, position: list[Any]) -> None:
        first = await client.get("/v1/customers", headers=AUTH, params={"limit": "1"})
        query = payload_of((await first.json())["next_page"])[-1]
        params = {"next_page": encode_cursor(position, query), "limit": "1"}
        response = await client.get("/v1/customers", headers=AUTH, params=params)
        assert await error_of(response, 400) == BAD_CURSOR


class TestClientErrors:
    """What aiohttp or the standard library raise on bad input is a 4xx with a message."""

    @pytest.mark.parametrize(
        "auth",
        [b"Bearer \xff\xfe", b"Bearer caf\xe9", b"Bearer \x80", b"\xffBearer t"],
    )
    async def test_authorization_not_utf8(self, client: Client, auth: bytes) -> None:
        request = head("GET", "/v1/customers", b"Authorization: " + auth)
        assert await raw(client, request) == (
            401,
            {"message": "Authorization header must be UTF-8 text: 'Bearer <token>'"},
        )

    async def test_authorization_utf8(self, client: Client) -> None:
        request = head("GET", "/v1/customers", "Authorization: Bearer café".encode())
        status, _ = await raw(client, request)
        assert status == 200

    async def test_journaled_header_not_utf8(self, client: Client) -> None:
        request = head(
            "GET",
            "/v1/customers",
            b"Authorization: " + AUTH["Authorization"].encode(),
            b"User-Agent: bot\xff",
        )
        assert (await raw(client, request))[0] == 200
        (entry,) = await journal(client)
        assert entry["headers"]["User-Agent"] == "bot?"

    async def test_other_headers_not_utf8(self, client: Client) -> None:
        token = b"Authorization: " + AUTH["Authorization"].encode()
        body = json.dumps(VALID).encode()
        length = f"Content-Length: {len(body)}".encode()
        page_size = head("POST", "/v1/usage", token, length, b"X-Emulator-Page-Size: \xff")
        assert (await raw(client, page_size + body))[0] == 400
        encoding = head("POST", "/v1/usage", token, length, b"Content-Encoding: \xff")
        assert (await raw(client, encoding + body))[0] == 415
        key = head("POST", "/v1/usage", token, length, b"Idempotency-Key: \xff")
        assert (await raw(client, key + body))[0] == 200
        assert (await raw(client, key + body))[0] == 200  # replayed

    @pytest.mark.parametrize(
        ("exc", "status", "message"),
        [
            (
                web.HTTPRequestEntityTooLarge(max_size=1, actual_size=2),
                413,
                too_large("POST", "/v1/ingest", INGEST_BODY),
            ),
            (web.HTTPBadRequest(), 400, "Bad Request"),
            (
                ContentEncodingError("gzip"),
                400,
                "request body could not be read: it is malformed",
            ),
            (BadHttpMessage("bad"), 400, "request body could not be read: it is malformed"),
            (zlib.error("bad"), 400, "request body is not valid under its Content-Encoding"),
            (
                UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
                400,
                "the request's path, query or headers have bytes that are not UTF-8",
            ),
            (
                UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed"),
                400,
                "the request's path, query or headers have bytes that are not UTF-8",
            ),
            (
                asyncio.IncompleteReadError(b"", 10),
                400,
                "request body ends before its Content-Length says",
            ),
            (
                RequestPayloadError("Not enough data to satisfy content length header."),
                400,
                "request body could not be read: it is malformed or ends early",
            ),
            (
                ConnectionResetError("Connection lost"),
                400,
                "the connection was lost while the request was being read",
            ),
        ],
    )
    async def test_mapped(
        self, aiohttp_client: Any, exc: BaseException, status: int, message: str
    ) -> None:
        async def handler(_: web.Request) -> web.Response:
            raise exc

        app = web.Application(middlewares=[errors_middleware])
        route = app.router.add_post("/v1/ingest", handler)
        app[ROUTES] = {route: Route("POST", "/v1/ingest", handler, "", limit=INGEST_BODY)}
        client = await aiohttp_client(app)
        response = await client.post("/v1/ingest")
        assert await error_of(response, status) == message


class TestJournalTimes:
    """An entry's time is written when the journal is read, and counted at that length."""

    @pytest.mark.parametrize(
        ("at", "text"),
        [
            (0, "1970-01-01T00:00:00Z"),
            (1_700_000_000_123_456, "2023-11-14T22:13:20.123456Z"),
            (1_700_000_000_500_000, "2023-11-14T22:13:20.5Z"),
            (1_700_000_000_000_010, "2023-11-14T22:13:20.00001Z"),
            (MIN_US, "0001-01-01T00:00:00Z"),
            (MAX_US, "9999-12-31T23:59:59.999999Z"),
        ],
    )
    def test_time_given_back_and_counted(self, at: int, text: str) -> None:
        journal = Journal(10)
        journal.record("POST", "/v1/usage", {"n": "1"}, b"{}", {"Content-Type": "x"}, 200, at)
        (entry,) = journal.entries
        assert entry["at"] == text
        words = ["POST", "/v1/usage", "n", "1", "Content-Type", "x", text]
        assert journal.entries.bytes == len(b"{}") + _ENTRY_OVERHEAD + sum(map(len, words))
