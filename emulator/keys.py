"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from aiohttp import web

from emulator.response_cache import ResponseCache
from emulator.settings import Settings
from emulator.tenants import Tenant, Tenants

__all__ = ["BASE_IDENTITY", "BODY", "RESPONSES", "SETTINGS", "TENANT", "TENANTS", "TOKEN"]

SETTINGS = web.AppKey("settings", Settings)
TENANTS = web.AppKey("tenants", Tenants)
RESPONSES = web.AppKey("responses", ResponseCache)
# What the shared base state was built from (`scenario.base_identity`), for the state file.
BASE_IDENTITY = web.AppKey("base_identity", str)
# Per request: the tenant selected by the bearer token (set by the auth middleware).
TENANT = web.RequestKey("tenant", Tenant)
TOKEN = web.RequestKey("token", str)
# Per request: its body, inflated and within its route's limit (`emulator.jsonio.read_body`).
BODY = web.RequestKey("body", bytes)
