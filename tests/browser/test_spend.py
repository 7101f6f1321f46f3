"""The explorer's Spend panel in headless chromium: every number it shows (contracts, invoices and
their lines, the daily spend) is the API's own answer, fetched here separately."""

from __future__ import annotations

import json
import urllib.parse
from decimal import Decimal
from typing import Any

import pytest

from emulator.testing import EmulatorHandle
from tests.browser.conftest import HOW, open_explorer

pytest.importorskip("playwright.sync_api", reason=HOW)
from playwright.sync_api import Page, expect

DAYS = ("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z")  # the seeded default's events


def get_pages(tenant: EmulatorHandle, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of a GET that pages with `next_page` (urllib, not the browser)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = dict(params, **({"next_page": cursor} if cursor else {}))
        page = tenant.request("GET", f"{path}?{urllib.parse.urlencode(query)}")
        items += page["data"]
        cursor = page["next_page"]
        if cursor is None:
            return items


def contracts(tenant: EmulatorHandle, customer_id: str) -> list[dict[str, Any]]:
    return list(tenant.request("POST", "/v2/contracts/list", {"customer_id": customer_id})["data"])


def invoices(tenant: EmulatorHandle, customer_id: str, skip_zero: bool) -> list[dict[str, Any]]:
    params = {"sort": "date_desc", "skip_zero_qty_line_items": str(skip_zero).lower()}
    return get_pages(tenant, f"/v1/customers/{customer_id}/invoices", params)


def breakdowns(tenant: EmulatorHandle, customer_id: str) -> list[dict[str, Any]]:
    params = {"starting_on": DAYS[0], "ending_before": DAYS[1], "window_size": "day"}
    return get_pages(tenant, f"/v1/customers/{customer_id}/invoices/breakdowns", params)


def decimal_text(value: Decimal) -> str:
    """As the page writes an exact sum: no exponent, no trailing zeros."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def daily_totals(items: list[dict[str, Any]]) -> dict[str, tuple[int, str]]:
    """Day -> (breakdowns, exact sum of their totals)."""
    sums: dict[str, list[Decimal]] = {}
    for item in items:
        # The decimal the JSON number was written as (floats by their shortest repr).
        total = item["total"]
        exact = Decimal(total) if isinstance(total, int) else Decimal(repr(total))
        sums.setdefault(item["breakdown_start_timestamp"][:10], []).append(exact)
    return {day: (len(v), decimal_text(sum(v, Decimal(0)))) for day, v in sorted(sums.items())}


def shown(page: Page) -> dict[str, Any]:
    """Everything the Spend panel shows, read back from the page."""
    return dict(
        page.evaluate(
            """() => {
        const text = (node, field) => node.querySelector(`[data-field=${field}]`).textContent;
        return {
          contracts: [...document.querySelectorAll('#spend-contracts tbody tr[data-id]')].map(r => ({
            id: r.dataset.id, rate_card: text(r, 'rate_card'), starting_at: text(r, 'starting_at'),
            ending_before: text(r, 'ending_before'), schedule: text(r, 'schedule'),
            anchor: r.querySelector('[data-field=anchor]')?.textContent ?? null,
          })),
          invoices: [...document.querySelectorAll('#spend-invoices tr.invoice')].map(r => ({
            id: r.dataset.id, contract_id: r.dataset.contract,
            start: r.querySelector('td.period').dataset.start,
            end: r.querySelector('td.period').dataset.end,
            status: text(r, 'status'),
            total: r.querySelector(':scope > td[data-field=total]').textContent,
            lines: [...r.querySelectorAll('tr.line')].map(l => ({
              product_id: l.dataset.product, quantity: text(l, 'quantity'),
              unit_price: text(l, 'unit_price'), total: text(l, 'total'),
            })),
          })),
          days: [...document.querySelectorAll('#spend-days tbody tr[data-day]')].map(r => [
            r.dataset.day, Number(text(r, 'count')), text(r, 'total')]),
          bars: [...document.querySelectorAll('#spend-chart rect.bar')].map(b => [
            b.dataset.day, b.dataset.total]),
        };
      }"""
        )
    )


def same_number(text: str, value: Any) -> None:
    """What the page wrote is the API's JSON number, type included."""
    read = json.loads(text)
    assert read == value
    assert type(read) is type(value)


def assert_shows_the_api(
    page: Page, tenant: EmulatorHandle, customer_id: str, skip_zero: bool = True
) -> dict[str, Any]:
    """The panel holds exactly the API's contracts, invoices (in its order, every line) and
    daily breakdown totals; returns what it shows."""
    seen = shown(page)
    listed = contracts(tenant, customer_id)
    assert [c["id"] for c in seen["contracts"]] == [c["id"] for c in listed]
    for row, contract in zip(seen["contracts"], listed, strict=True):
        card = tenant.request(
            "POST", "/v1/contract-pricing/rate-cards/get", {"id": contract["rate_card_id"]}
        )["data"]
        assert row["rate_card"] == card["name"]
        assert row["starting_at"] == contract["starting_at"]
        assert row["ending_before"] == (contract.get("ending_before") or "open-ended")
        schedule = contract["usage_statement_schedule"]
        assert row["schedule"] == schedule["frequency"]
        assert row["anchor"] == schedule.get("billing_anchor_date")
    answered = invoices(tenant, customer_id, skip_zero)
    assert [i["id"] for i in seen["invoices"]] == [i["id"] for i in answered]
    for row, invoice in zip(seen["invoices"], answered, strict=True):
        assert row["contract_id"] == invoice["contract_id"]
        assert (row["start"], row["end"]) == (invoice["start_timestamp"], invoice["end_timestamp"])
        assert row["status"] == invoice["status"]
        same_number(row["total"], invoice["total"])
        assert len(row["lines"]) == len(invoice["line_items"])
        for drawn, line in zip(row["lines"], invoice["line_items"], strict=True):
            assert drawn["product_id"] == line["product_id"]
            for field in ("quantity", "unit_price", "total"):
                same_number(drawn[field], line[field])
    expected = daily_totals(breakdowns(tenant, customer_id))
    assert seen["days"] == [[day, n, total] for day, (n, total) in expected.items()]
    assert seen["bars"] == [[day, total] for day, (_, total) in expected.items()]
    return seen


def show(page: Page, draws: int) -> None:
    """Click Show and wait for that drawing (the panel counts them)."""
    page.locator("#spend-show").click()
    expect(page.locator("#spend")).to_have_attribute("data-draws", str(draws))


def first_customers(tenant: EmulatorHandle) -> list[dict[str, Any]]:
    return list(tenant.request("GET", "/v1/customers")["data"])


class TestSpend:
    """Contracts, invoices and the daily spend on the page are the API's."""

    def test_seeded_customer_out_of_the_box(self, page: Page, tenant: EmulatorHandle) -> None:
        open_explorer(page, tenant)
        expect(page.locator("#spend")).to_have_attribute("data-draws", "1")
        first = first_customers(tenant)[0]
        expect(page.locator("#spend-customer")).to_have_value(first["id"])
        seen = assert_shows_the_api(page, tenant, first["id"])
        assert len(seen["contracts"]) == 1
        assert len(seen["invoices"]) == 24  # a two-year contract, every period begun
        assert {i["status"] for i in seen["invoices"]} == {"FINALIZED"}  # the wall clock
        january = next(i for i in seen["invoices"] if i["start"] == "2024-01-01T00:00:00Z")
        assert json.loads(january["total"]) > 0
        assert len(seen["days"]) == 7
        assert all(json.loads(total) > 0 for _, _, total in seen["days"])

    def test_a_draft_on_a_pinned_clock(self, page: Page, tenant: EmulatorHandle) -> None:
        tenant.set_clock("2024-01-05T12:00:00Z")
        open_explorer(page, tenant)
        expect(page.locator("#spend")).to_have_attribute("data-draws", "1")
        first = first_customers(tenant)[0]
        seen = assert_shows_the_api(page, tenant, first["id"])
        assert seen["invoices"][0]["status"] == "DRAFT"
        assert seen["invoices"][0]["start"] == "2024-01-01T00:00:00Z"
        assert [day for day, _, _ in seen["days"]][-1] == "2024-01-05"  # windows begun by then

    def test_other_customers_and_zero_lines(self, page: Page, tenant: EmulatorHandle) -> None:
        open_explorer(page, tenant)
        expect(page.locator("#spend")).to_have_attribute("data-draws", "1")
        listed = [c["id"] for c in first_customers(tenant)]
        schedules = {
            c: [k["usage_statement_schedule"]["frequency"] for k in contracts(tenant, c)]
            for c in listed
        }
        quarterly = next(c for c in listed if schedules[c] == ["QUARTERLY"])
        page.locator("#spend-customer").select_option(quarterly)
        page.locator("#spend-zero").uncheck()
        show(page, 2)
        seen = assert_shows_the_api(page, tenant, quarterly, skip_zero=False)
        assert seen["contracts"][0]["schedule"] == "QUARTERLY"
        assert any(json.loads(line["total"]) == 0 for line in seen["invoices"][-1]["lines"])
        without = next(c for c in listed if not schedules[c])  # the seed's last customer
        page.locator("#spend-customer").select_option(without)
        show(page, 3)
        assert_shows_the_api(page, tenant, without, skip_zero=False)
        expect(page.locator("#spend-contracts tbody")).to_have_text("no contract")
        expect(page.locator("#spend-invoices tbody")).to_have_text("no invoice")

    def test_keyboard(self, page: Page, tenant: EmulatorHandle) -> None:
        """The form works from the keyboard, and an invoice's lines open with Enter."""
        open_explorer(page, tenant)
        expect(page.locator("#spend")).to_have_attribute("data-draws", "1")
        page.locator("#spend-customer").focus()
        page.keyboard.press("ArrowDown")
        page.locator("#spend-zero").focus()
        page.keyboard.press("Tab")
        expect(page.locator("#spend-show")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#spend")).to_have_attribute("data-draws", "2")
        assert_shows_the_api(page, tenant, page.locator("#spend-customer").input_value())
        summary = page.locator("#spend-invoices summary").first
        summary.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#spend-invoices details").first).to_have_attribute("open", "")
        expect(page.locator("#spend-invoices tr.line").first).to_be_visible()

    def test_read_after_the_first_render(self, page: Page, tenant: EmulatorHandle) -> None:
        """The panel's requests leave after the page marks its first render."""
        open_explorer(page, tenant)
        expect(page.locator("#spend")).to_have_attribute("data-draws", "1")
        first_render, spend_starts = page.evaluate(
            """() => [performance.getEntriesByName('explorer-first-render')[0].startTime,
                performance.getEntriesByType('resource')
                  .filter(r => /invoices|contracts/.test(r.name)).map(r => r.startTime)]"""
        )
        assert len(spend_starts) >= 3
        assert min(spend_starts) >= first_render
