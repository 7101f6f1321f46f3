"""What rating answers parses as the official SDK's response models, and reading invoices,
breakdowns and costs never reads the event log (rollups only)."""

from __future__ import annotations

from typing import Any

import pytest
from metronome.types.shared.contract_v2 import ContractV2
from metronome.types.v1.contracts.product_list_response import ProductListResponse
from metronome.types.v1.contracts.rate_card_retrieve_response import Data as RateCard
from metronome.types.v1.contracts.rate_cards.rate_list_response import RateListResponse
from metronome.types.v1.customer_list_costs_response import CustomerListCostsResponse
from metronome.types.v1.customers.invoice import Invoice
from metronome.types.v1.customers.invoice_list_breakdowns_response import (
    InvoiceListBreakdownsResponse,
)
from metronome.types.v1.pricing_unit_list_response import PricingUnitListResponse

from emulator.metering.events import EventLog
from emulator.rating import shapes
from tests.rating.world import World, at


def strict(model: Any, data: dict[str, Any]) -> None:
    """Validated, and no field of ours left unknown to the model."""
    parsed = model.model_validate(data)
    extra = parsed.model_extra or {}
    assert not extra


class TestSdkShapes:
    """Every shape validates against the SDK 4.12 model it stands for."""

    def test_invoices_breakdowns_costs(self, world: tuple[World, str]) -> None:
        w, acme = world
        rater = w.rater()
        for invoice in rater.invoices(acme):
            strict(Invoice, invoice.to_wire())
        for item in rater.breakdowns(acme, at("2024-02-28T00:00:00Z"), at("2024-03-03T00:00:00Z")):
            strict(InvoiceListBreakdownsResponse, item.to_wire())
        for day in rater.costs(acme, at("2024-03-01T00:00:00Z"), at("2024-03-03T00:00:00Z")):
            strict(CustomerListCostsResponse, day)

    def test_records(self, world: tuple[World, str]) -> None:
        w, _ = world
        catalog = w.catalog
        for record in catalog.products.values():
            strict(ProductListResponse, shapes.product(record))
        for card in catalog.rate_cards.values():
            strict(RateCard, shapes.rate_card(card))
            items = shapes.get_rates(catalog, card.id, at("2024-02-01T00:00:00Z"))
            assert [i["product_name"] for i in items] == ["Tokens", "Images"]
            for item in items:
                strict(RateListResponse, item)
            assert shapes.get_rates(catalog, card.id, at("2023-12-01T00:00:00Z")) == []
        for contract in catalog.contracts.values():
            wire = shapes.contract_v2(contract)
            strict(ContractV2, wire)
            assert wire["usage_statement_schedule"]["billing_anchor_date"] == "2024-01-01T00:00:00Z"
        for unit in shapes.credit_types():
            strict(PricingUnitListResponse, unit)


class TestRollupsOnly:
    """Invoices, breakdowns and costs are read from rollups: the event log is never touched."""

    def test_no_event_is_read(
        self, world: tuple[World, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        w, acme = world

        def refuse(*_: Any) -> Any:
            raise AssertionError("the event log was read")

        monkeypatch.setattr(EventLog, "__getitem__", refuse)
        monkeypatch.setattr(EventLog, "__iter__", refuse)
        rater = w.rater()
        assert [i.total for i in rater.invoices(acme)] == [1200, 3840, 500]
        rater.breakdowns(acme, at("2024-01-15T00:00:00Z"), at("2024-03-05T00:00:00Z"), "hour")
        rater.costs(acme, at("2024-01-01T00:00:00Z"), at("2024-03-05T00:00:00Z"))
