"""CPU time per request in process, and where it goes: `python bench/inprocess.py`.

The emulator's application and the bare handler's (`bare_server.bare_app`, the same bytes) are
each driven through a fake transport: the raw request handed to aiohttp's protocol, the answer
counted as it is written. No socket, no kernel, no wrk: only the server's own work, on the
thread's CPU clock, so the figures hold on a busy machine where requests/s do not. wrk's runs
(`bench/ratios.py`) cost both servers two to two and a half times this, sharing two cores.

For the small computed page (7 rows), the 1000-row page (the response cache off) and ingest (100
new events a request, all late, as in ratios.py): the fastest of `--rounds` rounds of
`--requests` requests, each server; then one round of the emulator under cProfile, its time
shared out by where each function lives (the emulator's packages, aiohttp, pydantic, the
standard library, and C: orjson, dict and list methods, zlib, ...).

Writes bench/results/inprocess.json and .md (other options: bench/.cache/results/); with
`--update-docs`, the `bench:inprocess` section of docs/speed.md too.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
import results as results_files
import uvloop
from aiohttp import web
from bare_server import bare_app
from run import INGEST_CLOCK, QUERY
from servers import TOKEN

from emulator.app import create_app
from emulator.cli import settings_from
from emulator.wire.pagination import PAGE_SIZE_HEADER

NAME = "inprocess"
ROUNDS = 5
REQUESTS = {"small": 2000, "large": 200, "ingest": 200}  # a round's, of each server
KINDS = {
    "small": "small computed page (7 rows)",
    "large": "1000-row computed page",
    "ingest": "ingest, 100 events a request",
}


class _Transport(asyncio.Transport):
    """What the protocol writes, counted; `until` resolves once `expected` bytes are out."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.expected = 0
        self.until: asyncio.Future[None] | None = None
        self.kept: list[bytes] | None = None  # what is written, while a caller wants it

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)
        if self.kept is not None:
            self.kept.append(bytes(data))
        if self.until is not None and self.written >= self.expected and not self.until.done():
            self.until.set_result(None)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 4010)}.get(
            name, default
        )

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _raw(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:4010\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {TOKEN}\r\n{head}Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class _Driver:
    """One connection into an application's protocol."""

    def __init__(self, app: web.Application) -> None:
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def start(self) -> None:
        await self.runner.setup()
        server = self.runner.server
        assert server is not None
        self.protocol = server()
        self.transport = _Transport()
        self.protocol.connection_made(self.transport)

    async def size(self, raw: bytes) -> int:
        """Bytes of the answer to `raw`: the loop run until nothing more is written."""
        start = self.transport.written
        self.protocol.data_received(raw)
        quiet = 0
        last = start
        while quiet < 500:
            await asyncio.sleep(0)
            quiet = quiet + 1 if self.transport.written == last else 0
            last = self.transport.written
        return last - start

    async def send(self, requests: list[bytes], size: int) -> None:
        loop = asyncio.get_running_loop()
        for raw in requests:
            self.transport.until = loop.create_future()
            self.transport.expected = self.transport.written + size
            self.protocol.data_received(raw)
            await self.transport.until

    async def stop(self) -> None:
        await self.runner.cleanup()


def _ingest_requests(customer: str, start: int, count: int) -> list[bytes]:
    """`count` requests of 100 login events, transaction ids from `start` on (all new)."""
    requests = []
    for r in range(count):
        events = [
            {
                "transaction_id": f"inprocess-{n}",
                "customer_id": customer,
                "event_type": "login",
                "timestamp": f"2025-06-01T12:{n // 60 % 60:02d}:{n % 60:02d}Z",
                "properties": {"user_id": f"user-{n % 50}", "method": "sso"},
            }
            for n in range(start + 100 * r, start + 100 * (r + 1))
        ]
        requests.append(_raw("/v1/ingest", orjson.dumps(events), {}))
    return requests


def _group(filename: str) -> str:
    """Where a profiled function lives."""
    if filename.startswith(("~", "<")):
        return "C and built-ins (orjson, dict, list, zlib, ...)"
    path = filename.replace(os.sep, "/")
    if "/emulator/" in path and "site-packages" not in path:
        package = path.rsplit("/emulator/", 1)[1].split("/")
        return f"emulator/{package[0]}" if len(package) > 1 else "emulator (root)"
    for library in ("aiohttp", "pydantic", "uvloop", "multidict", "yarl"):
        if f"/{library}/" in path:
            return library
    return "standard library and other"


def _shares(profile: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.items():
        group = _group(filename)
        total[group] = total.get(group, 0.0) + own
    whole = sum(total.values())
    return {k: round(100 * v / whole, 1) for k, v in sorted(total.items(), key=lambda x: -x[1])}


async def _measure(rounds: int, counts: dict[str, int]) -> dict[str, Any]:
    common = ["--response-cache-mb", "0", "--token", TOKEN, "--seed-cache", "off"]
    emulator = _Driver(create_app(settings_from(common)))
    sink = _Driver(create_app(settings_from([*common, "--clock", INGEST_CLOCK])))
    for driver in (emulator, sink):
        await driver.start()
    state = json.loads(
        await _answer(emulator, _raw_get("/_emulator/state"))  # the seeded customers and metrics
    )
    customer, metric = state["customers"][0]["id"], state["billable_metrics"][0]["id"]
    small = {
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-08T00:00:00Z",
        "window_size": "day",
        "customer_ids": [customer],
        "billable_metrics": [{"id": metric}],
    }
    page = {PAGE_SIZE_HEADER: "1000"}
    queries = {
        "small": _raw("/v1/usage", orjson.dumps(small), page),
        "large": _raw("/v1/usage", orjson.dumps(QUERY), page),
    }
    answers = {kind: await _answer(emulator, raw) for kind, raw in queries.items()}
    bare = _Driver(
        bare_app(
            answers["small"],
            {orjson.dumps(small): answers["small"], orjson.dumps(QUERY): answers["large"]},
        )
    )
    await bare.start()
    gc.freeze()  # as the emulator's main() does once it listens: start-up's objects left out
    out: dict[str, Any] = {}
    serial = iter(range(0, 10**12, 100 * max(counts.values())))
    for kind in KINDS:
        n = counts[kind]

        def requests(kind: str = kind, n: int = n) -> list[bytes]:
            if kind == "ingest":
                return _ingest_requests(customer, next(serial), n)
            return [queries[kind]] * n

        servers = {"emulator": sink if kind == "ingest" else emulator, "bare": bare}
        sizes = {name: await driver.size(requests()[0]) for name, driver in servers.items()}
        best: dict[str, float] = {}
        for r in range(rounds):
            for name in servers if r % 2 == 0 else list(servers)[::-1]:
                batch = requests()
                started = time.thread_time()
                await servers[name].send(batch, sizes[name])
                seconds = (time.thread_time() - started) / n
                best[name] = min(best.get(name, seconds), seconds)
        profile = cProfile.Profile()
        batch = requests()
        profile.enable()
        await servers["emulator"].send(batch, sizes["emulator"])
        profile.disable()
        out[kind] = {
            "requests": n,
            "answer_bytes": sizes["emulator"],
            "us_per_request": {name: round(s * 1e6, 1) for name, s in best.items()},
            "profile_shares": _shares(profile),
        }
        print(f"bench: {kind}: {out[kind]['us_per_request']}")
    for driver in (emulator, sink, bare):
        await driver.stop()
    return out


def _raw_get(path: str) -> bytes:
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:4010\r\nAuthorization: Bearer {TOKEN}\r\n"
    return f"{head}\r\n".encode()


async def _answer(driver: _Driver, raw: bytes) -> bytes:
    """The body of the answer to `raw`."""
    kept: list[bytes] = []
    driver.transport.kept = kept
    try:
        await driver.size(raw)
    finally:
        driver.transport.kept = None
    head, _, body = b"".join(kept).partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    return body


def _unchunk(data: bytes) -> bytes:
    out, rest = [], data
    while rest:
        line, _, rest = rest.partition(b"\r\n")
        size = int(line, 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def markdown(record: dict[str, Any]) -> str:
    lines = [
        results_files.measured_under_load(record),
        "",
        "| what | emulator (µs of CPU a request) | bare handler | bare / emulator |",
        "|---|---:|---:|---:|",
    ]
    for kind, what in KINDS.items():
        us = record["kinds"][kind]["us_per_request"]
        lines.append(
            f"| {what} | {us['emulator']:,.1f} | {us['bare']:,.1f} | "
            f"{us['bare'] / us['emulator']:.3f} |"
        )
    groups = sorted({g for k in KINDS for g in record["kinds"][k]["profile_shares"]})
    lines += [
        "",
        "Where the emulator's time goes (cProfile of one round, % of the profiled time by where "
        "each function lives):",
        "",
        "| where | " + " | ".join(KINDS[k] for k in KINDS) + " |",
        "|---|" + "---:|" * len(KINDS),
    ]
    order = sorted(
        groups, key=lambda g: -sum(record["kinds"][k]["profile_shares"].get(g, 0) for k in KINDS)
    )
    for group in order:
        cells = [f"{record['kinds'][k]['profile_shares'].get(group, 0):.1f}" for k in KINDS]
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--scale", type=float, default=1.0, help="of the requests per round")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args()
    counts = {k: max(1, int(v * args.scale)) for k, v in REQUESTS.items()}
    record: dict[str, Any] = {**results_files.stamp(), "load_average": {"start": os.getloadavg()}}
    record["options"] = {"rounds": args.rounds, "requests": counts}
    record["kinds"] = uvloop.run(_measure(args.rounds, counts))
    record["load_average"]["end"] = os.getloadavg()
    table = markdown(record)
    print(table)
    default = args.rounds == ROUNDS and args.scale == 1.0
    folder = results_files.RESULTS if default else results_files.TRIALS
    results_files.write(NAME, record, table, folder)
    if args.update_docs:
        results_files.update_docs(NAME, table)


if __name__ == "__main__":
    main()
