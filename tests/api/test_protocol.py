"""Connections through real sockets (issue 18, findings 7 and 9): aiohttp's own refusals are JSON
with the status that fits, and connections that send nothing, dribble their head, idle after an
answer or never finish their body are closed, with short timeouts set by flag."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest

from emulator.app import create_app
from emulator.cli import settings_from
from emulator.web.server import start
from tests.helpers import SMALL

TIMEOUT = 0.5  # --idle-timeout and --body-timeout for these tests
LONGEST = 5.0  # no test waits longer than this for the server


@pytest.fixture
async def port() -> AsyncIterator[int]:
    flags = ["--fixtures", str(SMALL), "--idle-timeout", str(TIMEOUT)]
    settings = settings_from([*flags, "--body-timeout", str(TIMEOUT)])
    runner = await start(create_app(settings), "127.0.0.1", 0)
    yield runner.addresses[0][1]
    await runner.cleanup()


async def exchange(port: int, data: bytes) -> bytes:
    """Send `data`, then read until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), LONGEST)
    finally:
        writer.close()


def answer(raw: bytes) -> tuple[int, str, dict[str, str]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    content_type = next(
        line.split(b":", 1)[1].strip().decode()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-type:")
    )
    return status, content_type, json.loads(body)


class TestJsonRefusals:
    """What aiohttp's parser refuses is answered as {"message"}: 414, 431, 400."""

    async def test_request_line_too_long(self, port: int) -> None:
        ids = ",".join(["aaaaaaaa-0000-4000-8000-000000000001"] * 300)
        raw = await exchange(port, f"GET /v1/customers?customer_ids={ids} HTTP/1.1\r\n"
                                   "Host: localhost\r\n\r\n".encode())  # fmt: skip
        status, content_type, body = answer(raw)
        assert (status, content_type) == (414, "application/json")
        assert body["message"].startswith("the request line is longer than 8190 bytes")

    async def test_too_many_headers(self, port: int) -> None:
        headers = "".join(f"X-H{i}: 1\r\n" for i in range(200))
        raw = await exchange(port, f"GET / HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n".encode())
        status, content_type, body = answer(raw)
        assert (status, content_type) == (431, "application/json")
        assert "too many headers" in body["message"]

    async def test_header_too_long(self, port: int) -> None:
        raw = await exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: /"
                             + b"a" * 9000 + b"\r\n\r\n")  # fmt: skip
        status, content_type, body = answer(raw)
        assert (status, content_type) == (431, "application/json")
        assert body == {"message": "a request header is longer than 8190 bytes"}

    async def test_malformed(self, port: int) -> None:
        for data in (b"FOO BAR BAZ\r\n\r\n",
                     b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"):  # fmt: skip
            status, content_type, body = answer(await exchange(port, data))
            assert (status, content_type) == (400, "application/json")
            assert body["message"].startswith("the request is not valid HTTP: ")


class TestTimeouts:
    """Each kind of stalled connection is closed in about --idle-timeout or --body-timeout."""

    async def test_silent_connection(self, port: int) -> None:
        started = time.monotonic()
        assert await exchange(port, b"") == b""
        assert time.monotonic() - started < LONGEST

    async def test_dribbled_head(self, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /_emulator/health HTTP/1.1\r\n")
        closed = False
        for n in range(int(LONGEST / 0.05)):  # a header line every 50 ms, never the blank line
            try:
                writer.write(b"X-Drip-%d: 1\r\n" % n)
                await writer.drain()
                closed = await asyncio.wait_for(reader.read(1), 0.05) == b""
            except TimeoutError:
                continue
            except ConnectionError:
                closed = True
            if closed:
                break
        writer.close()
        assert closed

    async def test_idle_keep_alive(self, port: int) -> None:
        started = time.monotonic()
        raw = await exchange(port, b"GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 200")  # answered, kept alive, then closed when idle
        assert time.monotonic() - started < LONGEST

    async def test_body_that_never_comes(self, port: int) -> None:
        head = (b"POST /v1/ingest HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer t\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n[{")  # fmt: skip
        status, content_type, body = answer(await exchange(port, head))
        assert (status, content_type) == (408, "application/json")
        assert body == {
            "message": "request body did not arrive within 0.5 seconds (--body-timeout)"
        }


class TestOptions:
    """--idle-timeout and --body-timeout, or their variables; 60 s each by default."""

    def test_flags_and_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert (settings_from([]).idle_timeout, settings_from([]).body_timeout) == (60.0, 60.0)
        monkeypatch.setenv("EMULATOR_IDLE_TIMEOUT", "5")
        monkeypatch.setenv("EMULATOR_BODY_TIMEOUT", "2.5")
        assert (settings_from([]).idle_timeout, settings_from([]).body_timeout) == (5.0, 2.5)
        assert settings_from(["--idle-timeout", "7"]).idle_timeout == 7.0
        with pytest.raises(SystemExit):
            settings_from(["--body-timeout", "0"])
