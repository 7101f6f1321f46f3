"""The route table: every endpoint the emulator answers, declared once.

`create_app` registers these rows; the body reader takes each row's `limit`, the auth middleware
its `token`, the journal and faults whether it is the control plane, and `/openapi.json` is built
from the same rows. To add an endpoint, write its handler and add its row here.
"""

from __future__ import annotations

from emulator.api import (
    billable_metrics,
    billing_configurations,
    contracts,
    customers,
    invoices,
    products,
    rate_cards,
)
from emulator.api.events import search_events
from emulator.api.ingest import BATCH, ingest
from emulator.api.usage import list_usage
from emulator.api.usage_groups import list_with_groups
from emulator.control import explorer, handlers
from emulator.rating.records import ContractCreate, ProductCreate, RateCardCreate
from emulator.web.openapi import serve_openapi
from emulator.web.routing import Route, header, query
from emulator.wire.answers import (
    ArchivedConfigurationsAnswer,
    Configurations,
    CreatedConfigurations,
    CreatedCustomer,
    CustomerAnswer,
    CustomerPage,
    IdAnswer,
    MetricAnswer,
    MetricPage,
    SearchedEvent,
)
from emulator.wire.control import (
    Clock,
    ClockChange,
    Config,
    ConfigPatch,
    Fault,
    FaultList,
    Health,
    JournalList,
    RecentEvents,
    ResetOptions,
    Snapshot,
    StateSummary,
    TenantCount,
)
from emulator.wire.limits import (
    CONTROL_BODY,
    EXPLORER_EVENTS,
    INGEST_BODY,
    MAX_PAGE_SIZE,
    STATE_BODY,
    USAGE_BODY,
)
from emulator.wire.models import (
    BillableMetricCreate,
    BillingConfigurationsArchive,
    BillingConfigurationsQuery,
    BillingConfigurationsSet,
    CustomerConfigUpdate,
    CustomerCreate,
    CustomerName,
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
from emulator.wire.pagination import PAGE_SIZE_HEADER
from emulator.wire.rating import (
    BalanceList,
    ContractArchive,
    ContractGet,
    ContractList,
    IdGet,
    NetBalanceQuery,
    PreviewEvents,
    ProductArchive,
    ProductList,
    RatesQuery,
)

__all__ = ["ROUTES"]

_LIST = (
    query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
    query("next_page", {"type": "string"}),
)
_ARCHIVED = query("include_archived", {"type": "boolean"})
_PAGE_SIZE = header(PAGE_SIZE_HEADER, {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE})
# Rating's answers (RATING.md section 2), written out: `data` holds the SDK's shapes
# (`emulator/rating/shapes.py`, `Invoice.to_wire`), which tests/rating/test_shapes.py checks
# against the SDK's own models.
_OBJECTS = {"type": "array", "items": {"type": "object"}}
_NEXT = {"type": ["string", "null"]}
_Q_PAGE = {
    "type": "object",
    "required": ["data", "next_page"],
    "properties": {"data": _OBJECTS, "next_page": _NEXT},
}
_C_PAGE = {
    "type": "object",
    "required": ["data", "cursor"],
    "properties": {"data": _OBJECTS, "cursor": _NEXT},
}
_ONE = {"type": "object", "required": ["data"], "properties": {"data": {"type": "object"}}}
_MANY = {"type": "object", "required": ["data"], "properties": {"data": _OBJECTS}}
_RATING = (400, 401, 404, 409)
_ALL = (400, 401, 409)  # validation, auth, and an Idempotency-Key reused with another request
_FOUND = (400, 401, 404)

ROUTES: tuple[Route, ...] = (
    # Metronome's API: usage.
    Route("POST", "/v1/usage", list_usage, "Get batched usage data", UsageQuery, UsagePage, _ALL,
          (query("next_page", {"type": "string"}), _PAGE_SIZE), limit=USAGE_BODY),
    Route("POST", "/v1/usage/groups", list_with_groups, "Get usage data with groups",
          GroupedUsageQuery, GroupedUsagePage, _ALL, _LIST, limit=USAGE_BODY),
    Route("POST", "/v1/ingest", ingest, "Ingest usage events", BATCH, None, _ALL,
          limit=INGEST_BODY),
    Route("POST", "/v1/events/search", search_events, "Search events by transaction id",
          EventSearch, {"type": "array", "items": SearchedEvent}, _ALL),
    # Customers.
    Route("POST", "/v1/customers", customers.create_customer, "Create a customer", CustomerCreate,
          CreatedCustomer, _ALL),
    Route("GET", "/v1/customers", customers.list_customers, "List customers", None, CustomerPage,
          parameters=(*_LIST, query("customer_ids", {"type": "string"}),
                      query("ingest_alias", {"type": "string"}),
                      query("only_archived", {"type": "boolean"}),
                      query("salesforce_account_ids", {"type": "string"}))),
    Route("POST", "/v1/customers/archive", customers.archive_customer, "Archive a customer", IdBody,
          IdAnswer, (400, 401, 404, 409)),
    Route("GET", "/v1/customers/{customer_id:(?!archive$)[^/]+}", customers.get_customer,
          "Get a customer", None, CustomerAnswer, _FOUND),
    Route("GET", "/v1/customers/{customer_id}/billable-metrics", customers.customer_metrics,
          "A customer's billable metrics", None, MetricPage, _FOUND,
          (*_LIST, _ARCHIVED, query("on_current_plan", {"type": "boolean"}))),
    Route("POST", "/v1/customers/{customer_id}/setIngestAliases", customers.set_ingest_aliases,
          "Set a customer's ingest aliases", IngestAliases, None, (400, 401, 404, 409)),
    Route("POST", "/v1/customers/{customer_id}/setName", customers.set_name,
          "Set a customer's name", CustomerName, CreatedCustomer, (400, 401, 404, 409)),
    Route("POST", "/v1/customers/{customer_id}/updateConfig", customers.update_config,
          "Update a customer's config", CustomerConfigUpdate, None, (400, 401, 404, 409)),
    # Billing provider configurations.
    Route("POST", "/v1/setCustomerBillingProviderConfigurations",
          billing_configurations.set_configurations, "Add billing provider configurations",
          BillingConfigurationsSet, CreatedConfigurations, (400, 401, 404, 409)),
    Route("POST", "/v1/getCustomerBillingProviderConfigurations",
          billing_configurations.get_configurations,
          "A customer's billing provider configurations", BillingConfigurationsQuery,
          Configurations, (400, 401, 404, 409)),
    Route("POST", "/v1/archiveCustomerBillingProviderConfigurations",
          billing_configurations.archive_configurations, "Archive billing provider configurations",
          BillingConfigurationsArchive, ArchivedConfigurationsAnswer, (400, 401, 404, 409)),
    # Rating: products, rate cards and rates, contracts, invoices (RATING.md section 2).
    Route("POST", "/v1/contract-pricing/products/create", products.create_product,
          "Create a product", ProductCreate, IdAnswer, _RATING),
    Route("POST", "/v1/contract-pricing/products/get", products.get_product, "Get a product",
          IdGet, _ONE, _RATING),
    Route("POST", "/v1/contract-pricing/products/list", products.list_products, "List products",
          ProductList, _Q_PAGE, _RATING, _LIST, body_required=False),
    Route("POST", "/v1/contract-pricing/products/archive", products.archive_product,
          "Archive a product", ProductArchive, IdAnswer, _RATING),
    Route("POST", "/v1/contract-pricing/rate-cards/create", rate_cards.create_rate_card,
          "Create a rate card", RateCardCreate, IdAnswer, _RATING),
    Route("POST", "/v1/contract-pricing/rate-cards/get", rate_cards.get_rate_card,
          "Get a rate card", IdGet, _ONE, _RATING),
    Route("POST", "/v1/contract-pricing/rate-cards/list", rate_cards.list_rate_cards,
          "List rate cards", {"type": "object"}, _Q_PAGE, _RATING, _LIST, body_required=False),
    Route("POST", "/v1/contract-pricing/rate-cards/archive", rate_cards.archive_rate_card,
          "Archive a rate card", IdGet, IdAnswer, _RATING),
    Route("POST", "/v1/contract-pricing/rate-cards/addRate", rate_cards.add_rate,
          "Add a rate to a rate card", rate_cards.RateAddOne, _ONE, _RATING),
    Route("POST", "/v1/contract-pricing/rate-cards/addRates", rate_cards.add_rates,
          "Add rates to a rate card, all or none", rate_cards.RatesAdd, IdAnswer, _RATING),
    Route("POST", "/v1/contract-pricing/rate-cards/getRates", rate_cards.get_rates,
          "A rate card's rates in force at an instant", RatesQuery, _Q_PAGE, _RATING, _LIST),
    Route("POST", "/v1/contracts/create", contracts.create_contract, "Create a contract",
          ContractCreate, IdAnswer, _RATING),
    Route("POST", "/v1/contracts/archive", contracts.archive_contract, "Archive a contract",
          ContractArchive, IdAnswer, _RATING),
    Route("POST", "/v2/contracts/list", contracts.list_contracts, "A customer's contracts",
          ContractList, _C_PAGE, _RATING),
    Route("POST", "/v2/contracts/get", contracts.get_contract, "Get a contract", ContractGet,
          _ONE, _RATING),
    Route("POST", "/v1/contracts/customerBalances/list", contracts.list_balances,
          "A customer's commits and credits (none: step B is not built)", BalanceList, _Q_PAGE,
          _RATING),
    Route("POST", "/v1/contracts/customerBalances/getNetBalance", contracts.get_net_balance,
          "A customer's net balance (0: step B is not built)", NetBalanceQuery, _ONE, _RATING),
    Route("GET", "/v1/credit-types/list", contracts.list_credit_types, "List pricing units",
          None, _Q_PAGE, parameters=_LIST),
    Route("GET", "/v1/customers/{customer_id}/invoices", invoices.list_invoices,
          "A customer's invoices, computed", None, _Q_PAGE, _FOUND,
          (*_LIST, query("status", {"type": "string"}), query("contract_id", {"type": "string"}),
           query("credit_type_id", {"type": "string"}), query("type", {"type": "string"}),
           query("starting_on", {"type": "string"}), query("ending_before", {"type": "string"}),
           query("sort", {"type": "string"}),
           query("skip_zero_qty_line_items", {"type": "boolean"}))),
    Route("GET", "/v1/customers/{customer_id}/invoices/breakdowns", invoices.list_breakdowns,
          "A customer's invoices cut into day or hour windows", None, _Q_PAGE, _FOUND,
          (*_LIST, query("starting_on", {"type": "string"}),
           query("ending_before", {"type": "string"}), query("window_size", {"type": "string"}),
           query("status", {"type": "string"}), query("credit_type_id", {"type": "string"}),
           query("sort", {"type": "string"}),
           query("skip_zero_qty_line_items", {"type": "boolean"}))),
    Route("GET", "/v1/customers/{customer_id}/invoices/{invoice_id:(?!breakdowns$)[^/]+}",
          invoices.get_invoice, "Get an invoice", None, _ONE, _FOUND,
          (query("skip_zero_qty_line_items", {"type": "boolean"}),)),
    Route("GET", "/v1/customers/{customer_id}/costs", invoices.list_costs,
          "A customer's costs per day", None, _Q_PAGE, _FOUND,
          (*_LIST, query("starting_on", {"type": "string"}),
           query("ending_before", {"type": "string"}))),
    Route("POST", "/v1/customers/{customer_id}/previewEvents", invoices.preview_events,
          "Preview the current draft invoices with some events", PreviewEvents, _MANY, _RATING),
    # Billable metrics.
    Route("POST", "/v1/billable-metrics/create", billable_metrics.create_metric,
          "Create a billable metric", BillableMetricCreate, IdAnswer, _ALL),
    Route("GET", "/v1/billable-metrics", billable_metrics.list_metrics, "List billable metrics",
          None, MetricPage, parameters=(*_LIST, _ARCHIVED)),
    Route("POST", "/v1/billable-metrics/archive", billable_metrics.archive_metric,
          "Archive a billable metric", IdBody, IdAnswer, (400, 401, 404, 409)),
    # Not "create" or "archive": those paths are POST only, and their Allow header must say so.
    Route("GET", "/v1/billable-metrics/{billable_metric_id:(?!(?:create|archive)$)[^/]+}",
          billable_metrics.get_metric,
          "Get a billable metric", None, MetricAnswer, _FOUND),
    Route("PUT", "/v1/billable-metrics/{billable_metric_id:(?!(?:create|archive)$)[^/]+}",
          billable_metrics.update_metric, "Rename a billable metric", MetricName, IdAnswer,
          (400, 401, 404)),
    # The emulator's own surface.
    Route("GET", "/openapi.json", serve_openapi, "This document", None, {"type": "object"}, (),
          token=False),
    Route("GET", "/_emulator/health", handlers.health, "Health", None, Health, (), token=False),
    Route("GET", "/_emulator/state", handlers.get_state, "Export this token's state", None,
          FixtureDocument, (401,), limit=CONTROL_BODY),
    Route("POST", "/_emulator/state", handlers.post_state, "Replace this token's state",
          FixtureDocument, StateSummary, limit=STATE_BODY),
    # No body: back to the shared seeded state.
    Route("POST", "/_emulator/reset", handlers.reset, "Reset this token's state", ResetOptions,
          StateSummary, body_required=False, limit=CONTROL_BODY),
    Route("GET", "/_emulator/clock", handlers.get_clock, "This token's clock", None, Clock, (401,),
          limit=CONTROL_BODY),
    Route("POST", "/_emulator/clock", handlers.post_clock, "Set or advance this token's clock",
          ClockChange, Clock, limit=CONTROL_BODY),
    Route("DELETE", "/_emulator/tenant", handlers.delete_tenant, "Forget this token's tenant",
          None, TenantCount, (401,), limit=CONTROL_BODY),
    Route("GET", "/_emulator/config", handlers.get_config, "Runtime settings", None, Config, (401,),
          limit=CONTROL_BODY),
    Route("PATCH", "/_emulator/config", handlers.patch_config, "Change runtime settings",
          ConfigPatch, Config, limit=CONTROL_BODY),
    Route("POST", "/_emulator/faults", handlers.post_fault, "Queue a fault", Fault, FaultList,
          limit=CONTROL_BODY),
    Route("DELETE", "/_emulator/faults", handlers.delete_faults, "Clear queued faults", None,
          FaultList, (401,), limit=CONTROL_BODY),
    Route("GET", "/_emulator/faults", handlers.get_faults, "Queued faults", None, FaultList,
          (401,), limit=CONTROL_BODY),
    Route("GET", "/_emulator/requests", handlers.get_requests, "The request journal", None,
          JournalList, (401,), limit=CONTROL_BODY),
    Route("DELETE", "/_emulator/requests", handlers.delete_requests, "Clear the request journal",
          None, JournalList, (401,), limit=CONTROL_BODY),
    Route("GET", "/_emulator/events", explorer.recent_events, "Recent events, newest first", None,
          RecentEvents, parameters=(
              query("limit", {"type": "integer", "minimum": 1, "maximum": EXPLORER_EVENTS}),
              query("before", {"type": "integer", "minimum": 0}),
              query("customer_id", {"type": "string"}),
              query("transaction_id", {"type": "string"})), limit=CONTROL_BODY),
    Route("GET", "/_emulator/ui", explorer.explorer_page,
          "The explorer: a page that shows this token's world", None, {"type": "string"}, (),
          token=False, content_type="text/html", limit=CONTROL_BODY),
    Route("POST", "/_emulator/snapshot", handlers.snapshot, "Write --state-file now", None,
          Snapshot, limit=CONTROL_BODY),
)  # fmt: skip
