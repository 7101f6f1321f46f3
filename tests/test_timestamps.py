"""RFC 3339 in (strict, offsets required), UTC `Z` out."""

from __future__ import annotations

import pytest

from emulator.timestamps import format_rfc3339, parse_rfc3339


class TestParse:
    """Timestamps need an offset; fractions are allowed; calendars are checked."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1970-01-01T00:00:00Z", 0),
            ("2021-01-03T00:00:00.000Z", 1609632000_000000),
            ("2021-01-01T02:00:00+02:00", 1609459200_000000),
            ("2020-12-31T19:00:00-05:00", 1609459200_000000),
            ("1970-01-01T00:00:00.1234567Z", 123456),
            ("1970-01-01t00:00:01z", 1_000000),
        ],
    )
    def test_accepted(self, text: str, expected: int) -> None:
        assert parse_rfc3339(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "2021-01-01T00:00:00",
            "2021-01-01",
            "2021-01-01 00:00:00Z",
            "20210101T000000Z",
            "2021-02-30T00:00:00Z",
            "2021-01-01T24:00:00Z",
            "2021-01-01T00:00:60Z",
            "2021-01-01T00:00:00+24:00",
            "0001-01-01T00:00:00+01:00",
            "21-01-01T00:00:00Z",
            "",
        ],
    )
    def test_rejected(self, text: str) -> None:
        with pytest.raises(ValueError, match=r".*"):
            parse_rfc3339(text)


class TestFormat:
    """UTC with Z, whole seconds unless there is a fraction."""

    @pytest.mark.parametrize(
        ("micros", "text"),
        [
            (0, "1970-01-01T00:00:00Z"),
            (1609459200_250000, "2021-01-01T00:00:00.25Z"),
            (1609459200_000001, "2021-01-01T00:00:00.000001Z"),
            (parse_rfc3339("0999-01-01T00:00:00Z"), "0999-01-01T00:00:00Z"),
        ],
    )
    def test_format(self, micros: int, text: str) -> None:
        assert format_rfc3339(micros) == text
