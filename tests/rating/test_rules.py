"""One or more tests per rule of RATING.md (R1..R10) and per refusal of step A: each fails when
its rule breaks. Built through the domain calls the handlers will make (`tests/rating/world.py`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import pytest

from emulator.rating import Catalog, Usage
from emulator.rating.periods import periods
from emulator.wire.errors import BadRequest, Conflict, NotFound
from emulator.wire.timestamps import format_rfc3339
from tests.rating.world import World, at

START = "2024-01-01T00:00:00Z"


def flat(product: str, price: Any, starting_at: str = START, **more: Any) -> dict[str, Any]:
    return {
        "product_id": product,
        "starting_at": starting_at,
        "entitled": True,
        "rate_type": "FLAT",
        "price": price,
        **more,
    }


def tiered(product: str, tiers: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {
        "product_id": product,
        "starting_at": START,
        "entitled": True,
        "rate_type": "TIERED",
        "tiers": tiers,
        **more,
    }


class Setup:
    """A customer, a SUM metric over `use` events' `n` grouped by `region`, a card."""

    def __init__(self, now: str = "2024-01-01T00:00:00Z") -> None:
        self.w = World(now)
        self.customer = self.w.customer("Acme")
        self.metric = self.w.metric(
            name="n",
            aggregation_type="SUM",
            aggregation_key="n",
            event_type_filter={"in_values": ["use"]},
            property_filters=[{"name": "n", "exists": True}, {"name": "region", "exists": True}],
            group_keys=[["region"]],
        )
        self.card = self.w.rate_card(name="Card")

    def product(self, name: str = "Units", **more: Any) -> str:
        return self.w.product(name=name, type="USAGE", billable_metric_id=self.metric, **more)

    def contract(self, starting_at: str = START, **more: Any) -> str:
        return self.w.contract(
            customer_id=self.customer, rate_card_id=self.card, starting_at=starting_at, **more
        )

    def use(self, *events: tuple[str, Any], region: str = "us") -> None:
        self.w.ingest(self.customer, *[("use", ts, {"n": n, "region": region}) for ts, n in events])

    def invoices(self, **filters: Any) -> list[dict[str, Any]]:
        return [i.to_wire() for i in self.w.rater().invoices(self.customer, **filters)]


def spans(contract_periods: Any) -> list[tuple[str, str]]:
    return [(format_rfc3339(a), format_rfc3339(b)) for a, b in contract_periods]


class TestR1HourBounds:
    """Contract and rate bounds must be on a UTC hour."""

    def test_contract_off_the_hour(self) -> None:
        s = Setup()
        with pytest.raises(BadRequest, match="starting_at must be on a UTC hour"):
            s.contract("2024-01-01T00:30:00Z")

    def test_rate_off_the_hour(self) -> None:
        s = Setup()
        p = s.product()
        with pytest.raises(BadRequest, match=r"rates\[0\]\.starting_at must be on a UTC hour"):
            s.w.add_rates(s.card, flat(p, 1, "2024-01-01T00:00:01Z"))


