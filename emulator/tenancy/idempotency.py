"""`Idempotency-Key` on POSTs: the first answer for a key is replayed for the same request.

A request that fails validation (400) is not remembered, so a corrected retry with the same key
runs. Any other answer, errors included, is stored with a fingerprint of the request; the same
key with a different request is a 409. Keys live per tenant, the newest `IDEMPOTENCY_KEYS` of
them, whose answers take at most `IDEMPOTENCY_BYTES` in all (`emulator/wire/limits.py`): the oldest
are dropped first. There is no wall clock to expire them by; the contract asks for at least 24
hours. An answer larger than `IDEMPOTENCY_BYTES` on its own is not remembered: its key stays
free, and the same request with it runs again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import NamedTuple

from emulator.wire.limits import IDEMPOTENCY_BYTES, IDEMPOTENCY_KEYS

__all__ = ["Answer", "IdempotencyKeys", "request_fingerprint"]

# What a remembered answer costs besides its body and key: the tuple, the fingerprint, the
# content type and the dict slot (measured with tracemalloc: about 350 bytes).
_ANSWER_OVERHEAD = 350


class Answer(NamedTuple):
    fingerprint: str
    status: int
    body: bytes
    content_type: str


def request_fingerprint(path: str, query: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([path.encode(), query.encode(), body])).hexdigest()


def _cost(key: str, answer: Answer) -> int:
    return len(key) + len(answer.body) + _ANSWER_OVERHEAD


class IdempotencyKeys:
    def __init__(self, max_keys: int = IDEMPOTENCY_KEYS, max_bytes: int = IDEMPOTENCY_BYTES):
        self.max_keys = max_keys
        self.max_bytes = max_bytes
        self.bytes = 0  # what the remembered answers are counted to cost
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    def get(self, key: str) -> Answer | None:
        return self._answers.get(key)

    def remember(self, key: str, answer: Answer) -> None:
        cost = _cost(key, answer)
        if cost > self.max_bytes:
            return  # larger than the whole store: not remembered (see the module docstring)
        previous = self._answers.pop(key, None)
        if previous is not None:
            self.bytes -= _cost(key, previous)
        self._answers[key] = answer
        self.bytes += cost
        while len(self._answers) > self.max_keys or self.bytes > self.max_bytes:
            oldest, dropped = self._answers.popitem(last=False)
            self.bytes -= _cost(oldest, dropped)

    def __len__(self) -> int:
        return len(self._answers)
