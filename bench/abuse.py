"""Hostile-but-plausible requests against a real emulator process: `python bench/abuse.py`.

Starts `python -m emulator` (an `EmulatorProcess`), then sends
- a gzip bomb: 1.04 MB of gzip (under the route's 1 MiB limit, so only inflating it can tell)
  that inflates to 1000 MiB (1.05 GB) of zeros, to POST /v1/ingest;
- a request that declares a 1 GiB body (Content-Length) and sends none of it;
and prints, for each, the status, the message, the seconds until the answer, and how the
process's memory moved: VmRSS before and after, and the peak (VmHWM) against the RSS before.
Writes them to bench/results/abuse.json and bench/results/abuse.md; with `--update-docs`, puts the
table between the `bench:abuse` markers of docs/speed.md too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import struct
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results as results_files

from emulator.testing import EmulatorProcess
from emulator.wire.limits import MiB

HEADERS = {"Authorization": "Bearer abuse", "Content-Type": "application/json"}


def gzip_bomb(mib: int) -> Iterator[bytes]:
    """A valid gzip stream of `mib` MiB of zeros, in pieces (about 1 KiB of gzip per MiB).

    Each MiB after the first is compressed after a full flush, so every one of them is the same
    bytes: the stream is made in a fraction of a second without compressing 1 GiB.
    tests/api/test_limits.py sends the same bomb, made here.
    """
    zeros = bytes(MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    yield compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(zeros)
    for _ in range(mib - 1):
        crc = zlib.crc32(zeros, crc)
        yield block
    # The last, empty block, then the gzip trailer: CRC-32 and size (mod 2**32) of what was packed.
    yield b"\x03\x00" + struct.pack("<II", crc, (mib * MiB) & 0xFFFFFFFF)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of `pid`, in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def send(address: str, path: str, headers: dict[str, str], body: bytes | None) -> tuple[int, str]:
    """One request on a fresh connection; the status and the message of the answer."""
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.putrequest("POST", path)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        answer = response.read()
    finally:
        connection.close()
    return response.status, str(json.loads(answer)["message"])


def measure(
    pid: int, address: str, what: str, headers: dict[str, str], body: bytes | None
) -> dict[str, Any]:
    before = memory_kb(pid)
    started = time.perf_counter()
    status, message = send(address, "/v1/ingest", {**HEADERS, **headers}, body)
    elapsed = time.perf_counter() - started
    after = memory_kb(pid)
    print(f"{what}:")
    print(f"  answer     {status} {message}")
    print(f"  elapsed    {elapsed:.3f} s")
    print(
        f"  VmRSS      {before['VmRSS'] / 1024:.1f} MiB before, {after['VmRSS'] / 1024:.1f} MiB "
        f"after ({(after['VmRSS'] - before['VmRSS']) / 1024:+.1f} MiB)"
    )
    print(
        f"  VmHWM      {after['VmHWM'] / 1024:.1f} MiB "
        f"(peak {(after['VmHWM'] - before['VmRSS']) / 1024:+.1f} MiB over the RSS before)"
    )
    return {
        "what": what,
        "status": status,
        "message": message,
        "seconds": round(elapsed, 3),
        "rss_before_mib": round(before["VmRSS"] / 1024, 1),
        "rss_after_mib": round(after["VmRSS"] / 1024, 1),
        "peak_over_before_mib": round((after["VmHWM"] - before["VmRSS"]) / 1024, 1),
    }


def markdown(record: dict[str, Any]) -> str:
    lines = [
        f"{results_files.measured(record)}.",
        "",
        "| request | answer | seconds | RSS before -> after (MiB) | peak over the RSS before |",
        "|---|---|---:|---|---:|",
    ]
    for run in record["requests"]:
        lines.append(
            f"| {run['what']} | {run['status']} {run['message']} | {run['seconds']:.3f} "
            f"| {run['rss_before_mib']:.1f} -> {run['rss_after_mib']:.1f} "
            f"| {run['peak_over_before_mib']:+.1f} MiB |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--update-docs", action="store_true", help="put the table in docs/speed.md too"
    )
    args = parser.parse_args()
    record: dict[str, Any] = results_files.stamp()
    bomb = b"".join(gzip_bomb(1000))
    with EmulatorProcess("abuse") as emulator:
        address = emulator.url.removeprefix("http://")
        record["requests"] = [
            measure(
                emulator.pid,
                address,
                f"gzip bomb: {len(bomb):,} bytes of gzip, {1000 * MiB:,} inflated",
                {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))},
                bomb,
            ),
            measure(
                emulator.pid,
                address,
                "a declared 1 GiB body, none of it sent",
                {"Content-Length": str(1024 * MiB)},
                None,
            ),
        ]
    text = markdown(record)
    results_files.write("abuse", record, text)
    if args.update_docs:
        results_files.update_docs("abuse", text)


if __name__ == "__main__":
    main()
