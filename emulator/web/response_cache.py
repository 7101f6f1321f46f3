"""Finished `POST /v1/usage` pages, kept for requests that repeat (a dashboard that polls, a test
that asks twice, a benchmark).

The key holds the store's version, which changes with every write to that store (and every store
gets a version no other store had), so a hit is byte for byte the page the store would compute
now. The request body is part of the key as sent: a body equal to one that succeeded is the same
valid query, so a hit needs neither validation nor computation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["ResponseCache"]


class ResponseCache:
    """Least recently used pages, up to `max_bytes` of response bodies in all (0 keeps none)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0

    def get(self, key: Hashable) -> bytes | None:
        body = self._bodies.get(key)
        if body is not None:
            self._bodies.move_to_end(key)
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes or key in self._bodies:
            return
        self._bodies[key] = body
        self._size += len(body)
        while self._size > self.max_bytes:
            _, evicted = self._bodies.popitem(last=False)
            self._size -= len(evicted)

    def __len__(self) -> int:
        return len(self._bodies)
