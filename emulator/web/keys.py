"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from aiohttp import web

from emulator.settings import Settings
from emulator.tenancy.tenants import Tenant, Tenants
from emulator.web.response_cache import ResponseCache

__all__ = ["BASE_IDENTITY", "RESPONSES", "SETTINGS", "TENANT", "TENANTS", "TOKEN"]

SETTINGS = web.AppKey("settings", Settings)
TENANTS = web.AppKey("tenants", Tenants)
RESPONSES = web.AppKey("responses", ResponseCache)
# What the shared base state was built from (`scenario.base_identity`), for the state file.
BASE_IDENTITY = web.AppKey("base_identity", str)
# Per request: the tenant selected by the bearer token (set by the auth middleware).
TENANT = web.RequestKey("tenant", Tenant)
TOKEN = web.RequestKey("token", str)
