"""Phase 3 of the soak: abusive requests, one at a time, each with the process's RSS sampled
every 2 ms meanwhile: a gzip bomb, declared 1 GiB bodies, bodies over the limits, bad gzip, a
non-UTF-8 Authorization, tampered cursors and cursors with a valid MAC but the wrong shape,
200 large journal entries.
"""

from __future__ import annotations

import base64
import http.client
import json
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from abuse import gzip_bomb
from soak_client import World
from soak_emulator import Emulator, rss_sampler

from emulator.wire.limits import INGEST_BODY, STATE_BODY, MiB
from emulator.wire.pagination import PAGE_SIZE_HEADER

# The emulator's own sealing of a cursor. Its key is public: anyone can seal a cursor, so the
# emulator checks each cursor's shape; `seal` makes cursors with a valid MAC to try that check.
from emulator.wire.pagination import _seal as seal

# Over the body limits by as much again (ingest), and by 1 MiB (a state document).
OVER_INGEST = 2 * INGEST_BODY
OVER_STATE = STATE_BODY + MiB


def unseal(cursor: str) -> Any:
    """The JSON inside a cursor (its position and query fingerprint), MAC unchecked."""
    payload = cursor.partition(".")[0].encode()
    return orjson.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))


def raw_request(
    emulator: Emulator,
    method: str,
    path: str,
    headers: dict[str, str | bytes],
    body: bytes | None = None,
    chunks: Iterator[bytes] | None = None,
) -> tuple[int, bytes]:
    """One request on a fresh connection (header values may be raw bytes)."""
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=120)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        named = {name.lower() for name in headers}
        if body is not None and not {"content-length", "transfer-encoding"} & named:
            headers = {**headers, "Content-Length": str(len(body))}
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        try:  # the emulator may answer (413) and close before all of it is sent
            if body is not None:
                connection.send(body)
            for chunk in chunks or ():
                connection.send(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def message_of(body: bytes) -> str:
    try:
        return str(orjson.loads(body)["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return body[:200].decode(errors="replace")


def attack(
    emulator: Emulator, what: str, expected: int, send: Callable[[], tuple[int, bytes]]
) -> dict[str, Any]:
    """Send one abusive request; its answer, time, and the RSS around it (sampled every 2 ms)."""
    with rss_sampler(emulator) as rss:
        started = time.perf_counter()
        try:
            status, body = send()
            message = message_of(body)
        except (OSError, http.client.HTTPException) as exc:
            status, message, body = 0, f"{type(exc).__name__}: {exc}", b""
        elapsed = time.perf_counter() - started
    result = {
        "what": what,
        "status": status,
        "expected": expected,
        "ok": status == expected,
        "message": message[:160],
        "seconds": round(elapsed, 3),
        "rss_before_mb": round(rss[0], 1),
        "rss_peak_mb": round(max(rss), 1),
        "rss_after_mb": round(rss[-1], 1),
        "growth_peak_mb": round(max(rss) - rss[0], 1),
        "response_bytes": len(body),
    }
    mark = "ok" if result["ok"] else "UNEXPECTED"
    print(
        f"soak: {what}: {status} in {elapsed:.3f} s, RSS {rss[0]:.0f} -> peak {max(rss):.0f} -> "
        f"{rss[-1]:.0f} MiB [{mark}]"
    )
    return result


def json_post(token: str = "soak-abuse") -> dict[str, str | bytes]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def cursor_cases(emulator: Emulator, world: World) -> list[dict[str, Any]]:
    """Tampered cursors, and cursors with a valid MAC but a position of the wrong shape (or out
    of range), on /v1/usage, /v1/usage/groups and /v1/customers: each must be a 400."""
    token = "soak-cursors"
    usage_query = {
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-03T00:00:00Z",
        "window_size": "day",
    }
    groups_query = {
        "customer_id": world.live_customers[0],
        "billable_metric_id": world.metrics["API requests"],
        "window_size": "day",
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-03T00:00:00Z",
        "group_key": ["region"],
    }
    body = orjson.dumps(usage_query)
    headers = {**json_post(token), PAGE_SIZE_HEADER: "1"}
    _, answer = raw_request(emulator, "POST", "/v1/usage", headers, body)
    real = str(orjson.loads(answer)["next_page"])
    usage_fp = unseal(real)[-1]
    _, answer = raw_request(
        emulator,
        "POST",
        "/v1/usage/groups?limit=1",
        json_post(token),
        orjson.dumps(groups_query),
    )
    groups_real = str(orjson.loads(answer)["next_page"])
    groups_fp = unseal(groups_real)[-1]
    _, answer = raw_request(emulator, "GET", "/v1/customers?limit=1", json_post(token))
    customers_real = str(orjson.loads(answer)["next_page"])
    customers_fp = unseal(customers_real)[-1]
    assert seal(base64.urlsafe_b64decode(real.split(".")[0] + "==")) == real, "seal disagrees"

    payload, mac = real.split(".")
    flipped = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    customer, metric = world.live_customers[0], world.metrics["API requests"]

    def sealed(*items: Any) -> str:
        return seal(orjson.dumps(list(items)))

    usage_cases: list[tuple[str, str]] = [
        ("payload altered", f"{flipped}.{mac}"),
        ("MAC altered", f"{payload}.{mac[::-1]}"),
        ("truncated", real[:-5]),
        ("no MAC", payload),
        ("non-ASCII", real + "é"),
        ("garbage", "next_page"),
        ("only a dot", "."),
        ("valid MAC, not JSON", seal(b"\xff\xfe not json")),
        ("valid MAC, an object", seal(b'{"a": 1}')),
        ("valid MAC, a string", seal(b'"x"')),
        ("valid MAC, ints for ids", sealed(1, 2, 3, usage_fp)),
        ("valid MAC, too short", sealed(customer, metric, usage_fp)),
        ("valid MAC, too long", sealed(customer, metric, 0, 0, usage_fp)),
        ("valid MAC, negative window", sealed(customer, metric, -1, usage_fp)),
        ("valid MAC, boolean window", sealed(customer, metric, True, usage_fp)),
        ("valid MAC, float window", sealed(customer, metric, 1.5, usage_fp)),
        ("valid MAC, string window", sealed(customer, metric, "0", usage_fp)),
        ("valid MAC, nulls", sealed(None, None, None, usage_fp)),
        ("valid MAC, list id", sealed([customer], metric, 0, usage_fp)),
        ("valid MAC, fingerprint a number", sealed(customer, metric, 0, 7)),
        (
            "valid MAC, window beyond 2**64",
            seal(f'["{customer}","{metric}",{2**70},"{usage_fp}"]'.encode()),
        ),
        ("valid MAC, deep nesting", seal(b"[" * 1500 + b"]" * 1500)),
    ]
    # Right shape, wrong place: positions the emulator never issued. Each must answer 200 (a
    # page from there, possibly empty) or 400: never a 5xx.
    in_shape: list[tuple[str, str]] = [
        ("valid MAC, window 2**62", sealed(customer, metric, 2**62, usage_fp)),
        ("valid MAC, window 10**6", sealed(customer, metric, 10**6, usage_fp)),
        ("valid MAC, unknown ids", sealed("zzzz", "0000", 0, usage_fp)),
        ("valid MAC, empty ids", sealed("", "", 0, usage_fp)),
    ]
    results = []
    for name, cursor in usage_cases:
        results.append(
            cursor_attack(emulator, "/v1/usage", body, cursor, name, token, expected=(400,))
        )
    for name, cursor in in_shape:
        results.append(
            cursor_attack(emulator, "/v1/usage", body, cursor, name, token, expected=(200, 400))
        )
    groups_body = orjson.dumps(groups_query)
    groups_cases = [
        ("groups: payload altered", groups_real[:4] + "x" + groups_real[5:], (400,)),
        # Null is the position of the null group row (events lacking the key): in shape.
        ("groups: valid MAC, null value for a key", sealed(0, None, groups_fp), (200,)),
        ("groups: valid MAC, list value", sealed(0, ["a", "b"], groups_fp), (400,)),
        ("groups: valid MAC, negative window", sealed(-5, "us-east-1", groups_fp), (400,)),
        ("groups: valid MAC, window 2**62", sealed(2**62, "us-east-1", groups_fp), (200, 400)),
        ("groups: valid MAC, unknown value", sealed(1, "zz-nowhere", groups_fp), (200, 400)),
    ]
    for name, cursor, expected in groups_cases:
        path = "/v1/usage/groups?limit=1"
        results.append(cursor_attack(emulator, path, groups_body, cursor, name, token, expected))
    customers_cases = [
        ("customers: payload altered", customers_real[:3] + "x" + customers_real[4:], (400,)),
        ("customers: valid MAC, negative", sealed(-1, customers_fp), (400,)),
        ("customers: valid MAC, a string", sealed("1", customers_fp), (400,)),
        ("customers: valid MAC, 2**62", sealed(2**62, customers_fp), (200, 400)),
    ]
    for name, cursor, expected in customers_cases:
        results.append(
            cursor_attack(emulator, "/v1/customers?limit=1", None, cursor, name, token, expected)
        )
    return results


def cursor_attack(
    emulator: Emulator,
    path: str,
    body: bytes | None,
    cursor: str,
    name: str,
    token: str,
    expected: tuple[int, ...],
) -> dict[str, Any]:
    separator = "&" if "?" in path else "?"
    target = f"{path}{separator}next_page={_quote(cursor)}"
    method = "GET" if body is None else "POST"
    status, answer = raw_request(emulator, method, target, json_post(token), body)
    ok = status in expected
    if not ok:
        print(f"soak: cursor {name} on {path}: {status} {message_of(answer)} [UNEXPECTED]")
    return {
        "what": f"cursor: {name}",
        "path": path,
        "status": status,
        "ok": ok,
        "message": message_of(answer)[:120],
    }


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def journal_flood(emulator: Emulator, token: str, body: bytes, count: int = 200) -> dict[str, Any]:
    """`count` requests with a large body to POST /v1/ingest (each refused with 400, so nothing is
    stored but the journal entry), then GET /_emulator/requests: its size."""
    statuses: Counter[int] = Counter()
    for _ in range(count):
        status, _ = raw_request(emulator, "POST", "/v1/ingest", json_post(token), body)
        statuses[status] += 1
    with rss_sampler(emulator) as rss:
        started = time.perf_counter()
        status, answer = raw_request(emulator, "GET", "/_emulator/requests", json_post(token))
        elapsed = time.perf_counter() - started
    entries = len(orjson.loads(answer)["data"]) if status == 200 else 0
    return {
        "requests": count,
        "request_body_bytes": len(body),
        "request_statuses": {str(k): v for k, v in statuses.items()},
        "journal_status": status,
        "journal_entries": entries,
        "journal_response_bytes": len(answer),
        "journal_response_mib": round(len(answer) / MiB, 2),
        "seconds": round(elapsed, 3),
        "rss_peak_growth_mb": round(max(rss) - rss[0], 1),
    }


def abuse(emulator: Emulator, world: World) -> dict[str, Any]:
    before = emulator.rss_mb()
    print(f"soak: abuse: RSS before {before:.1f} MiB")
    bomb = b"".join(gzip_bomb(1000))
    results = [
        attack(
            emulator,
            f"gzip bomb ({len(bomb):,} bytes inflating to 1000 MiB) to /v1/ingest",
            413,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/ingest",
                {**json_post(), "Content-Encoding": "gzip", "Content-Length": str(len(bomb))},
                bomb,
            ),
        ),
        attack(
            emulator,
            "declared 1 GiB Content-Length, no body sent, to /v1/ingest",
            413,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/ingest",
                {**json_post(), "Content-Length": str(1024 * MiB)},
            ),
        ),
        attack(
            emulator,
            "declared 1 GiB Content-Length, no body sent, to /_emulator/state",
            413,
            lambda: raw_request(
                emulator,
                "POST",
                "/_emulator/state",
                {**json_post(), "Content-Length": str(1024 * MiB)},
            ),
        ),
        attack(
            emulator,
            f"{OVER_INGEST // MiB} MiB plain body to /v1/ingest",
            413,
            lambda: raw_request(emulator, "POST", "/v1/ingest", json_post(), b" " * OVER_INGEST),
        ),
        attack(
            emulator,
            f"{OVER_INGEST // MiB} MiB chunked body (no Content-Length) to /v1/ingest",
            413,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/ingest",
                {**json_post(), "Transfer-Encoding": "chunked"},
                chunks=_chunked(b"[" + b" " * OVER_INGEST),
            ),
        ),
        attack(
            emulator,
            f"{OVER_STATE // MiB} MiB plain body to /_emulator/state",
            413,
            lambda: raw_request(
                emulator, "POST", "/_emulator/state", json_post(), b" " * OVER_STATE
            ),
        ),
        attack(
            emulator,
            "bad gzip to /v1/ingest",
            400,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/ingest",
                {**json_post(), "Content-Encoding": "gzip"},
                b"\x1f\x8b\x08\x00 this is not a deflate stream" * 100,
            ),
        ),
        attack(
            emulator,
            "gzip cut short to /v1/usage",
            400,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/usage",
                {**json_post(), "Content-Encoding": "gzip"},
                zlib.compress(json.dumps(list(range(20000))).encode(), wbits=31)[:200],
            ),
        ),
        attack(
            emulator,
            "non-UTF-8 Authorization header",
            401,
            lambda: raw_request(
                emulator,
                "POST",
                "/v1/usage",
                {"Authorization": b"Bearer \xff\xfe\xc3(", "Content-Type": "application/json"},
                b"{}",
            ),
        ),
    ]
    cursors = cursor_cases(emulator, world)
    with rss_sampler(emulator, 0.01) as rss:
        # JSON-like bodies: a batch of 100 events with large properties, the last one invalid, so
        # the request is refused (400) and only its journal entry is kept (cut to 64 KiB).
        big_events = [
            {
                "transaction_id": f"j{k}",
                "customer_id": "c",
                "event_type": "e",
                "timestamp": "2024-01-30T00:00:00Z",
                "properties": {"blob": "x" * 9000},
            }
            for k in range(100)
        ]
        big_events[-1]["timestamp"] = "not a time"
        journal_json = journal_flood(emulator, "soak-journal-json", orjson.dumps(big_events))
        # The worst case for JSON overhead: control bytes, kept as text, each written as \u0001.
        journal_worst = journal_flood(emulator, "soak-journal-control", b"\x01" * (1000 * 1024))
    for token in ("soak-journal-json", "soak-journal-control", "soak-cursors", "soak-abuse"):
        raw_request(emulator, "DELETE", "/_emulator/tenant", json_post(token))
    after = emulator.rss_mb()
    print(f"soak: abuse: RSS after {after:.1f} MiB ({after - before:+.1f})")
    failed = [r for r in cursors if not r["ok"]]
    return {
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "rss_change_mb": round(after - before, 1),
        "requests": results,
        "cursors": {
            "cases": len(cursors),
            "ok": len(cursors) - len(failed),
            "statuses": dict(Counter(str(r["status"]) for r in cursors)),
            "failed": failed,
            "all": cursors,
        },
        "journal_json_bodies": journal_json,
        "journal_control_bytes": journal_worst,
        "journal_rss_peak_growth_mb": round(max(rss) - rss[0], 1),
    }


def _chunked(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"