class TestR2Periods:
    """Periods run from the contract start to the next anchor, then anchor to anchor."""

    def period_spans(self, **more: Any) -> list[tuple[str, str]]:
        s = Setup()
        s.contract(**more)
        (contract,) = s.w.catalog.contracts.values()
        return spans(periods(contract, at("2024-12-31T00:00:00Z")))[:4]

    def test_monthly_first_of_month(self) -> None:
        assert self.period_spans(starting_at="2024-01-15T00:00:00Z")[:2] == [
            ("2024-01-15T00:00:00Z", "2024-02-01T00:00:00Z"),
            ("2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"),
        ]

    def test_quarterly_is_calendar_quarters(self) -> None:
        got = self.period_spans(
            starting_at="2024-02-10T05:00:00Z", usage_statement_schedule={"frequency": "quarterly"}
        )
        assert got[:2] == [
            ("2024-02-10T05:00:00Z", "2024-04-01T00:00:00Z"),
            ("2024-04-01T00:00:00Z", "2024-07-01T00:00:00Z"),
        ]

    def test_contract_start_clamps_short_months(self) -> None:
        got = self.period_spans(
            starting_at="2024-01-31T06:00:00Z",
            usage_statement_schedule={"frequency": "MONTHLY", "day": "CONTRACT_START"},
        )
        assert [b for _, b in got[:3]] == [
            "2024-02-29T06:00:00Z",
            "2024-03-31T06:00:00Z",
            "2024-04-30T06:00:00Z",
        ]

    def test_custom_anchor_from_the_sdk(self) -> None:
        """ "starts on 2024-09-15 ... anchor 2024-09-10 ... the first usage statement will cover
        09-15 to 10-10"."""
        got = self.period_spans(
            starting_at="2024-09-15T00:00:00Z",
            usage_statement_schedule={
                "frequency": "MONTHLY",
                "day": "CUSTOM_DATE",
                "billing_anchor_date": "2024-09-10T00:00:00Z",
            },
        )
        assert got[0] == ("2024-09-15T00:00:00Z", "2024-10-10T00:00:00Z")

    def test_ending_before_truncates_the_last(self) -> None:
        got = self.period_spans(
            starting_at="2024-01-01T00:00:00Z", ending_before="2024-02-10T00:00:00Z"
        )
        assert got == [
            ("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"),
            ("2024-02-01T00:00:00Z", "2024-02-10T00:00:00Z"),
        ]

    def test_only_begun_periods_have_invoices(self) -> None:
        s = Setup("2024-02-01T00:00:00Z")
        s.product()
        s.contract()
        assert [i["start_timestamp"] for i in s.invoices()] == [
            "2024-01-01T00:00:00Z",
            "2024-02-01T00:00:00Z",
        ]


class TestR3RatesInForce:
    """The latest starting_at wins (ties: last added); boundaries split lines; unentitled: none."""

    def test_latest_start_wins_and_splits_the_period(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1), flat(p, 2, "2024-01-10T00:00:00Z"))
        s.contract()
        s.use(("2024-01-05T00:00:00Z", 3), ("2024-01-15T00:00:00Z", 4))
        (invoice,) = s.invoices()
        assert [
            (x["starting_at"], x["ending_before"], x["total"]) for x in invoice["line_items"]
        ] == [
            ("2024-01-01T00:00:00Z", "2024-01-10T00:00:00Z", 3),
            ("2024-01-10T00:00:00Z", "2024-02-01T00:00:00Z", 8),
        ]

    def test_tie_goes_to_the_last_added(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1), flat(p, 7))
        s.contract()
        s.use(("2024-01-05T00:00:00Z", 1))
        assert s.invoices()[0]["total"] == 7

    def test_a_bounded_rate_gives_back_to_the_earlier(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(
            s.card,
            flat(p, 1),
            flat(p, 5, "2024-01-10T00:00:00Z", ending_before="2024-01-11T00:00:00Z"),
        )
        s.contract()
        s.use(("2024-01-10T05:00:00Z", 1), ("2024-01-12T00:00:00Z", 1))
        lines = s.invoices()[0]["line_items"]
        assert [(x["ending_before"], x["total"]) for x in lines] == [
            ("2024-01-10T00:00:00Z", 0),
            ("2024-01-11T00:00:00Z", 5),
            ("2024-02-01T00:00:00Z", 1),
        ]

    def test_unentitled_or_no_rate_is_unbilled(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, {**flat(p, 1, "2024-01-05T00:00:00Z"), "entitled": False})
        s.contract()
        s.use(("2024-01-02T00:00:00Z", 1), ("2024-01-06T00:00:00Z", 1))
        assert s.invoices()[0]["line_items"] == []


class TestR4Quantity:
    """The metric over the segment inside the contract, converted, then rounded."""

    def test_outside_the_contract_is_not_billed(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1))
        s.contract("2024-01-10T00:00:00Z")
        s.use(("2024-01-09T23:59:59Z", 100), ("2024-01-10T00:00:00Z", 2))
        assert s.invoices()[0]["line_items"][0]["quantity"] == 2

    @pytest.mark.parametrize(
        ("operation", "method", "expected"),
        [
            ("DIVIDE", "ROUND_UP", 0.34),
            ("DIVIDE", "ROUND_DOWN", 0.33),
            ("divide", "ROUND_HALF_UP", 0.33),
            ("MULTIPLY", "ROUND_UP", 3),
        ],
    )
    def test_conversion_then_rounding(self, operation: str, method: str, expected: float) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product(
            quantity_conversion={"conversion_factor": 3, "operation": operation},
            quantity_rounding={"decimal_places": 2, "rounding_method": method},
        )
        s.w.add_rates(s.card, flat(p, 1))
        s.contract()
        s.use(("2024-01-02T00:00:00Z", 1))
        assert s.invoices()[0]["line_items"][0]["quantity"] == expected

    def test_metrics_count_only_events_after_they_were_made(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        s.use(("2024-01-02T00:00:00Z", 5))  # before the product's metric... is made below
        late_metric = s.w.metric(
            name="late",
            aggregation_type="SUM",
            aggregation_key="n",
            property_filters=[{"name": "n", "exists": True}],
        )
        p = s.w.product(name="Late", type="USAGE", billable_metric_id=late_metric)
        s.w.add_rates(s.card, flat(p, 1))
        s.contract()
        s.use(("2024-01-03T00:00:00Z", 2))
        assert s.invoices()[0]["line_items"][0]["quantity"] == 2


class TestR5Flat:
    """FLAT: quantity x price, exact."""

    def test_fractional_cents_are_exact(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 0.1))
        s.contract()
        s.use(("2024-01-02T00:00:00Z", 1), ("2024-01-03T00:00:00Z", 2))
        (invoice,) = s.w.rater().invoices(s.customer)
        assert invoice.total == Decimal("0.3")  # not 0.30000000000000004
        assert invoice.lines[0].unit_price == Decimal("0.1")


