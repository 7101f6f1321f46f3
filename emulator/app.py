"""`create_app(settings)`: the application, its state, and the routes of `emulator/routes.py`."""

from __future__ import annotations

from aiohttp import web

from emulator.routes import ROUTES as ROUTES_TABLE
from emulator.scenario.initial import base_identity, initial_world
from emulator.settings import Settings
from emulator.tenancy.statefile import read_state_file, write_state_file
from emulator.tenancy.tenants import Tenants
from emulator.web.keys import BASE_IDENTITY, RESPONSES, SETTINGS, TENANTS
from emulator.web.middlewares import MIDDLEWARES
from emulator.web.response_cache import ResponseCache
from emulator.web.routing import NOT_EMULATED, ROUTES, not_emulated_patterns
from emulator.wire.limits import MAX_BODY
from emulator.wire.models import build_models

__all__ = ["create_app"]


def create_app(settings: Settings, tenants: Tenants | None = None) -> web.Application:
    build_models()  # before the scenario, which a child may still be building (ahead.py)
    app = web.Application(
        middlewares=MIDDLEWARES,
        # Each route reads at most its own limit (`read_body`); this is the largest of them.
        client_max_size=MAX_BODY,
        # read_body inflates gzip itself, as a stream against the route's limit. The keep-alive
        # timer closes a connection that waits for a request longer than --idle-timeout: idle
        # between requests, or with a head that has not fully arrived (slowloris); aiohttp starts
        # it when the connection is made and after each answer, and data does not extend it.
        # After an answer sent before its body was read (a 408, a 413), aiohttp reads and drops
        # the rest for its lingering time, then closes: at most --body-timeout here, not 10 s.
        handler_args={
            "auto_decompress": False,
            "keepalive_timeout": settings.idle_timeout,
            "lingering_time": min(10.0, settings.body_timeout),
        },
    )
    app[SETTINGS] = settings
    app[BASE_IDENTITY] = base_identity(settings)
    if tenants is None:
        state_file = settings.state_file
        saved = read_state_file(state_file, app[BASE_IDENTITY]) if state_file else None
        initial, catalog, start_clock = initial_world(settings)
        tenants = Tenants(
            initial, settings.journal_size, saved, start_clock, settings.max_tenants, catalog
        )
    app[TENANTS] = tenants
    app[RESPONSES] = ResponseCache(settings.response_cache_mb * 2**20)
    if settings.state_file is not None:
        app.on_cleanup.append(_write_state_on_shutdown)
    app[NOT_EMULATED] = not_emulated_patterns(ROUTES_TABLE)
    app[ROUTES] = {}
    for row in ROUTES_TABLE:
        # A GET answers HEAD too, as aiohttp's add_get does.
        for method in ("HEAD", "GET") if row.method == "GET" else (row.method,):
            app[ROUTES][app.router.add_route(method, row.path, row.handler)] = row
    return app


async def _write_state_on_shutdown(app: web.Application) -> None:
    state_file = app[SETTINGS].state_file
    assert state_file is not None
    write_state_file(state_file, app[BASE_IDENTITY], app[TENANTS].saved())
