"""The rating state in a fixture document: `products`, `rate_cards` (each with its `rates`) and
`contracts`, in the API's field names, and back.

`export_fields(catalog)` and `load_fields(document, store)` round-trip exactly: loading what was
exported and exporting again gives the same JSON, byte for byte. Every field of a record is
written, absent values as null, so nothing depends on defaults. A rate's `added_at` is written
when it has one (added through the API: a frozen invoice sees only the rates added by its
freeze); a document's rate without it counts for every invoice.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, TypeAdapter, ValidationError

from emulator.metering.store import Store
from emulator.rating.catalog import Catalog
from emulator.rating.records import ContractRecord, ProductRecord, RateCardRecord, RateRecord
from emulator.wire.errors import BadRequest, message_for

__all__ = ["export_fields", "load_fields"]


class _CardDocument(RateCardRecord):
    rates: list[RateRecord] = Field(default_factory=list)


_PRODUCTS = TypeAdapter(list[ProductRecord])
_CARDS = TypeAdapter(list[_CardDocument])
_CONTRACTS = TypeAdapter(list[ContractRecord])


def export_fields(catalog: Catalog, layer_only: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The three document fields of the catalog's current state, in creation order; with
    `layer_only`, only what a tenant's layer holds itself (its records, and the whole rate list
    of each card it added rates to): `load_fields(it, store, base)` gives the layer back."""
    if layer_only:
        products = [p for _, p in catalog.products.own()]
        touched = dict(catalog.rates.own())
        own_cards = dict(catalog.rate_cards.own())
        card_ids = list(dict.fromkeys([*own_cards, *touched]))
        cards = [catalog.rate_cards[i] for i in card_ids]
        contracts = [c for _, c in catalog.contracts.own()]
    else:
        products = list(catalog.products.values())
        cards = list(catalog.rate_cards.values())
        contracts = list(catalog.contracts.values())
    card_records = []
    for card in cards:
        record = card.model_dump(mode="json")
        record["rates"] = [
            rate.model_dump(mode="json", exclude={"added_at"} if rate.added_at is None else None)
            for rate in catalog.rates.get(card.id, ())
        ]
        card_records.append(record)
    return {
        "products": [p.model_dump(mode="json") for p in products],
        "rate_cards": card_records,
        "contracts": [c.model_dump(mode="json") for c in contracts],
    }


def _section(adapter: TypeAdapter[Any], document: dict[str, Any], name: str) -> Any:
    try:
        return adapter.validate_python(document.get(name, []), strict=True)
    except ValidationError as exc:
        message = message_for(exc, name, items=name)
        raise BadRequest(message if message.startswith(name) else f"{name}.{message}") from None


def load_fields(document: dict[str, Any], store: Store, base: Catalog | None = None) -> Catalog:
    """A catalog from a document's fields (absent ones: empty), checked against the store's
    customers and metrics and against each other; a 400 naming the field otherwise."""
    products: list[ProductRecord] = _section(_PRODUCTS, document, "products")
    cards: list[_CardDocument] = _section(_CARDS, document, "rate_cards")
    contracts: list[ContractRecord] = _section(_CONTRACTS, document, "contracts")
    catalog = Catalog(base)
    known_products = {p.id: p for p in products}
    for i, product in enumerate(products):
        metric = product.billable_metric_id
        if metric is not None and metric not in store.metrics:
            raise BadRequest(f"products[{i}].billable_metric_id {metric} is not a known metric")
        if product.type == "USAGE" and metric is None:
            raise BadRequest(f"products[{i}].billable_metric_id is required for a USAGE product")
    for i, card in enumerate(cards):
        for j, rate in enumerate(card.rates):
            found = known_products.get(rate.product_id) or catalog.products.get(rate.product_id)
            if found is None or found.type != "USAGE":
                raise BadRequest(
                    f"rate_cards[{i}].rates[{j}].product_id {rate.product_id} "
                    "is not a USAGE product of the document"
                )
    card_ids = {c.id for c in cards}
    for i, contract in enumerate(contracts):
        if contract.customer_id not in store.customers:
            raise BadRequest(f"contracts[{i}].customer_id {contract.customer_id} is not a customer")
        if (
            contract.rate_card_id not in card_ids
            and contract.rate_card_id not in catalog.rate_cards
        ):
            raise BadRequest(f"contracts[{i}].rate_card_id {contract.rate_card_id} is not a card")
    catalog.put_all(
        products,
        (
            (
                RateCardRecord.model_validate(card.model_dump(mode="json", exclude={"rates"})),
                tuple(card.rates),
            )
            for card in cards
        ),
        contracts,
    )
    return catalog
