"""`/_emulator/...`: health, state export, runtime config."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from emulator import __version__
from emulator.jsonio import json_response, read_model
from emulator.keys import SETTINGS, TENANT, TENANTS
from emulator.pagination import MAX_PAGE_SIZE
from emulator.wire import WireModel

__all__ = ["setup"]


class ConfigPatch(WireModel):
    """Runtime settings of the tenant; `null` clears one back to the command-line default."""

    page_size: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)


def setup(app: web.Application) -> None:
    app.router.add_get("/_emulator/health", health)
    app.router.add_get("/_emulator/state", get_state)
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
