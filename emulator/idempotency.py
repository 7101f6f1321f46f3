"""`Idempotency-Key` on POSTs: the first answer for a key is replayed for the same request.

A request that fails validation (400) is not remembered, so a corrected retry with the same key
runs. Any other answer, errors included, is stored with a fingerprint of the request; the same
key with a different request is a 409. Keys live per tenant, the newest `MAX_KEYS` of them
(there is no wall clock to expire them by; the contract asks for at least 24 hours).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import NamedTuple

__all__ = ["MAX_KEYS", "Answer", "IdempotencyKeys", "request_fingerprint"]

MAX_KEYS = 10_000


class Answer(NamedTuple):
    fingerprint: str
    status: int
    body: bytes
    content_type: str


def request_fingerprint(path: str, query: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([path.encode(), query.encode(), body])).hexdigest()


class IdempotencyKeys:
    def __init__(self) -> None:
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    def get(self, key: str) -> Answer | None:
        return self._answers.get(key)

    def remember(self, key: str, answer: Answer) -> None:
        self._answers[key] = answer
        if len(self._answers) > MAX_KEYS:
            self._answers.popitem(last=False)
