"""How event property values are read: their string form and their numeric value.

Filters, UNIQUE and group values compare string forms; SUM, MAX and LATEST read numbers.
"""

from __future__ import annotations

import math
import re
import sys

import orjson

__all__ = [
    "FLOAT_MAX",
    "NO_GROUP",
    "GroupKey",
    "GroupValue",
    "add_saturating",
    "as_float",
    "as_number",
    "group_value",
    "string_form",
]

# The largest finite double: what a sum or a value past the float range answers (its sign kept).
FLOAT_MAX = sys.float_info.max

# A group key: one property name, or a compound key's names in the metric's order. Its values:
# the string form of the property, or a tuple of them.
GroupKey = str | tuple[str, ...]
GroupValue = str | tuple[str, ...]
# The group value the store keeps events under when they lack (any of) the key's properties: no
# real value is an empty tuple. `/v1/usage` leaves them out of `groups`; `/v1/usage/groups` shows
# them as the row with a null group.
NO_GROUP: tuple[()] = ()

# A decimal number written as a string, such as "648", "-1.5" or "2e3".
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def string_form(value: object) -> str:
    """The string a property value compares as.

    Strings as they are; `true`/`false`; integral numbers without a fraction (`7` for 7.0); other
    numbers in their shortest round-trip form. Objects and arrays (which Metronome's docs do not
    cover) compare as compact JSON with sorted keys.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def as_number(value: object) -> int | float | None:
    """The numeric value of a property, or None when it is not numeric.

    JSON numbers and strings that parse as decimal numbers count; booleans do not. Integral
    values come back as `int` so that sums of them stay exact.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        try:
            number = float(value)
            if number != number or number in (float("inf"), float("-inf")):
                return None
            if "." not in value and "e" not in value and "E" not in value:
                return int(value)
        except ValueError:  # more digits than int() accepts: not a usable number
            return None
        return int(number) if number.is_integer() else number
    return None


def as_float(value: int | float) -> float:
    """A number as a finite float: past the float range (an integer of 310 digits, a sum of two
    1e308), the largest finite double with the number's sign. JSON has no infinity, and the SDKs'
    `value: float` could not read one."""
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return FLOAT_MAX if value > 0 else -FLOAT_MAX
    return number if math.isfinite(number) else math.copysign(FLOAT_MAX, number)


def add_saturating(a: int | float, b: int | float) -> int | float:
    """`a + b`, exact for integers; with a float, saturated at +-FLOAT_MAX instead of overflowing
    (an int too large for a float raises in `int + float`; a float sum past the range is inf)."""
    try:
        total = a + b
    except OverflowError:
        total = as_float(a) + as_float(b)
    if isinstance(total, float) and not math.isfinite(total):
        return as_float(total)
    return total


def group_value(properties: dict[str, object], key: GroupKey) -> GroupValue | None:
    """An event's value for a group key; None when it lacks any of the key's properties (it then
    counts in the metric's value and in the null group only)."""
    if isinstance(key, str):
        raw = properties.get(key)
        return None if raw is None else string_form(raw)
    values = [properties.get(name) for name in key]
    if any(value is None for value in values):
        return None
    return tuple(string_form(value) for value in values)
