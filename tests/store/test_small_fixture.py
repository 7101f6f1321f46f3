"""Usage over fixtures/small.json, with every expected number worked out by hand from its events.

Every event of the fixture falls in the first two hours of 2021-01-01. Usage bounds must be UTC
midnights for every window size, so the tests query that whole day with hour windows: the first
two rows carry the usage and the other 22 are empty.
"""

from __future__ import annotations

from typing import Any

import pytest

from emulator.metering.store import Store
from emulator.scenario.initial import load_fixture_file
from emulator.wire.errors import BadRequest
from tests import brute
from tests.helpers import (
    ACME,
    ACTIVE_USERS,
    API_CALLS,
    BETA,
    GAMMA,
    OLD_API_CALLS,
    PEAK_STORAGE,
    SEATS,
    SMALL,
    TOKENS,
    all_rows,
)

H0 = "2021-01-01T00:00:00Z"
DAY_END = "2021-01-02T00:00:00Z"
EMPTY_HOURS = 22  # hours 2..23 of the day: no event of the fixture falls in them
MIDNIGHT_RULE = (
    "{} must be a UTC midnight (Metronome requires usage bounds on day boundaries for every "
    "window_size; query whole days and trim the windows)"
)


@pytest.fixture(scope="module")
def store() -> Store:
    return load_fixture_file(SMALL)


def values(rows: list[dict[str, Any]], metric: str, customer: str = ACME) -> list[Any]:
    return [
        r["value"]
        for r in rows
        if r["billable_metric_id"] == metric and r["customer_id"] == customer
    ]


class TestHandWorkedNumbers:
    """Each aggregation type gives the numbers worked out by hand from the fixture's events."""

    def hours(self, store: Store, **extra: Any) -> list[dict[str, Any]]:
        return all_rows(
            store, {"starting_on": H0, "ending_before": DAY_END, "window_size": "hour", **extra}
        )

    def test_count_by_id_and_alias_without_duplicates(self, store: Store) -> None:
        # t01 + t02 (alias acme-prod) in hour 0; t03 exactly at 01:00 in hour 1; t04 has no
        # region; the second t01 is a duplicate.
        assert values(self.hours(store), API_CALLS) == [2, 1] + [0] * EMPTY_HOURS

    def test_sum_of_numbers_and_numeric_strings(self, store: Store) -> None:
        # 100 + "250" in hour 0; 0.5 (sent as 02:10+01:00) in hour 1; "lots" is not numeric.
        assert values(self.hours(store), TOKENS) == [350, 0.5] + [0] * EMPTY_HOURS

    def test_max(self, store: Store) -> None:
        assert values(self.hours(store), PEAK_STORAGE) == [10, 7.5] + [None] * EMPTY_HOURS

    def test_unique_across_id_and_alias(self, store: Store) -> None:
        assert values(self.hours(store), ACTIVE_USERS) == [2, 1] + [0] * EMPTY_HOURS

    def test_latest_ties_go_to_the_event_ingested_last(self, store: Store) -> None:
        assert values(self.hours(store), SEATS) == [5, 9] + [None] * EMPTY_HOURS

    def test_day_window(self, store: Store) -> None:
        rows = all_rows(store, {"starting_on": H0, "ending_before": DAY_END, "window_size": "day"})
        assert [
            values(rows, m) for m in (API_CALLS, TOKENS, PEAK_STORAGE, ACTIVE_USERS, SEATS)
        ] == [
            [3],
            [350.5],
            [10],
            [2],
            [9],
        ]

    def test_zero_and_null_for_a_customer_without_usage(self, store: Store) -> None:
        rows = self.hours(store)
        assert values(rows, API_CALLS, BETA) == [1] + [0] * 23
        assert values(rows, TOKENS, BETA) == [0] * 24
        assert values(rows, ACTIVE_USERS, BETA) == [0] * 24
        assert values(rows, PEAK_STORAGE, BETA) == [None] * 24
        assert values(rows, SEATS, BETA) == [None] * 24


