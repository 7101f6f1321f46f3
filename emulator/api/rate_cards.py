"""Rate cards and rates: `/v1/contract-pricing/rate-cards/{create,get,list,archive}` and
`{addRate,addRates,getRates}` (RATING.md endpoints 2 and 3). Shapes: `rating/shapes.py`."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import Field

from emulator.api.paging import query_page
from emulator.api.products import read_optional
from emulator.rating import shapes
from emulator.rating.records import RateAdd, RateCardCreate
from emulator.web.jsonio import json_response, read_model
from emulator.web.keys import TENANT
from emulator.wire.models import Uuid, WireModel
from emulator.wire.rating import IdGet, RatesQuery

__all__ = [
    "RateAddOne",
    "RatesAdd",
    "add_rate",
    "add_rates",
    "archive_rate_card",
    "create_rate_card",
    "get_rate_card",
    "get_rates",
    "list_rate_cards",
]


class _Empty(WireModel):
    pass


async def create_rate_card(request: web.Request) -> web.Response:
    body = await read_model(request, RateCardCreate)
    tenant = request[TENANT]
    card = tenant.writable_catalog().create_rate_card(body, tenant.clock.now())
    return json_response({"data": {"id": card.id}})


async def get_rate_card(request: web.Request) -> web.Response:
    body = await read_model(request, IdGet)
    return json_response({"data": shapes.rate_card(request[TENANT].catalog.rate_card(body.id))})


async def list_rate_cards(request: web.Request) -> web.Response:
    """In creation order; archived cards are left out (a choice)."""
    await read_optional(request, _Empty)
    cards = [c for c in request[TENANT].catalog.rate_cards.values() if c.archived_at is None]
    return json_response(query_page(request, cards, shapes.rate_card, []))


async def archive_rate_card(request: web.Request) -> web.Response:
    body = await read_model(request, IdGet)
    tenant = request[TENANT]
    tenant.catalog.rate_card(body.id)
    tenant.writable_catalog().archive_rate_card(body.id, tenant.clock.now())
    return json_response({"data": {"id": body.id}})


class RateAddOne(RateAdd):
    """`addRate`: one rate and its card."""

    rate_card_id: Uuid


async def add_rate(request: web.Request) -> web.Response:
    rate = await read_model(request, RateAddOne)
    tenant = request[TENANT]
    tenant.writable_catalog().add_rates(rate.rate_card_id, [rate], tenant.clock.now(), many=False)
    record = tenant.catalog.card_rates(rate.rate_card_id)[-1]
    return json_response({"data": shapes.rate(record)})


class RatesAdd(WireModel):
    """`addRates`: the rates of one card, added all or none."""

    rate_card_id: Uuid
    rates: Annotated[list[RateAdd], Field(min_length=1)]


async def add_rates(request: web.Request) -> web.Response:
    """All or nothing: one rate that is not valid adds none."""
    body = await read_model(request, RatesAdd)
    tenant = request[TENANT]
    catalog = tenant.writable_catalog()
    catalog.add_rates(body.rate_card_id, list(body.rates), tenant.clock.now(), many=True)
    return json_response({"data": {"id": body.rate_card_id}})


async def get_rates(request: web.Request) -> web.Response:
    body = await read_model(request, RatesQuery)
    selectors = (
        None
        if body.selectors is None
        else [s.model_dump(exclude_none=True) for s in body.selectors]
    )
    catalog = request[TENANT].catalog
    found = shapes.get_rates(catalog, body.rate_card_id, body.at, selectors)
    filters = [body.rate_card_id, body.at, selectors]
    return json_response(query_page(request, found, lambda item: item, filters))
