"""Pydantic wire models: the one place the API's field names and input rules live.

Requests are validated with these models; `errors.message_for` turns their failures into
`{"message": ...}` texts that name the field. Timestamps become epoch microseconds on the way in
and RFC 3339 `Z` strings on the way out.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from emulator.wire.encoding import encode_json
from emulator.wire.limits import (
    CUSTOM_FIELD_CHARS,
    GROUP_VALUES,
    NAME_CHARS,
    PROPERTY_DEPTH,
    PROPERTY_VALUE_BYTES,
    RECORD_BYTES,
    SEARCH_IDS,
    STORED_RECORD_BYTES,
    TRANSACTION_ID_CHARS,
)
from emulator.wire.timestamps import format_rfc3339, parse_rfc3339

__all__ = [
    "DEFAULT_CREATED_AT",
    "TIMESTAMP_RULE",
    "WINDOW_RULE",
    "AggregationType",
    "AnswerModel",
    "BillableMetricCreate",
    "BillableMetricRecord",
    "BillableMetricSelector",
    "BillingConfigurationInput",
    "BillingConfigurationRecord",
    "BillingConfigurationsArchive",
    "BillingConfigurationsQuery",
    "BillingConfigurationsSet",
    "BillingProvider",
    "CustomerConfigUpdate",
    "CustomerCreate",
    "CustomerName",
    "CustomerRecord",
    "DeliveryMethod",
    "ErrorBody",
    "EventDocument",
    "EventRecord",
    "EventSearch",
    "EventTypeFilter",
    "FixtureDocument",
    "GroupBy",
    "GroupedUsagePage",
    "GroupedUsageQuery",
    "GroupedUsageRow",
    "IdBody",
    "IngestAliasList",
    "IngestAliases",
    "MetricDocument",
    "MetricName",
    "NewBillingConfiguration",
    "NonEmptyStr",
    "PropertyFilter",
    "TaxProvider",
    "Timestamp",
    "UsagePage",
    "UsageQuery",
    "UsageRow",
    "Uuid",
    "WindowSize",
    "WireModel",
    "build_models",
]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP_RULE = "must be an RFC 3339 timestamp with an offset, e.g. 2021-01-01T00:00:00Z"
WINDOW_RULE = "must be one of hour, day, none"


def _timestamp(value: object) -> int:
    if not isinstance(value, str):
        raise ValueError(TIMESTAMP_RULE)
    try:
        return _parsed(value) if len(value) <= _MEMO_CHARS else parse_rfc3339(value)
    except ValueError:
        raise ValueError(TIMESTAMP_RULE) from None


# A client sends the same few bounds again and again (a dashboard's range, a billing period's):
# parse_rfc3339 is a pure function of the text, so a memo, not state. Texts of up to nanoseconds
# and an offset only (a fraction may have any number of digits): under 1 MB in all.
_MEMO_CHARS = len("2024-01-01T00:00:00.123456789+00:00")
_parsed = lru_cache(maxsize=4096)(parse_rfc3339)


def _uuid(value: object) -> str:
    if isinstance(value, str) and _UUID.fullmatch(value.lower()):
        return value.lower()
    raise ValueError("must be a UUID")


def _window_size(value: object) -> str:
    if value in ("hour", "day", "none", "HOUR", "DAY", "NONE", "Hour", "Day", "None"):
        return str(value).lower()
    raise ValueError(WINDOW_RULE)


def _aggregation_type(value: object) -> str:
    if isinstance(value, str) and value.upper() in ("COUNT", "SUM", "MAX", "UNIQUE", "LATEST"):
        return value.upper()
    raise ValueError("must be one of COUNT, SUM, MAX, UNIQUE, LATEST")


# Epoch microseconds inside; RFC 3339 strings on the wire.
Timestamp = Annotated[
    int,
    PlainValidator(_timestamp),
    PlainSerializer(format_rfc3339, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Uuid = Annotated[str, PlainValidator(_uuid), WithJsonSchema({"type": "string", "format": "uuid"})]
WindowSize = Annotated[
    str,
    PlainValidator(_window_size),
    WithJsonSchema({"enum": ["hour", "day", "none", "HOUR", "DAY", "NONE", "Hour", "Day", "None"]}),
]
AggregationType = Annotated[
    Literal["COUNT", "SUM", "MAX", "UNIQUE", "LATEST"], PlainValidator(_aggregation_type)
]
NonEmptyStr = Annotated[str, Field(min_length=1, max_length=NAME_CHARS)]
Name = Annotated[str, Field(max_length=NAME_CHARS)]  # may be empty
FieldValue = Annotated[str, Field(max_length=CUSTOM_FIELD_CHARS)]
CustomFields = dict[Name, FieldValue]


def _properties(properties: dict[str, Any]) -> dict[str, Any]:
    """Event properties the state file can hold and every aggregation can read: names of at most
    NAME_CHARS, values of at most PROPERTY_VALUE_BYTES as their string form in UTF-8, nested at most
    PROPERTY_DEPTH levels, and numbers that are JSON numbers (no NaN or Infinity literal).

    Ingest's plain checks (`emulator/wire/event_batch.py`) mirror these rules: change both."""
    for name, value in properties.items():
        if len(name) > NAME_CHARS:
            raise ValueError(
                f"must have property names of at most {NAME_CHARS} characters (one has {len(name)})"
            )
        _check_value(name, value)
    return properties


