"""RFC 3339 timestamps at the edges, integer epoch microseconds inside.

Parsing is strict on purpose: Python's `datetime.fromisoformat` also accepts dates without a time,
ISO basic format and timestamps without an offset, none of which Metronome accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

__all__ = [
    "MAX_US",
    "MIN_US",
    "US_PER_DAY",
    "US_PER_HOUR",
    "US_PER_SECOND",
    "format_rfc3339",
    "parse_rfc3339",
    "parse_rfc3339_all",
]

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3600 * US_PER_SECOND
US_PER_DAY = 24 * US_PER_HOUR

# ASCII digits only (int() would read other scripts' digits, fromisoformat would not), and hours
# below 24 here, since newer Pythons' fromisoformat read 24:00 as the next midnight.
_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt]([01]\d|2[0-3]):(\d\d):(\d\d)(?:\.(\d+))?"
    r"(?:[Zz]|([+-])(\d\d):(\d\d))",
    re.ASCII,
)
_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_ONE_US = timedelta(microseconds=1)
# The first and last instants a timestamp can name (years 1 to 9999), in epoch microseconds.
MIN_US = _MIN_US = (datetime(1, 1, 1, tzinfo=UTC) - _EPOCH) // _ONE_US
MAX_US = _MAX_US = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - _EPOCH) // _ONE_US


def parse_rfc3339(text: str) -> int:
    """Epoch microseconds of an RFC 3339 timestamp with `Z` or an offset; ValueError otherwise.

    Fractions beyond microseconds are truncated.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(text)
    if match.group(8) is None:
        # `Z`, the usual form: the checked text without it is one that C's fromisoformat reads
        # (and checks the calendar of), which halves the time of the whole parse.
        return (datetime.fromisoformat(text[:-1]) - _NAIVE_EPOCH) // _ONE_US
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = match.groups()
    # datetime() validates the calendar (month 13, February 30, second 60 all fail).
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    seconds = (moment.toordinal() - _EPOCH_ORDINAL) * 86400 + moment.hour * 3600
    seconds += moment.minute * 60 + moment.second
    if sign is not None:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError(text)
        offset = int(off_h) * 3600 + int(off_m) * 60
        seconds += -offset if sign == "+" else offset
    micros = seconds * US_PER_SECOND + int((fraction or "0")[:6].ljust(6, "0"))
    if not _MIN_US <= micros <= _MAX_US:  # an offset can push year 1 or 9999 out of range
        raise ValueError(text)
    return micros


# Tables for parse_rfc3339_all: the minutes and seconds (00-59) that parse_rfc3339 accepts, and
# the ends of a UTC timestamp with no fraction or one of up to three digits (JavaScript's
# toISOString sends three), each in microseconds.
_MINUTES = {f"{n:02d}": n * 60 * US_PER_SECOND for n in range(60)}
_SECONDS = {f"{n:02d}": n * US_PER_SECOND for n in range(60)}
_ENDS = {"Z": 0} | {
    f".{n:0{digits}d}Z": n * 10 ** (6 - digits) for digits in (1, 2, 3) for n in range(10**digits)
}


def parse_rfc3339_all(texts: Iterable[str]) -> list[int]:
    """`parse_rfc3339` of each text in turn (ValueError at the first it refuses), about twice as
    fast for the usual form, `YYYY-MM-DDTHH:MM:SS` then `Z`, without a fraction or with one of up
    to three digits, when texts share an hour: each hour is parsed once per call, minutes, seconds
    and the end read from tables.

    A text of that form is valid if and only if its hour (its first 13 characters) is, its minutes
    and seconds are 00 to 59 and its end is valid: so once one text of an hour has been parsed by
    parse_rfc3339, the others of that hour are read here with the same outcome and value. Every
    other form is parse_rfc3339's alone."""
    hours: dict[str, int] = {}  # a valid `YYYY-MM-DDTHH` to its epoch microseconds
    minutes, seconds, ends = _MINUTES, _SECONDS, _ENDS
    found: list[int] = []
    for text in texts:
        end = ends.get(text[19:])
        if end is not None and text[13] == ":" and text[16] == ":":  # so at least 20 characters
            minute = minutes.get(text[14:16])
            second = seconds.get(text[17:19])
            if minute is not None and second is not None:
                prefix = text[:13]
                hour = hours.get(prefix)
                if hour is None:
                    micros = parse_rfc3339(text)  # refuses an invalid hour
                    hours[prefix] = micros - minute - second - end
                    found.append(micros)
                else:
                    found.append(hour + minute + second + end)
                continue
        found.append(parse_rfc3339(text))
    return found


def format_rfc3339(micros: int) -> str:
    """UTC with `Z`; whole seconds when the fraction is zero, else the fraction, no trailing 0s."""
    # A naive datetime's isoformat (in C) pads the year to four digits and leaves out a zero
    # fraction; strftime would not do (glibc's %Y drops the leading zeros of years before 1000).
    text = (_NAIVE_EPOCH + timedelta(microseconds=micros)).isoformat()
    if len(text) > 19:  # a fraction: six digits, of which the trailing zeros go
        text = text.rstrip("0")
    return text + "Z"
