"""R7 to R10: usage invoices, breakdowns and costs, computed on every read, never stored.

`Rater` holds what one read needs (the store, the catalog, the tenant's clock and grace) and
answers typed `Invoice`s whose `to_wire()` gives the SDK's `Invoice` shape.

- An invoice exists for each period of a contract that has begun by the clock (R2). It is
  `FINALIZED` once the clock reaches end + grace, else `DRAFT` (R9). An archived contract's
  drafts are gone; its finalized ones (final before the archive) are `VOID` when the archive
  asked for it.
- A finalized invoice is computed as of `freeze_at = max(end + grace, contract created_at)`: the
  rates added by then, the events processed by then (`Usage.value(..., as_of)`). Whatever the
  clock or the order of reads after that, it gives the same answer.
- Lines (R7, R8): for each product of the card (the order of its first rate), each set of pricing
  group values (sorted), each segment (R3, time order), one FLAT line or one line per tier reached
  (R6). Totals are exact `Decimal`s.
- Breakdowns (R10) are always live (every event, every rate): one item per invoice and UTC day or
  hour window clipped to its period; a tier line places the window by the segment's usage before it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from emulator.rating.catalog import Catalog
from emulator.rating.periods import Period, periods
from emulator.rating.pricing import flat_price, quantity, tier_lines
from emulator.rating.rates import GroupValues, Segment, rate_groups, segments
from emulator.rating.records import CREDIT_TYPE, USD_CENTS_ID, ContractRecord, ProductRecord
from emulator.rating.usage import Usage
from emulator.wire.errors import BadRequest
from emulator.wire.timestamps import US_PER_DAY, US_PER_HOUR, US_PER_SECOND, format_rfc3339

__all__ = [
    "DEFAULT_GRACE",
    "Invoice",
    "Line",
    "Rater",
    "decimal_json",
    "invoice_id",
]

DEFAULT_GRACE = 86400 * US_PER_SECOND
_INVOICE_NAMESPACE = uuid.UUID("5b1f3c57-2d0e-4f7e-9a35-6f1f8f0c3e21")


def decimal_json(value: Decimal) -> int | float:
    """An exact decimal as a JSON number: integral ones as integers."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _decimal_text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def invoice_id(contract_id: str, start: int) -> str:
    """Stable: uuid5 of the contract id and the period start."""
    return str(uuid.uuid5(_INVOICE_NAMESPACE, f"{contract_id}/{format_rfc3339(start)}"))


@dataclass(frozen=True, slots=True)
class Line:
    product: ProductRecord
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    starting_at: int
    ending_before: int
    pricing_group_values: dict[str, str] | None = None
    tier: tuple[int, Decimal, Decimal | None] | None = None  # (level, starting_at, size)

    def to_wire(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "type": "usage",
            "name": self.product.name,
            "product_id": self.product.id,
            "product_type": "UsageProductListItem",
            "credit_type": dict(CREDIT_TYPE),
            "quantity": decimal_json(self.quantity),
            "unit_price": decimal_json(self.unit_price),
            "total": decimal_json(self.total),
            "starting_at": format_rfc3339(self.starting_at),
            "ending_before": format_rfc3339(self.ending_before),
        }
        if self.pricing_group_values is not None:
            line["pricing_group_values"] = dict(self.pricing_group_values)
        if self.tier is not None:
            level, start, size = self.tier
            tier: dict[str, Any] = {"level": level, "starting_at": _decimal_text(start)}
            if size is not None:
                tier["size"] = _decimal_text(size)
            line["tier"] = tier
        return line