def _check_value(name: str, value: Any) -> None:
    if isinstance(value, str):
        size = len(value.encode(errors="surrogatepass"))
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(_not_json(name, value))
        return
    elif isinstance(value, int):
        size = len(str(value)) if abs(value) >= _LONGEST_INT else 0
    else:
        _check_tree(name, value)
        size = len(encode_json(value))
    if size > PROPERTY_VALUE_BYTES:
        raise ValueError(
            f"{name}: property value is {size} bytes long (as its string form, in UTF-8): "
            f"at most {PROPERTY_VALUE_BYTES}"
        )


def _not_json(name: str, number: float) -> str:
    return f"{name}: {number} is not a JSON number (NaN and Infinity literals are not JSON)"


def _check_tree(name: str, value: Any) -> None:
    """No NaN or Infinity, and at most PROPERTY_DEPTH levels of objects and arrays."""
    level: list[Any] = [value]
    depth = 0
    while level:
        depth += 1
        if depth > PROPERTY_DEPTH:
            raise ValueError(
                f"{name}: property value is nested more than {PROPERTY_DEPTH} levels deep"
            )
        below: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            for child in children:
                if isinstance(child, float) and not math.isfinite(child):
                    raise ValueError(_not_json(name, child))
                if isinstance(child, dict | list):
                    below.append(child)
        level = below


_LONGEST_INT = 10**PROPERTY_VALUE_BYTES  # an integer this large has more digits than allowed
Properties = Annotated[dict[str, Any], AfterValidator(_properties)]


def _record_size(record: BaseModel, what: str, limit: int = RECORD_BYTES) -> None:
    size = len(encode_json(record.model_dump(mode="json")))
    if size > limit:
        raise ValueError(f"the {what} is {size:,} bytes as JSON: at most {limit:,}")


def _distinct(aliases: list[str]) -> list[str]:
    if len(set(aliases)) != len(aliases):
        raise ValueError("must not repeat an alias")
    return aliases


IngestAliasList = Annotated[list[NonEmptyStr], Field(max_length=100), AfterValidator(_distinct)]
# A customer as a document holds it: the 100 aliases sent, and the deprecated external_id, which
# creating a customer adds as one more.
StoredAliasList = Annotated[list[NonEmptyStr], Field(max_length=101), AfterValidator(_distinct)]


