"""`GET /openapi.json`: an OpenAPI 3.1 document built from the route table and the wire models.

The request schemas are the pydantic models that validate requests, so the document cannot drift
from what the emulator accepts; every row of `emulator/routes.py` is a path in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from emulator import __version__
from emulator.web.jsonio import json_response
from emulator.web.routing import ROUTES, Route, Schema
from emulator.wire.models import ErrorBody, EventRecord

__all__ = ["openapi_document", "serve_openapi"]

_REF = "#/components/schemas/{model}"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _schema(schema: Schema) -> dict[str, Any] | None:
    if schema is None:
        return None
    if isinstance(schema, TypeAdapter):
        written = schema.json_schema(ref_template=_REF)
        written.pop("$defs", None)  # its models are in the components already
        return written
    if isinstance(schema, dict):
        return {k: _ref(v) if isinstance(v, type) else v for k, v in schema.items()}
    return _ref(schema)


def _operation(route: Route) -> dict[str, Any]:
    response, body = _schema(route.response), _schema(route.request)
    content = {"content": {route.content_type: {"schema": response}}} if response else {}
    responses: dict[str, Any] = {"200": {"description": "OK", **content}}
    errors = route.errors
    if body is not None:  # a body over its route's limit; a Content-Encoding other than gzip
        errors = (*errors, 413, 415)
    for status in errors:
        responses[str(status)] = {"description": "Error", **_json(_ref(ErrorBody))}
    operation: dict[str, Any] = {"summary": route.summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": route.body_required, **_json(body)}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in route.path_parameters
    ]
    parameters += route.parameters
    if parameters:
        operation["parameters"] = parameters
    operation["security"] = [{"bearer": []}] if route.token else []
    return operation


def _models(routes: Iterable[Route]) -> list[type[BaseModel]]:
    """Every model the rows name, and those the ingest batch holds, in first-seen order."""
    found: dict[type[BaseModel], None] = {ErrorBody: None, EventRecord: None}
    for route in routes:
        for schema in (route.request, route.response):
            values = schema.values() if isinstance(schema, dict) else [schema]
            found.update((v, None) for v in values if isinstance(v, type))
    return list(found)


@cache
def openapi_document(routes: tuple[Route, ...]) -> dict[str, Any]:
    """The document of the route table's rows; built on the first request, since its models take
    60 ms to build, a tenth of start-up."""
    _, definitions = models_json_schema(
        [(model, "validation") for model in _models(routes)], ref_template=_REF
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.openapi_path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {"title": "metronome-emulator", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def serve_openapi(request: web.Request) -> web.Response:
    rows = tuple(dict.fromkeys(request.app[ROUTES].values()))  # a GET and its HEAD share a row
    return json_response(openapi_document(rows))