@dataclass(frozen=True, slots=True)
class Invoice:
    id: str
    customer_id: str
    contract_id: str
    status: str
    start: int
    end: int
    lines: list[Line]
    window: tuple[int, int] | None = None  # a breakdown's window
    subtotal: Decimal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "subtotal", sum((line.total for line in self.lines), Decimal(0)))

    @property
    def total(self) -> Decimal:
        return self.subtotal  # step A has no applied lines

    def without_zero_lines(self) -> Invoice:
        return replace(self, lines=[line for line in self.lines if line.quantity != 0])

    def to_wire(self) -> dict[str, Any]:
        invoice: dict[str, Any] = {
            "id": self.id,
            "customer_id": self.customer_id,
            "contract_id": self.contract_id,
            "type": "USAGE",
            "status": self.status,
            "start_timestamp": format_rfc3339(self.start),
            "end_timestamp": format_rfc3339(self.end),
            "issued_at": format_rfc3339(self.end),
            "credit_type": dict(CREDIT_TYPE),
            "line_items": [line.to_wire() for line in self.lines],
            "subtotal": decimal_json(self.subtotal),
            "total": decimal_json(self.total),
        }
        if self.window is not None:
            invoice["breakdown_start_timestamp"] = format_rfc3339(self.window[0])
            invoice["breakdown_end_timestamp"] = format_rfc3339(self.window[1])
        return invoice


@dataclass(frozen=True, slots=True)
class _Bill:
    """One period of one contract: the invoice's identity and how it is computed."""

    contract: ContractRecord
    period: Period
    status: str
    as_of: int | None  # freeze_at for a finalized invoice; None: live


