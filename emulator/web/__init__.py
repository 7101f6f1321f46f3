"""The HTTP edge (aiohttp): reading bodies within their limits, the middlewares every request
passes (errors to `{"message"}`, host and auth, the journal, faults, idempotency), pacing, the
response cache and the OpenAPI document. No Metronome rule lives here."""
