"""`/_emulator/...`: health, state, reset, clock, tenants, runtime config, faults, the journal."""

from __future__ import annotations

import asyncio

from aiohttp import web
from pydantic import Field

from emulator import __version__
from emulator.control.faults import Fault
from emulator.documents import load_document, stream_document
from emulator.errors import ApiError, BadRequest
from emulator.jsonio import json_response, parse_model, read_body, read_model
from emulator.keys import BASE_IDENTITY, SETTINGS, TENANT, TENANTS, TOKEN
from emulator.limits import RESET_CUSTOMERS, RESET_DAYS, RESET_EVENTS
from emulator.pagination import MAX_PAGE_SIZE
from emulator.seed import generate
from emulator.statefile import StateFileError, write_state_file
from emulator.store.store import Store
from emulator.tenants import Tenant
from emulator.timestamps import format_rfc3339
from emulator.wire import Timestamp, WireModel

__all__ = ["setup"]


class ConfigPatch(WireModel):
    """Runtime settings of the tenant; `null` clears one back to the command-line default."""

    page_size: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)


class ResetOptions(WireModel):
    """Scenario options of `POST /_emulator/reset`; any given one regenerates the tenant's state
    from the seed, the others taking the command line's values."""

    seed: int | None = None
    customers: int | None = Field(default=None, ge=0, le=RESET_CUSTOMERS)
    days: int | None = Field(default=None, ge=0, le=RESET_DAYS)
    events: int | None = Field(default=None, ge=0, le=RESET_EVENTS)


class ClockChange(WireModel):
    """`{"now": T}` freezes the clock at T, `{"now": null}` gives it back to the wall clock,
    `{"advance_seconds": N}` moves it forward from now and freezes it."""

    now: Timestamp | None = None
    advance_seconds: float | None = Field(default=None, ge=0, le=100 * 366 * 86400)


class SnapshotFailed(ApiError):
    status = 500


def setup(app: web.Application) -> None:
    app.router.add_get("/_emulator/health", health)
    app.router.add_get("/_emulator/clock", get_clock)
    app.router.add_post("/_emulator/clock", post_clock)
    app.router.add_delete("/_emulator/tenant", delete_tenant)
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
    tenants = request.app[TENANTS]
    initial = tenants.initial
    return json_response(
        {
            "status": "ok",
            "tenants": len(tenants),
            "tenants_evicted": tenants.evicted,
            "version": __version__,
            "seed": None if settings.fixtures else settings.seed,
            "fixtures": str(settings.fixtures) if settings.fixtures else None,
            "customers": len(initial.customers),
            "billable_metrics": len(initial.metrics),
            "events": len(initial.events),
        }
    )


async def get_state(request: web.Request) -> web.StreamResponse:
    """The tenant's state as a fixture document, with its clock (null: the wall clock)."""
    tenant = request[TENANT]
    return await stream_document(request, tenant.store, tenant.clock.frozen_at)


def _summary(store: Store) -> dict[str, int]:
    return {
        "customers": len(store.customers),
        "billable_metrics": len(store.metrics),
        "events": len(store.events),
    }


async def post_state(request: web.Request) -> web.Response:
    """Replace this tenant's state with the posted fixture document."""
    loaded = await asyncio.to_thread(load_document, await read_body(request))
    tenant = request[TENANT]
    tenant.replace(loaded.store)
    tenant.clock.set(loaded.clock if loaded.clock_given else request.app[TENANTS].start_clock)
    return json_response(_summary(loaded.store))


async def reset(request: web.Request) -> web.Response:
    """Back to the shared seeded (or fixture) state and the start clock, or a scenario generated
    from the options."""
    tenant = request[TENANT]
    body = await read_body(request)
    options = parse_model(body, ResetOptions) if body.strip() else ResetOptions()
    if options.model_fields_set:
        settings = request.app[SETTINGS]
        if options.events is not None and options.events > settings.reset_max_events:
            raise BadRequest(
                f"events must be less than or equal to {settings.reset_max_events} "
                "(this emulator's --reset-max-events)"
            )
        scenario = generate(
            settings.seed if options.seed is None else options.seed,
            settings.customers if options.customers is None else options.customers,
            settings.days if options.days is None else options.days,
            settings.events if options.events is None else options.events,
        )
        # A million events take seconds: built apart, so other requests are answered meanwhile.
        tenant.replace(await asyncio.to_thread(Store.from_document, scenario))
    else:
        tenant.replace(request.app[TENANTS].initial)
    tenant.clock.set(request.app[TENANTS].start_clock)
    return json_response(_summary(tenant.store))


def _clock(tenant: Tenant) -> dict[str, object]:
    return {"now": format_rfc3339(tenant.clock.now()), "frozen": tenant.clock.frozen}


async def get_clock(request: web.Request) -> web.Response:
    return json_response(_clock(request[TENANT]))


async def post_clock(request: web.Request) -> web.Response:
    change = await read_model(request, ClockChange)
    given = change.model_fields_set & {"now", "advance_seconds"}
    if len(given) != 1:
        raise BadRequest("send exactly one of now (a timestamp, or null) and advance_seconds")
    clock = request[TENANT].clock
    if "now" in given:
        clock.set(change.now)
    elif change.advance_seconds is None:
        raise BadRequest("advance_seconds must be a number")
    else:
        clock.advance(change.advance_seconds)
    return json_response(_clock(request[TENANT]))


async def delete_tenant(request: web.Request) -> web.Response:
    """Forget this token's tenant: its next request starts afresh from the seed or fixtures."""
    tenants = request.app[TENANTS]
    tenants.drop(request[TOKEN])
    return json_response({"tenants": len(tenants)})


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
    try:
        # Documents are built and written apart: a large state never holds the event loop.
        await asyncio.to_thread(write_state_file, state_file, request.app[BASE_IDENTITY], saved)
    except StateFileError as exc:
        raise SnapshotFailed(f"snapshot failed: {exc}") from None
    return json_response({"state_file": str(state_file), "tenants": len(saved)})
