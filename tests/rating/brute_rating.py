"""An independent brute-force reading of RATING.md's rules R2..R10, to check `emulator.rating`.

It prices a fixture document (customers, billable metrics, events with processing times,
products, rate cards with rates, contracts, the clock and the grace) from the raw data alone: no
import of `emulator`, no rollups. It walks every hour of a period to find the rate in force and
scans every event for every quantity; tiers are counted with a clamp formula rather than
intervals. Slow and plain on purpose. Document events count as ingested through the API at their
`processed_at`, in that order (ties: document order).
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from tests.brute import text_of, when

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
CREDIT_TYPE = {"id": USD, "name": "USD (cents)"}
ROUNDING = {"ROUND_UP": ROUND_CEILING, "ROUND_DOWN": ROUND_FLOOR, "ROUND_HALF_UP": ROUND_HALF_UP}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dec(number: Any) -> Decimal:
    return Decimal(str(number))


def out(value: Decimal) -> Any:
    return int(value) if value == int(value) else float(value)


def plus_months(base: datetime, months: int) -> datetime:
    year, month0 = divmod(base.year * 12 + base.month - 1 + months, 12)
    day = min(base.day, calendar.monthrange(year, month0 + 1)[1])
    return base.replace(year=year, month=month0 + 1, day=day)


class Brute:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.clock = when(doc["clock"])
        self.grace = timedelta(seconds=doc.get("grace_seconds", 86400))
        self.metrics = {m["id"]: m for m in doc["billable_metrics"]}
        self.products = {p["id"]: p for p in doc["products"]}
        self.cards = {c["id"]: c for c in doc["rate_cards"]}
        self.customers = {c["id"]: c for c in doc["customers"]}
        # Ingest order: by processing time, then document order; duplicates dropped (34 days).
        # (An event's optional `batch` comes first: a base's events are ingested before a layer's.)
        order = sorted(
            enumerate(doc["events"]),
            key=lambda p: (p[1].get("batch", 0), when(p[1]["processed_at"]), p[0]),
        )
        first_seen: dict[str, datetime] = {}
        self.events: list[dict[str, Any]] = []
        for _, event in order:
            processed = when(event["processed_at"])
            seen = first_seen.get(event["transaction_id"])
            if seen is not None and processed - seen < timedelta(days=34):
                continue
            first_seen[event["transaction_id"]] = processed
            self.events.append({**event, "_ts": when(event["timestamp"]), "_p": processed})

    # --- periods and invoices -------------------------------------------------------------------

    def periods(self, contract: dict[str, Any]) -> list[tuple[datetime, datetime]]:
        schedule = contract["usage_statement_schedule"]
        step = 3 if schedule["frequency"] == "QUARTERLY" else 1
        start = when(contract["starting_at"])
        end = when(contract["ending_before"]) if contract["ending_before"] else None
        if schedule["day"] == "FIRST_OF_MONTH":
            base = datetime(2020, 1, 1, tzinfo=UTC)  # a calendar quarter starts here
        elif schedule["day"] == "CONTRACT_START":
            base = start
        else:
            base = when(schedule["billing_anchor_date"])
        anchors = sorted(a for k in range(-400, 400) if (a := plus_months(base, k * step)) > start)
        found = []
        cur = start
        for anchor in anchors:
            if cur > self.clock:
                break
            if end is not None and anchor >= end:
                found.append((cur, end))
                break
            found.append((cur, anchor))
            cur = anchor
        return found

    def bills(self, customer_id: str) -> list[dict[str, Any]]:
        bills = []
        for contract in self.doc["contracts"]:
            if contract["customer_id"] != customer_id:
                continue
            archived = when(contract["archived_at"]) if contract["archived_at"] else None
            for start, end in self.periods(contract):
                final_at = end + self.grace
                if archived is not None:
                    if archived < final_at:
                        continue
                    status = "VOID" if contract["void_invoices"] else "FINALIZED"
                else:
                    status = "FINALIZED" if self.clock >= final_at else "DRAFT"
                freeze = None
                if status != "DRAFT":
                    freeze = max(final_at, when(contract["created_at"]))
                bills.append(
                    {
                        "contract": contract,
                        "start": start,
                        "end": end,
                        "status": status,
                        "freeze": freeze,
                    }
                )
        bills.sort(key=lambda b: (b["end"], b["start"]))
        return bills

    def invoices(self, customer_id: str) -> list[dict[str, Any]]:
        return [self.invoice(b, b["freeze"], None) for b in self.bills(customer_id)]

    def invoice(
        self, bill: dict[str, Any], as_of: datetime | None, window: tuple[datetime, datetime] | None
    ) -> dict[str, Any]:
        lines = self.lines(bill, as_of, window)
        subtotal = sum((line["_total"] for line in lines), Decimal(0))
        for line in lines:
            del line["_total"]
        invoice = {
            "customer_id": bill["contract"]["customer_id"],
            "contract_id": bill["contract"]["id"],
            "type": "USAGE",
            "status": bill["status"],
            "start_timestamp": iso(bill["start"]),
            "end_timestamp": iso(bill["end"]),
            "issued_at": iso(bill["end"]),
            "credit_type": dict(CREDIT_TYPE),
            "line_items": lines,
            "subtotal": out(subtotal),
            "total": out(subtotal),
        }
        if window is not None:
            invoice["breakdown_start_timestamp"] = iso(window[0])
            invoice["breakdown_end_timestamp"] = iso(window[1])
        return invoice

    # --- rates in force, hour by hour -----------------------------------------------------------

    def runs(
        self, rates: list[dict[str, Any]], start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime, dict[str, Any]]]:
        """Maximal runs of hours with the same rate in force (entitled ones)."""
        runs: list[list[Any]] = []
        hour = start
        while hour < end:
            best = None
            for index, rate in enumerate(rates):
                lo = when(rate["starting_at"])
                hi = when(rate["ending_before"]) if rate.get("ending_before") else None
                covers = lo <= hour and (hi is None or hour < hi)
                if covers and (
                    best is None or (lo, index) >= (when(best[1]["starting_at"]), best[0])
                ):
                    best = (index, rate)
            if runs and best is not None and runs[-1][2] == best[0]:
                runs[-1][1] = hour + HOUR
            elif best is not None:
                runs.append([hour, hour + HOUR, best[0], best[1]])
            else:
                runs.append([hour, hour + HOUR, None, None])
            hour += HOUR
        return [(lo, hi, rate) for lo, hi, _, rate in runs if rate is not None and rate["entitled"]]

    def lines(
        self, bill: dict[str, Any], as_of: datetime | None, window: tuple[datetime, datetime] | None
    ) -> list[dict[str, Any]]:
        contract = bill["contract"]
        rates = [
            r
            for r in self.cards[contract["rate_card_id"]]["rates"]
            if as_of is None or r.get("added_at") is None or when(r["added_at"]) <= as_of
        ]
        product_order: list[str] = []
        for rate in rates:
            if rate["product_id"] not in product_order:
                product_order.append(rate["product_id"])
        lines = []
        for product_id in product_order:
            product = self.products[product_id]
            mine = [r for r in rates if r["product_id"] == product_id]
            groups = sorted(
                {tuple(sorted((r.get("pricing_group_values") or {}).items())) for r in mine}
            )
            for group in groups:
                same = [
                    r
                    for r in mine
                    if tuple(sorted((r.get("pricing_group_values") or {}).items())) == group
                ]
                for seg_lo, seg_hi, rate in self.runs(same, bill["start"], bill["end"]):
                    lo, hi = seg_lo, seg_hi
                    if window is not None:
                        lo, hi = max(lo, window[0]), min(hi, window[1])
                        if lo >= hi:
                            continue
                    args = (contract["customer_id"], product, dict(group), as_of)
                    amount = self.quantity(*args, lo, hi)
                    base = {
                        "type": "usage",
                        "name": product["name"],
                        "product_id": product_id,
                        "product_type": "UsageProductListItem",
                        "credit_type": dict(CREDIT_TYPE),
                        "starting_at": iso(seg_lo),
                        "ending_before": iso(seg_hi),
                    }
                    if group:
                        base["pricing_group_values"] = dict(group)
                    if rate["rate_type"] == "FLAT":
                        price = dec(rate["price"])
                        lines.append(self.line(base, amount, price, None))
                        continue
                    prior = self.quantity(*args, seg_lo, lo) if lo > seg_lo else Decimal(0)
                    for tier_info, part, price in self.tiers(rate["tiers"], prior, amount):
                        lines.append(self.line(base, part, price, tier_info))
        return lines

    @staticmethod
    def line(base: dict[str, Any], amount: Decimal, price: Decimal, tier: Any) -> dict[str, Any]:
        line = {
            **base,
            "quantity": out(amount),
            "unit_price": out(price),
            "total": out(amount * price),
        }
        line["_total"] = amount * price
        if tier is not None:
            line["tier"] = tier
        # the wire's key order does not matter: dicts compare by content
        return line

    @staticmethod
    def tiers(
        tiers: list[dict[str, Any]], prior: Decimal, amount: Decimal
    ) -> list[tuple[dict[str, Any], Decimal, Decimal]]:
        def clamp(x: Decimal, size: Decimal | None) -> Decimal:
            x = max(x, Decimal(0))
            return x if size is None else min(x, size)

        found, standing = [], None
        start = Decimal(0)
        for level, tier in enumerate(tiers, 1):
            size = dec(tier["size"]) if tier.get("size") is not None else None
            info = {"level": level, "starting_at": text(start)}
            if size is not None:
                info["size"] = text(size)
            part = clamp(prior + amount - start, size) - clamp(prior - start, size)
            if part > 0:
                found.append((info, part, dec(tier["price"])))
            if standing is None and (size is None or prior < start + size):
                standing = (info, amount, dec(tier["price"]))
            if size is None:
                break
            start += size
        if amount <= 0 or not found:
            assert standing is not None
            return [standing]
        return found

    # --- quantities: a scan of every event ------------------------------------------------------

    def quantity(
        self,
        customer_id: str,
        product: dict[str, Any],
        group: dict[str, str],
        as_of: datetime | None,
        lo: datetime,
        hi: datetime,
    ) -> Decimal:
        metric = self.metrics[product["billable_metric_id"]]
        senders = {customer_id, *self.customers[customer_id].get("ingest_aliases", [])}
        values: list[tuple[datetime, int, Decimal, str]] = []
        for order, event in enumerate(self.events):
            if event["customer_id"] not in senders or not lo <= event["_ts"] < hi:
                continue
            if as_of is not None and event["_p"] > as_of:
                continue
            props = event["properties"]
            if any(props.get(k) is None or text_of(props[k]) != v for k, v in group.items()):
                continue
            value = contribution(metric, event)
            if value is not None:
                values.append(
                    (
                        event["_ts"],
                        order,
                        value,
                        text_of(props[metric["aggregation_key"]])
                        if metric.get("aggregation_key")
                        else "",
                    )
                )
        kind = metric["aggregation_type"]
        if kind == "COUNT":
            amount = Decimal(len(values))
        elif not values:
            amount = Decimal(0)
        elif kind == "SUM":
            amount = sum((v[2] for v in values), Decimal(0))
        elif kind == "MAX":
            amount = max(v[2] for v in values)
        elif kind == "UNIQUE":
            amount = Decimal(len({v[3] for v in values}))
        elif kind == "LATEST":  # the greatest timestamp; ties: the one ingested last
            amount = max(values, key=lambda v: (v[0], v[1]))[2]
        else:
            raise NotImplementedError(kind)
        conversion = product.get("quantity_conversion")
        if conversion:
            factor = dec(conversion["conversion_factor"])
            amount = amount * factor if conversion["operation"] == "MULTIPLY" else amount / factor
        rounding = product.get("quantity_rounding")
        if rounding:
            exponent = Decimal(1).scaleb(-rounding["decimal_places"])
            amount = amount.quantize(exponent, rounding=ROUNDING[rounding["rounding_method"]])
        return amount

    # --- breakdowns and costs -------------------------------------------------------------------

    def windows(self, bill: dict[str, Any], size: timedelta) -> list[tuple[datetime, datetime]]:
        found = []
        lo = bill["start"]
        while lo < bill["end"]:
            floor = datetime(lo.year, lo.month, lo.day, tzinfo=UTC)
            if size == HOUR:
                floor += timedelta(hours=lo.hour)
            hi = min(floor + size, bill["end"])
            found.append((lo, hi))
            lo = hi
        return found

    def breakdowns(
        self, customer_id: str, starting_on: datetime, ending_before: datetime, size: timedelta
    ) -> list[dict[str, Any]]:
        items = []
        for bill in self.bills(customer_id):
            for window in self.windows(bill, size):
                if (
                    window[0] >= starting_on
                    and window[1] <= ending_before
                    and window[0] < self.clock
                ):
                    items.append(self.invoice(bill, None, window))
        return items

    def costs(self, customer_id: str, starting_on: datetime, ending_before: datetime) -> list[Any]:
        days = []
        day = starting_on
        bills = [b for b in self.bills(customer_id) if b["status"] != "VOID"]
        while day < ending_before:
            entries, cost = [], Decimal(0)
            for bill in bills:
                lo, hi = max(day, bill["start"]), min(day + DAY, bill["end"])
                if lo < hi and lo < self.clock:
                    for line in self.lines(bill, None, (lo, hi)):
                        cost += line["_total"]
                        entry = {"name": line["name"], "cost": line["total"]}
                        group = line.get("pricing_group_values")
                        if group:
                            keys = self.products[line["product_id"]]["pricing_group_key"]
                            entry["group_key"] = ",".join(keys)
                            entry["group_value"] = ",".join(group[k] for k in keys)
                        entries.append(entry)
            credit_types = {}
            if entries:
                credit_types[USD] = {
                    "name": "USD (cents)",
                    "cost": out(cost),
                    "line_item_breakdown": entries,
                }
            days.append(
                {
                    "start_timestamp": iso(day),
                    "end_timestamp": iso(day + DAY),
                    "credit_types": credit_types,
                }
            )
            day += DAY
        return days


def text(value: Decimal) -> str:
    return str(int(value)) if value == int(value) else format(value.normalize(), "f")


def contribution(metric: dict[str, Any], event: dict[str, Any]) -> Decimal | None:
    """None when the event does not count for the metric; else its value (1 for COUNT)."""
    etf = metric.get("event_type_filter") or {}
    if etf.get("in_values") is not None and event["event_type"] not in etf["in_values"]:
        return None
    if event["event_type"] in (etf.get("not_in_values") or []):
        return None
    props = event["properties"]
    for f in metric.get("property_filters") or []:
        present = props.get(f["name"]) is not None
        if f.get("exists") is True and not present:
            return None
        if f.get("exists") is False and present:
            return None
        if f.get("in_values") is not None and (
            not present or text_of(props[f["name"]]) not in f["in_values"]
        ):
            return None
    if metric["aggregation_type"] == "COUNT":
        return Decimal(1)
    raw = props.get(metric["aggregation_key"])
    if metric["aggregation_type"] == "UNIQUE":
        return None if raw is None else Decimal(0)  # its string form is what counts
    if raw is None or isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    return dec(raw)
