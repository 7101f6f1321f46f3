"""Usage over fixtures/small.json, with every expected number worked out by hand from its events."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.scenario import load_fixture_file
from emulator.store.store import Store
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

H0, H1, H2 = "2021-01-01T00:00:00Z", "2021-01-01T01:00:00Z", "2021-01-01T02:00:00Z"
DAY_END = "2021-01-02T00:00:00Z"


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
            store, {"starting_on": H0, "ending_before": H2, "window_size": "hour", **extra}
        )

    def test_count_by_id_and_alias_without_duplicates(self, store: Store) -> None:
        # t01 + t02 (alias acme-prod) in hour 0; t03 exactly at 01:00 in hour 1; t04 has no
        # region; the second t01 is a duplicate.
        assert values(self.hours(store), API_CALLS) == [2, 1]

    def test_sum_of_numbers_and_numeric_strings(self, store: Store) -> None:
        # 100 + "250" in hour 0; 0.5 (sent as 02:10+01:00) in hour 1; "lots" is not numeric.
        assert values(self.hours(store), TOKENS) == [350, 0.5]

    def test_max(self, store: Store) -> None:
        assert values(self.hours(store), PEAK_STORAGE) == [10, 7.5]

    def test_unique_across_id_and_alias(self, store: Store) -> None:
        assert values(self.hours(store), ACTIVE_USERS) == [2, 1]

    def test_latest_ties_go_to_the_event_ingested_last(self, store: Store) -> None:
        assert values(self.hours(store), SEATS) == [5, 9]

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
        assert values(rows, API_CALLS, BETA) == [1, 0]
        assert values(rows, TOKENS, BETA) == [0, 0]
        assert values(rows, ACTIVE_USERS, BETA) == [0, 0]
        assert values(rows, PEAK_STORAGE, BETA) == [None, None]
        assert values(rows, SEATS, BETA) == [None, None]


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
        rows = all_rows(store, {"starting_on": H0, "ending_before": H2, "window_size": "HOUR"})
        keys = [(r["customer_id"], r["billable_metric_id"], r["start_timestamp"]) for r in rows]
        assert keys == sorted(keys)
        assert len(rows) == 2 * 5 * 2  # customers x active metrics x windows


class TestGroups:
    """`groups` with and without `values`, nulls, and events lacking the key."""

    def acme(self, store: Store, metrics: list[Any], end: str = H2) -> list[dict[str, Any]]:
        query = {"starting_on": H0, "ending_before": end, "window_size": "hour"}
        return all_rows(store, {**query, "customer_ids": [ACME], "billable_metrics": metrics})

    def test_without_values_lists_values_seen_in_range(self, store: Store) -> None:
        rows = self.acme(store, [{"id": TOKENS, "group_by": {"key": "model"}}])
        # t08 (0.5 tokens) has no model: it counts in value, in no group.
        assert [(r["value"], r["groups"]) for r in rows] == [
            (350, {"large": 250, "small": 100}),
            (0.5, {"large": None, "small": None}),
        ]

    def test_with_values_exactly_those_keys(self, store: Store) -> None:
        rows = self.acme(
            store, [{"id": API_CALLS, "group_by": {"key": "region", "values": ["us", "ap"]}}]
        )
        assert [r["groups"] for r in rows] == [{"us": 1, "ap": None}, {"us": 1, "ap": None}]

    def test_groups_only_on_metrics_given_a_group_by(self, store: Store) -> None:
        rows = all_rows(
            store,
            {
                "starting_on": H0,
                "ending_before": H1,
                "window_size": "hour",
                "customer_ids": [ACME],
                "billable_metrics": [
                    {"id": API_CALLS, "group_by": {"key": "region"}},
                    {"id": SEATS},
                ],
            },
        )
        assert [("groups" in r) for r in rows] == [True, False]


class TestNoneWindows:
    """`none` windows are exact to the second at both ends, reading raw events for partial hours."""

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            ("2021-01-01T00:10:00Z", "2021-01-01T01:00:00Z", 2),  # start inclusive, end exclusive
            ("2021-01-01T00:10:01Z", "2021-01-01T01:00:00Z", 1),
            ("2021-01-01T00:10:00Z", "2021-01-01T01:00:01Z", 3),
            ("2021-01-01T00:20:00Z", "2021-01-01T00:20:01Z", 1),  # inside one hour
            ("2020-12-31T23:59:59Z", "2021-01-01T03:00:00.5Z", 3),
            ("2021-01-01T02:00:00+02:00", "2021-01-01T00:15:00Z", 1),  # an offset: 00:00Z
        ],
    )
    def test_exact_bounds(self, store: Store, start: str, end: str, expected: int) -> None:
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

    def test_timestamps_written_in_utc(self, store: Store) -> None:
        rows = all_rows(
            store,
            {
                "starting_on": "2021-01-01T02:00:00.250+02:00",
                "ending_before": "2021-01-01T00:15:00Z",
                "window_size": "none",
                "customer_ids": [ACME],
                "billable_metrics": [{"id": API_CALLS}],
            },
        )
        assert (rows[0]["start_timestamp"], rows[0]["end_timestamp"]) == (
            "2021-01-01T00:00:00.25Z",
            "2021-01-01T00:15:00Z",
        )


def test_brute_force_agrees_with_the_hand_worked_numbers(store: Store) -> None:
    """The brute force used elsewhere is itself right on the hand-worked fixture."""
    query = {"starting_on": H0, "ending_before": H2, "window_size": "hour"}
    brute.assert_rows_equal(all_rows(store, query), brute.usage_rows(store.to_document(), query))
    assert values(brute.usage_rows(store.to_document(), query), TOKENS) == [350, 0.5]
