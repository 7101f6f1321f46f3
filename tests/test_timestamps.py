"""RFC 3339 in (strict, offsets required), UTC `Z` out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from emulator.wire import models
from emulator.wire.models import UsageQuery
from emulator.wire.timestamps import format_rfc3339, parse_rfc3339, parse_rfc3339_all


def rfc3339_texts() -> st.SearchStrategy[str]:
    """Texts near and in RFC 3339: the usual form, every part of it a little off, other forms."""
    day = st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.sampled_from([0, 1, 1970, 2021, 2024, 2025, 9999]),
        st.integers(0, 13),
        st.integers(0, 32),
    )
    clock = st.builds(
        "{:02d}:{:02d}:{:02d}".format, st.integers(0, 25), st.integers(0, 61), st.integers(0, 61)
    )
    fraction = st.sampled_from(["", "."]) | st.builds(
        lambda digits: "." + digits, st.text("0123456789", min_size=1, max_size=9)
    )
    end = st.sampled_from(["Z", "z", "+00:00", "-05:30", "+24:00", "", "ZZ", " Z"])
    separator = st.sampled_from(["T", "T", "T", "t", " "])
    stamp = st.builds(lambda *parts: "".join(parts), day, separator, clock, fraction, end)
    usual = st.builds(
        "2025-06-01T{:02d}:{:02d}:{:02d}{}Z".format,
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 59),
        st.sampled_from(["", ".5", ".25", ".123", ".000001", ".1234567"]),
    )
    odd = st.sampled_from(
        ["", "2021-01-01", "2021-01-01T00:00:00", "\u0662\u0660\u0662\u0661-01-01T00:00:00Z",
         "2021-01-01T00:00:0\u0665Z", "2021-01-01T00:00:00.\u0665Z", "2021-01-01T00:00:00.Z"]
    )  # fmt: skip
    return usual | stamp | odd


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
            "2021-01-01T00:00:00+00:60",
            "2021-01-01T00:00:00.Z",
            "2021-01-01T24:00:00+00:00",
            "\u0662\u0660\u0662\u0661-01-01T00:00:00Z",  # Arabic-Indic digits
            "\u0662\u0660\u0662\u0661-01-01T00:00:00+00:00",
            "\uff12\uff10\uff12\uff11-01-01T00:00:00Z",  # fullwidth digits
            "2021-01-01T00:00:00.\u0665Z",
            "0001-01-01T00:00:00+01:00",
            "21-01-01T00:00:00Z",
            "",
        ],
    )
    def test_rejected(self, text: str) -> None:
        with pytest.raises(ValueError, match=r".*"):
            parse_rfc3339(text)

    @given(
        moment=st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
        digits=st.integers(0, 9),
        offset=st.none() | st.integers(-(24 * 60 - 1), 24 * 60 - 1),
        lower=st.booleans(),
    )
    def test_agrees_with_datetime_arithmetic(
        self, moment: datetime, digits: int, offset: int | None, lower: bool
    ) -> None:
        """Every form (`Z` or `z`, `T` or `t`, any offset, 0 to 9 fraction digits) against the
        epoch microseconds that datetime arithmetic gives for the same wall time and offset."""
        fraction = f"{moment.microsecond:06d}{'987'}"[:digits]
        if offset is None:
            suffix, zone = "Z", UTC
        else:
            sign = "-" if offset < 0 else "+"
            suffix = f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
            zone = timezone(timedelta(minutes=offset))
        # Not strftime: glibc's %Y drops the leading zeros of years before 1000.
        stamp = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}"
        text = f"{stamp}{'.' + fraction if digits else ''}{suffix}"
        if lower:
            text = text.replace("T", "t").replace("Z", "z")
        kept = int(fraction.ljust(6, "0")[:6])
        expected = moment.replace(microsecond=kept, tzinfo=zone) - datetime(1970, 1, 1, tzinfo=UTC)
        assert parse_rfc3339(text) == expected // timedelta(microseconds=1)


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


class TestParseAll:
    """parse_rfc3339_all reads what parse_rfc3339 reads, one text after another."""

    @settings(max_examples=400, deadline=None)
    @given(st.lists(rfc3339_texts(), max_size=12))
    def test_same_as_one_by_one(self, texts: list[str]) -> None:
        for n in range(len(texts)):  # every prefix: the memo of hours must not change an answer
            expected: list[int] | None = []
            try:
                expected = [parse_rfc3339(text) for text in texts[: n + 1]]
            except ValueError:
                expected = None
            if expected is None:
                with pytest.raises(ValueError, match=r".*"):
                    parse_rfc3339_all(texts[: n + 1])
            else:
                assert parse_rfc3339_all(texts[: n + 1]) == expected

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.text(":0123456789.Zz+-\u0665", max_size=14), min_size=1, max_size=8))
    def test_one_hour_many_endings(self, endings: list[str]) -> None:
        """After a valid text of an hour, others of that hour with any ending at all."""
        texts = ["2021-01-01T05:00:00Z"] + ["2021-01-01T05" + ending for ending in endings]
        try:
            expected = [parse_rfc3339(text) for text in texts]
        except ValueError:
            with pytest.raises(ValueError, match=r".*"):
                parse_rfc3339_all(texts)
        else:
            assert parse_rfc3339_all(texts) == expected

    @pytest.mark.parametrize(
        "texts",
        [
            ["2021-01-01T05:00:00Z", "2021-01-01T05:59:59.999Z", "2021-01-01T05:60:00Z"],
            ["2021-01-01T05:00:00Z", "2021-01-01T05:00X00Z"],
            ["2021-01-01T05:00:00Z", "2021-01-01T05X00:00Z"],
            ["2021-01-01T05:00:00Z", "2021-01-01T05:00:60Z"],
            ["2021-01-01T05:00:00Z", "2021-01-01T05:00:00.Z"],
            ["2021-01-01T05:00:00Z", "2021-01-01T05:00:00.1234Z"],
            ["2021-02-28T23:00:00Z", "2021-02-29T23:00:00Z"],
            ["2021-01-01T24:00:00Z"],
            ["2021-01-01T05:00:00.5Z", "2021-01-01T05:00:00.123456789Z", "2021-01-01t05:00:00Z"],
            ["0000-01-01T00:00:00Z"],
            ["9999-12-31T23:59:59.999Z", "9999-12-31T23:00:00.1234567Z"],
            ["2021-01-01T05:00:00+01:00", "2021-01-01T05:00:00.25z"],
        ],
    )
    def test_edges(self, texts: list[str]) -> None:
        for n in range(len(texts)):
            try:
                expected = [parse_rfc3339(text) for text in texts[: n + 1]]
            except ValueError:
                with pytest.raises(ValueError, match=r".*"):
                    parse_rfc3339_all(texts[: n + 1])
            else:
                assert parse_rfc3339_all(texts[: n + 1]) == expected


class TestModelTimestamps:
    """A model's timestamp fields read short texts through a memo of parse_rfc3339: the same
    value or the same refusal every time, and a long text parsed but never kept."""

    def test_memo_gives_what_parse_gives(self) -> None:
        models._parsed.cache_clear()
        long = "2024-01-01T00:00:00." + "1" * 5000 + "Z"
        for _ in range(2):
            query = UsageQuery.model_validate(
                {"starting_on": long, "ending_before": "2024-01-02T00:00:00Z", "window_size": "day"}
            )
            assert (query.starting_on, query.ending_before) == (
                parse_rfc3339(long),
                parse_rfc3339("2024-01-02T00:00:00Z"),
            )
            for bad in ("2024-02-30T00:00:00Z", "2024-01-01T00:00:00"):
                with pytest.raises(ValidationError, match="must be an RFC 3339 timestamp"):
                    UsageQuery.model_validate(
                        {"starting_on": bad, "ending_before": long, "window_size": "day"}
                    )
        assert models._parsed.cache_info().currsize == 1  # the short bound alone
