"""A cell takes its events in the order they were ingested, whatever their event types: a float
sum's rounding depends on it, so a batch folded type by type would answer differently."""

from __future__ import annotations

from functools import reduce

import pytest

from emulator.metering.aggregations import AGGREGATIONS
from emulator.metering.store import Store
from emulator.wire.models import BillableMetricRecord, EventRecord
from emulator.wire.timestamps import US_PER_HOUR, parse_rfc3339

HOUR = "2024-01-01T10:00:00Z"
VALUES = [("a", 0.1), ("b", 0.2), ("a", 0.4)]


def _metric(types: list[str] | None) -> BillableMetricRecord:
    return BillableMetricRecord.model_validate(
        {
            "id": "eeeeeeee-0000-4000-8000-000000000001",
            "name": "Sum of v",
            "aggregation_type": "SUM",
            "aggregation_key": "v",
            "event_type_filter": None if types is None else {"in_values": types},
            "group_keys": [["g"]],
        }
    )


def _events() -> list[EventRecord]:
    return [
        EventRecord.model_validate(
            {
                "transaction_id": f"t{n}",
                "customer_id": "customer",
                "event_type": event_type,
                "timestamp": HOUR.replace("00:00Z", f"{n:02d}:00Z"),
                "properties": {"v": value, "g": "one"},
            }
        )
        for n, (event_type, value) in enumerate(VALUES)
    ]


@pytest.mark.parametrize("types", [None, ["a", "b"]])
@pytest.mark.parametrize("clock", [None, "2024-01-01T10:30:00Z", "2024-01-03T00:00:00Z"])
def test_a_sum_over_event_types_adds_in_ingest_order(
    types: list[str] | None, clock: str | None
) -> None:
    """In one batch, as a document (no clock), and through the API within the hour and late."""
    store = Store()
    store.add_metric(_metric(types))
    store.ingest(_events(), None if clock is None else parse_rfc3339(clock))

    def summed(values: list[float]) -> float:
        return reduce(lambda total, value: total + value, values, 0)

    expected = summed([v for _, v in VALUES])
    type_by_type = summed([v for t, v in VALUES if t == "a"] + [v for t, v in VALUES if t == "b"])
    assert repr(expected) != repr(type_by_type)  # 0.7000000000000001 and 0.7
    hour = parse_rfc3339(HOUR) // US_PER_HOUR
    metric_id = "eeeeeeee-0000-4000-8000-000000000001"
    series = store.series["customer", metric_id]
    group = store.group_series["customer", metric_id, "g"]["one"]
    for rollup in (series, group):
        assert repr(rollup.hours[hour]) == repr(expected)
        assert repr(rollup.days[hour // 24]) == repr(expected)
        as_of = rollup.cells_as_of(AGGREGATIONS["SUM"], hour, hour + 1, parse_rfc3339(HOUR))
        if clock is not None and clock.startswith("2024-01-03"):  # late: none processed by then
            assert as_of == []
        else:
            assert repr(as_of) == repr([expected])
