"""JSON bytes out: orjson, with the standard library for what orjson refuses."""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["encode_json"]


def encode_json(payload: Any) -> bytes:
    """orjson, or the standard library for what orjson refuses: integers beyond 64 bits (which
    the API accepts in event properties and must give back exactly) and text that is not UTF-8
    (a header or path with such bytes arrives with surrogates: written as "?")."""
    try:
        return orjson.dumps(payload)
    except orjson.JSONEncodeError:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return text.encode(errors="replace")
