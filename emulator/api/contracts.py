"""Contracts: `/v1/contracts/{create,archive}`, `/v2/contracts/{list,get}` (RATING.md endpoints 4
and 5), and step B's balances, which answer empty meanwhile (endpoint 11), and credit types
(endpoint 10)."""

from __future__ import annotations

from aiohttp import web

from emulator.api.paging import body_page, query_page
from emulator.rating import shapes
from emulator.rating.records import USD_CENTS_ID, ContractCreate, ContractRecord
from emulator.web.jsonio import json_response, read_model
from emulator.web.keys import TENANT
from emulator.wire.errors import BadRequest, NotFound
from emulator.wire.rating import (
    BalanceList,
    ContractArchive,
    ContractGet,
    ContractList,
    NetBalanceQuery,
)

__all__ = [
    "archive_contract",
    "create_contract",
    "get_contract",
    "get_net_balance",
    "list_balances",
    "list_contracts",
    "list_credit_types",
]


def _known_customer(request: web.Request, customer_id: str) -> None:
    if customer_id not in request[TENANT].store.customers:
        raise NotFound(f"customer {customer_id} not found")


async def create_contract(request: web.Request) -> web.Response:
    body = await read_model(request, ContractCreate)
    tenant = request[TENANT]
    contract = tenant.writable_catalog().create_contract(body, tenant.store, tenant.clock.now())
    return json_response({"data": {"id": contract.id}})


async def archive_contract(request: web.Request) -> web.Response:
    body = await read_model(request, ContractArchive)
    tenant = request[TENANT]
    tenant.catalog.contract(body.customer_id, body.contract_id)  # 404 before a layer is made
    tenant.writable_catalog().archive_contract(
        body.contract_id, body.customer_id, body.void_invoices, tenant.clock.now()
    )
    return json_response({"data": {"id": body.contract_id}})


async def list_contracts(request: web.Request) -> web.Response:
    """Paging C; in chronological order (`starting_at`, then `created_at`); `covering_date`
    keeps the contracts in force then, `starting_at` those starting at or after it."""
    body = await read_model(request, ContractList)
    _known_customer(request, body.customer_id)
    found: list[ContractRecord] = []
    for contract in request[TENANT].catalog.customer_contracts(body.customer_id):
        if contract.archived_at is not None and not body.include_archived:
            continue
        end = contract.ending_before
        at = body.covering_date
        if at is not None and not (contract.starting_at <= at and (end is None or at < end)):
            continue
        if body.starting_at is not None and contract.starting_at < body.starting_at:
            continue
        found.append(contract)
    found.sort(key=lambda c: (c.starting_at, c.created_at))
    filters = body.model_dump(mode="json", exclude={"limit", "cursor"})
    page = body_page(found, shapes.contract_v2, filters, body.limit, body.cursor, "cursor")
    return json_response(page)


async def get_contract(request: web.Request) -> web.Response:
    body = await read_model(request, ContractGet)
    contract = request[TENANT].catalog.contract(body.customer_id, body.contract_id)
    return json_response({"data": shapes.contract_v2(contract)})


async def list_balances(request: web.Request) -> web.Response:
    """Step B (commits and credits) is not built: no balance exists, so every page is empty."""
    body = await read_model(request, BalanceList)
    _known_customer(request, body.customer_id)
    filters = body.model_dump(mode="json", exclude={"limit", "next_page"})
    return json_response(body_page([], dict, filters, body.limit, body.next_page, "next_page"))


async def get_net_balance(request: web.Request) -> web.Response:
    """Step B is not built: the net balance is 0."""
    body = await read_model(request, NetBalanceQuery)
    _known_customer(request, body.customer_id)
    credit_type = body.credit_type_id or USD_CENTS_ID
    if credit_type != USD_CENTS_ID:
        raise BadRequest("credit_type_id other than USD (cents) is not supported by the emulator")
    return json_response({"data": {"balance": 0, "credit_type_id": credit_type}})


async def list_credit_types(request: web.Request) -> web.Response:
    """`GET /v1/credit-types/list`: USD (cents), the one pricing unit step A has."""
    return json_response(query_page(request, shapes.credit_types(), lambda item: item, []))