class TestScope:
    """Archived customers and metrics appear only when named; rows come in contract order."""

    def test_archived_left_out_unless_named(self, store: Store) -> None:
        rows = all_rows(store, {"starting_on": H0, "ending_before": DAY_END, "window_size": "day"})
        assert {r["customer_id"] for r in rows} == {ACME, BETA}
        assert OLD_API_CALLS not in {r["billable_metric_id"] for r in rows}
        named = all_rows(
            store,
            {
                "starting_on": H0,
                "ending_before": DAY_END,
                "window_size": "day",
                "customer_ids": [GAMMA],
                "billable_metrics": [{"id": OLD_API_CALLS}],
            },
        )
        assert [(r["customer_id"], r["billable_metric_id"], r["value"]) for r in named] == [
            (GAMMA, OLD_API_CALLS, 1)
        ]

    def test_order_customer_metric_window(self, store: Store) -> None:
        rows = all_rows(store, {"starting_on": H0, "ending_before": DAY_END, "window_size": "HOUR"})
        keys = [(r["customer_id"], r["billable_metric_id"], r["start_timestamp"]) for r in rows]
        assert keys == sorted(keys)
        assert len(rows) == 2 * 5 * 24  # customers x active metrics x windows


class TestGroups:
    """`groups` with and without `values`, nulls, and events lacking the key."""

    def acme(self, store: Store, metrics: list[Any]) -> list[dict[str, Any]]:
        query = {"starting_on": H0, "ending_before": DAY_END, "window_size": "hour"}
        return all_rows(store, {**query, "customer_ids": [ACME], "billable_metrics": metrics})

    def test_without_values_lists_values_seen_in_range(self, store: Store) -> None:
        rows = self.acme(store, [{"id": TOKENS, "group_by": {"key": "model"}}])
        # t08 (0.5 tokens) has no model: it counts in value, in no group. Every window lists the
        # values seen anywhere in the range.
        assert [(r["value"], r["groups"]) for r in rows] == [
            (350, {"large": 250, "small": 100}),
            (0.5, {"large": None, "small": None}),
        ] + [(0, {"large": None, "small": None})] * EMPTY_HOURS

    def test_with_values_exactly_those_keys(self, store: Store) -> None:
        rows = self.acme(
            store, [{"id": API_CALLS, "group_by": {"key": "region", "values": ["us", "ap"]}}]
        )
        assert [r["groups"] for r in rows] == [{"us": 1, "ap": None}, {"us": 1, "ap": None}] + [
            {"us": None, "ap": None}
        ] * EMPTY_HOURS

    def test_groups_only_on_metrics_given_a_group_by(self, store: Store) -> None:
        rows = all_rows(
            store,
            {
                "starting_on": H0,
                "ending_before": DAY_END,
                "window_size": "hour",
                "customer_ids": [ACME],
                "billable_metrics": [
                    {"id": API_CALLS, "group_by": {"key": "region"}},
                    {"id": SEATS},
                ],
            },
        )
        assert [("groups" in r) for r in rows] == [True] * 24 + [False] * 24


