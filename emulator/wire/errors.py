"""Errors that carry the real status and message, and the translation of pydantic's errors.

Every 4xx body the emulator sends is `{"message": ...}`; the messages name the field and say what is
wrong with it. Handlers and the store raise these; one middleware (in `app.py`) writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "RequestTimeout",
    "Unauthorized",
    "UnsupportedMediaType",
    "field_path",
    "message_for",
]


class ApiError(Exception):
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class RequestTimeout(ApiError):
    status = 408


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


def field_path(loc: Sequence[int | str]) -> str:
    """`("billable_metrics", 0, "id")` -> `billable_metrics[0].id`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


_TYPE_WORDS = {
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
}


def _describe(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[kind]}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s)"
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else error["msg"].lower()
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    bounds = {
        "greater_than_equal": ("greater than or equal to", "ge"),
        "less_than_equal": ("less than or equal to", "le"),
        "greater_than": ("greater than", "gt"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        limit = ctx.get(key)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)  # a float field's bound of 0 reads as 0, not 0.0
        return f"must be {words} {limit}"
    if kind == "value_error":
        # Our own validators raise ValueError("must ..."): pydantic prefixes "Value error, ".
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"]).lower()


def message_for(exc: ValidationError, what: str = "request body", items: str = "") -> str:
    """One readable sentence for the first problem pydantic found, naming the field.

    `items` names the elements of a body that is an array (`usage` gives `usage[3].timestamp`).
    """
    error = exc.errors(include_url=False)[0]
    if error["type"] == "json_invalid":
        return f"{what} must be valid JSON"
    path = field_path(error["loc"])
    if path.startswith("["):
        path = items + path
    if not path:
        if error["type"] in ("model_type", "model_attributes_type", "dict_type"):
            return f"{what} must be a JSON object"
        if error["type"] == "list_type":
            return f"{what} must be a JSON array"
        path = what
    description = _describe(error)
    # A rule over several fields (a model validator) reads as a sentence of its own.
    separator = (
        ": " if error["type"] == "value_error" and not description.startswith("must") else " "
    )
    return f"{path}{separator}{description}"
