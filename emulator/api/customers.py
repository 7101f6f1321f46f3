"""Customers: `POST /v1/customers`, `GET /v1/customers[/{id}]`, archive, billable metrics, ingest
aliases, name and config. Shapes as the SDK's `Customer` and `CustomerDetail`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.api.billable_metrics import metric_detail
from emulator.api.listing import cursor_page, parse_uuid, query_flag, query_list
from emulator.metering import customers as changes
from emulator.metering.store import Store
from emulator.web.jsonio import json_response, read_model
from emulator.web.keys import TENANT
from emulator.wire.errors import NotFound
from emulator.wire.models import (
    CustomerConfigUpdate,
    CustomerCreate,
    CustomerName,
    CustomerRecord,
    IdBody,
    IngestAliases,
)

__all__ = [
    "archive_customer",
    "create_customer",
    "customer_metrics",
    "detail",
    "get_customer",
    "list_customers",
    "set_ingest_aliases",
    "set_name",
    "summary",
    "update_config",
]


def summary(customer: CustomerRecord) -> dict[str, Any]:
    """The SDK's `Customer`."""
    return {
        "id": customer.id,
        "external_id": customer.external_id,
        "ingest_aliases": customer.ingest_aliases,
        "name": customer.name,
        "custom_fields": customer.custom_fields,
    }


def detail(customer: CustomerRecord) -> dict[str, Any]:
    """The SDK's `CustomerDetail`."""
    config = {"salesforce_account_id": customer.salesforce_account_id}
    return {**customer.api_fields(), "customer_config": config}


def _customer(store: Store, text: str, where: str = "customer_id") -> CustomerRecord:
    customer_id = parse_uuid(text, where)
    customer = store.customers.get(customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


async def create_customer(request: web.Request) -> web.Response:
    body = await read_model(request, CustomerCreate)
    changes.refuse_unmodelled(body)
    tenant = request[TENANT]
    aliases = list(body.ingest_aliases)
    if body.external_id is not None and body.external_id not in aliases:
        aliases.append(body.external_id)  # the deprecated external_id is an alias too
    customer_id = tenant.store.new_id("customer")
    tenant.store.check_aliases(aliases, customer_id, "")
    now = tenant.clock.now()
    customer = CustomerRecord.model_construct(
        id=customer_id,
        name=body.name[: changes.NAME_LIMIT],
        ingest_aliases=aliases,
        external_id=body.external_id or (aliases[0] if aliases else customer_id),
        custom_fields=dict(body.custom_fields),
        created_at=now,
        updated_at=now,
        archived_at=None,
    )
    items = body.customer_billing_provider_configurations
    if items:
        names = [f"customer_billing_provider_configurations[{i}]" for i in range(len(items))]
        customer = changes.with_configurations(customer, items, names)
    tenant.writable().add_customer(customer)
    return json_response({"data": summary(customer)})


async def list_customers(request: web.Request) -> web.Response:
    store = request[TENANT].store
    only_archived = query_flag(request, "only_archived")
    ids = query_list(request, "customer_ids")
    if ids is not None:
        ids = [parse_uuid(text, "customer_ids") for text in ids]
    alias = request.query.get("ingest_alias") or None
    salesforce = query_list(request, "salesforce_account_ids")
    items = [
        (seq, customer)
        for seq, customer in enumerate(store.customers.values())
        if (customer.archived_at is not None) == only_archived
        and (ids is None or customer.id in ids)
        and (alias is None or alias in customer.ingest_aliases)
        and (salesforce is None or customer.salesforce_account_id in salesforce)
    ]
    filters = [only_archived, ids, alias, salesforce]
    return json_response(cursor_page(request, items, detail, filters))


async def get_customer(request: web.Request) -> web.Response:
    customer = _customer(request[TENANT].store, request.match_info["customer_id"])
    return json_response({"data": detail(customer)})


async def archive_customer(request: web.Request) -> web.Response:
    body = await read_model(request, IdBody)
    tenant = request[TENANT]
    _customer(tenant.store, body.id, "id")
    tenant.writable().archive_customer(body.id, tenant.clock.now())
    return json_response({"data": {"id": body.id}})


async def customer_metrics(request: web.Request) -> web.Response:
    """Every billable metric applies to every customer: the emulator has no plans or contracts."""
    store = request[TENANT].store
    customer = _customer(store, request.match_info["customer_id"])
    include_archived = query_flag(request, "include_archived")
    query_flag(request, "on_current_plan")  # checked, and moot without plans
    items = [
        (seq, metric)
        for seq, metric in enumerate(store.metrics.values())
        if include_archived or metric.archived_at is None
    ]
    return json_response(
        cursor_page(request, items, metric_detail, [customer.id, include_archived])
    )


async def set_ingest_aliases(request: web.Request) -> web.Response:
    tenant = request[TENANT]
    customer = _customer(tenant.store, request.match_info["customer_id"])
    body = await read_model(request, IngestAliases)
    tenant.store.check_aliases(body.ingest_aliases, customer.id, "")
    tenant.writable().set_ingest_aliases(customer.id, list(body.ingest_aliases), tenant.clock.now())
    return web.Response(status=200)


async def set_name(request: web.Request) -> web.Response:
    tenant = request[TENANT]
    customer_id = parse_uuid(request.match_info["customer_id"], "customer_id")
    body = await read_model(request, CustomerName)
    customer = changes.named_customer(tenant.store, customer_id, body.name, tenant.clock.now())
    tenant.writable().replace_customer(customer)
    return json_response({"data": summary(customer)})


async def update_config(request: web.Request) -> web.Response:
    tenant = request[TENANT]
    customer_id = parse_uuid(request.match_info["customer_id"], "customer_id")
    body = await read_model(request, CustomerConfigUpdate)
    customer = changes.updated_config(
        tenant.store,
        customer_id,
        body.salesforce_account_id,
        body.leave_stripe_invoices_in_draft,
        tenant.clock.now(),
    )
    tenant.writable().replace_customer(customer)
    return web.Response(status=200)
