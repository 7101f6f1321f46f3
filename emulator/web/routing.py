"""A route as the route table (`emulator/routes.py`) declares it, and how a request finds its own.

One `Route` says everything the edge needs about an endpoint: the app registers its handler, the
body reader takes its limit, the auth middleware asks whether it needs a token, the journal and
faults whether it is Metronome's API or the control plane, and `/openapi.json` is built from the
same rows. Adding an endpoint is a handler and one row.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute
from pydantic import BaseModel, TypeAdapter

from emulator.wire.limits import API_BODY
from emulator.wire.sdk_surface import SDK_SURFACE

__all__ = [
    "NOT_EMULATED",
    "ROUTES",
    "Handler",
    "Route",
    "Schema",
    "header",
    "not_emulated",
    "not_emulated_patterns",
    "query",
    "route_of",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# What a body or an answer looks like in the OpenAPI document: a model, a type adapter, or a
# schema written out (a JSON array of a model: `{"type": "array", "items": Model}`).
Schema = type[BaseModel] | TypeAdapter[Any] | dict[str, Any] | None

_PATTERN = re.compile(r"\{(\w+):[^}]*\}")


# eq=False: a row is hashed by identity, so a tuple of rows can key the OpenAPI document's cache.
@dataclass(frozen=True, slots=True, eq=False)
class Route:
    method: str
    # aiohttp's pattern: `{name}`, or `{name:regex}` where a segment must not take another
    # route's literal (OpenAPI shows it as `{name}`).
    path: str
    handler: Handler
    summary: str
    request: Schema = None  # the body
    response: Schema = None  # the 200 answer's body
    errors: tuple[int, ...] = (400, 401)
    parameters: tuple[dict[str, Any], ...] = ()
    limit: int = API_BODY  # the most bytes its body may have, inflated
    token: bool = True  # needs `Authorization: Bearer <token>` (which selects the tenant)
    body_required: bool = True
    content_type: str = "application/json"

    @property
    def control(self) -> bool:
        """The emulator's own control plane: never journaled, never hit by faults."""
        return self.path.startswith("/_emulator/")

    @property
    def openapi_path(self) -> str:
        return _PATTERN.sub(r"{\1}", self.path)

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"\{(\w+)", self.path)


def query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def header(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": schema}


# Each aiohttp route of the app, to the row it was registered from (`create_app`).
ROUTES = web.AppKey("routes", dict[AbstractRoute, Route])


def route_of(request: web.Request) -> Route | None:
    """The row of the route the request matched; None for a 404 or 405."""
    if request.match_info.http_exception is not None:
        return None
    return request.app[ROUTES].get(request.match_info.route)


# The official SDK's calls that the route table does not serve, as (method, path regex): answered
# 400 "<METHOD> <path> is not supported by the emulator" rather than 404 (RATING.md section 2).
NOT_EMULATED = web.AppKey("not_emulated", tuple[tuple[str, re.Pattern[str]], ...])


def _sdk_pattern(template: str) -> re.Pattern[str]:
    """A path template of the SDK (`/v1/customers/{customer_id}/plans`) as a regex of paths."""
    parts = re.split(r"\{\w+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + r"\Z")


def not_emulated_patterns(rows: tuple[Route, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The SDK's (method, path template) pairs that no row serves (`emulator/wire/sdk_surface.py`,
    made from the installed SDK's own resource modules)."""
    served = {(row.method, row.openapi_path) for row in rows}
    return tuple(
        (method, _sdk_pattern(path)) for method, path in SDK_SURFACE if (method, path) not in served
    )


def not_emulated(request: web.Request, method: str, path: str) -> bool:
    """Whether the official SDK calls `method path`, which the emulator does not serve."""
    patterns = request.app.get(NOT_EMULATED, ())
    return any(m == method and pattern.match(path) for m, pattern in patterns)
