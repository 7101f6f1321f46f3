"""Products: `/v1/contract-pricing/products/{create,get,list,archive}` (RATING.md endpoint 1).
Shapes: `rating/shapes.py`."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

from emulator.api.paging import query_page
from emulator.rating import shapes
from emulator.rating.records import ProductCreate
from emulator.web.jsonio import json_response, parse_model, read_body, read_model
from emulator.web.keys import TENANT
from emulator.wire.rating import IdGet, ProductArchive, ProductList

__all__ = ["archive_product", "create_product", "get_product", "list_products", "read_optional"]

M = TypeVar("M", bound=BaseModel)


async def read_optional(request: web.Request, model: type[M]) -> M:
    """A body that may be absent: absent, the model's defaults."""
    body = await read_body(request)
    return parse_model(body, model) if body.strip() else model()


async def create_product(request: web.Request) -> web.Response:
    body = await read_model(request, ProductCreate)
    tenant = request[TENANT]
    product = tenant.writable_catalog().create_product(body, tenant.store, tenant.clock.now())
    return json_response({"data": {"id": product.id}})


async def get_product(request: web.Request) -> web.Response:
    body = await read_model(request, IdGet)
    return json_response({"data": shapes.product(request[TENANT].catalog.product(body.id))})


async def list_products(request: web.Request) -> web.Response:
    """In creation order; `archive_filter` NOT_ARCHIVED (default), ARCHIVED or ALL."""
    body = await read_optional(request, ProductList)
    wanted = body.archive_filter
    items = [
        product
        for product in request[TENANT].catalog.products.values()
        if wanted == "ALL" or (product.archived_at is not None) == (wanted == "ARCHIVED")
    ]
    return json_response(query_page(request, items, shapes.product, [wanted]))


async def archive_product(request: web.Request) -> web.Response:
    body = await read_model(request, ProductArchive)
    tenant = request[TENANT]
    tenant.catalog.product(body.product_id)  # 404 before a layer is made
    tenant.writable_catalog().archive_product(body.product_id, tenant.clock.now())
    return json_response({"data": {"id": body.product_id}})