class TestNoneWindows:
    """`none` windows: one window over the whole range, whose bounds must be UTC midnights like
    every window size's (the sub-hour precision they once had is refused now)."""

    @pytest.mark.parametrize(
        ("start", "end", "field"),
        [
            ("2021-01-01T00:10:00Z", "2021-01-01T01:00:00Z", "starting_on"),
            ("2021-01-01T00:00:00Z", "2021-01-01T01:00:00Z", "ending_before"),
            ("2021-01-01T00:10:00Z", "2021-01-02T00:00:00Z", "starting_on"),
            ("2021-01-01T00:00:00Z", "2021-01-02T00:00:01Z", "ending_before"),
            ("2021-01-01T00:20:00Z", "2021-01-01T00:20:01Z", "starting_on"),  # inside one hour
            ("2020-12-31T23:59:59Z", "2021-01-01T03:00:00.5Z", "starting_on"),
            ("2021-01-01T00:00:00.5Z", "2021-01-02T00:00:00Z", "starting_on"),  # half a second
            ("2021-01-01T02:00:00+02:00", "2021-01-01T00:15:00Z", "ending_before"),  # 00:00Z
            ("2021-01-01T00:00:00+01:00", "2021-01-02T00:00:00Z", "starting_on"),  # 23:00Z
        ],
    )
    def test_bounds_off_midnight_refused(
        self, store: Store, start: str, end: str, field: str
    ) -> None:
        query = {"starting_on": start, "ending_before": end, "window_size": "none"}
        with pytest.raises(BadRequest) as raised:
            all_rows(store, {**query, "customer_ids": [ACME]})
        assert raised.value.message == MIDNIGHT_RULE.format(field)

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            # t01 + t02 (alias) + t03; t04 has no region; the second t01 is a duplicate.
            ("2021-01-01T00:00:00Z", "2021-01-02T00:00:00Z", 3),
            ("2020-12-31T00:00:00Z", "2021-01-03T00:00:00Z", 3),  # several days
            ("2020-12-31T00:00:00Z", "2021-01-01T00:00:00Z", 0),  # the day before
            ("2021-01-02T00:00:00Z", "2021-01-03T00:00:00Z", 0),  # the day after
            ("2021-01-01T02:00:00+02:00", "2021-01-01T19:00:00-05:00", 3),  # offsets: midnights
        ],
    )
    def test_midnight_bounds(self, store: Store, start: str, end: str, expected: int) -> None:
        rows = all_rows(
            store,
            {
                "starting_on": start,
                "ending_before": end,
                "window_size": "none",
                "customer_ids": [ACME],
                "billable_metrics": [{"id": API_CALLS, "group_by": {"key": "region"}}],
            },
        )
        assert [r["value"] for r in rows] == [expected]
        assert sum(v for v in rows[0]["groups"].values() if v) == expected

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            # t15 (5 seats) is at exactly 2021-01-01T00:00:00Z.
            ("2020-12-31T00:00:00Z", "2021-01-01T00:00:00Z", None),  # end exclusive
            ("2021-01-01T00:00:00Z", "2021-01-02T00:00:00Z", 9),  # t17, the tie ingested last
        ],
    )
    def test_start_inclusive_end_exclusive(
        self, store: Store, start: str, end: str, expected: int | None
    ) -> None:
        query = {"starting_on": start, "ending_before": end, "window_size": "none"}
        rows = all_rows(
            store, {**query, "customer_ids": [ACME], "billable_metrics": [{"id": SEATS}]}
        )
        assert [r["value"] for r in rows] == [expected]

    def test_timestamps_written_in_utc(self, store: Store) -> None:
        rows = all_rows(
            store,
            {
                "starting_on": "2021-01-01T02:00:00.000+02:00",
                "ending_before": "2021-01-01T19:00:00-05:00",
                "window_size": "none",
                "customer_ids": [ACME],
                "billable_metrics": [{"id": API_CALLS}],
            },
        )
        assert (rows[0]["start_timestamp"], rows[0]["end_timestamp"]) == (
            "2021-01-01T00:00:00Z",
            "2021-01-02T00:00:00Z",
        )


def test_brute_force_agrees_with_the_hand_worked_numbers(store: Store) -> None:
    """The brute force used elsewhere is itself right on the hand-worked fixture."""
    query = {"starting_on": H0, "ending_before": DAY_END, "window_size": "hour"}
    brute.assert_rows_equal(all_rows(store, query), brute.usage_rows(store.to_document(), query))
    assert (
        values(brute.usage_rows(store.to_document(), query), TOKENS)
        == [350, 0.5] + [0] * EMPTY_HOURS
    )
