"""Metering: customers, billable metrics, events, their rollups, windows and usage. Events in,
quantities out; see `store.py` for how a tenant's state is layered over the shared base. Never
imports aiohttp."""
