"""Per-token state below HTTP: tenants and their eviction, each tenant's clock, idempotency keys,
fault queue and journal, and the state file that keeps them across restarts. Never imports
aiohttp."""
