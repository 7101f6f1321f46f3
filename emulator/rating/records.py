"""The rating records (products, rate cards, rates, contracts) and the bodies that create them.

Records are frozen pydantic models, timestamps as epoch microseconds inside and RFC 3339 on the
wire (`emulator.wire.models.Timestamp`). Create bodies accept the API's field names; what step A
does not rate is refused with `400 "<feature> is not supported by the emulator"` (`refuse`), and
the rules that span records (a rate's product, a contract's card) are checked by the catalog.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from emulator.wire.errors import BadRequest
from emulator.wire.limits import NAME_CHARS
from emulator.wire.models import Timestamp, Uuid

__all__ = [
    "CREDIT_TYPE",
    "USD_CENTS_ID",
    "Alias",
    "ContractCreate",
    "ContractRecord",
    "ProductCreate",
    "ProductRecord",
    "QuantityConversion",
    "QuantityRounding",
    "RateAdd",
    "RateCardCreate",
    "RateCardRecord",
    "RateRecord",
    "Schedule",
    "Tier",
    "decimal_of",
    "refuse",
]

USD_CENTS_ID = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
CREDIT_TYPE = {"id": USD_CENTS_ID, "name": "USD (cents)"}

Number = Annotated[int | float, Field(allow_inf_nan=False)]
# A name or key of a rating record: 1 to NAME_CHARS characters, as a customer's or metric's.
NonEmptyStr = Annotated[str, Field(min_length=1, max_length=NAME_CHARS)]


def decimal_of(number: int | float) -> Decimal:
    """The exact decimal a JSON number was written as (floats by their shortest repr)."""
    return Decimal(number) if isinstance(number, int) else Decimal(repr(number))


def refuse(feature: str) -> BadRequest:
    return BadRequest(f"{feature} is not supported by the emulator")


def _upper(allowed: tuple[str, ...]) -> Any:
    """Enums are accepted in UPPER or lower case and kept UPPER."""

    def check(value: object) -> str:
        if isinstance(value, str) and value.upper() in allowed:
            return value.upper()
        raise ValueError(f"must be one of {', '.join(allowed)}")

    return BeforeValidator(check)


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True, defer_build=True)


PRODUCT_TYPES = (
    "FIXED",
    "USAGE",
    "COMPOSITE",
    "SUBSCRIPTION",
    "PROFESSIONAL_SERVICE",
    "PRO_SERVICE",
)
ProductType = Annotated[str, _upper(PRODUCT_TYPES)]
Operation = Annotated[Literal["MULTIPLY", "DIVIDE"], _upper(("MULTIPLY", "DIVIDE"))]
RoundingMethod = Annotated[
    Literal["ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP"],
    _upper(("ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP")),
]
RATE_TYPES = ("FLAT", "TIERED", "PERCENTAGE", "SUBSCRIPTION", "TIERED_PERCENTAGE", "CUSTOM")
RateType = Annotated[str, _upper(RATE_TYPES)]
Frequency = Annotated[str, _upper(("MONTHLY", "QUARTERLY", "WEEKLY", "ANNUAL"))]
AnchorDay = Annotated[
    Literal["FIRST_OF_MONTH", "CONTRACT_START", "CUSTOM_DATE"],
    _upper(("FIRST_OF_MONTH", "CONTRACT_START", "CUSTOM_DATE")),
]


class QuantityConversion(Model):
    conversion_factor: Annotated[Number, Field(gt=0)]
    operation: Operation
    name: str | None = None


class QuantityRounding(Model):
    decimal_places: Annotated[int, Field(ge=0)]
    rounding_method: RoundingMethod


class ProductCreate(Model):
    name: NonEmptyStr
    type: ProductType
    billable_metric_id: Uuid | None = None
    tags: list[str] = []
    custom_fields: dict[str, str] = {}
    pricing_group_key: Annotated[list[NonEmptyStr], Field(min_length=1)] | None = None
    presentation_group_key: list[str] | None = None
    quantity_conversion: QuantityConversion | None = None
    quantity_rounding: QuantityRounding | None = None
    composite_product_ids: list[str] | None = None
    composite_tags: list[str] | None = None


class ProductRecord(Model):
    id: Uuid
    name: NonEmptyStr
    type: ProductType
    billable_metric_id: Uuid | None = None
    tags: list[str] = []
    custom_fields: dict[str, str] = {}
    pricing_group_key: list[str] | None = None
    quantity_conversion: QuantityConversion | None = None
    quantity_rounding: QuantityRounding | None = None
    created_at: Timestamp
    created_by: str = "api"
    archived_at: Timestamp | None = None


class Alias(Model):
    name: NonEmptyStr
    starting_at: Timestamp | None = None
    ending_before: Timestamp | None = None


class RateCardCreate(Model):
    name: NonEmptyStr
    description: str | None = None
    aliases: list[Alias] = []
    custom_fields: dict[str, str] = {}
    fiat_credit_type_id: str | None = None
    credit_type_conversions: list[Any] | None = None


class RateCardRecord(Model):
    id: Uuid
    name: NonEmptyStr
    description: str | None = None
    aliases: list[Alias] = []
    custom_fields: dict[str, str] = {}
    created_at: Timestamp
    created_by: str = "api"
    archived_at: Timestamp | None = None


class Tier(Model):
    price: Annotated[Number, Field(ge=0)]
    size: Annotated[Number, Field(gt=0)] | None = None


class RateAdd(Model):
    """One rate of `addRate` (with `rate_card_id`) or of `addRates.rates`."""

    product_id: Uuid
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    entitled: bool
    rate_type: RateType
    price: Annotated[Number, Field(ge=0)] | None = None
    tiers: Annotated[list[Tier], Field(min_length=1)] | None = None
    pricing_group_values: dict[str, str] | None = None
    credit_type_id: str | None = None
    commit_rate: Any = None
    is_prorated: bool | None = None
    quantity: Any = None
    custom_rate: Any = None
    billing_frequency: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> RateAdd:
        if self.rate_type not in ("FLAT", "TIERED"):
            raise refuse(f"rate_type {self.rate_type}")
        if self.credit_type_id is not None and self.credit_type_id.lower() != USD_CENTS_ID:
            raise refuse("credit_type_id other than USD (cents)")
        for field in ("commit_rate", "custom_rate", "quantity", "billing_frequency"):
            if getattr(self, field) is not None:
                raise refuse(field)
        if self.ending_before is not None and self.ending_before <= self.starting_at:
            raise ValueError("ending_before must be after starting_at")
        if self.rate_type == "FLAT":
            if self.price is None:
                raise ValueError("price is required for a FLAT rate")
            if self.tiers is not None:
                raise ValueError("tiers are only for a TIERED rate")
        else:
            if self.tiers is None:
                raise ValueError("tiers are required for a TIERED rate")
            if self.price is not None:
                raise ValueError("price is only for a FLAT rate")
            for i, tier in enumerate(self.tiers[:-1]):
                if tier.size is None:
                    raise ValueError(
                        f"tiers[{i}].size is required (only the last tier may omit it)"
                    )
        return self


class RateRecord(Model):
    """A rate on a card. `added_at`: the tenant's clock when it was added through the API (a
    frozen invoice sees only the rates added by its freeze); None for a document's rates."""

    product_id: Uuid
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    entitled: bool
    rate_type: Literal["FLAT", "TIERED"]
    price: Number | None = None
    tiers: list[Tier] | None = None
    pricing_group_values: dict[str, str] | None = None
    added_at: Timestamp | None = None