class Rater:
    def __init__(
        self,
        catalog: Catalog,
        usage: Usage,
        now: int,
        grace: int = DEFAULT_GRACE,
    ) -> None:
        self.catalog, self.usage, self.now, self.grace = catalog, usage, now, grace

    # --- which invoices exist -------------------------------------------------------------------

    def _bills(self, contract: ContractRecord) -> Iterator[_Bill]:
        archived = contract.archived_at
        for start, end in periods(contract, self.now):
            final_at = end + self.grace
            if archived is not None:
                if archived < final_at:
                    continue  # a draft when the contract was archived: canceled
                status = "VOID" if contract.void_invoices else "FINALIZED"
            else:
                status = "FINALIZED" if self.now >= final_at else "DRAFT"
            as_of = max(final_at, contract.created_at) if status != "DRAFT" else None
            yield _Bill(contract, (start, end), status, as_of)

    def _all_bills(self, customer_id: str) -> list[_Bill]:
        return [
            bill
            for contract in self.catalog.customer_contracts(customer_id)
            for bill in self._bills(contract)
        ]

    # --- lines ----------------------------------------------------------------------------------

    def _lines(
        self, bill: _Bill, window: tuple[int, int] | None = None, live: bool = False
    ) -> list[Line]:
        """The bill's lines over its period, or over `window` (within it) for a breakdown."""
        contract = bill.contract
        as_of = None if live else bill.as_of
        rates = self.catalog.card_rates(contract.rate_card_id, as_of)
        p_start, p_end = bill.period
        lines: list[Line] = []
        for product_id, by_values in rate_groups(rates).items():
            product = self.catalog.products[product_id]
            for values in sorted(by_values):
                for segment in segments(by_values[values], p_start, p_end):
                    lines.extend(
                        self._segment_lines(
                            contract.customer_id, product, values, segment, window, as_of
                        )
                    )
        return lines

    def _segment_lines(
        self,
        customer_id: str,
        product: ProductRecord,
        values: GroupValues,
        segment: Segment,
        window: tuple[int, int] | None,
        as_of: int | None,
    ) -> list[Line]:
        lo, hi = segment.start, segment.end
        prior_end = lo
        if window is not None:
            if window[1] <= lo or hi <= window[0]:
                return []
            prior_end, lo, hi = max(lo, window[0]), max(lo, window[0]), min(hi, window[1])

        def amount(a: int, b: int) -> Decimal:
            if a >= b:
                return Decimal(0)
            return quantity(self.usage.value(customer_id, product, values, a, b, as_of), product)

        rate = segment.rate
        pgv = dict(values) if values else None
        count = amount(lo, hi)
        common = (segment.start, segment.end, pgv)
        if rate.rate_type == "FLAT":
            price = flat_price(rate)
            return [Line(product, count, price, count * price, *common)]
        assert rate.tiers is not None
        prior = amount(segment.start, prior_end)
        return [
            Line(
                product,
                tier.quantity,
                tier.price,
                tier.quantity * tier.price,
                *common,
                (tier.level, tier.starting_at, tier.size),
            )
            for tier in tier_lines(rate.tiers, prior, count)
        ]

    def _invoice(self, bill: _Bill, window: tuple[int, int] | None = None) -> Invoice:
        """The bill's invoice; with a window, the breakdown item of that window (always live)."""
        contract = bill.contract
        start, end = bill.period
        lines = self._lines(bill) if window is None else self._lines(bill, window, live=True)
        return Invoice(
            invoice_id(contract.id, start),
            contract.customer_id,
            contract.id,
            bill.status,
            start,
            end,
            lines,
            window,
        )

    # --- endpoints ------------------------------------------------------------------------------

    def invoices(
        self,
        customer_id: str,
        status: str | None = None,
        contract_id: str | None = None,
        credit_type_id: str | None = None,
        starting_on: int | None = None,
        ending_before: int | None = None,
        sort: str = "date_asc",
        skip_zero_qty_line_items: bool = False,
    ) -> list[Invoice]:
        """`GET /v1/customers/{id}/invoices`: the filters as R6 of RATING.md reads them."""
        if credit_type_id is not None and credit_type_id.lower() != USD_CENTS_ID:
            return []
        found = []
        for bill in self._select(customer_id, status, contract_id, starting_on, ending_before):
            invoice = self._invoice(bill)
            found.append(invoice.without_zero_lines() if skip_zero_qty_line_items else invoice)
        return _sorted(found, sort)

    def _select(
        self,
        customer_id: str,
        status: str | None,
        contract_id: str | None,
        starting_on: int | None,
        ending_before: int | None,
    ) -> list[_Bill]:
        status = None if status is None else status.upper()
        return [
            bill
            for bill in self._all_bills(customer_id)
            if (status is None or bill.status == status)
            and (contract_id is None or bill.contract.id == contract_id)
            and (starting_on is None or bill.period[0] >= starting_on)
            and (ending_before is None or bill.period[1] <= ending_before)
        ]

    def invoice(self, customer_id: str, invoice_id_: str) -> Invoice | None:
        """One invoice by id; None when the customer has no such invoice (a 404)."""
        for bill in self._all_bills(customer_id):
            if invoice_id(bill.contract.id, bill.period[0]) == invoice_id_:
                return self._invoice(bill)
        return None

    def breakdowns(
        self,
        customer_id: str,
        starting_on: int,
        ending_before: int,
        window_size: str = "day",
        status: str | None = None,
        credit_type_id: str | None = None,
        sort: str = "date_asc",
        skip_zero_qty_line_items: bool = False,
    ) -> list[Invoice]:
        """`.../invoices/breakdowns`: per invoice (sorted as the list) its windows in order."""
        return list(
            self.iter_breakdowns(
                customer_id,
                starting_on,
                ending_before,
                window_size,
                status,
                credit_type_id,
                sort,
                skip_zero_qty_line_items,
            )
        )

    def iter_breakdowns(
        self,
        customer_id: str,
        starting_on: int,
        ending_before: int,
        window_size: str = "day",
        status: str | None = None,
        credit_type_id: str | None = None,
        sort: str = "date_asc",
        skip_zero_qty_line_items: bool = False,
        skip: int = 0,
    ) -> Iterator[Invoice]:
        """The items one at a time, from the `skip`-th on: a handler takes a page (35 day or 24
        hour items) and stops; a skipped window's lines are never computed (with
        `skip_zero_qty_line_items` they are, since whether a window counts depends on them)."""
        size = {"day": US_PER_DAY, "hour": US_PER_HOUR}.get(window_size.lower())
        if size is None:
            raise BadRequest("window_size must be one of hour, day")
        if sort.lower() not in ("date_asc", "date_desc"):
            raise BadRequest("sort must be one of date_asc, date_desc")
        if credit_type_id is not None and credit_type_id.lower() != USD_CENTS_ID:
            return
        bills = self._select(customer_id, status, None, None, None)
        bills.sort(key=lambda b: (b.period[1], b.period[0]), reverse=sort.lower() == "date_desc")
        for bill in bills:
            for window in _windows(bill.period, size):
                if window[0] < starting_on or window[1] > ending_before or window[0] >= self.now:
                    continue
                if skip and not skip_zero_qty_line_items:
                    skip -= 1
                    continue
                item = self._invoice(bill, window)
                if skip_zero_qty_line_items:
                    item = item.without_zero_lines()
                    if not item.lines:
                        continue
                    if skip:
                        skip -= 1
                        continue
                yield item

    def costs(self, customer_id: str, starting_on: int, ending_before: int) -> list[dict[str, Any]]:
        """`GET /v1/customers/{id}/costs`: per UTC day, the day's breakdown lines of every
        invoice but void ones (before credits); `credit_types` is `{}` on a day without lines."""
        for name, value in (("starting_on", starting_on), ("ending_before", ending_before)):
            if value % US_PER_DAY:
                raise BadRequest(f"{name} must be a UTC midnight")
        if ending_before <= starting_on:
            raise BadRequest("ending_before must be after starting_on")
        bills = [b for b in self._all_bills(customer_id) if b.status != "VOID"]
        days: list[dict[str, Any]] = []
        for day in range(starting_on, ending_before, US_PER_DAY):
            lines: list[Line] = []
            for bill in bills:
                lo, hi = max(day, bill.period[0]), min(day + US_PER_DAY, bill.period[1])
                if lo < hi and lo < self.now:
                    lines.extend(self._lines(bill, (lo, hi), live=True))
            credit_types: dict[str, Any] = {}
            if lines:
                credit_types[USD_CENTS_ID] = {
                    "name": CREDIT_TYPE["name"],
                    "cost": decimal_json(sum((line.total for line in lines), Decimal(0))),
                    "line_item_breakdown": [_cost_entry(line) for line in lines],
                }
            days.append(
                {
                    "start_timestamp": format_rfc3339(day),
                    "end_timestamp": format_rfc3339(day + US_PER_DAY),
                    "credit_types": credit_types,
                }
            )
        return days

    def preview(self, customer_id: str, skip_zero_qty_line_items: bool = False) -> list[Invoice]:
        """`previewEvents` (with `self.usage` made by `Usage.with_preview`): each active
        contract's current draft, recomputed live."""
        found = []
        for contract in self.catalog.customer_contracts(customer_id):
            if contract.archived_at is not None:
                continue
            for bill in self._bills(contract):
                start, end = bill.period
                if start <= self.now < end:
                    invoice = self._invoice(replace(bill, status="DRAFT", as_of=None))
                    if skip_zero_qty_line_items:
                        invoice = invoice.without_zero_lines()
                    found.append(invoice)
        return found


def _cost_entry(line: Line) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": line.product.name, "cost": decimal_json(line.total)}
    values = line.pricing_group_values
    if values:
        keys = line.product.pricing_group_key or sorted(values)
        entry["group_key"] = ",".join(keys)
        entry["group_value"] = ",".join(values[key] for key in keys)
    return entry


def _windows(period: Period, size: int) -> Iterator[tuple[int, int]]:
    """UTC days or hours, clipped to the period."""
    start, end = period
    lo = start
    while lo < end:
        hi = min((lo // size + 1) * size, end)
        yield lo, hi
        lo = hi


def _sorted(invoices: list[Invoice], sort: str) -> list[Invoice]:
    """By `issued_at` (= end), then start, ascending (`date_asc`) or not."""
    order = sort.lower()
    if order not in ("date_asc", "date_desc"):
        raise BadRequest("sort must be one of date_asc, date_desc")
    return sorted(invoices, key=lambda i: (i.end, i.start), reverse=order == "date_desc")
