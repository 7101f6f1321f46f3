"""`/_emulator/...`: health, state, reset, runtime config, faults, the request journal."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from emulator import __version__
from emulator.control.faults import Fault
from emulator.errors import BadRequest
from emulator.jsonio import json_response, parse_model, read_model
from emulator.keys import SETTINGS, TENANT, TENANTS
from emulator.pagination import MAX_PAGE_SIZE
from emulator.seed import generate
from emulator.statefile import write_state_file
from emulator.store.store import Store
from emulator.wire import FixtureDocument, WireModel

__all__ = ["setup"]


class ConfigPatch(WireModel):
    """Runtime settings of the tenant; `null` clears one back to the command-line default."""

    page_size: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)


class ResetOptions(WireModel):
    """Scenario options of `POST /_emulator/reset`; any given one regenerates the tenant's state
    from the seed, the others taking the command line's values."""

    seed: int | None = None
    customers: int | None = Field(default=None, ge=0, le=100_000)
    days: int | None = Field(default=None, ge=0, le=3660)
    events: int | None = Field(default=None, ge=0, le=10_000_000)


def setup(app: web.Application) -> None:
    app.router.add_get("/_emulator/health", health)
    app.router.add_get("/_emulator/state", get_state)
    app.router.add_post("/_emulator/state", post_state)
    app.router.add_post("/_emulator/reset", reset)
    app.router.add_post("/_emulator/faults", post_fault)
    app.router.add_delete("/_emulator/faults", delete_faults)
    app.router.add_post("/_emulator/snapshot", snapshot)
    app.router.add_get("/_emulator/requests", get_requests)
    app.router.add_delete("/_emulator/requests", delete_requests)
    app.router.add_get("/_emulator/config", get_config)
    app.router.add_patch("/_emulator/config", patch_config)


async def health(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    initial = request.app[TENANTS].initial
    return json_response(
        {
            "status": "ok",
            "version": __version__,
            "seed": None if settings.fixtures else settings.seed,
            "fixtures": str(settings.fixtures) if settings.fixtures else None,
            "customers": len(initial.customers),
            "billable_metrics": len(initial.metrics),
            "events": len(initial.events),
        }
    )


async def get_state(request: web.Request) -> web.Response:
    return json_response(request[TENANT].store.to_document())


def _summary(store: Store) -> dict[str, int]:
    return {
        "customers": len(store.customers),
        "billable_metrics": len(store.metrics),
        "events": len(store.events),
    }


async def post_state(request: web.Request) -> web.Response:
    """Replace this tenant's state with the posted fixture document."""
    document = await read_model(request, FixtureDocument, what="state document")
    store = Store.from_document(document)
    request[TENANT].store = store
    return json_response(_summary(store))


async def reset(request: web.Request) -> web.Response:
    """Back to the shared seeded (or fixture) state, or a scenario generated from the options."""
    tenant = request[TENANT]
    body = await request.read()
    options = parse_model(body, ResetOptions) if body.strip() else ResetOptions()
    if options.model_fields_set:
        settings = request.app[SETTINGS]
        tenant.store = Store.from_document(
            generate(
                settings.seed if options.seed is None else options.seed,
                settings.customers if options.customers is None else options.customers,
                settings.days if options.days is None else options.days,
                settings.events if options.events is None else options.events,
            )
        )
    else:
        tenant.store = request.app[TENANTS].initial
    return json_response(_summary(tenant.store))


def _config(request: web.Request) -> dict[str, object]:
    tenant = request[TENANT]
    return {"page_size": tenant.page_size or request.app[SETTINGS].page_size}


async def get_config(request: web.Request) -> web.Response:
    return json_response(_config(request))


async def patch_config(request: web.Request) -> web.Response:
    patch = await read_model(request, ConfigPatch)
    if "page_size" in patch.model_fields_set:
        request[TENANT].page_size = patch.page_size
    return json_response(_config(request))


async def post_fault(request: web.Request) -> web.Response:
    """Queue a fault for the next `count` requests matching `method` and `path`."""
    fault = await read_model(request, Fault)
    faults = request[TENANT].faults
    faults.add(fault)
    return json_response({"data": faults.pending()})


async def delete_faults(request: web.Request) -> web.Response:
    request[TENANT].faults.clear()
    return json_response({"data": []})


async def get_requests(request: web.Request) -> web.Response:
    """The journal of this tenant's API requests, oldest first (control calls left out)."""
    return json_response({"data": list(request[TENANT].journal.entries)})


async def delete_requests(request: web.Request) -> web.Response:
    request[TENANT].journal.entries.clear()
    return json_response({"data": []})


async def snapshot(request: web.Request) -> web.Response:
    """Write --state-file now (atomically): every tenant's state, not only the caller's."""
    state_file = request.app[SETTINGS].state_file
    if state_file is None:
        raise BadRequest("this emulator runs without --state-file: there is nowhere to write")
    saved = request.app[TENANTS].saved()
    write_state_file(state_file, saved)
    return json_response({"state_file": str(state_file), "tenants": len(saved)})
