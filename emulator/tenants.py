"""Per-token state: each bearer token gets its own tenant, created on first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.control.faults import FaultQueue
from emulator.control.journal import Journal
from emulator.idempotency import IdempotencyKeys
from emulator.statefile import SavedTenant, token_digest
from emulator.store.store import Store

__all__ = ["Tenant", "Tenants"]


@dataclass(slots=True)
class Tenant:
    store: Store
    journal: Journal
    page_size: int | None = None  # the runtime setting (PATCH /_emulator/config)
    idempotency: IdempotencyKeys = field(default_factory=IdempotencyKeys)
    faults: FaultQueue = field(default_factory=FaultQueue)


class Tenants:
    """Tenants by token. The seeded (or fixture) store is built once and shared, read-only, by
    every tenant until that tenant's state is replaced; a reset points it back at the shared one.
    """

    def __init__(
        self,
        build_initial: Callable[[], Store],
        journal_size: int = 1000,
        saved: dict[str, SavedTenant] | None = None,
    ) -> None:
        self.initial = build_initial()
        self.journal_size = journal_size
        self._tenants: dict[str, Tenant] = {}
        # From --state-file, by token digest: taken up by each token on its first request.
        self._saved = dict(saved or {})

    def get(self, token: str) -> Tenant:
        tenant = self._tenants.get(token)
        if tenant is None:
            store, page_size = self._saved.pop(token_digest(token), (self.initial, None))
            tenant = Tenant(store, Journal(self.journal_size), page_size)
            self._tenants[token] = tenant
        return tenant

    def saved(self) -> dict[str, SavedTenant]:
        """What a state file keeps: every tenant whose state or settings are its own."""
        kept = dict(self._saved)  # not yet used since the restart: still theirs
        for token, tenant in self._tenants.items():
            if tenant.store is not self.initial or tenant.page_size is not None:
                kept[token_digest(token)] = (tenant.store, tenant.page_size)
        return kept

    def writable(self, tenant: Tenant) -> Store:
        """The tenant's own store, copied from the shared one on its first write."""
        if tenant.store is self.initial:
            tenant.store = self.initial.copy()
        return tenant.store
