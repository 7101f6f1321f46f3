"""The answers of Metronome's endpoints that no request model describes, for `/openapi.json`.

Handlers write plain dicts of these shapes; the contract tests check every answer against the
document, so a shape that drifts from its handler fails there.
"""

from __future__ import annotations

from typing import Any

from emulator.wire.models import AnswerModel, BillableMetricRecord, CustomerRecord

__all__ = [
    "ArchivedConfigurations",
    "ArchivedConfigurationsAnswer",
    "Configuration",
    "Configurations",
    "CreatedConfiguration",
    "CreatedConfigurations",
    "CreatedCustomer",
    "CustomerAnswer",
    "CustomerConfig",
    "CustomerDetail",
    "CustomerPage",
    "CustomerSummary",
    "Id",
    "IdAnswer",
    "MatchedCustomer",
    "MetricAnswer",
    "MetricPage",
    "SearchedEvent",
    "SentEvent",
]


class SentEvent(AnswerModel):
    """An event as it was sent (`api/events.event_fields`)."""

    transaction_id: str
    customer_id: str
    event_type: str
    timestamp: str
    properties: dict[str, Any]
    is_duplicate: bool


class CustomerSummary(AnswerModel):
    id: str
    external_id: str
    ingest_aliases: list[str]
    name: str
    custom_fields: dict[str, str]


class CustomerConfig(AnswerModel):
    salesforce_account_id: str | None


class CustomerDetail(CustomerRecord):
    customer_config: CustomerConfig


class CreatedCustomer(AnswerModel):
    data: CustomerSummary


class CustomerAnswer(AnswerModel):
    data: CustomerDetail


class CustomerPage(AnswerModel):
    data: list[CustomerDetail]
    next_page: str | None


class Id(AnswerModel):
    id: str


class IdAnswer(AnswerModel):
    data: Id


class MetricAnswer(AnswerModel):
    data: BillableMetricRecord


class MetricPage(AnswerModel):
    data: list[BillableMetricRecord]
    next_page: str | None


class CreatedConfiguration(AnswerModel):
    id: str
    billing_provider: str
    configuration: dict[str, Any]
    customer_id: str
    delivery_method_id: str
    tax_provider: str | None


class CreatedConfigurations(AnswerModel):
    data: list[CreatedConfiguration]


class Configuration(AnswerModel):
    id: str
    archived_at: str | None
    billing_provider: str
    configuration: dict[str, Any]
    customer_id: str
    delivery_method: str
    delivery_method_configuration: dict[str, Any]
    delivery_method_id: str


class Configurations(AnswerModel):
    data: list[Configuration]


class ArchivedConfigurations(AnswerModel):
    customer_billing_provider_configuration_ids: list[str]
    customer_id: str


class ArchivedConfigurationsAnswer(AnswerModel):
    data: ArchivedConfigurations


class MatchedCustomer(AnswerModel):
    id: str
    name: str


class SearchedEvent(SentEvent):
    id: str
    processed_at: str
    matched_customer: MatchedCustomer | None
    matched_billable_metrics: list[BillableMetricRecord]
