"""`GET /openapi.json`: an OpenAPI 3.1 document built from the wire models themselves.

The request schemas are the pydantic models that validate requests, so the document cannot drift
from what the emulator accepts. Responses use the models in `wire.py` and the small ones below.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from emulator import __version__
from emulator.api.ingest import BATCH
from emulator.control.explorer import MAX_LIMIT as EVENTS_LIMIT
from emulator.control.faults import Fault
from emulator.control.routes import ClockChange, ConfigPatch, ResetOptions
from emulator.pagination import MAX_PAGE_SIZE, PAGE_SIZE_HEADER
from emulator.wire import (
    BillableMetricCreate,
    BillableMetricRecord,
    BillingConfigurationsArchive,
    BillingConfigurationsQuery,
    BillingConfigurationsSet,
    CustomerConfigUpdate,
    CustomerCreate,
    CustomerName,
    CustomerRecord,
    ErrorBody,
    EventRecord,
    EventSearch,
    FixtureDocument,
    GroupedUsagePage,
    GroupedUsageQuery,
    IdBody,
    IngestAliases,
    MetricName,
    UsagePage,
    UsageQuery,
)

__all__ = ["openapi_document"]

_REF = "#/components/schemas/{model}"


class Health(BaseModel):
    status: str
    version: str
    seed: int | None
    fixtures: str | None
    customers: int
    billable_metrics: int
    events: int


class Clock(BaseModel):
    now: str
    frozen: bool


class TenantCount(BaseModel):
    tenants: int


class StateSummary(BaseModel):
    customers: int
    billable_metrics: int
    events: int


class Config(BaseModel):
    page_size: int


class QueuedFault(Fault):
    remaining: int


class FaultList(BaseModel):
    data: list[QueuedFault]


class SentEvent(BaseModel):
    """An event as it was sent (`api/events.event_fields`)."""

    transaction_id: str
    customer_id: str
    event_type: str
    timestamp: str
    properties: dict[str, Any]
    is_duplicate: bool


class RecentEvent(SentEvent):
    seq: int


class RecentEvents(BaseModel):
    data: list[RecentEvent]
    next_before: int | None
    total: int


class JournalEntry(BaseModel):
    method: str
    path: str
    query: dict[str, str]
    body: Any
    # Only on an entry whose body was cut (emulator/control/journal.py): true, and its whole size.
    body_truncated: bool = False
    body_size: Annotated[int, Field(ge=0)] | None = None
    headers: dict[str, str]
    status: int | None
    at: str


class JournalList(BaseModel):
    data: list[JournalEntry]


class Snapshot(BaseModel):
    state_file: str
    tenants: Annotated[int, Field(ge=0)]


class CustomerSummary(BaseModel):
    id: str
    external_id: str
    ingest_aliases: list[str]
    name: str
    custom_fields: dict[str, str]


class CustomerConfig(BaseModel):
    salesforce_account_id: str | None


class CustomerDetail(CustomerRecord):
    customer_config: CustomerConfig


class CreatedCustomer(BaseModel):
    data: CustomerSummary


class CustomerAnswer(BaseModel):
    data: CustomerDetail


class CustomerPage(BaseModel):
    data: list[CustomerDetail]
    next_page: str | None


class Id(BaseModel):
    id: str


class IdAnswer(BaseModel):
    data: Id


class MetricAnswer(BaseModel):
    data: BillableMetricRecord


class MetricPage(BaseModel):
    data: list[BillableMetricRecord]
    next_page: str | None


class CreatedConfiguration(BaseModel):
    id: str
    billing_provider: str
    configuration: dict[str, Any]
    customer_id: str
    delivery_method_id: str
    tax_provider: str | None


class CreatedConfigurations(BaseModel):
    data: list[CreatedConfiguration]


class Configuration(BaseModel):
    id: str
    archived_at: str | None
    billing_provider: str
    configuration: dict[str, Any]
    customer_id: str
    delivery_method: str
    delivery_method_configuration: dict[str, Any]
    delivery_method_id: str


class Configurations(BaseModel):
    data: list[Configuration]


class ArchivedConfigurations(BaseModel):
    customer_billing_provider_configuration_ids: list[str]
    customer_id: str


class ArchivedConfigurationsAnswer(BaseModel):
    data: ArchivedConfigurations


class MatchedCustomer(BaseModel):
    id: str
    name: str


class SearchedEvent(SentEvent):
    id: str
    processed_at: str
    matched_customer: MatchedCustomer | None
    matched_billable_metrics: list[BillableMetricRecord]


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


_LIST = [
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
    _query("next_page", {"type": "string"}),
]
_ARCHIVED = _query("include_archived", {"type": "boolean"})


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _operation(
    summary: str,
    response: dict[str, Any] | None,
    body: dict[str, Any] | None = None,
    errors: tuple[int, ...] = (400, 401),
    secure: bool = True,
    parameters: list[dict[str, Any]] | None = None,
    body_required: bool = True,
) -> dict[str, Any]:
    ok = {"description": "OK", **(_json(response) if response is not None else {})}
    responses: dict[str, Any] = {"200": ok}
    if body is not None:  # a body over its route's limit; a Content-Encoding other than gzip
        errors = (*errors, 413, 415)
    for status in errors:
        responses[str(status)] = {"description": "Error", **_json(_ref(ErrorBody))}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": body_required, **_json(body)}
    if parameters:
        operation["parameters"] = parameters
    operation["security"] = [{"bearer": []}] if secure else []
    return operation


@cache
def openapi_document() -> dict[str, Any]:
    models: list[type[BaseModel]] = [
        UsageQuery, UsagePage, ErrorBody, EventRecord, FixtureDocument, Health, StateSummary,
        Config, ConfigPatch, ResetOptions, Fault, FaultList, JournalList, Snapshot, Clock,
        ClockChange, TenantCount,
        CustomerCreate, CreatedCustomer, CustomerAnswer, CustomerPage, IdBody, IdAnswer,
        IngestAliases, BillableMetricCreate, MetricAnswer, MetricPage, GroupedUsageQuery,
        GroupedUsagePage, EventSearch, SearchedEvent,
        RecentEvents, CustomerName, CustomerConfigUpdate, MetricName, BillingConfigurationsSet,
        BillingConfigurationsQuery, BillingConfigurationsArchive, CreatedConfigurations,
        Configurations, ArchivedConfigurationsAnswer,
    ]  # fmt: skip
    _, definitions = models_json_schema(
        [(model, "validation") for model in models], ref_template=_REF
    )
    usage_parameters = [
        {"name": "next_page", "in": "query", "required": False, "schema": {"type": "string"}},
        {
            "name": PAGE_SIZE_HEADER,
            "in": "header",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        },
    ]
    batch = BATCH.json_schema(ref_template=_REF)
    batch.pop("$defs", None)  # EventRecord is in the components already
    paths = {
        "/v1/usage": {
            "post": _operation(
                "Get batched usage data", _ref(UsagePage), _ref(UsageQuery), (400, 401, 409),
                parameters=usage_parameters,
            )
        },
        "/v1/usage/groups": {
            "post": _operation(
                "Get usage data with groups", _ref(GroupedUsagePage), _ref(GroupedUsageQuery),
                (400, 401, 409), parameters=_LIST,
            )
        },
        "/v1/events/search": {
            "post": _operation(
                "Search events by transaction id",
                {"type": "array", "items": _ref(SearchedEvent)}, _ref(EventSearch), (400, 401, 409),
            )
        },
        "/v1/ingest": {"post": _operation("Ingest usage events", None, batch, (400, 401, 409))},
        "/v1/customers": {
            "post": _operation(
                "Create a customer", _ref(CreatedCustomer), _ref(CustomerCreate), (400, 401, 409)
            ),
            "get": _operation(
                "List customers", _ref(CustomerPage),
                parameters=[
                    *_LIST,
                    _query("customer_ids", {"type": "string"}),
                    _query("ingest_alias", {"type": "string"}),
                    _query("only_archived", {"type": "boolean"}),
                ],
            ),
        },
        "/v1/customers/archive": {
            "post": _operation(
                "Archive a customer", _ref(IdAnswer), _ref(IdBody), (400, 401, 404, 409)
            )
        },
        "/v1/customers/{customer_id}": {
            "get": _operation(
                "Get a customer", _ref(CustomerAnswer), errors=(400, 401, 404),
                parameters=[_path("customer_id")],
            )
        },
        "/v1/customers/{customer_id}/billable-metrics": {
            "get": _operation(
                "A customer's billable metrics", _ref(MetricPage), errors=(400, 401, 404),
                parameters=[
                    _path("customer_id"), *_LIST, _ARCHIVED,
                    _query("on_current_plan", {"type": "boolean"}),
                ],
            )
        },
        "/v1/customers/{customer_id}/setIngestAliases": {
            "post": _operation(
                "Set a customer's ingest aliases", None, _ref(IngestAliases), (400, 401, 404, 409),
                parameters=[_path("customer_id")],
            )
        },
        "/v1/customers/{customer_id}/setName": {
            "post": _operation(
                "Set a customer's name", _ref(CreatedCustomer), _ref(CustomerName),
                (400, 401, 404, 409), parameters=[_path("customer_id")],
            )
        },
        "/v1/customers/{customer_id}/updateConfig": {
            "post": _operation(
                "Update a customer's config", None, _ref(CustomerConfigUpdate),
                (400, 401, 404, 409), parameters=[_path("customer_id")],
            )
        },
        "/v1/setCustomerBillingProviderConfigurations": {
            "post": _operation(
                "Add billing provider configurations", _ref(CreatedConfigurations),
                _ref(BillingConfigurationsSet), (400, 401, 404, 409),
            )
        },
        "/v1/getCustomerBillingProviderConfigurations": {
            "post": _operation(
                "A customer's billing provider configurations", _ref(Configurations),
                _ref(BillingConfigurationsQuery), (400, 401, 404, 409),
            )
        },
        "/v1/archiveCustomerBillingProviderConfigurations": {
            "post": _operation(
                "Archive billing provider configurations", _ref(ArchivedConfigurationsAnswer),
                _ref(BillingConfigurationsArchive), (400, 401, 404, 409),
            )
        },
        "/v1/billable-metrics/create": {
            "post": _operation(
                "Create a billable metric", _ref(IdAnswer), _ref(BillableMetricCreate),
                (400, 401, 409),
            )
        },
        "/v1/billable-metrics": {
            "get": _operation(
                "List billable metrics", _ref(MetricPage), parameters=[*_LIST, _ARCHIVED]
            )
        },
        "/v1/billable-metrics/archive": {
            "post": _operation(
                "Archive a billable metric", _ref(IdAnswer), _ref(IdBody), (400, 401, 404, 409)
            )
        },
        "/v1/billable-metrics/{billable_metric_id}": {
            "get": _operation(
                "Get a billable metric", _ref(MetricAnswer), errors=(400, 401, 404),
                parameters=[_path("billable_metric_id")],
            ),
            "put": _operation(
                "Rename a billable metric", _ref(IdAnswer), _ref(MetricName),
                (400, 401, 404), parameters=[_path("billable_metric_id")],
            ),
        },
        "/_emulator/health": {"get": _operation("Health", _ref(Health), errors=(), secure=False)},
        "/_emulator/state": {
            "get": _operation("Export this token's state", _ref(FixtureDocument), errors=(401,)),
            "post": _operation(
                "Replace this token's state", _ref(StateSummary), _ref(FixtureDocument)
            ),
        },
        "/_emulator/reset": {
            "post": _operation(
                "Reset this token's state", _ref(StateSummary), _ref(ResetOptions),
                body_required=False,  # no body: back to the shared seeded state
            )
        },
        "/_emulator/clock": {
            "get": _operation("This token's clock", _ref(Clock), errors=(401,)),
            "post": _operation("Set or advance this token's clock", _ref(Clock), _ref(ClockChange)),
        },
        "/_emulator/tenant": {
            "delete": _operation("Forget this token's tenant", _ref(TenantCount), errors=(401,)),
        },
        "/_emulator/config": {
            "get": _operation("Runtime settings", _ref(Config), errors=(401,)),
            "patch": _operation("Change runtime settings", _ref(Config), _ref(ConfigPatch)),
        },
        "/_emulator/faults": {
            "post": _operation("Queue a fault", _ref(FaultList), _ref(Fault)),
            "delete": _operation("Clear queued faults", _ref(FaultList), errors=(401,)),
            "get": _operation("Queued faults", _ref(FaultList), errors=(401,)),
        },
        "/_emulator/requests": {
            "get": _operation("The request journal", _ref(JournalList), errors=(401,)),
            "delete": _operation("Clear the request journal", _ref(JournalList), errors=(401,)),
        },
        "/_emulator/events": {
            "get": _operation(
                "Recent events, newest first", _ref(RecentEvents),
                parameters=[
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": EVENTS_LIMIT}),
                    _query("before", {"type": "integer", "minimum": 0}),
                    _query("customer_id", {"type": "string"}),
                    _query("transaction_id", {"type": "string"}),
                ],
            )
        },
        "/_emulator/ui": {
            "get": {
                "summary": "The explorer: a page that shows this token's world",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    }
                },
                "security": [],
            }
        },
        "/_emulator/snapshot": {"post": _operation("Write --state-file now", _ref(Snapshot))},
        "/openapi.json": {
            "get": _operation("This document", {"type": "object"}, errors=(), secure=False)
        },
    }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {"title": "metronome-emulator", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
