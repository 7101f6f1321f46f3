"""`/_emulator/...`: health, state, reset, clock, tenants, runtime config, faults, the journal.

Each handler is a row of the route table (`emulator/routes.py`)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from emulator import __version__
from emulator.metering.store import Store
from emulator.rating.fixtures import export_fields
from emulator.scenario.documents import document_pieces, load_document, rating_piece
from emulator.tenancy.statefile import StateFileError, write_state_file
from emulator.tenancy.tenants import Tenant
from emulator.web.jsonio import json_response, parse_model, read_body, read_model
from emulator.web.keys import BASE_IDENTITY, SETTINGS, TENANT, TENANTS, TOKEN
from emulator.web.pacing import paced
from emulator.wire.control import ClockChange, ConfigPatch, Fault, ResetOptions
from emulator.wire.encoding import encode_json
from emulator.wire.errors import ApiError, BadRequest
from emulator.wire.timestamps import format_rfc3339


class SnapshotFailed(ApiError):
    status = 500


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
    rating = export_fields(tenant.catalog)
    return await _stream_document(request, tenant.store, tenant.clock.frozen_at, rating)


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
    tenant.replace(loaded.store, loaded.catalog)
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
        # Imported when first needed: the generator's Faker takes about 0.1 s of every start-up.
        from emulator.scenario.seed import generate

        scenario = generate(
            settings.seed if options.seed is None else options.seed,
            settings.customers if options.customers is None else options.customers,
            settings.days if options.days is None else options.days,
            settings.events if options.events is None else options.events,
        )
        # A million events take seconds: built apart, so other requests are answered meanwhile.
        tenant.replace(await asyncio.to_thread(Store.from_document, scenario))
    else:
        tenant.replace(request.app[TENANTS].initial, request.app[TENANTS].initial_catalog)
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
    return {
        "page_size": tenant.page_size or request.app[SETTINGS].page_size,
        "invoice_grace_seconds": tenant.grace // 1_000_000,
    }


async def get_config(request: web.Request) -> web.Response:
    return json_response(_config(request))


async def patch_config(request: web.Request) -> web.Response:
    patch = await read_model(request, ConfigPatch)
    if "page_size" in patch.model_fields_set:
        request[TENANT].page_size = patch.page_size
    if "invoice_grace_seconds" in patch.model_fields_set:
        request[TENANT].grace_seconds = patch.invoice_grace_seconds
    return json_response(_config(request))


async def post_fault(request: web.Request) -> web.Response:
    """Queue a fault for the next `count` requests matching `method` and `path`."""
    fault = await read_model(request, Fault)
    faults = request[TENANT].faults
    faults.add(fault)
    return json_response({"data": faults.pending()})


async def get_faults(request: web.Request) -> web.Response:
    """The faults still queued for this tenant, oldest first, each with its `remaining` count."""
    return json_response({"data": request[TENANT].faults.pending()})


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


async def _stream_document(
    request: web.Request,
    store: Store,
    clock: int | None,
    rating: dict[str, list[dict[str, object]]] | None = None,
) -> web.StreamResponse:
    """The store's fixture document, with the tenant's clock, written out in slices. Events
    ingested while it is written are not in it: it is the state when the export began."""
    stamp = None if clock is None else format_rfc3339(clock)
    tail = rating_piece(rating) + b',"clock":%b' % encode_json(stamp)
    pieces = document_pieces(store.document_source(), tail)
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    async for piece in paced(pieces):
        await response.write(piece)
    await response.write_eof()
    return response