class WireModel(BaseModel):
    """Unknown fields are ignored, as the real API ignores them; nothing is coerced silently.
    Built by `build_models`, not on import (`defer_build`)."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True, defer_build=True)


class AnswerModel(BaseModel):
    """The shape of an answer, for `/openapi.json`: handlers write plain dicts of it."""

    model_config = ConfigDict(defer_build=True)


def build_models() -> None:
    """Build every emulator model whose build was deferred, here and now.

    Models are not built on import (`defer_build`), so that a start can build them while it
    waits for the seed (`emulator/scenario/ahead.py`): `create_app` calls this before it needs
    the scenario. Not later, on first use: pydantic's deferred build is not thread-safe (a
    subclass being built in one thread can validate with its parent's validator in another,
    pydantic#11849 and #13419), and fixture loads and resets validate in worker threads. A
    parent is built before its subclasses."""
    stack = list(BaseModel.__subclasses__())
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        if model.__module__.startswith("emulator.") and not model.__pydantic_complete__:
            model.model_rebuild()


# --- POST /v1/usage -------------------------------------------------------------------------


class GroupBy(WireModel):
    key: Name
    values: Annotated[list[NonEmptyStr], Field(min_length=1, max_length=GROUP_VALUES)] | None = None


class BillableMetricSelector(WireModel):
    id: Uuid
    group_by: GroupBy | None = None


class UsageQuery(WireModel):
    starting_on: Timestamp
    ending_before: Timestamp
    window_size: WindowSize
    customer_ids: Annotated[list[Uuid], Field(min_length=1)] | None = None
    billable_metrics: Annotated[list[BillableMetricSelector], Field(min_length=1)] | None = None


class GroupedUsageQuery(WireModel):
    """`POST /v1/usage/groups` (`limit` and `next_page` are in the query string)."""

    customer_id: Uuid
    billable_metric_id: Uuid
    window_size: WindowSize
    starting_on: Timestamp | None = None
    ending_before: Timestamp | None = None
    current_period: bool | None = None
    group_key: Annotated[list[NonEmptyStr], Field(min_length=1)] | None = None
    group_filters: dict[Name, list[NonEmptyStr]] | None = None
    group_by: GroupBy | None = None  # deprecated: group_key and group_filters


class UsageRow(AnswerModel):
    """One `UsageBatchAggregate` of `POST /v1/usage` (the OpenAPI document's response schema)."""

    customer_id: str
    billable_metric_id: str
    billable_metric_name: str
    start_timestamp: str
    end_timestamp: str
    value: float | None
    groups: dict[str, float | None] | None = None


class UsagePage(AnswerModel):
    data: list[UsageRow]
    next_page: str | None


class GroupedUsageRow(AnswerModel):
    starting_on: str
    ending_before: str
    value: float | None
    group: dict[str, str] | None
    group_key: str | None  # deprecated, simple keys only: use `group`
    group_value: str | None


class GroupedUsagePage(AnswerModel):
    data: list[GroupedUsageRow]
    next_page: str | None


class ErrorBody(AnswerModel):
    """Every 4xx (and injected 5xx) body."""

    message: str


# --- The data model: the fixture document ---------------------------------------------------

# Customers and metrics written by hand may leave out their timestamps; this fixed instant stands in
# so that nothing depends on the wall clock.
DEFAULT_CREATED_AT = "2020-01-01T00:00:00Z"


BillingProvider = Literal[
    "aws_marketplace",
    "stripe",
    "netsuite",
    "custom",
    "azure_marketplace",
    "quickbooks_online",
    "workday",
    "gcp_marketplace",
    "metronome",
]
DeliveryMethod = Literal["direct_to_billing_provider", "aws_sqs", "tackle", "aws_sns"]
TaxProvider = Literal["anrok", "avalara", "stripe"]


class BillingConfigurationRecord(WireModel):
    """A customer's billing provider configuration, as the state document holds it."""

    id: Uuid
    billing_provider: BillingProvider
    delivery_method: DeliveryMethod
    delivery_method_id: NonEmptyStr
    configuration: dict[str, Any] = {}
    tax_provider: TaxProvider | None = None
    archived_at: Timestamp | None = None


# Customer fields a document writes only when they hold something: documents made before they
# existed export byte for byte as they did.
CUSTOMER_OPTIONAL_FIELDS = (
    "salesforce_account_id",
    "leave_stripe_invoices_in_draft",
    "billing_provider_configurations",
)


class CustomerRecord(WireModel):
    id: Uuid
    name: NonEmptyStr
    ingest_aliases: StoredAliasList = []
    external_id: NonEmptyStr | None = None
    custom_fields: CustomFields = {}
    created_at: Timestamp = parse_rfc3339(DEFAULT_CREATED_AT)
    updated_at: Timestamp | None = None
    archived_at: Timestamp | None = None
    # Set by `updateConfig`; the API shows the first as `customer_config.salesforce_account_id`.
    salesforce_account_id: str | None = None
    leave_stripe_invoices_in_draft: bool | None = None
    billing_provider_configurations: list[BillingConfigurationRecord] = []

    @model_validator(mode="after")
    def _defaults(self) -> CustomerRecord:
        _record_size(self, "customer", STORED_RECORD_BYTES)
        # The deprecated external_id is the first id events may use: the customer id itself.
        if self.external_id is None:
            object.__setattr__(self, "external_id", self.id)
        if self.updated_at is None:
            object.__setattr__(self, "updated_at", self.created_at)
        ids = [configuration.id for configuration in self.billing_provider_configurations]
        if len(set(ids)) != len(ids):
            raise ValueError("billing_provider_configurations must not repeat an id")
        return self

    def document(self) -> dict[str, Any]:
        """The customer as a fixture document holds it: the optional fields only when set."""
        record = self.model_dump(mode="json")
        for name in CUSTOMER_OPTIONAL_FIELDS:
            if not record[name] and record[name] is not False:
                del record[name]
        return record

    def api_fields(self) -> dict[str, Any]:
        """The fields of the SDK's `CustomerDetail` the record holds as they are."""
        return self.model_dump(mode="json", exclude=set(CUSTOMER_OPTIONAL_FIELDS))


class EventTypeFilter(WireModel):
    in_values: Annotated[list[Name], Field(min_length=1)] | None = None
    not_in_values: Annotated[list[Name], Field(min_length=1)] | None = None


class PropertyFilter(WireModel):
    name: NonEmptyStr
    exists: bool | None = None
    in_values: Annotated[list[Name], Field(min_length=1)] | None = None
    not_in_values: Annotated[list[Name], Field(min_length=1)] | None = None


class BillableMetricRecord(WireModel):
    id: Uuid
    name: NonEmptyStr
    aggregation_type: AggregationType
    aggregation_key: NonEmptyStr | None = None
    event_type_filter: EventTypeFilter | None = None
    property_filters: list[PropertyFilter] = []
    group_keys: list[Annotated[list[NonEmptyStr], Field(min_length=1)]] = []
    custom_fields: CustomFields = {}
    archived_at: Timestamp | None = None

    @model_validator(mode="after")
    def _key_needed(self) -> BillableMetricRecord:
        if self.aggregation_type != "COUNT" and self.aggregation_key is None:
            raise ValueError(f"aggregation_key is required for {self.aggregation_type}")
        _record_size(self, "billable metric", STORED_RECORD_BYTES)
        return self

    def group_key_names(self) -> list[str]:
        """Every property name that appears in any of the metric's group keys, in order."""
        names: list[str] = []
        for key in self.group_keys:
            names.extend(name for name in key if name not in names)
        return names


class MetricDocument(BillableMetricRecord):
    """A billable metric in a fixture document. A metric counts the events ingested while it was
    active; in a document that is, by default, every event of the document. An export records
    the span where it is narrower, as positions in the document's `events` (`[from, until)`)."""

    events_from: int = Field(default=0, ge=0)
    events_until: int | None = Field(default=None, ge=0)

    def record(self) -> BillableMetricRecord:
        """The metric as the API shows it."""
        fields = {name: getattr(self, name) for name in BillableMetricRecord.model_fields}
        return BillableMetricRecord.model_construct(**fields)


class EventRecord(WireModel):
    transaction_id: Annotated[str, Field(min_length=1, max_length=TRANSACTION_ID_CHARS)]
    customer_id: NonEmptyStr
    event_type: NonEmptyStr
    timestamp: Timestamp
    properties: Properties = {}


class EventDocument(EventRecord):
    """An event in a fixture document: `processed_at` (by default its timestamp) places it in the
    dedupe and search windows."""

    processed_at: Timestamp | None = None


# --- customers and billable metrics, as the API creates them -----------------------------------


class NewBillingConfiguration(WireModel):
    """One of `customer_billing_provider_configurations` of `POST /v1/customers`."""

    billing_provider: Literal["aws_marketplace", "azure_marketplace", "gcp_marketplace", "stripe",
                              "netsuite"]  # fmt: skip
    configuration: dict[str, Any] = {}
    delivery_method: DeliveryMethod | None = None
    delivery_method_id: NonEmptyStr | None = None
    tax_provider: TaxProvider | None = None


class CustomerCreate(WireModel):
    name: NonEmptyStr
    ingest_aliases: IngestAliasList = []
    external_id: NonEmptyStr | None = None  # deprecated: one more ingest alias
    custom_fields: CustomFields = {}
    customer_billing_provider_configurations: list[NewBillingConfiguration] = []
    # Not modelled: refused with a 400 when given (`emulator/metering/customers.py`).
    billing_config: dict[str, Any] | None = None
    customer_revenue_system_configurations: list[Any] | None = None

    @model_validator(mode="after")
    def _size(self) -> CustomerCreate:
        _record_size(self, "customer")
        return self


class IngestAliases(WireModel):
    ingest_aliases: IngestAliasList


class CustomerName(WireModel):
    """`POST /v1/customers/{id}/setName`."""

    name: NonEmptyStr


class CustomerConfigUpdate(WireModel):
    """`POST /v1/customers/{id}/updateConfig`: a field left out (or null) stays as it is."""

    leave_stripe_invoices_in_draft: bool | None = None
    salesforce_account_id: NonEmptyStr | None = None


class BillingConfigurationInput(WireModel):
    """One item of `POST /v1/setCustomerBillingProviderConfigurations`."""

    billing_provider: BillingProvider
    customer_id: Uuid
    configuration: dict[str, Any] = {}
    delivery_method: DeliveryMethod | None = None
    delivery_method_id: NonEmptyStr | None = None
    tax_provider: TaxProvider | None = None


class BillingConfigurationsSet(WireModel):
    data: Annotated[list[BillingConfigurationInput], Field(min_length=1)]


class BillingConfigurationsQuery(WireModel):
    """`POST /v1/getCustomerBillingProviderConfigurations`."""

    customer_id: Uuid
    include_archived: bool | None = None


class BillingConfigurationsArchive(WireModel):
    """`POST /v1/archiveCustomerBillingProviderConfigurations`."""

    customer_id: Uuid
    customer_billing_provider_configuration_ids: Annotated[list[Uuid], Field(min_length=1)]


class MetricName(WireModel):
    """`PUT /v1/billable-metrics/{id}`: only the name can change."""

    name: NonEmptyStr


class IdBody(WireModel):
    """The body of the archive endpoints."""

    id: Uuid


class BillableMetricCreate(WireModel):
    name: NonEmptyStr
    aggregation_type: AggregationType | None = None  # required unless sql, which is refused
    aggregation_key: NonEmptyStr | None = None
    event_type_filter: EventTypeFilter | None = None
    property_filters: list[PropertyFilter] = []
    group_keys: list[Annotated[list[NonEmptyStr], Field(min_length=1)]] = []
    custom_fields: CustomFields = {}
    sql: str | None = None

    @model_validator(mode="after")
    def _size(self) -> BillableMetricCreate:
        _record_size(self, "billable metric")
        return self


class EventSearch(WireModel):
    """`POST /v1/events/search`."""

    transaction_ids: Annotated[list[NonEmptyStr], Field(min_length=1, max_length=SEARCH_IDS)] = (
        Field(alias="transactionIds")
    )


class FixtureDocument(WireModel):
    customers: list[CustomerRecord] = []
    billable_metrics: list[MetricDocument] = []
    events: list[EventDocument] = []
    # Rating's records (`emulator/rating/fixtures.py` checks them): kept here as sent.
    products: list[dict[str, Any]] = []
    rate_cards: list[dict[str, Any]] = []
    contracts: list[dict[str, Any]] = []
    # The tenant's clock: frozen at this instant; null: the wall clock; absent: the start clock.
    clock: Timestamp | None = None

    def has_rating(self) -> bool:
        return bool(self.products or self.rate_cards or self.contracts)

    def rating_fields(self) -> dict[str, list[dict[str, Any]]]:
        """The rating fields, as `emulator.rating.fixtures.load_fields` reads them."""
        return {
            "products": self.products,
            "rate_cards": self.rate_cards,
            "contracts": self.contracts,
        }
