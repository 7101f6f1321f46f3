"""The hostile pass of issue 18, as a soak phase: `python bench/soak.py --only hostile`.

Each of the issue's nine findings is replayed against a real emulator process (`python -m emulator`
with a `--state-file`), with the process's RSS sampled every 2 ms and `GET /_emulator/health`
polled every 20 ms from another process while it runs. Every write the emulator answers 2xx is
written down (token, transaction id); at the end the emulator is stopped with SIGTERM, started
again on the same state file, and every tenant is read back: anything acknowledged and missing is
counted as lost. Any 5xx is counted. Results: bench/soak_hostile.json and bench/soak_hostile.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from soak_emulator import Emulator, rss_sampler
from soak_probe import Probe
from soak_report import HEALTH_TARGET_MS

CLOCK = "2024-01-31T00:00:00Z"
DAY = "2024-01-30T12:00:00Z"  # inside the ingest window of CLOCK
SCENARIO = ["--customers", "3", "--days", "2", "--events", "2000", "--clock", CLOCK]
DOUBLE_MAX = 1.7976931348623157e308
MiB = 2**20


class Ledger:
    """What the emulator acknowledged, and every status it answered."""

    def __init__(self) -> None:
        self.kept: dict[str, set[str]] = {}  # token -> transaction ids answered 200
        self.statuses: Counter[int] = Counter()
        self.five_xx: list[str] = []

    def note(self, what: str, status: int) -> None:
        self.statuses[status] += 1
        if status >= 500:
            self.five_xx.append(f"{what}: {status}")


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **extra}


def event(
    n: int | str, customer: str, properties: dict[str, Any], kind: str = "hostile"
) -> dict[str, Any]:
    return {
        "transaction_id": f"hostile-{n}",
        "customer_id": customer,
        "event_type": kind,
        "timestamp": DAY,
        "properties": properties,
    }


class Session:
    def __init__(self, emulator: Emulator, ledger: Ledger) -> None:
        self.url = emulator.url
        self.ledger = ledger
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600))

    async def call(
        self, method: str, path: str, token: str, body: Any = None, raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:  # fmt: skip
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        async with self.http.request(
            method, self.url + path, data=data, headers={**auth(token), **(headers or {})}
        ) as response:
            content = await response.read()
        self.ledger.note(f"{method} {path}", response.status)
        return response.status, content

    async def ingest(
        self, token: str, events: list[dict[str, Any]], raw: bytes | None = None
    ) -> int:
        status, _ = await self.call("POST", "/v1/ingest", token, events, raw)
        if status == 200 and raw is None:
            self.ledger.kept.setdefault(token, set()).update(e["transaction_id"] for e in events)
        return status

    async def close(self) -> None:
        await self.http.close()


async def measured(
    emulator: Emulator, work: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """Run `work` with the RSS sampled and health polled meanwhile."""
    probe = Probe(emulator)
    await asyncio.sleep(0.3)  # the probe process is up and polling
    started = time.perf_counter()
    with rss_sampler(emulator) as samples:
        result = await work()
    seconds = time.perf_counter() - started
    health = probe.result().summary()
    return {
        **result,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(samples[0], 1),
        "rss_peak_growth_mb": round(max(samples) - samples[0], 1),
        "rss_after_mb": round(samples[-1], 1),
        "health": health,
    }


# --- the findings, one coroutine each --------------------------------------------------------


async def rebinding(s: Session, customer: str) -> dict[str, Any]:
    """1: same-origin requests of a page on a rebound name carry that name as Host."""
    token = "hostile-rebinding"
    await s.ingest(token, [event("rebinding", customer, {"x": "kept"})])
    _, before = await s.call("GET", "/_emulator/state", token)
    evil = {"Host": "rebind.attacker.example"}
    read, _ = await s.call("GET", "/_emulator/state", token, headers=evil)
    reset, _ = await s.call("POST", "/_emulator/reset", token, headers=evil)
    _, after = await s.call("GET", "/_emulator/state", token)
    service, _ = await s.call("GET", "/_emulator/clock", token, headers={"Host": "metronome:4010"})
    return {
        "read_status": read,
        "reset_status": reset,
        "unchanged": before == after,
        "service_name_status": service,
        "met": read == reset == 403 and before == after and service == 200,
    }


async def clock_edge(s: Session) -> dict[str, Any]:
    """2: a clock moved past year 9999; then every tenant's state must still be saved."""
    token = "hostile-clock"
    set_status, _ = await s.call("POST", "/_emulator/clock", token, {"now": "9999-12-31T00:00:00Z"})
    past, _ = await s.call("POST", "/_emulator/clock", token, {"advance_seconds": 3 * 86400})
    last, _ = await s.call(
        "POST", "/_emulator/clock", token, {"now": "9999-12-31T23:59:59.999999Z"}
    )
    created, _ = await s.call("POST", "/v1/customers", token, {"name": "at the end of time"})
    snapshot, _ = await s.call("POST", "/_emulator/snapshot", "hostile-other")
    return {
        "advance_past_status": past,
        "last_instant_status": last,
        "write_at_last_instant_status": created,
        "snapshot_status": snapshot,
        "met": set_status == last == created == snapshot == 200 and past == 400,
    }


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


