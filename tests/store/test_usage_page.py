"""`UsagePage`'s bytes against `orjson.dumps` of `iter_rows`' rows (which the brute force checks)."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import orjson
import pytest

from emulator.metering.store import Store
from emulator.metering.usage import (
    _LABELS_AT_ONCE,
    Position,
    UsagePage,
    UsageScope,
    _value_texts,
    iter_rows,
    json_number,
)
from emulator.scenario.seed import generate
from emulator.wire.models import UsageQuery
from tests.store.test_usage_brute_force import random_query


def row_by_row(
    store: Store, scope: UsageScope, position: Position | None, limit: int
) -> tuple[bytes, Position | None]:
    """A page as the handler made it before pages were computed a series at a time."""
    rows: list[bytes] = []
    for at, row in iter_rows(store, scope, position):
        if len(rows) == limit:
            return b",".join(rows), at
        rows.append(orjson.dumps(row))
    return b",".join(rows), None


def page_of(
    store: Store, scope: UsageScope, position: Position | None, limit: int
) -> tuple[bytes, Position | None]:
    """`UsagePage`'s rows, joined, and where the next page starts."""
    page = UsagePage(store, scope, position, limit)
    return b",".join(page.chunks()), page.following


def scope_of(store: Store, starting_on: str, ending_before: str, window_size: str) -> UsageScope:
    query = {"starting_on": starting_on, "ending_before": ending_before, "window_size": window_size}
    return UsageScope.resolve(store, UsageQuery.model_validate(query))


class TestPages:
    """Every page, at every page size, is byte for byte the rows `iter_rows` gives, and points at
    the same next row."""

    @pytest.mark.parametrize("seed", [1, 2])
    def test_generated_scenarios(self, seed: int) -> None:
        store = Store.from_document(generate(seed, customers=4, days=3, events=2000))
        document = store.to_document()
        rng = random.Random(seed)
        for _ in range(20):
            query = random_query(rng, document, 3)
            scope = UsageScope.resolve(store, UsageQuery.model_validate(query))
            for limit in (1, 7, 24, 10**6):
                position: Position | None = None
                while True:
                    body, following = page_of(store, scope, position, limit)
                    assert (body, following) == row_by_row(store, scope, position, limit)
                    if following is None:
                        break
                    position = following

    def test_positions_past_the_windows(self) -> None:
        """A position whose window index is past the last window starts at the next series."""
        store = Store.from_document(generate(3, customers=3, days=2, events=500))
        scope = scope_of(store, "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "day")
        for position in [(scope.customer_ids[0], scope.metric_ids[0], 5), ("zz", "zz", 0)]:
            assert page_of(store, scope, position, 3) == row_by_row(store, scope, position, 3)

    def test_more_windows_than_labels_made_at_once(self) -> None:
        """Hour windows over 44 days (1,056, past `_LABELS_AT_ONCE`): labels and slots are made
        per chunk of windows rather than for the whole query."""
        store = Store.from_document(generate(5, customers=2, days=44, events=800))
        scope = scope_of(store, "2024-01-01T00:00:00Z", "2024-02-14T00:00:00Z", "hour")
        assert len(scope.windows) > _LABELS_AT_ONCE
        for limit in (700, 10**6):
            assert page_of(store, scope, None, limit) == row_by_row(store, scope, None, limit)

    @pytest.mark.parametrize("window_size", ["hour", "day", "none"])
    def test_names_with_percent_signs(self, window_size: str) -> None:
        """A row's text is formatted by `bytes %`: a `%` in a metric's name stays as it is."""
        document = generate(4, customers=2, days=2, events=300)
        document = dataclasses.replace(
            document,
            billable_metrics=[
                metric.model_copy(update={"name": f"{metric.name} 100% %d %b %% %s {i}"})
                for i, metric in enumerate(document.billable_metrics)
            ],
        )
        store = Store.from_document(document)
        scope = scope_of(store, "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", window_size)
        body, following = page_of(store, scope, None, 10**6)
        assert b"100% %d %b %% %s" in body
        assert (body, following) == row_by_row(store, scope, None, 10**6)


# Folded values of every kind `value` writes: ints at and past 64 bits, integral floats (small,
# at 1e16 and past 2**63, negative zero), fractions written with exponents, and windows without
# a cell. No cell is inf or nan: as_number refuses them (tests/store/test_values.py) and sums
# saturate (tests/api/test_door.py, test_sum_of_two_1e308).
EDGE_VALUES: list[Any] = [
    None,
    0,
    7,
    -7,
    10**18,
    2**63 - 1,
    2**63,
    2**64 - 1,
    2**64,
    -(2**63),
    -(2**63) - 1,
    10**400,
    0.5,
    -0.5,
    0.1,
    1.0,
    -0.0,
    3.0,
    1e16,
    2.5e20,
    1.5e-7,
    123456789.125,
    1.7976931348623157e308,
]


class TestValueTexts:
    """A pair's values as text (`_value_texts`) are orjson's text of `json_number` of each value,
    `empty` for a window without a cell: what a row's dict gives (tests/store/test_usage_brute_
    force.py holds those rows to a brute force)."""

    @pytest.mark.parametrize("empty", [0, None])
    def test_random_lists_of_edge_values(self, empty: Any) -> None:
        rng = random.Random(7)
        for _ in range(3000):
            folded = [rng.choice(EDGE_VALUES) for _ in range(rng.randint(1, 6))]
            if rng.random() < 0.5:  # most lists: ordinary numbers, and maybe one edge
                folded = [rng.choice([None, 3, 12, 0.25, 4.75]) for _ in folded[1:]] + folded[:1]
            expected = [
                orjson.dumps(empty if value is None else json_number(value)) for value in folded
            ]
            assert list(_value_texts(folded, empty)) == expected, folded
