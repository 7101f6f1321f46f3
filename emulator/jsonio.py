"""Reading request bodies into wire models and writing JSON responses."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from emulator.errors import BadRequest, message_for

__all__ = ["json_response", "parse_model", "read_array", "read_model"]

M = TypeVar("M", bound=BaseModel)


async def read_model(request: web.Request, model: type[M], what: str = "request body") -> M:
    """The request body validated as `model`; 400 with a message naming the field otherwise."""
    return parse_model(await request.read(), model, what)


def parse_model(body: bytes, model: type[M], what: str = "request body") -> M:
    if not body.strip():
        raise BadRequest(f"{what} is required: a JSON object")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(message_for(exc, what)) from None


T = TypeVar("T")


async def read_array(request: web.Request, adapter: TypeAdapter[T], items: str) -> T:
    """A request body that is a JSON array, validated by `adapter`; errors name the index."""
    body = await request.read()
    if not body.strip():
        raise BadRequest("request body is required: a JSON array")
    try:
        return adapter.validate_json(body)
    except ValidationError as exc:
        raise BadRequest(message_for(exc, items=items)) from None


def json_response(payload: Any, status: int = 200) -> web.Response:
    try:
        body = orjson.dumps(payload)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits in stored properties
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return web.Response(body=body, status=status, content_type="application/json")