async def door(s: Session, customer: str) -> dict[str, Any]:
    """3 and 4: what the state file cannot hold, and numbers at the edges."""
    token = "hostile-door"
    deep195 = await s.ingest(token, [event("deep195", customer, {"deep": nested(195)})])
    deep32 = await s.ingest(token, [event("deep32", customer, {"deep": nested(32)})])
    nan = await s.ingest(token, [], json.dumps([event("nan", customer, {"v": 0})])
                         .replace('"v": 0', '"v": NaN').encode())  # fmt: skip
    digits310 = await s.ingest(token, [], json.dumps([event("d310", customer, {"v": 0})])
                               .replace('"v": 0', '"v": ' + "9" * 310).encode())  # fmt: skip
    metric = {
        "name": "hostile sum", "aggregation_type": "SUM", "aggregation_key": "v",
        "property_filters": [{"name": "v", "exists": True}],
    }  # fmt: skip
    _, created = await s.call("POST", "/v1/billable-metrics/create", token, metric)
    metric_id = json.loads(created)["data"]["id"]
    huge = [event(f"huge{n}", customer, {"v": 1e308}, "sum") for n in range(2)]
    huge_status = await s.ingest(token, huge)
    query = {
        "starting_on": "2024-01-30T00:00:00Z", "ending_before": "2024-01-31T00:00:00Z",
        "window_size": "day", "customer_ids": [customer], "billable_metrics": [{"id": metric_id}],
    }  # fmt: skip
    values = []
    for _ in range(2):
        status, body = await s.call("POST", "/v1/usage", token, query)
        values.append((status, json.loads(body)["data"][0]["value"] if status == 200 else None))
    digits = "9" * 5000
    limit, _ = await s.call("GET", f"/v1/customers?limit={digits}", token)
    page_size, _ = await s.call(
        "POST", "/v1/usage", token, query, headers={"X-Emulator-Page-Size": digits}
    )
    name, _ = await s.call(
        "POST", "/v1/billable-metrics/create", token,
        {"name": "n" * MiB, "aggregation_type": "COUNT"},
    )  # fmt: skip
    big_value = await s.ingest(token, [event("big", customer, {"g": "v" * 100_000})])
    return {
        "nested_195_status": deep195,
        "nested_32_status": deep32,
        "nan_status": nan,
        "integer_310_digits_status": digits310,
        "sum_of_two_1e308": values,
        "limit_5000_digits_status": limit,
        "page_size_5000_digits_status": page_size,
        "metric_name_1mb_status": name,
        "property_value_100kb_status": big_value,
        "met": (deep195, deep32, nan, digits310, huge_status, limit, page_size, name, big_value)
        == (400, 200, 400, 400, 200, 400, 400, 413, 400)
        and values == [(200, DOUBLE_MAX)] * 2,
    }


