"""The soak's client side: one HTTP call with its answer and time, and the seeded world (its
customers and metrics) that the phases query.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson


def headers_for(token: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(extra or {})}


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return orjson.loads(self.body)

    def message(self) -> str:
        try:
            return str(self.json().get("message", ""))
        except (orjson.JSONDecodeError, AttributeError):
            return self.body[:200].decode(errors="replace")


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    token: str,
    body: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    payload = data if data is not None else None if body is None else orjson.dumps(body)
    started = time.perf_counter()
    async with session.request(
        method, url, data=payload, headers=headers_for(token, headers)
    ) as response:
        answer = await response.read()
        return Answer(response.status, answer, time.perf_counter() - started)


@dataclass
class World:
    customers: list[str]  # the seeded customers' ids, archived ones included
    live_customers: list[str]
    metrics: dict[str, str]  # name -> id


async def discover(url: str) -> World:
    async with aiohttp.ClientSession() as session:
        customers = (await call(session, "GET", f"{url}/v1/customers?limit=100", "soak-x")).json()
        archived = await call(
            session, "GET", f"{url}/v1/customers?limit=100&only_archived=true", "soak-x"
        )
        metrics = (
            await call(session, "GET", f"{url}/v1/billable-metrics?limit=100", "soak-x")
        ).json()
        await call(session, "DELETE", f"{url}/_emulator/tenant", "soak-x")
    live = [c["id"] for c in customers["data"]]
    return World(
        customers=live + [c["id"] for c in archived.json()["data"]],
        live_customers=live,
        metrics={m["name"]: m["id"] for m in metrics["data"]},
    )
