"""Latency seen from another process: a poller of `GET /_emulator/health` (or of another
tenant's small usage query) every 20 ms, started and stopped around a phase of the soak, so
that what the load generator costs does not count in the latencies.
"""

from __future__ import annotations

import http.client
import json
import math
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as EventType
from typing import Any

from soak_emulator import Emulator


def _probe(
    host: str, port: int, kind: str, customer: str, pipe: Connection, stop: EventType
) -> None:
    """Runs in its own process: GET /_emulator/health (or another tenant's small usage query,
    new bytes each time so that the response cache never answers it) every 20 ms until `stop`."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    connection = http.client.HTTPConnection(host, port, timeout=60)
    n = 0
    while not stop.is_set():
        n += 1
        started = time.perf_counter()
        try:
            if kind == "health":
                connection.request("GET", "/_emulator/health")
            else:
                body = {
                    "starting_on": "2024-01-15T00:00:00Z",
                    "ending_before": "2024-01-16T00:00:00Z",
                    "window_size": "day",
                    "customer_ids": [customer],
                    "probe": n,  # unknown fields are ignored: this only defeats the cache
                }
                connection.request(
                    "POST",
                    "/v1/usage",
                    body=json.dumps(body),
                    headers={
                        "Authorization": "Bearer soak-probe",
                        "Content-Type": "application/json",
                    },
                )
            response = connection.getresponse()
            response.read()
            statuses[response.status] += 1
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
        elapsed = time.perf_counter() - started
        latencies.append(elapsed)
        time.sleep(max(0.0, 0.02 - elapsed))
    connection.close()
    pipe.send((latencies, dict(statuses), errors))


@dataclass
class Latency:
    count: int
    worst_ms: float
    p99_ms: float
    p50_ms: float
    statuses: dict[int, int]
    errors: list[str]

    def summary(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "worst_ms": round(self.worst_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "p50_ms": round(self.p50_ms, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors[:5],
        }


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Probe:
    """A poller in its own process, started and stopped around a phase."""

    def __init__(self, emulator: Emulator, kind: str = "health", customer: str = "") -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_probe,
            args=(emulator.host, emulator.port, kind, customer, send, self._stop),
            daemon=True,
        )
        self._process.start()

    def result(self) -> Latency:
        self._stop.set()
        latencies, statuses, errors = self._receive.recv()
        self._process.join(timeout=30)
        ms = [1000 * s for s in latencies]
        return Latency(
            len(ms),
            max(ms, default=math.nan),
            percentile(ms, 0.99),
            percentile(ms, 0.5),
            statuses,
            errors,
        )
