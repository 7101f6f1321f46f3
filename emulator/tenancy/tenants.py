"""Per-token state: each bearer token gets its own tenant, created on first use.

Every tenant reads the base state built once from the seed (or `--fixtures`); its writes go to a
layer of its own (`Store(base)`, see `emulator/metering/store.py`). Loading a document or a reset
with scenario options gives the tenant a base of its own; a plain reset drops the layer. Past
`max_tenants` the least recently used tenant is forgotten: the one way the emulator drops data by
design.
"""

from __future__ import annotations

import gc
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from emulator.metering.store import Store
from emulator.tenancy.clock import Clock
from emulator.tenancy.faults import FaultQueue
from emulator.tenancy.idempotency import IdempotencyKeys
from emulator.tenancy.journal import Journal
from emulator.tenancy.statefile import SavedTenant, StateFileError, token_digest
from emulator.wire.errors import ApiError

__all__ = ["Tenant", "Tenants"]

log = logging.getLogger("emulator")


@dataclass(slots=True)
class Tenant:
    base: Store
    clock: Clock
    journal: Journal
    layer: Store | None = None  # this tenant's writes over `base`
    page_size: int | None = None  # the runtime setting (PATCH /_emulator/config)
    idempotency: IdempotencyKeys = field(default_factory=IdempotencyKeys)
    faults: FaultQueue = field(default_factory=FaultQueue)

    @property
    def store(self) -> Store:
        """What the tenant reads: its layer over the base, or the base while it wrote nothing."""
        return self.base if self.layer is None else self.layer

    def writable(self) -> Store:
        """The tenant's layer, made (empty, nothing copied) on its first write."""
        if self.layer is None:
            self.layer = Store(self.base)
        return self.layer

    def replace(self, base: Store) -> None:
        """A new base (a loaded document, a regenerated scenario, or the shared one back). The
        idempotency keys go with the old state: a retry with an old key runs again, and is kept."""
        self.base = base
        self.layer = None
        self.idempotency = IdempotencyKeys()
        settle(base)


class Tenants:
    """Tenants by token, least recently used first."""

    def __init__(
        self,
        initial: Store,
        journal_size: int = 1000,
        saved: dict[str, SavedTenant] | None = None,
        start_clock: int | None = None,
        max_tenants: int = 10_000,
    ) -> None:
        self.initial = initial
        settle(initial)
        self.journal_size = journal_size
        self.start_clock = start_clock  # every tenant's clock at first use and after a reset
        self.max_tenants = max_tenants  # 0: no limit
        self.evicted = 0
        self._tenants: OrderedDict[str, Tenant] = OrderedDict()
        # Tokens with a request in flight, and how many: never evicted (see `acquire`).
        self._busy: dict[str, int] = {}
        # From --state-file, by token digest: taken up by each token on its first request.
        self._saved = {digest: self._restore(entry) for digest, entry in (saved or {}).items()}

    def _restore(self, saved: SavedTenant) -> Tenant:
        try:
            base = self.initial if saved.state is None else Store.from_document(saved.state)
            layer = None if saved.layer is None else Store.from_document(saved.layer, base)
        except ApiError as exc:
            raise StateFileError(f"{saved.where}: {exc.message}") from None
        journal = Journal(self.journal_size)
        return Tenant(base, Clock(saved.clock), journal, layer, saved.page_size)

    def __len__(self) -> int:
        return len(self._tenants)

    def get(self, token: str) -> Tenant:
        """The token's tenant, made on first use; past `max_tenants` the least recently used
        tenant with no request in flight is forgotten."""
        tenant = self._tenants.get(token)
        if tenant is not None:
            self._tenants.move_to_end(token)
            return tenant
        digest = token_digest(token)
        tenant = self._saved.pop(digest, None)
        if tenant is None:
            tenant = Tenant(self.initial, Clock(self.start_clock), Journal(self.journal_size))
        self._tenants[token] = tenant
        self._evict(keep=token)
        return tenant

    def acquire(self, token: str) -> Tenant:
        """The token's tenant (`get`), held for a request in flight until `release`: a tenant is
        never evicted while it has one, so a write answered 2xx is always in a tenant that is
        kept. With every tenant busy the count passes `max_tenants` until requests end."""
        self._busy[token] = self._busy.get(token, 0) + 1
        return self.get(token)

    def release(self, token: str) -> None:
        """The request ended: the tenant was just used (most recent again), and may be evicted
        once it has no other request in flight."""
        if token in self._tenants:
            self._tenants.move_to_end(token)
        left = self._busy.get(token, 0) - 1
        if left > 0:
            self._busy[token] = left
        else:
            self._busy.pop(token, None)
            self._evict()

    def _evict(self, keep: str | None = None) -> None:
        while self.max_tenants and len(self._tenants) > self.max_tenants:
            forgotten = next((t for t in self._tenants if t != keep and t not in self._busy), None)
            if forgotten is None:  # every other tenant has a request in flight
                return
            del self._tenants[forgotten]
            self.evicted += 1
            log.warning(
                "metronome-emulator: more than %d tenants: forgot the least recently used one "
                "(token sha256 %s...); its next request starts from the seed",
                self.max_tenants,
                token_digest(forgotten)[:12],
            )

    def drop(self, token: str) -> bool:
        """Forget a token's tenant (and any state the state file kept for it)."""
        saved = self._saved.pop(token_digest(token), None)
        return self._tenants.pop(token, None) is not None or saved is not None

    def saved(self) -> dict[str, dict[str, Any]]:
        """What a state file keeps, by token digest: every tenant whose state or settings are its
        own. A tenant on the shared base keeps only its layer; one with a base of its own, all.
        Documents come as `DocumentSource`s, safe to read in another thread."""
        kept = {digest: _entry(tenant, self) for digest, tenant in self._saved.items()}
        for token, tenant in self._tenants.items():
            if (
                tenant.base is not self.initial
                or tenant.layer is not None
                or tenant.page_size is not None
                or tenant.clock.frozen_at != self.start_clock
            ):
                kept[token_digest(token)] = _entry(tenant, self)
        return kept


# A store this large is frozen out of the garbage collector once built (see `settle`).
SETTLE_EVENTS = 100_000


def settle(store: Store) -> None:
    """Keep a large base store out of the cyclic garbage collector's walks.

    A full collection walks every item of every tracked list: at a million events (the event
    log's columns) that is about 180 ms, holding the event loop, and it comes round again and
    again while requests allocate. A base is never written after it is built, and holds no
    reference cycles (refcounting frees it when dropped), so `gc.freeze()` moves it, with
    whatever else is alive, to the permanent generation that collections skip. The young
    generations are collected first, so that little garbage is frozen with it."""
    if len(store.events) >= SETTLE_EVENTS:
        gc.collect(1)
        gc.freeze()


def _entry(tenant: Tenant, tenants: Tenants) -> dict[str, Any]:
    return {
        "page_size": tenant.page_size,
        "clock": tenant.clock.frozen_at,
        "state": None if tenant.base is tenants.initial else tenant.base.document_source(),
        "layer": None if tenant.layer is None else tenant.layer.document_source(layer_only=True),
    }
