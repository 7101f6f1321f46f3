"""Invoices, computed on every read and never stored (RATING.md endpoints 6 to 9):
`GET /v1/customers/{id}/invoices[/{invoice_id}]`, `.../invoices/breakdowns`, `.../costs`, and
`POST /v1/customers/{id}/previewEvents`. The domain is `rating/invoices.py`'s `Rater`."""

from __future__ import annotations

from itertools import islice

from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from emulator.api.listing import parse_uuid, query_flag
from emulator.api.paging import query_limit_q, query_page, query_position
from emulator.rating import Invoice, Rater, Usage
from emulator.tenancy.tenants import Tenant
from emulator.web.jsonio import json_response, read_model
from emulator.web.keys import TENANT
from emulator.wire.errors import BadRequest, NotFound
from emulator.wire.models import TIMESTAMP_RULE, Timestamp
from emulator.wire.pagination import encode_cursor
from emulator.wire.rating import PreviewEvents
from emulator.wire.timestamps import US_PER_DAY

__all__ = ["get_invoice", "list_breakdowns", "list_costs", "list_invoices", "preview_events"]

_STAMP: TypeAdapter[int] = TypeAdapter(Timestamp)
_STATUSES = ("DRAFT", "FINALIZED", "VOID")
# Windows a breakdowns page holds at most (RATING.md R10).
_BREAKDOWN_CAP = {"DAY": 35, "HOUR": 24}


def _customer(request: web.Request) -> tuple[Tenant, str]:
    tenant = request[TENANT]
    customer_id = parse_uuid(request.match_info["customer_id"], "customer_id")
    if customer_id not in tenant.store.customers:
        raise NotFound(f"customer {customer_id} not found")
    return tenant, customer_id


def _rater(tenant: Tenant, usage: Usage | None = None) -> Rater:
    return Rater(tenant.catalog, usage or Usage(tenant.store), tenant.clock.now(), tenant.grace)


def _stamp(request: web.Request, name: str) -> int | None:
    text = request.query.get(name)
    if text is None or text == "":
        return None
    try:
        return _STAMP.validate_python(text)
    except ValidationError:
        raise BadRequest(f"{name} {TIMESTAMP_RULE}") from None


def _required_stamp(request: web.Request, name: str) -> int:
    found = _stamp(request, name)
    if found is None:
        raise BadRequest(f"{name} is required")
    return found


def _choice(request: web.Request, name: str, allowed: tuple[str, ...]) -> str | None:
    text = request.query.get(name)
    if text is None or text == "":
        return None
    if text.upper() not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}")
    return text.upper()


def _sort(request: web.Request) -> str:
    text = request.query.get("sort") or "date_asc"
    if text.lower() not in ("date_asc", "date_desc"):
        raise BadRequest("sort must be one of date_asc, date_desc")
    return text.lower()


def _wire(invoice: Invoice) -> object:
    return invoice.to_wire()


async def list_invoices(request: web.Request) -> web.Response:
    tenant, customer_id = _customer(request)
    contract_id = request.query.get("contract_id") or None
    if contract_id is not None:
        contract_id = parse_uuid(contract_id, "contract_id")
    kind = _choice(request, "type", ("USAGE", "SCHEDULED"))
    status = _choice(request, "status", _STATUSES)
    credit_type_id = request.query.get("credit_type_id") or None
    starting_on = _stamp(request, "starting_on")
    ending_before = _stamp(request, "ending_before")
    sort = _sort(request)
    skip_zero = query_flag(request, "skip_zero_qty_line_items")
    found: list[Invoice] = []
    if kind != "SCHEDULED":  # usage invoices only: step A schedules no charges
        found = _rater(tenant).invoices(
            customer_id, status, contract_id, credit_type_id, starting_on, ending_before, sort,
            skip_zero,
        )  # fmt: skip
    filters = [customer_id, kind, status, contract_id, credit_type_id, starting_on, ending_before,
               sort, skip_zero]  # fmt: skip
    return json_response(query_page(request, found, _wire, filters))


async def get_invoice(request: web.Request) -> web.Response:
    tenant, customer_id = _customer(request)
    invoice_id = parse_uuid(request.match_info["invoice_id"], "invoice_id")
    invoice = _rater(tenant).invoice(customer_id, invoice_id)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} not found for customer {customer_id}")
    if query_flag(request, "skip_zero_qty_line_items"):
        invoice = invoice.without_zero_lines()
    return json_response({"data": invoice.to_wire()})


async def list_breakdowns(request: web.Request) -> web.Response:
    """Pages of at most 35 day or 24 hour windows; only the page's windows are computed."""
    tenant, customer_id = _customer(request)
    window = (request.query.get("window_size") or "day").upper()
    if window not in _BREAKDOWN_CAP:
        raise BadRequest("window_size must be one of hour, day")
    starting_on = _required_stamp(request, "starting_on")
    ending_before = _required_stamp(request, "ending_before")
    if ending_before <= starting_on:
        raise BadRequest("ending_before must be after starting_on")
    status = _choice(request, "status", _STATUSES)
    credit_type_id = request.query.get("credit_type_id") or None
    sort = _sort(request)
    skip_zero = query_flag(request, "skip_zero_qty_line_items")
    filters = [customer_id, window, starting_on, ending_before, status, credit_type_id, sort,
               skip_zero]  # fmt: skip
    limit = query_limit_q(request, _BREAKDOWN_CAP[window])
    start, query = query_position(request, filters)
    items = _rater(tenant).iter_breakdowns(
        customer_id, starting_on, ending_before, window, status, credit_type_id, sort, skip_zero,
        skip=start,
    )  # fmt: skip
    page = list(islice(items, limit + 1))
    following = encode_cursor([start + limit], query) if len(page) > limit else None
    return json_response(
        {"data": [item.to_wire() for item in page[:limit]], "next_page": following}
    )


async def list_costs(request: web.Request) -> web.Response:
    """Per UTC day; a page computes only its own days."""
    tenant, customer_id = _customer(request)
    starting_on = _required_stamp(request, "starting_on")
    ending_before = _required_stamp(request, "ending_before")
    for name, value in (("starting_on", starting_on), ("ending_before", ending_before)):
        if value % US_PER_DAY:
            raise BadRequest(f"{name} must be a UTC midnight")
    if ending_before <= starting_on:
        raise BadRequest("ending_before must be after starting_on")
    days = range(starting_on, ending_before, US_PER_DAY)
    limit = query_limit_q(request)
    start, query = query_position(request, [customer_id, starting_on, ending_before])
    page = days[start : start + limit]
    data = []
    if len(page):
        data = _rater(tenant).costs(customer_id, page[0], page[-1] + US_PER_DAY)
    following = encode_cursor([start + limit], query) if start + limit < len(days) else None
    return json_response({"data": data, "next_page": following})


async def preview_events(request: web.Request) -> web.Response:
    """Each active contract's current draft, recomputed with the events (merge: with the stored
    ones too); nothing is stored."""
    tenant, customer_id = _customer(request)
    body = await read_model(request, PreviewEvents)
    now = tenant.clock.now()
    events = [
        (
            event.transaction_id or f"preview-{i}",
            event.event_type,
            now if event.timestamp is None else event.timestamp,
            dict(event.properties),
        )
        for i, event in enumerate(body.events)
    ]
    usage = Usage(tenant.store).with_preview(customer_id, events, body.mode == "REPLACE", now)
    invoices = _rater(tenant, usage).preview(customer_id, body.skip_zero_qty_line_items)
    return json_response({"data": [invoice.to_wire() for invoice in invoices]})
