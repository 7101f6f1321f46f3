"""Per-token state: each bearer token gets its own tenant, created on first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.idempotency import IdempotencyKeys
from emulator.store.store import Store

__all__ = ["Tenant", "Tenants"]


@dataclass(slots=True)
class Tenant:
    store: Store
    page_size: int | None = None  # the runtime setting (PATCH /_emulator/config)
    idempotency: IdempotencyKeys = field(default_factory=IdempotencyKeys)


class Tenants:
    """Tenants by token. The seeded (or fixture) store is built once and shared, read-only, by
    every tenant until that tenant's state is replaced; a reset points it back at the shared one.
    """

    def __init__(self, build_initial: Callable[[], Store]) -> None:
        self.initial = build_initial()
        self._tenants: dict[str, Tenant] = {}

    def get(self, token: str) -> Tenant:
        tenant = self._tenants.get(token)
        if tenant is None:
            tenant = self._tenants[token] = Tenant(self.initial)
        return tenant

    def writable(self, tenant: Tenant) -> Store:
        """The tenant's own store, copied from the shared one on its first write."""
        if tenant.store is self.initial:
            tenant.store = self.initial.copy()
        return tenant.store