async def heaviest_answer(s: Session, emulator: Emulator, customer: str) -> dict[str, Any]:
    """5: the largest answer the emulator builds whole: a /v1/usage page just under ANSWER_BYTES,
    of 256-character metric names and 200 group values of 256 bytes each."""
    token = "hostile-heavy"
    metric = {
        "name": "m" * 256, "aggregation_type": "COUNT",
        "property_filters": [{"name": "g", "exists": True}], "group_keys": [["g"]],
    }  # fmt: skip
    _, created = await s.call("POST", "/v1/billable-metrics/create", token, metric)
    metric_id = json.loads(created)["data"]["id"]
    for batch in range(2):
        events = [
            event(f"heavy{batch}-{n}", customer, {"g": f"{batch * 100 + n:03d}" + "v" * 253})
            for n in range(100)
        ]
        await s.ingest(token, events)

    def query(days: int) -> dict[str, Any]:
        end = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(1706572800 + days * 86400))
        return {
            "starting_on": "2024-01-30T00:00:00Z", "ending_before": end, "window_size": "hour",
            "customer_ids": [customer],
            "billable_metrics": [{"id": metric_id, "group_by": {"key": "g"}}],
        }  # fmt: skip

    _, body = await s.call("POST", "/v1/usage", token, query(1))
    per_day = len(body)
    days = int(64 * MiB // per_day)
    headers = {"X-Emulator-Page-Size": "100000"}

    async def heaviest() -> dict[str, Any]:
        status, body = await s.call("POST", "/v1/usage", token, query(days), headers=headers)
        return {"status": status, "answer_mb": round(len(body) / MiB, 1)}

    accepted = await measured(emulator, heaviest)
    over, _ = await s.call("POST", "/v1/usage", token, query(days + 1), headers=headers)
    return {
        "days_of_hour_windows": days,
        "accepted": accepted,
        "one_day_more_status": over,
        "met": accepted["status"] == 200
        and over == 400
        and accepted["health"]["worst_ms"] <= HEALTH_TARGET_MS
        and accepted["rss_peak_growth_mb"] <= 300,
    }


async def group_pages(s: Session, emulator: Emulator) -> dict[str, Any]:
    """6: /v1/usage/groups paged through 100,000 distinct values, 100 a page."""
    token = "hostile-groups"
    customer = "aaaaaaaa-0000-4000-8000-00000000000a"
    metric = "11111111-1111-4111-8111-11111111111a"
    document = {
        "customers": [{"id": customer, "name": "groups"}],
        "billable_metrics": [{
            "id": metric, "name": "calls", "aggregation_type": "COUNT",
            "property_filters": [{"name": "g", "exists": True}], "group_keys": [["g"]],
        }],
        "events": [
            {"transaction_id": f"g{n}", "customer_id": customer, "event_type": "call",
             "timestamp": "2024-01-01T00:00:00Z", "properties": {"g": f"value-{n:06d}"}}
            for n in range(100_000)
        ],
        "clock": CLOCK,
    }  # fmt: skip
    loaded, _ = await s.call("POST", "/_emulator/state", token, document)
    body = {
        "customer_id": customer, "billable_metric_id": metric, "window_size": "day",
        "starting_on": "2024-01-01T00:00:00Z", "ending_before": "2024-01-02T00:00:00Z",
        "group_key": ["g"],
    }  # fmt: skip

    async def page_all() -> dict[str, Any]:
        rows, pages, cursor, slowest = 0, 0, "", 0.0
        while True:
            started = time.perf_counter()
            status, answer = await s.call(
                "POST", f"/v1/usage/groups?limit=100&next_page={cursor}", token, body
            )
            slowest = max(slowest, time.perf_counter() - started)
            if status != 200:
                return {"status": status, "pages": pages, "rows": rows}
            page = json.loads(answer)
            rows += len(page["data"])
            pages += 1
            cursor = page["next_page"]
            if cursor is None:
                return {"status": 200, "pages": pages, "rows": rows,
                        "slowest_page_ms": round(1000 * slowest, 1)}  # fmt: skip

    paged = await measured(emulator, page_all)
    return {
        "load_status": loaded,
        "paged": paged,
        "met": paged["rows"] == 100_000 and paged["health"]["worst_ms"] <= HEALTH_TARGET_MS,
    }


async def stalled_sockets(emulator: Emulator, count: int) -> dict[str, Any]:
    """7: `count` sockets that send nothing and 100 that dribble their head, a line a second."""
    silent = [socket.create_connection((emulator.host, emulator.port)) for _ in range(count)]
    dribblers = [socket.create_connection((emulator.host, emulator.port)) for _ in range(100)]
    for sock in dribblers:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\n")
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(emulator.host, emulator.port)
    writer.write(b"GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    new_client = (await asyncio.wait_for(reader.read(), 30)).split(b"\r\n")[0].decode()
    writer.close()
    open_sockets = silent + dribblers
    closed_at: float | None = None
    n = 0
    while time.perf_counter() - started < 130:
        n += 1
        for sock in dribblers:
            with contextlib.suppress(OSError):
                sock.sendall(b"X-Drip-%d: 1\r\n" % n)
        still = 0
        for sock in open_sockets:
            sock.setblocking(False)
            try:
                still += sock.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                still += 1
            except OSError:
                pass
        if still == 0:
            closed_at = time.perf_counter() - started
            break
        await asyncio.sleep(1)
    for sock in open_sockets:
        sock.close()
    return {
        "silent": count,
        "dribbling": len(dribblers),
        "new_client_while_open": new_client,
        "all_closed_after_s": None if closed_at is None else round(closed_at, 1),
        "met": closed_at is not None and closed_at <= 120 and new_client.endswith("200 OK"),
    }


async def eviction(s: Session, customer: str) -> dict[str, Any]:
    """8: a body in flight while 50 new tokens arrive (this emulator: --max-tenants 5), and an
    idempotency key retried after a reset."""
    token = "hostile-writer"
    payload = json.dumps([event("in-flight", customer, {"x": 1})]).encode()
    half = asyncio.Event()
    go_on = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield payload[:10]
        half.set()
        await go_on.wait()
        yield payload[10:]

    async def write() -> int:
        async with s.http.post(s.url + "/v1/ingest", data=slow(), headers=auth(token)) as answer:
            await answer.read()
            s.ledger.note("POST /v1/ingest (slow body)", answer.status)
            if answer.status == 200:
                s.ledger.kept.setdefault(token, set()).add("hostile-in-flight")
            return answer.status

    writer = asyncio.create_task(write())
    await half.wait()
    await asyncio.sleep(0.1)
    for n in range(50):
        await s.call("GET", "/_emulator/clock", f"hostile-newcomer-{n}")
    go_on.set()
    status = await writer
    _, state = await s.call("GET", "/_emulator/state", token)
    kept = any(e["transaction_id"] == "hostile-in-flight" for e in json.loads(state)["events"])
    key = {"Idempotency-Key": "hostile-key"}
    retried = "hostile-retry"
    body = [event("retry", customer, {"x": 1})]
    await s.call("POST", "/v1/ingest", retried, body, headers=key)
    await s.call("POST", "/_emulator/reset", retried)
    again, _ = await s.call("POST", "/v1/ingest", retried, body, headers=key)
    if again == 200:
        s.ledger.kept.setdefault(retried, set()).add("hostile-retry")
    _, state = await s.call("GET", "/_emulator/state", retried)
    retry_kept = any(e["transaction_id"] == "hostile-retry" for e in json.loads(state)["events"])
    return {
        "write_status": status,
        "write_kept": kept,
        "retry_after_reset_kept": retry_kept,
        "met": (status != 200 or kept) and retry_kept,
    }


async def refusals(emulator: Emulator) -> dict[str, Any]:
    """9: what aiohttp's parser refuses, through a raw socket."""

    async def raw(data: bytes) -> tuple[str, str]:
        reader, writer = await asyncio.open_connection(emulator.host, emulator.port)
        writer.write(data)
        answer = await asyncio.wait_for(reader.read(), 30)
        writer.close()
        head = answer.partition(b"\r\n\r\n")[0]
        kind = next((line.split(b":")[1].strip().decode() for line in head.split(b"\r\n")
                     if line.lower().startswith(b"content-type")), "")  # fmt: skip
        return head.split(b"\r\n")[0].decode(), kind

    ids = ",".join(["aaaaaaaa-0000-4000-8000-000000000001"] * 300)
    line = await raw(f"GET /v1/customers?customer_ids={ids} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    many = "".join(f"X-H{i}: 1\r\n" for i in range(200))
    headers = await raw(f"GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode())
    return {
        "request_line_too_long": line,
        "too_many_headers": headers,
        "met": (line[0].split()[1], line[1]) == ("414", "application/json")
        and (headers[0].split()[1], headers[1]) == ("431", "application/json"),
    }


async def restart_check(emulator_args: list[str], ledger: Ledger) -> dict[str, Any]:
    """After SIGTERM and a start on the same state file: every acknowledged write is there."""
    emulator = Emulator(gc_log=False, args=emulator_args)
    lost: list[str] = []
    try:
        async with aiohttp.ClientSession() as http:
            for token, kept in sorted(ledger.kept.items()):
                async with http.get(emulator.url + "/_emulator/state", headers=auth(token)) as r:
                    ledger.note("GET /_emulator/state after restart", r.status)
                    found = {e["transaction_id"] for e in json.loads(await r.read())["events"]}
                lost += [f"{token}: {t}" for t in sorted(kept - found)]
    finally:
        code, _ = emulator.stop()
    return {
        "acknowledged": sum(len(v) for v in ledger.kept.values()),
        "lost": lost,
        "exit_code": code,
    }


async def run() -> dict[str, Any]:
    ledger = Ledger()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="soak-hostile-") as folder:
        state_file = str(Path(folder) / "state.json")
        args = [*SCENARIO, "--state-file", state_file, "--max-tenants", "50"]
        emulator = Emulator(args=args)
        print(f"hostile: emulator at {emulator.url}")
        s = Session(emulator, ledger)
        try:
            _, customers = await s.call("GET", "/v1/customers", "hostile-setup")
            customer = json.loads(customers)["data"][0]["id"]
            for name, work in (
                ("1_rebinding", lambda: rebinding(s, customer)),
                ("2_clock", lambda: clock_edge(s)),
                ("3_4_door", lambda: door(s, customer)),
                ("9_refusals", lambda: refusals(emulator)),
            ):
                print(f"hostile: {name}")
                results[name] = await measured(emulator, work)
            print("hostile: 5_heaviest_answer")
            results["5_heaviest_answer"] = await heaviest_answer(s, emulator, customer)
            print("hostile: 6_group_pages")
            results["6_group_pages"] = await group_pages(s, emulator)
            print("hostile: 8_eviction (a second emulator, --max-tenants 5)")
            small_args = [*SCENARIO, "--state-file", state_file + ".small", "--max-tenants", "5"]
            small = Emulator(args=small_args)
            small_session = Session(small, ledger)
            try:
                results["8_eviction"] = await eviction(small_session, customer)
            finally:
                await small_session.close()
                small.stop()
            results["8_eviction"]["restart"] = await restart_check(
                small_args,
                _only(ledger, ("hostile-writer", "hostile-retry")),
            )
            print("hostile: 7_stalled_sockets (about 60 s: the default --idle-timeout)")
            results["7_sockets"] = await stalled_sockets(emulator, 1000)
            memory = emulator.memory_mb()
            results["rss_peak_mb"] = round(memory["VmHWM"], 1)
        finally:
            await s.close()
            code, seconds = emulator.stop()
        results["exit"] = {"code": code, "seconds": round(seconds, 2)}
        print("hostile: restart on the state file")
        main_ledger = _only(ledger, None, exclude=("hostile-writer", "hostile-retry"))
        results["restart"] = await restart_check(args, main_ledger)
        results["emulator_log_problems"] = [
            line.rstrip() for line in emulator.log if "Traceback" in line or "Error" in line
        ][:20]
    results["statuses"] = {str(k): v for k, v in sorted(ledger.statuses.items())}
    results["five_xx"] = ledger.five_xx
    return results


def _only(ledger: Ledger, tokens: tuple[str, ...] | None, exclude: tuple[str, ...] = ()) -> Ledger:
    part = Ledger()
    part.kept = {
        t: v for t, v in ledger.kept.items()
        if (tokens is None or t in tokens) and t not in exclude
    }  # fmt: skip
    part.statuses, part.five_xx = ledger.statuses, ledger.five_xx
    return part


def table(r: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    def health(phase: dict[str, Any]) -> str:
        h = phase["health"]
        return f"health worst {h['worst_ms']:.0f} ms, p99 {h['p99_ms']:.0f} ms"

    heavy = r["5_heaviest_answer"]
    groups = r["6_group_pages"]
    sockets = r["7_sockets"]
    evict = r["8_eviction"]
    door_ = r["3_4_door"]
    return [
        ("1. DNS-rebinding requests (Host: rebind.attacker.example) read or reset a tenant",
         "refused, nothing read or changed",
         f"read {r['1_rebinding']['read_status']}, reset {r['1_rebinding']['reset_status']}, "
         f"state unchanged: {r['1_rebinding']['unchanged']}; a service name (metronome:4010): "
         f"{r['1_rebinding']['service_name_status']}", r["1_rebinding"]["met"]),
        ("2. clock moved past 9999-12-31, then another tenant's snapshot",
         "400; snapshot 200",
         f"advance past: {r['2_clock']['advance_past_status']}; write at the last instant: "
         f"{r['2_clock']['write_at_last_instant_status']}; snapshot: "
         f"{r['2_clock']['snapshot_status']}", r["2_clock"]["met"]),
        ("3-4. property nesting 195 / 32, NaN, a 310-digit integer, limit and page size of 5,000 "
         "digits, a 1 MB metric name, a 100 KB property value",
         "400 / 200, 400, 400, 400, 413 (over the 1 MiB body limit), 400",
         f"{door_['nested_195_status']} / {door_['nested_32_status']}, {door_['nan_status']}, "
         f"{door_['integer_310_digits_status']}, {door_['limit_5000_digits_status']} and "
         f"{door_['page_size_5000_digits_status']}, {door_['metric_name_1mb_status']}, "
         f"{door_['property_value_100kb_status']}", None),
        ("4. SUM of two 1e308, asked twice", "a number both times (the largest double)",
         f"{door_['sum_of_two_1e308']}", door_["met"]),
        (f"5. heaviest accepted answer: /v1/usage, {heavy['days_of_hour_windows']} days of hour "
         "windows, 256-character metric name, 200 group values of 256 bytes",
         "200; one day more 400; growth <= 300 MB; health <= 100 ms",
         f"{heavy['accepted']['status']} ({heavy['accepted']['answer_mb']} MiB in "
         f"{heavy['accepted']['seconds']} s), one day more {heavy['one_day_more_status']}; RSS "
         f"+{heavy['accepted']['rss_peak_growth_mb']} MiB at peak; {health(heavy['accepted'])}",
         heavy["met"]),
        ("6. /v1/usage/groups paged through 100,000 values, 100 a page",
         "health <= 100 ms",
         f"{groups['paged']['rows']:,} rows in {groups['paged']['pages']:,} pages, "
         f"{groups['paged']['seconds']} s (slowest page "
         f"{groups['paged'].get('slowest_page_ms')} ms); {health(groups['paged'])}",
         groups["met"]),
        (f"7. {sockets['silent']:,} silent and {sockets['dribbling']} dribbling sockets",
         "all closed within 2 minutes; a new client answered meanwhile",
         f"all closed after {sockets['all_closed_after_s']} s; new client: "
         f"{sockets['new_client_while_open']}", sockets["met"]),
        ("8. a write whose body is in flight while 50 new tokens arrive (--max-tenants 5); an "
         "idempotency key retried after a reset",
         "kept (or not 2xx); kept",
         f"write {evict['write_status']}, kept: {evict['write_kept']}; retry kept: "
         f"{evict['retry_after_reset_kept']}; after a restart lost: "
         f"{len(evict['restart']['lost'])}", evict["met"] and not evict["restart"]["lost"]),
        ("9. a 10 KB request line; 200 headers", "414 and 431 as JSON",
         f"{r['9_refusals']['request_line_too_long']}; {r['9_refusals']['too_many_headers']}",
         r["9_refusals"]["met"]),
        ("restart with --state-file: acknowledged writes lost",
         "none",
         f"{len(r['restart']['lost'])} of {r['restart']['acknowledged']} (exit codes "
         f"{r['exit']['code']}, {r['restart']['exit_code']})",
         not r["restart"]["lost"] and r["exit"]["code"] == 0),
        ("5xx answers, from any of the above", "none", f"{len(r['five_xx'])}",
         not r["five_xx"]),
    ]  # fmt: skip