class TestR6Tiered:
    """Graduated tiers, restarting each period; zero usage shows tier 1."""

    TIERS: ClassVar[list[dict[str, Any]]] = [
        {"price": 10, "size": 100},
        {"price": 5, "size": 400},
        {"price": 2},
    ]

    def test_graduated_and_restarting(self) -> None:
        s = Setup("2024-02-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, tiered(p, self.TIERS))
        s.contract()
        s.use(("2024-01-02T00:00:00Z", 100), ("2024-02-02T00:00:00Z", 501))
        january, february = s.invoices()
        assert [(x["tier"]["level"], x["quantity"]) for x in january["line_items"]] == [(1, 100)]
        assert [(x["tier"]["level"], x["quantity"]) for x in february["line_items"]] == [
            (1, 100),
            (2, 400),
            (3, 1),
        ]
        assert february["total"] == 1000 + 2000 + 2
        assert february["line_items"][2]["tier"] == {"level": 3, "starting_at": "500"}

    def test_no_usage_is_one_line_at_tier_one(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, tiered(p, self.TIERS))
        s.contract()
        (line,) = s.invoices()[0]["line_items"]
        assert (line["quantity"], line["tier"]["level"], line["total"]) == (0, 1, 0)


class TestR7PricingGroups:
    """A line per rated group value; values without a rate are unbilled."""

    def test_lines_per_group_value(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product(pricing_group_key=["region"])
        s.w.add_rates(
            s.card,
            flat(p, 2, pricing_group_values={"region": "us"}),
            flat(p, 3, pricing_group_values={"region": "eu"}),
        )
        s.contract()
        s.use(("2024-01-02T00:00:00Z", 1), region="us")
        s.use(("2024-01-02T00:00:00Z", 10), region="eu")
        s.use(("2024-01-02T00:00:00Z", 100), region="ap")
        lines = s.invoices()[0]["line_items"]
        assert [(x["pricing_group_values"], x["total"]) for x in lines] == [
            ({"region": "eu"}, 30),
            ({"region": "us"}, 2),
        ]

    def test_group_values_must_name_the_key(self) -> None:
        s = Setup()
        p = s.product(pricing_group_key=["region"])
        with pytest.raises(BadRequest, match="pricing_group_values must have exactly"):
            s.w.add_rates(s.card, flat(p, 2))

    def test_pricing_group_key_must_be_on_the_metric(self) -> None:
        s = Setup()
        with pytest.raises(BadRequest, match="pricing_group_key must be one compound group key"):
            s.product(pricing_group_key=["zone"])


class TestR8Totals:
    """Card order, exact totals, zero lines kept unless skipped."""

    def test_product_order_is_the_cards(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        a, b = s.product("A"), s.product("B")
        s.w.add_rates(s.card, flat(b, 1), flat(a, 1))
        s.contract()
        assert [x["name"] for x in s.invoices()[0]["line_items"]] == ["B", "A"]

    def test_skip_zero_quantity_lines(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        a, b = s.product("A"), s.product("B", pricing_group_key=["region"])
        s.w.add_rates(s.card, flat(a, 1), flat(b, 1, pricing_group_values={"region": "eu"}))
        s.contract()
        s.use(("2024-01-02T00:00:00Z", 4))
        assert len(s.invoices()[0]["line_items"]) == 2
        skipped = s.invoices(skip_zero_qty_line_items=True)[0]["line_items"]
        assert [(x["name"], x["quantity"]) for x in skipped] == [("A", 4)]


class TestR9Finalization:
    """DRAFT until end + grace, then frozen: late events and later rates do not change it."""

    def make(self) -> Setup:
        s = Setup("2024-01-02T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1))
        s.contract()
        s.use(("2024-01-02T00:00:00Z", 1))
        return s

    def test_finalized_exactly_at_end_plus_grace(self) -> None:
        s = self.make()
        s.w.clock("2024-02-01T23:59:59Z")
        assert s.invoices()[0]["status"] == "DRAFT"
        s.w.clock("2024-02-02T00:00:00Z")
        assert s.invoices()[0]["status"] == "FINALIZED"
        s.w.grace = 0
        s.w.clock("2024-02-01T00:00:00Z")
        assert s.invoices()[0]["status"] == "FINALIZED"

    def test_events_in_the_grace_count_and_later_ones_do_not(self) -> None:
        s = self.make()
        s.w.clock("2024-02-01T23:00:00Z")
        s.use(("2024-01-31T00:00:00Z", 10))  # in the grace: counts
        s.w.clock("2024-02-02T00:00:01Z")
        s.use(("2024-01-31T00:00:00Z", 100))  # after the freeze: not in the invoice
        invoice = s.invoices()[0]
        assert (invoice["status"], invoice["total"]) == ("FINALIZED", 11)
        s.w.clock("2024-03-15T00:00:00Z")
        assert s.invoices()[0]["total"] == 11
        (window,) = s.w.rater().breakdowns(
            s.customer, at("2024-01-31T00:00:00Z"), at("2024-02-01T00:00:00Z")
        )
        assert window.total == 110  # breakdowns are live

    def test_a_rate_added_after_the_freeze_is_not_used(self) -> None:
        s = self.make()
        s.w.clock("2024-02-10T00:00:00Z")
        (p,) = s.w.catalog.products
        s.w.add_rates(s.card, flat(p, 50, "2024-01-15T00:00:00Z"))
        invoices = s.invoices()
        assert invoices[0]["total"] == 1  # January: finalized before the rate was added
        assert invoices[1]["status"] == "DRAFT"

    def test_a_backdated_contract_freezes_at_its_creation(self) -> None:
        s = Setup("2024-03-10T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1))
        s.use(("2024-01-05T00:00:00Z", 3))  # processed 03-10, after January's end + grace
        s.contract()
        jan = s.invoices()[0]
        assert (jan["status"], jan["total"]) == ("FINALIZED", 3)

    def test_archive_cancels_drafts_and_voids_finalized(self) -> None:
        s = self.make()
        s.w.clock("2024-02-15T00:00:00Z")
        (contract_id,) = s.w.catalog.contracts
        s.w.catalog.archive_contract(contract_id, s.customer, True, s.w.now)
        assert [i["status"] for i in s.invoices()] == ["VOID"]


class TestR10BreakdownsAndCosts:
    """Windows clipped to the period, before the clock, tiers placed by earlier usage."""

    def test_hour_windows_and_tier_placement(self) -> None:
        s = Setup("2024-01-01T03:30:00Z")
        p = s.product()
        s.w.add_rates(s.card, tiered(p, [{"price": 10, "size": 5}, {"price": 1}]))
        s.contract()
        s.use(("2024-01-01T00:10:00Z", 4), ("2024-01-01T01:10:00Z", 3))
        items = s.w.rater().breakdowns(
            s.customer, at("2024-01-01T00:00:00Z"), at("2024-01-02T00:00:00Z"), "hour"
        )
        assert [format_rfc3339(i.window[0]) for i in items if i.window] == [
            "2024-01-01T00:00:00Z",
            "2024-01-01T01:00:00Z",
            "2024-01-01T02:00:00Z",
            "2024-01-01T03:00:00Z",
        ]  # none at or after the clock
        assert [[(x.tier[0] if x.tier else None, x.quantity) for x in i.lines] for i in items] == [
            [(1, 4)],
            [(1, 1), (2, 2)],
            [(2, 0)],
            [(2, 0)],
        ]
        skipped = s.w.rater().breakdowns(
            s.customer,
            at("2024-01-01T00:00:00Z"),
            at("2024-01-02T00:00:00Z"),
            "HOUR",
            skip_zero_qty_line_items=True,
        )
        assert len(skipped) == 2

    def test_iterating_from_an_offset_gives_the_same_items(self) -> None:
        s = Setup("2024-01-03T05:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1))
        s.contract()
        s.use(("2024-01-01T01:00:00Z", 1), ("2024-01-02T03:00:00Z", 2))
        rater = s.w.rater()
        bounds = (at("2024-01-01T00:00:00Z"), at("2024-01-04T00:00:00Z"))
        for skip_zero in (False, True):
            every = rater.breakdowns(
                s.customer, *bounds, "hour", skip_zero_qty_line_items=skip_zero
            )
            for k in (0, 1, 5):
                rest = rater.iter_breakdowns(
                    s.customer, *bounds, "hour", skip_zero_qty_line_items=skip_zero, skip=k
                )
                assert list(rest) == every[k:]
        assert len(rater.breakdowns(s.customer, *bounds, "hour")) == 53  # before the clock

    def test_windows_are_clipped_to_the_period(self) -> None:
        s = Setup("2024-02-05T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1))
        s.contract(
            "2024-01-10T06:00:00Z",
            usage_statement_schedule={"frequency": "MONTHLY", "day": "CONTRACT_START"},
        )
        items = s.w.rater().breakdowns(
            s.customer, at("2024-02-10T00:00:00Z"), at("2024-02-11T00:00:00Z")
        )
        assert items == []  # beyond the clock
        s.w.clock("2024-02-12T00:00:00Z")
        items = s.w.rater().breakdowns(
            s.customer, at("2024-02-10T00:00:00Z"), at("2024-02-11T00:00:00Z")
        )
        assert [
            (format_rfc3339(i.window[0]), format_rfc3339(i.window[1])) for i in items if i.window
        ] == [
            ("2024-02-10T00:00:00Z", "2024-02-10T06:00:00Z"),
            ("2024-02-10T06:00:00Z", "2024-02-11T00:00:00Z"),
        ]

    def test_costs_need_midnights_and_are_empty_without_lines(self) -> None:
        s = Setup("2024-01-03T00:00:00Z")
        with pytest.raises(BadRequest, match="starting_on must be a UTC midnight"):
            s.w.rater().costs(s.customer, at("2024-01-01T01:00:00Z"), at("2024-01-02T00:00:00Z"))
        days = s.w.rater().costs(s.customer, at("2024-01-01T00:00:00Z"), at("2024-01-02T00:00:00Z"))
        assert days == [
            {
                "start_timestamp": "2024-01-01T00:00:00Z",
                "end_timestamp": "2024-01-02T00:00:00Z",
                "credit_types": {},
            }
        ]

    def test_cost_entries_name_group_values(self) -> None:
        s = Setup("2024-01-03T00:00:00Z")
        p = s.product(pricing_group_key=["region"])
        s.w.add_rates(s.card, flat(p, 2, pricing_group_values={"region": "us"}))
        s.contract()
        s.use(("2024-01-01T05:00:00Z", 3))
        (day,) = s.w.rater().costs(
            s.customer, at("2024-01-01T00:00:00Z"), at("2024-01-02T00:00:00Z")
        )
        usd = day["credit_types"]["2714e483-4ff1-48e4-9e25-ac732e8f24f2"]
        assert usd["line_item_breakdown"] == [
            {"name": "Units", "cost": 6, "group_key": "region", "group_value": "us"}
        ]


class TestPreview:
    """previewEvents recomputes the current draft without storing anything."""

    def test_replace_counts_only_the_previewed(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1))
        s.contract()
        s.use(("2024-01-02T00:00:00Z", 5))
        event = ("x1", "use", at("2024-01-19T00:00:00Z"), {"n": 2, "region": "us"})
        replace = Usage(s.w.store).with_preview(s.customer, [event], True, s.w.now)
        merge = Usage(s.w.store).with_preview(s.customer, [event], False, s.w.now)
        assert s.w.rater(replace).preview(s.customer)[0].total == 2
        assert s.w.rater(merge).preview(s.customer)[0].total == 7
        assert s.invoices()[0]["total"] == 5

    def test_merge_skips_stored_ids_and_refuses_repeats(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1))
        s.contract()
        s.use(("2024-01-02T00:00:00Z", 5))  # transaction id t1
        stored = ("t1", "use", at("2024-01-19T00:00:00Z"), {"n": 2, "region": "us"})
        merge = Usage(s.w.store).with_preview(s.customer, [stored], False, s.w.now)
        assert s.w.rater(merge).preview(s.customer)[0].total == 5
        with pytest.raises(BadRequest, match=r"events\[1\]\.transaction_id"):
            Usage(s.w.store).with_preview(s.customer, [stored, stored], False, s.w.now)


class TestRefusals:
    """What step A does not rate is a 400 saying so."""

    def test_other_rate_types(self) -> None:
        s = Setup()
        p = s.product()
        with pytest.raises(
            BadRequest, match=r"^rate_type PERCENTAGE is not supported by the emulator$"
        ):
            s.w.add_rates(s.card, {**flat(p, 1), "rate_type": "percentage"})

    def test_other_credit_types(self) -> None:
        s = Setup()
        p = s.product()
        with pytest.raises(BadRequest, match="not supported by the emulator"):
            s.w.add_rates(s.card, flat(p, 1, credit_type_id="00000000-0000-4000-8000-000000000000"))

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("overrides", [{"starting_at": START}]),
            ("commits", [{}]),
            ("scheduled_charges", [{}]),
            ("transition", {"type": "RENEWAL"}),
        ],
    )
    def test_contract_features(self, field: str, value: Any) -> None:
        s = Setup()
        with pytest.raises(
            BadRequest, match=f"^contract {field} is not supported by the emulator$"
        ):
            s.contract(**{field: value})

    def test_weekly_statements(self) -> None:
        s = Setup()
        with pytest.raises(BadRequest, match="frequency WEEKLY is not supported"):
            s.contract(usage_statement_schedule={"frequency": "WEEKLY"})

    def test_overlapping_contracts(self) -> None:
        s = Setup()
        s.contract(ending_before="2024-03-01T00:00:00Z")
        with pytest.raises(BadRequest, match="overlapping"):
            s.contract("2024-02-01T00:00:00Z")
        s.contract("2024-03-01T00:00:00Z")  # adjacent is fine

    def test_presentation_group_key(self) -> None:
        s = Setup()
        with pytest.raises(
            BadRequest, match=r"^presentation_group_key is not supported by the emulator$"
        ):
            s.product(presentation_group_key=["region"])

    def test_rates_on_other_product_types(self) -> None:
        s = Setup()
        fixed = s.w.product(name="Fixed", type="FIXED")
        with pytest.raises(BadRequest, match="a rate on a FIXED product is not supported"):
            s.w.add_rates(s.card, flat(fixed, 1))


class TestRecords:
    """Validation that names the field, ids, aliases, layering."""

    def test_add_rates_is_all_or_nothing(self) -> None:
        s = Setup()
        p = s.product()
        with pytest.raises(BadRequest, match=r"rates\[1\]\.product_id"):
            s.w.add_rates(s.card, flat(p, 1), flat("00000000-0000-4000-8000-000000000999", 1))
        assert s.w.catalog.card_rates(s.card) == []

    def test_tiers_need_sizes_but_the_last(self) -> None:
        s = Setup()
        p = s.product()
        with pytest.raises(BadRequest, match=r"tiers\[0\]\.size is required"):
            s.w.add_rates(s.card, tiered(p, [{"price": 1}, {"price": 2}]))

    def test_usage_products_need_a_metric(self) -> None:
        s = Setup()
        with pytest.raises(BadRequest, match="billable_metric_id is required for a USAGE product"):
            s.w.product(name="X", type="USAGE")

    def test_alias_most_recently_assigned_wins(self) -> None:
        s = Setup()
        s.w.rate_card(name="Old", aliases=[{"name": "std"}])
        new = s.w.rate_card(
            name="New", aliases=[{"name": "std", "starting_at": "2024-01-01T00:00:00Z"}]
        )
        contract_id = s.w.contract(customer_id=s.customer, rate_card_alias="std", starting_at=START)
        assert s.w.catalog.contracts[contract_id].rate_card_id == new

    def test_uniqueness_key_reused(self) -> None:
        s = Setup()
        s.contract(uniqueness_key="k", ending_before="2024-02-01T00:00:00Z")
        with pytest.raises(Conflict):
            s.contract("2024-03-01T00:00:00Z", uniqueness_key="k")

    def test_unknown_ids(self) -> None:
        s = Setup()
        with pytest.raises(NotFound):
            s.w.catalog.product("00000000-0000-4000-8000-000000000999")
        with pytest.raises(BadRequest, match=r"rate_card_id .* is not a known rate card"):
            s.w.contract(
                customer_id=s.customer,
                rate_card_id="00000000-0000-4000-8000-000000000999",
                starting_at=START,
            )

    def test_invoice_ids_are_stable(self) -> None:
        s = Setup("2024-02-20T00:00:00Z")
        s.product()
        s.contract()
        first = [i["id"] for i in s.invoices()]
        assert first == [i["id"] for i in s.invoices()]
        assert len(set(first)) == 2
        rater = s.w.rater()
        assert rater.invoice(s.customer, first[1]) is not None
        assert rater.invoice("00000000-0000-4000-8000-000000000999", first[1]) is None

    def test_a_layer_costs_what_it_writes(self) -> None:
        s = Setup("2024-01-20T00:00:00Z")
        p = s.product()
        s.w.add_rates(s.card, flat(p, 1))
        base = s.w.catalog
        layer = Catalog(base)
        assert list(layer.products) == [p]
        assert layer.products.top == {}
        assert layer.rates.top == {}
        layer.add_rates(s.card, base.card_rates(s.card)[:0], s.w.now, many=True)
        layer.archive_product(p, s.w.now)
        assert base.products[p].archived_at is None
        assert layer.products[p].archived_at == s.w.now
        assert set(layer.products.top) == {p}
