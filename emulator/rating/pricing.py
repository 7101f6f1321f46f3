"""R4 to R6: a metric's value made a quantity, and a quantity priced.

Everything is `Decimal`, never rounded (R8): numbers of the records are read as the decimals they
were written as (`decimal_of`), and the default decimal context (28 significant digits) is the
only limit, reached only by a DIVIDE conversion that does not terminate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from emulator.rating.records import ProductRecord, RateRecord, Tier, decimal_of

__all__ = ["TierLine", "flat_price", "quantity", "tier_lines"]

# ROUND_UP and ROUND_DOWN go toward +inf and -inf (the same as away from and toward zero for
# the non-negative quantities usage has; a choice for negative sums).
_ROUNDING = {"ROUND_UP": ROUND_CEILING, "ROUND_DOWN": ROUND_FLOOR, "ROUND_HALF_UP": ROUND_HALF_UP}


def quantity(value: Any, product: ProductRecord) -> Decimal:
    """R4: the metric's value (None when no event: 0), converted, then rounded."""
    if value is None:
        amount = Decimal(0)
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        amount = decimal_of(float(value))
    conversion = product.quantity_conversion
    if conversion is not None:
        factor = decimal_of(conversion.conversion_factor)
        amount = amount * factor if conversion.operation == "MULTIPLY" else amount / factor
    rounding = product.quantity_rounding
    if rounding is not None:
        exponent = Decimal(1).scaleb(-rounding.decimal_places)
        amount = amount.quantize(exponent, rounding=_ROUNDING[rounding.rounding_method])
    return amount


@dataclass(frozen=True, slots=True)
class TierLine:
    level: int  # 1-based
    starting_at: Decimal
    size: Decimal | None
    quantity: Decimal
    price: Decimal


def tier_lines(tiers: list[Tier], prior: Decimal, amount: Decimal) -> list[TierLine]:
    """R6, graduated: the part of [prior, prior + amount) in each tier it reaches. With nothing
    in the range (amount <= 0), one line for the tier where the count stands, with `amount`."""
    found: list[TierLine] = []
    lo, hi = prior, prior + amount
    start = Decimal(0)
    standing: TierLine | None = None
    for level, tier in enumerate(tiers, 1):
        size = None if tier.size is None else decimal_of(tier.size)
        end = None if size is None else start + size
        price = decimal_of(tier.price)
        inside = min(hi, end) - max(lo, start) if end is not None else hi - max(lo, start)
        if inside > 0:
            found.append(TierLine(level, start, size, inside, price))
        if standing is None and (end is None or lo < end):
            standing = TierLine(level, start, size, amount, price)
        if end is None:
            break
        start = end
    if amount <= 0 or not found:
        assert standing is not None
        return [standing]
    return found


def flat_price(rate: RateRecord) -> Decimal:
    assert rate.price is not None
    return decimal_of(rate.price)
