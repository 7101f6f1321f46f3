"""Request bodies of the rating endpoints (RATING.md section 2) that no domain record describes:
gets, lists, archives, v2 contracts, balances and previews. The create bodies (`ProductCreate`,
`RateCardCreate`, `RateAdd`, `ContractCreate`) live with the records in
`emulator/rating/records.py`, which refuse what step A does not rate."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from emulator.wire.models import NonEmptyStr, Timestamp, Uuid, WireModel

__all__ = [
    "ArchiveFilter",
    "BalanceList",
    "ContractArchive",
    "ContractGet",
    "ContractList",
    "IdGet",
    "NetBalanceQuery",
    "PreviewEvent",
    "PreviewEvents",
    "ProductArchive",
    "ProductList",
    "RateCardRef",
    "RateSelector",
    "RatesQuery",
    "upper",
]


def upper(*allowed: str) -> Any:
    """An enum accepted in UPPER or lower case, kept UPPER (RATING.md section 2)."""

    def check(value: object) -> str:
        if isinstance(value, str) and value.upper() in allowed:
            return value.upper()
        raise ValueError(f"must be one of {', '.join(allowed)}")

    return BeforeValidator(check)


ArchiveFilter = Annotated[
    Literal["ARCHIVED", "NOT_ARCHIVED", "ALL"], upper("ARCHIVED", "NOT_ARCHIVED", "ALL")
]


class IdGet(WireModel):
    id: Uuid


class ProductList(WireModel):
    archive_filter: ArchiveFilter = "NOT_ARCHIVED"


class ProductArchive(WireModel):
    product_id: Uuid


class RateCardRef(WireModel):
    """What `addRate` and `addRates` name besides their rates."""

    rate_card_id: Uuid


class RateSelector(WireModel):
    product_id: Uuid | None = None
    product_tags: list[str] | None = None
    pricing_group_values: dict[str, str] | None = None
    partial_pricing_group_values: dict[str, str] | None = None
    billing_frequency: str | None = None


class RatesQuery(WireModel):
    """`getRates`: the card's rates in force at `at`, those any selector matches."""

    at: Timestamp
    rate_card_id: Uuid
    selectors: list[RateSelector] | None = None


class ContractArchive(WireModel):
    contract_id: Uuid
    customer_id: Uuid
    void_invoices: bool


class ContractList(WireModel):
    """`/v2/contracts/list`: paging C (`limit` 1..20, `cursor` in the body)."""

    customer_id: Uuid
    covering_date: Timestamp | None = None
    starting_at: Timestamp | None = None
    include_archived: bool = False
    include_balance: bool = False
    include_ledgers: bool = False
    limit: Annotated[int, Field(ge=1, le=20)] = 20
    cursor: str | None = None

    @model_validator(mode="after")
    def _one_date(self) -> ContractList:
        if self.covering_date is not None and self.starting_at is not None:
            raise ValueError("send at most one of covering_date and starting_at")
        return self


class ContractGet(WireModel):
    contract_id: Uuid
    customer_id: Uuid
    as_of_date: Timestamp | None = None
    include_balance: bool = False
    include_ledgers: bool = False

    @model_validator(mode="after")
    def _ledgers_now(self) -> ContractGet:
        if self.as_of_date is not None and self.include_ledgers:
            raise ValueError("as_of_date cannot be sent with include_ledgers")
        return self


class BalanceList(WireModel):
    """`customerBalances/list`: paging B (`limit` 1..25 and `next_page` in the body)."""

    customer_id: Uuid
    id: Uuid | None = None
    covering_date: Timestamp | None = None
    effective_before: Timestamp | None = None
    starting_at: Timestamp | None = None
    include_archived: bool = False
    include_balance: bool = False
    include_contract_balances: bool = False
    include_ledgers: bool = False
    exclude_zero_balances: bool = False
    limit: Annotated[int, Field(ge=1, le=25)] = 25
    next_page: str | None = None


class NetBalanceQuery(WireModel):
    customer_id: Uuid
    credit_type_id: Uuid | None = None
    filters: list[dict[str, Any]] | None = None
    invoice_inclusion_mode: Annotated[
        Literal["FINALIZED", "FINALIZED_AND_DRAFT"], upper("FINALIZED", "FINALIZED_AND_DRAFT")
    ] = "FINALIZED_AND_DRAFT"


class PreviewEvent(WireModel):
    event_type: NonEmptyStr
    properties: dict[str, Any] = Field(default_factory=dict)
    timestamp: Timestamp | None = None  # default: the tenant's clock
    transaction_id: NonEmptyStr | None = None
    customer_id: str | None = None  # the path's customer is the one previewed


class PreviewEvents(WireModel):
    events: Annotated[list[PreviewEvent], Field(min_length=1, max_length=100)]
    mode: Annotated[Literal["REPLACE", "MERGE"], upper("REPLACE", "MERGE")] = "REPLACE"
    skip_zero_qty_line_items: bool = False
