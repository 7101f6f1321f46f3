"""`Catalog`: a tenant's products, rate cards (with their rates) and contracts.

Layered as the store is (`emulator/metering/layers.py`): a tenant's catalog sits on the shared
base's (the seed's or the fixture document's), reads fall through, writes go to the tenant's
layer, so a tenant costs what it writes:

    tenant Catalog (its layer)                  base Catalog (seed or --fixtures)
    +---------------------------------+  reads  +--------------------------------+
    | products, cards, contracts it   | ------> | the document's records, built  |
    | made or changed (archive marks);|  fall   | once, never written after      |
    | a card's rate list, once it     | through |                                |
    | added a rate to that card       |         |                                |
    +---------------------------------+         +--------------------------------+

A card's rates are one tuple, replaced (not changed) when a rate is added: adding to a base card
copies that card's rate list into the layer, nothing else.

Every method takes the tenant's clock (`now`, epoch microseconds) where Metronome would stamp
something, and the metering `Store` where a record names a customer or a billable metric.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from emulator.metering.layers import Layered
from emulator.metering.store import Store
from emulator.rating.records import (
    USD_CENTS_ID,
    ContractCreate,
    ContractRecord,
    ProductCreate,
    ProductRecord,
    RateAdd,
    RateCardCreate,
    RateCardRecord,
    RateRecord,
    Schedule,
    refuse,
)
from emulator.wire.errors import BadRequest, Conflict, NotFound, message_for
from emulator.wire.timestamps import US_PER_HOUR, format_rfc3339

__all__ = ["Catalog", "parse"]

M = TypeVar("M", bound=BaseModel)
_VERSIONS = itertools.count()


def parse(model: type[M], body: Any, what: str = "request body") -> M:
    """A body validated into `model`; a 400 naming the field when it is not valid."""
    try:
        return model.model_validate(body, strict=True)
    except ValidationError as exc:
        raise BadRequest(message_for(exc, what)) from None


def _on_hour(value: int | None, field: str) -> None:
    """R1: contract and rate bounds are on a UTC hour."""
    if value is not None and value % US_PER_HOUR:
        raise BadRequest(f"{field} must be on a UTC hour, e.g. 2024-01-01T00:00:00Z")


class Catalog:
    def __init__(self, base: Catalog | None = None) -> None:
        self.base = base
        self.version = next(_VERSIONS)
        self.products: Layered[str, ProductRecord] = Layered(base.products if base else None)
        self.rate_cards: Layered[str, RateCardRecord] = Layered(base.rate_cards if base else None)
        # rate card id -> its rates, in the order they were added
        self.rates: Layered[str, tuple[RateRecord, ...]] = Layered(base.rates if base else None)
        self.contracts: Layered[str, ContractRecord] = Layered(base.contracts if base else None)
        # customer id -> its contracts' ids, in creation order
        self.by_customer: Layered[str, tuple[str, ...]] = Layered(
            base.by_customer if base else None
        )
        # (customer id, uniqueness key) -> contract id
        self.unique: Layered[tuple[str, str], str] = Layered(base.unique if base else None)

    def _touch(self) -> None:
        self.version = next(_VERSIONS)

    def new_id(self, kind: str) -> str:
        """A UUID derived from how many records there are: the same steps give the same ids."""
        n = len(self.products) + len(self.rate_cards) + len(self.contracts)
        while True:
            digest = hashlib.sha256(f"metronome-emulator {kind} {n}".encode()).digest()
            candidate = str(uuid.UUID(bytes=digest[:16], version=4))
            if not any(candidate in m for m in (self.products, self.rate_cards, self.contracts)):
                return candidate
            n += 1

    # --- products -------------------------------------------------------------------------------

    def create_product(self, body: ProductCreate, store: Store, now: int) -> ProductRecord:
        if body.presentation_group_key:
            raise refuse("presentation_group_key")
        if body.composite_product_ids or body.composite_tags:
            raise refuse("composite_product_ids and composite_tags")
        kind = "PRO_SERVICE" if body.type == "PROFESSIONAL_SERVICE" else body.type
        if kind == "USAGE":
            if body.billable_metric_id is None:
                raise BadRequest("billable_metric_id is required for a USAGE product")
            metric = store.metrics.get(body.billable_metric_id)
            if metric is None:
                raise BadRequest(
                    f"billable_metric_id {body.billable_metric_id} is not a known billable metric"
                )
            if metric.archived_at is not None:
                raise BadRequest(f"billable_metric_id {metric.id} is an archived billable metric")
            key = body.pricing_group_key
            if key is not None and not any(sorted(key) == sorted(k) for k in metric.group_keys):
                raise BadRequest(
                    "pricing_group_key must be one compound group key on the billable metric"
                )
        else:
            for field in (
                "billable_metric_id",
                "pricing_group_key",
                "quantity_conversion",
                "quantity_rounding",
            ):
                if getattr(body, field) is not None:
                    raise BadRequest(f"{field} is only for USAGE products")
        product = ProductRecord.model_construct(
            id=self.new_id("product"),
            name=body.name,
            type=kind,
            billable_metric_id=body.billable_metric_id,
            tags=body.tags,
            custom_fields=body.custom_fields,
            pricing_group_key=body.pricing_group_key,
            quantity_conversion=body.quantity_conversion,
            quantity_rounding=body.quantity_rounding,
            created_at=now,
        )
        self._touch()
        self.products[product.id] = product
        return product

    def product(self, product_id: str) -> ProductRecord:
        product = self.products.get(product_id)
        if product is None:
            raise NotFound(f"product {product_id} not found")
        return product

    def archive_product(self, product_id: str, now: int) -> None:
        product = self.product(product_id)
        if product.archived_at is None:
            self._touch()
            self.products[product_id] = product.model_copy(update={"archived_at": now})

    # --- rate cards and rates -------------------------------------------------------------------

    def create_rate_card(self, body: RateCardCreate, now: int) -> RateCardRecord:
        if body.credit_type_conversions:
            raise refuse("credit_type_conversions")
        fiat = body.fiat_credit_type_id
        if fiat is not None and fiat.lower() != USD_CENTS_ID:
            raise refuse("fiat_credit_type_id other than USD (cents)")
        for i, alias in enumerate(body.aliases):
            _on_hour(alias.starting_at, f"aliases[{i}].starting_at")
            _on_hour(alias.ending_before, f"aliases[{i}].ending_before")
            if (
                alias.starting_at is not None
                and alias.ending_before is not None
                and alias.ending_before <= alias.starting_at
            ):
                raise BadRequest(f"aliases[{i}].ending_before must be after starting_at")
        card = RateCardRecord.model_construct(
            id=self.new_id("rate card"),
            name=body.name,
            description=body.description,
            aliases=body.aliases,
            custom_fields=body.custom_fields,
            created_at=now,
        )
        self._touch()
        self.rate_cards[card.id] = card
        self.rates[card.id] = ()
        return card

    def rate_card(self, card_id: str) -> RateCardRecord:
        card = self.rate_cards.get(card_id)
        if card is None:
            raise NotFound(f"rate card {card_id} not found")
        return card

    def archive_rate_card(self, card_id: str, now: int) -> None:
        card = self.rate_card(card_id)
        if card.archived_at is None:
            self._touch()
            self.rate_cards[card_id] = card.model_copy(update={"archived_at": now})

    def _check_rate(self, rate: RateAdd, where: str) -> None:
        product = self.products.get(rate.product_id)
        if product is None:
            raise BadRequest(f"{where}product_id {rate.product_id} is not a known product")
        if product.type != "USAGE":
            raise refuse(f"a rate on a {product.type} product")
        if product.archived_at is not None:
            raise BadRequest(f"{where}product_id {rate.product_id} is an archived product")
        _on_hour(rate.starting_at, f"{where}starting_at")
        _on_hour(rate.ending_before, f"{where}ending_before")
        key = product.pricing_group_key
        values = rate.pricing_group_values
        if key is None and values:
            raise BadRequest(
                f"{where}pricing_group_values: product {product.id} has no pricing_group_key"
            )
        if key is not None and (values is None or sorted(values) != sorted(key)):
            raise BadRequest(
                f"{where}pricing_group_values must have exactly the product's pricing_group_key "
                f"({', '.join(key)})"
            )

    def add_rates(self, card_id: str, rates: list[RateAdd], now: int, many: bool) -> None:
        """Add rates to a card, all or none (`many`: the body's `rates[i]` names the field)."""
        card = self.rate_cards.get(card_id)
        if card is None:
            raise BadRequest(f"rate_card_id {card_id} is not a known rate card")
        for i, rate in enumerate(rates):
            self._check_rate(rate, f"rates[{i}]." if many else "")
        added = tuple(
            RateRecord.model_construct(
                product_id=rate.product_id,
                starting_at=rate.starting_at,
                ending_before=rate.ending_before,
                entitled=rate.entitled,
                rate_type=rate.rate_type,  # type: ignore[arg-type]  # FLAT or TIERED: RateAdd checked
                price=rate.price,
                tiers=rate.tiers,
                pricing_group_values=rate.pricing_group_values,
                added_at=now,
            )
            for rate in rates
        )
        self._touch()
        self.rates[card_id] = self.rates.get(card_id, ()) + added

    def card_rates(self, card_id: str, as_of: int | None = None) -> list[RateRecord]:
        """A card's rates in the order added; with `as_of`, those added by then (a document's
        rates always)."""
        rates = self.rates.get(card_id, ())
        if as_of is None:
            return list(rates)
        return [r for r in rates if r.added_at is None or r.added_at <= as_of]

    def resolve_alias(self, alias: str, at: int) -> RateCardRecord:
        """The unarchived card that holds `alias` at `at`; the most recently assigned wins."""
        found: RateCardRecord | None = None
        for card in self.rate_cards.values():
            if card.archived_at is not None:
                continue
            for entry in card.aliases:
                if entry.name != alias:
                    continue
                if entry.starting_at is not None and at < entry.starting_at:
                    continue
                if entry.ending_before is not None and at >= entry.ending_before:
                    continue
                found = card  # cards in creation order: the last one is the latest assigned
        if found is None:
            raise BadRequest(
                f"rate_card_alias {alias!r} names no rate card at {format_rfc3339(at)}"
            )
        return found

    # --- contracts ------------------------------------------------------------------------------

    def create_contract(self, body: ContractCreate, store: Store, now: int) -> ContractRecord:
        customer = store.customers.get(body.customer_id)
        if customer is None:
            raise BadRequest(f"customer_id {body.customer_id} is not a known customer")
        _on_hour(body.starting_at, "starting_at")
        _on_hour(body.ending_before, "ending_before")
        if body.rate_card_id is not None:
            card = self.rate_cards.get(body.rate_card_id)
            if card is None:
                raise BadRequest(f"rate_card_id {body.rate_card_id} is not a known rate card")
            if card.archived_at is not None:
                raise BadRequest(f"rate_card_id {card.id} is an archived rate card")
        else:
            assert body.rate_card_alias is not None
            card = self.resolve_alias(body.rate_card_alias, body.starting_at)
        schedule = body.usage_statement_schedule or Schedule.model_construct(frequency="MONTHLY")
        if schedule.day == "CUSTOM_DATE":
            if schedule.billing_anchor_date is None:
                raise BadRequest(
                    "usage_statement_schedule.billing_anchor_date is required for CUSTOM_DATE"
                )
            _on_hour(schedule.billing_anchor_date, "usage_statement_schedule.billing_anchor_date")
        elif schedule.billing_anchor_date is not None:
            raise BadRequest(
                "usage_statement_schedule.billing_anchor_date is only for day CUSTOM_DATE"
            )
        if (
            body.uniqueness_key is not None
            and (body.customer_id, body.uniqueness_key) in self.unique
        ):
            raise Conflict(f"uniqueness_key {body.uniqueness_key!r} was already used")
        for other in self.customer_contracts(body.customer_id):
            if other.archived_at is None and _overlap(other, body.starting_at, body.ending_before):
                raise refuse(
                    f"a contract overlapping another contract ({other.id}) of the customer"
                )
        contract = ContractRecord.model_construct(
            id=self.new_id("contract"),
            customer_id=body.customer_id,
            starting_at=body.starting_at,
            ending_before=body.ending_before,
            rate_card_id=card.id,
            rate_card_alias=body.rate_card_alias,
            name=body.name,
            uniqueness_key=body.uniqueness_key,
            usage_statement_schedule=schedule,
            custom_fields=body.custom_fields,
            created_at=now,
        )
        self._put_contract(contract)
        return contract

    def _put_contract(self, contract: ContractRecord) -> None:
        self._touch()
        if contract.id not in self.contracts:
            ids = self.by_customer.get(contract.customer_id, ())
            self.by_customer[contract.customer_id] = (*ids, contract.id)
            if contract.uniqueness_key is not None:
                self.unique[contract.customer_id, contract.uniqueness_key] = contract.id
        self.contracts[contract.id] = contract

    def customer_contracts(self, customer_id: str) -> list[ContractRecord]:
        return [self.contracts[i] for i in self.by_customer.get(customer_id, ())]

    def contract(self, customer_id: str, contract_id: str) -> ContractRecord:
        contract = self.contracts.get(contract_id)
        if contract is None or contract.customer_id != customer_id:
            raise NotFound(f"contract {contract_id} not found for customer {customer_id}")
        return contract

    def archive_contract(
        self, contract_id: str, customer_id: str, void_invoices: bool, now: int
    ) -> None:
        contract = self.contract(customer_id, contract_id)
        if contract.archived_at is None:
            self._put_contract(
                contract.model_copy(update={"archived_at": now, "void_invoices": void_invoices})
            )

    # --- loading (see `emulator/rating/fixtures.py`) -------------------------------------------

    def put_all(
        self,
        products: Iterable[ProductRecord],
        cards: Iterable[tuple[RateCardRecord, tuple[RateRecord, ...]]],
        contracts: Iterable[ContractRecord],
    ) -> None:
        for product in products:
            self.products[product.id] = product
        for card, rates in cards:
            self.rate_cards[card.id] = card
            self.rates[card.id] = rates
        for contract in contracts:
            self._put_contract(contract)
        self._touch()


def _overlap(contract: ContractRecord, start: int, end: int | None) -> bool:
    other_end = contract.ending_before
    return (end is None or contract.starting_at < end) and (other_end is None or start < other_end)
