"""String forms and numeric readings of property values, as docs/CONTRACT.md defines them."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.metering.values import as_number, string_form


class TestStringForm:
    """Filters, UNIQUE and group values compare these strings."""

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            ("us-east", "us-east"),
            ("", ""),
            (True, "true"),
            (False, "false"),
            (7, "7"),
            (7.0, "7"),
            (-0.0, "0"),
            (7.5, "7.5"),
            (0.1, "0.1"),
            (1e20, "100000000000000000000"),
            (10**30, "1000000000000000000000000000000"),
            ({"b": 1, "a": [1, 2]}, '{"a":[1,2],"b":1}'),
        ],
    )
    def test_forms(self, value: Any, text: str) -> None:
        assert string_form(value) == text


class TestAsNumber:
    """SUM, MAX and LATEST read JSON numbers and decimal strings; nothing else."""

    @pytest.mark.parametrize(
        ("value", "number"),
        [
            (5, 5),
            (5.0, 5),
            (2.5, 2.5),
            ("648", 648),
            ("-3", -3),
            ("+4", 4),
            ("2.50", 2.5),
            ("7.0", 7),
            ("1e3", 1000),
            (".5", 0.5),
        ],
    )
    def test_numeric(self, value: Any, number: float) -> None:
        result = as_number(value)
        assert result == number
        assert type(result) is type(number)  # integral values stay ints, so sums stay exact

    @pytest.mark.parametrize(
        "value",
        [True, False, None, "", "abc", "1,000", " 5", "0x10", "nan", "inf", "1e999", [1], {}],
    )
    def test_not_numeric(self, value: Any) -> None:
        assert as_number(value) is None