class Schedule(Model):
    frequency: Frequency
    day: AnchorDay = "FIRST_OF_MONTH"
    billing_anchor_date: Timestamp | None = None


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


# Contract fields that step A refuses when given non-empty, with the name the message uses.
_REFUSED_CONTRACT_FIELDS = (
    "overrides",
    "recurring_commits",
    "recurring_credits",
    "scheduled_charges",
    "subscriptions",
    "discounts",
    "professional_services",
    "reseller_royalties",
    "usage_filter",
    "transition",
    "hierarchy_configuration",
    "package_id",
    "package_alias",
    "spend_threshold_configuration",
    "prepaid_balance_threshold_configuration",
    "commits",
    "credits",
)


class ContractCreate(Model):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    customer_id: Uuid
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    rate_card_id: Uuid | None = None
    rate_card_alias: NonEmptyStr | None = None
    name: str | None = None
    uniqueness_key: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    usage_statement_schedule: Schedule | None = None
    custom_fields: dict[str, str] = {}

    @model_validator(mode="after")
    def _supported(self) -> ContractCreate:
        extra = self.model_extra or {}
        for field in _REFUSED_CONTRACT_FIELDS:
            if not _empty(extra.get(field)):
                raise refuse(f"contract {field}")
        schedule = self.usage_statement_schedule
        if schedule is not None and schedule.frequency not in ("MONTHLY", "QUARTERLY"):
            raise refuse(f"usage_statement_schedule.frequency {schedule.frequency}")
        if (self.rate_card_id is None) == (self.rate_card_alias is None):
            raise ValueError("exactly one of rate_card_id and rate_card_alias is required")
        if self.ending_before is not None and self.ending_before <= self.starting_at:
            raise ValueError("ending_before must be after starting_at")
        return self


class ContractRecord(Model):
    id: Uuid
    customer_id: Uuid
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    rate_card_id: Uuid
    rate_card_alias: str | None = None
    name: str | None = None
    uniqueness_key: str | None = None
    usage_statement_schedule: Schedule
    custom_fields: dict[str, str] = {}
    created_at: Timestamp
    created_by: str = "api"
    archived_at: Timestamp | None = None
    void_invoices: bool = False  # set by archive: its finalized invoices are VOID
