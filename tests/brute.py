"""An independent brute-force reading of docs/CONTRACT.md's usage rules, to check the emulator.

It shares no code with `emulator/`: it walks every raw event of an exported fixture document for
every row, with its own parsing, matching and aggregation, written from the contract's text.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
DEDUPE = timedelta(days=34)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def iso(moment: datetime) -> str:
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def number_of(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return Decimal(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", value):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def matches(metric: dict[str, Any], event: dict[str, Any]) -> bool:
    etf = metric.get("event_type_filter") or {}
    if etf.get("in_values") is not None and event["event_type"] not in etf["in_values"]:
        return False
    if event["event_type"] in (etf.get("not_in_values") or []):
        return False
    props = event.get("properties") or {}
    for f in metric.get("property_filters") or []:
        present = props.get(f["name"]) is not None
        if f.get("exists") is True and not present:
            return False
        if f.get("exists") is False and present:
            return False
        if f.get("in_values") is not None and (
            not present or text_of(props[f["name"]]) not in f["in_values"]
        ):
            return False
        if (
            f.get("not_in_values") is not None
            and present
            and text_of(props[f["name"]]) in f["not_in_values"]
        ):
            return False
    kind = metric["aggregation_type"].upper()
    if kind in ("SUM", "MAX", "LATEST"):
        return number_of(props.get(metric["aggregation_key"])) is not None
    if kind == "UNIQUE":
        return props.get(metric["aggregation_key"]) is not None
    return True


def aggregate(metric: dict[str, Any], events: list[tuple[int, dict[str, Any]]]) -> Any:
    """`events` are (ingest index, event) pairs that match, in any order."""
    kind = metric["aggregation_type"].upper()
    key = metric.get("aggregation_key")
    if kind == "COUNT":
        return len(events)
    if kind == "UNIQUE":
        return len({text_of(e["properties"][key]) for _, e in events})
    if not events:
        return 0 if kind == "SUM" else None
    numbers = [number_of(e["properties"][key]) for _, e in events]
    if kind == "SUM":
        return sum(numbers, Decimal(0))
    if kind == "MAX":
        return max(numbers)
    latest = max(events, key=lambda pair: (when(pair[1]["timestamp"]), pair[0]))
    return number_of(latest[1]["properties"][key])


def plain(value: Any) -> Any:
    """Decimal results as the JSON numbers the API writes."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def windows_of(query: dict[str, Any]) -> tuple[datetime, datetime, list[tuple[datetime, datetime]]]:
    """The query's range and its windows."""
    start, end = when(query["starting_on"]), when(query["ending_before"])
    size = {"hour": HOUR, "day": DAY, "none": None}[query["window_size"].lower()]
    windows = []
    if size is None:
        windows.append((start, end))
    else:
        cursor = start
        while cursor < end:
            windows.append((cursor, cursor + size))
            cursor += size
    return start, end, windows


def counted_events(document: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index, event) of the events that count: a transaction id repeated less than 34 days of
    processing time (`processed_at`, by default the timestamp) after the event that holds it is a
    duplicate; after that, the repeat holds the id itself."""
    holder: dict[str, datetime] = {}
    counted = []
    for index, event in enumerate(document["events"]):
        processed = when(event.get("processed_at") or event["timestamp"])
        first = holder.get(event["transaction_id"])
        if first is not None and processed - first < DEDUPE:
            continue
        holder[event["transaction_id"]] = processed
        counted.append((index, event))
    return counted


def active(metric: dict[str, Any], index: int, document: dict[str, Any]) -> bool:
    """Whether the metric was active when the event at `index` was ingested: from `events_from`
    (default 0) to `events_until` (default: the document's end for an archived metric, for ever
    for an active one)."""
    until = metric.get("events_until")
    if until is None and metric.get("archived_at"):
        until = len(document["events"])
    return metric.get("events_from", 0) <= index and (until is None or index < until)


def usage_rows(document: dict[str, Any], query: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of `POST /v1/usage` for `query` over `document`, in the contract's order."""
    start, end, windows = windows_of(query)
    customers = {c["id"]: c for c in document["customers"]}
    metrics = {m["id"]: m for m in document["billable_metrics"]}
    if query.get("customer_ids") is None:
        customer_ids = [c for c, rec in customers.items() if rec.get("archived_at") is None]
    else:
        customer_ids = list(set(query["customer_ids"]))
    if query.get("billable_metrics") is None:
        selected = {m: None for m, rec in metrics.items() if rec.get("archived_at") is None}
    else:
        selected = {sel["id"]: sel.get("group_by") for sel in query["billable_metrics"]}

    events = counted_events(document)
    rows = []
    for customer_id in sorted(customer_ids):
        customer = customers[customer_id]
        senders = {customer_id, *customer.get("ingest_aliases", [])}
        for metric_id in sorted(selected):
            metric = metrics[metric_id]
            group_by = selected[metric_id]
            mine = [
                (i, e)
                for i, e in events
                if e["customer_id"] in senders
                and active(metric, i, document)
                and matches(metric, e)
            ]
            group_values: list[str] = []
            if group_by is not None:
                key = group_by["key"]
                if group_by.get("values") is not None:
                    group_values = list(dict.fromkeys(group_by["values"]))
                else:
                    in_range = {
                        text_of(e["properties"][key])
                        for _, e in mine
                        if start <= when(e["timestamp"]) < end
                        and e["properties"].get(key) is not None
                    }
                    group_values = sorted(in_range)[:200]
            for lo, hi in windows:
                inside = [(i, e) for i, e in mine if lo <= when(e["timestamp"]) < hi]
                row: dict[str, Any] = {
                    "customer_id": customer_id,
                    "billable_metric_id": metric_id,
                    "billable_metric_name": metric["name"],
                    "start_timestamp": iso(lo),
                    "end_timestamp": iso(hi),
                    "value": plain(aggregate(metric, inside)),
                }
                if group_by is not None:
                    groups = {}
                    for group_value in group_values:
                        members = [
                            (i, e)
                            for i, e in inside
                            if e["properties"].get(group_by["key"]) is not None
                            and text_of(e["properties"][group_by["key"]]) == group_value
                        ]
                        groups[group_value] = plain(aggregate(metric, members)) if members else None
                    row["groups"] = groups
                rows.append(row)
    return rows


def group_rows(document: dict[str, Any], query: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of `POST /v1/usage/groups` for `query` (its `group_key` listed in the order the
    metric defines it, optional `group_filters`), in window order, then group values sorted."""
    start, end, windows = windows_of(query)
    customer = next(c for c in document["customers"] if c["id"] == query["customer_id"])
    metric = next(m for m in document["billable_metrics"] if m["id"] == query["billable_metric_id"])
    senders = {customer["id"], *customer.get("ingest_aliases", [])}
    mine = [
        (index, event)
        for index, event in counted_events(document)
        if event["customer_id"] in senders
        and active(metric, index, document)
        and matches(metric, event)
    ]
    names = query.get("group_key")
    filters = query.get("group_filters") or {}
    if query.get("group_by") is not None:  # the deprecated form: one name, optional values
        names = [query["group_by"]["key"]]
        if query["group_by"].get("values") is not None:
            filters = {names[0]: query["group_by"]["values"]}

    def group_of(event: dict[str, Any]) -> tuple[str, ...] | None:
        """The event's group: a value per name; () when it lacks one of them (the null group,
        which no filter removes); None when a filter leaves it out."""
        props = event.get("properties") or {}
        if any(props.get(name) is None for name in names):
            return ()
        value = tuple(text_of(props[name]) for name in names)
        kept = all(not filters.get(n) or v in filters[n] for n, v in zip(names, value, strict=True))
        return value if kept else None

    rows = []
    if names is None:
        for lo, hi in windows:
            inside = [(i, e) for i, e in mine if lo <= when(e["timestamp"]) < hi]
            value = plain(aggregate(metric, inside))
            rows.append({"starting_on": iso(lo), "ending_before": iso(hi), "value": value,
                         "group": None, "group_key": None, "group_value": None})  # fmt: skip
        return rows
    # The null group () sorts first: the empty tuple is below every other.
    values = sorted(
        {
            g
            for _, e in mine
            if start <= when(e["timestamp"]) < end and (g := group_of(e)) is not None
        }
    )
    for lo, hi in windows:
        inside = [(i, e) for i, e in mine if lo <= when(e["timestamp"]) < hi]
        for value in values:
            members = [(i, e) for i, e in inside if group_of(e) == value]
            simple = len(names) == 1 and value != ()
            rows.append({
                "starting_on": iso(lo), "ending_before": iso(hi),
                "value": plain(aggregate(metric, members)) if members else None,
                "group": dict(zip(names, value, strict=True)) if value else None,
                "group_key": names[0] if simple else None,
                "group_value": value[0] if simple else None,
            })  # fmt: skip
    return rows


def assert_rows_equal(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Equal row for row; integers exactly, fractions within 1e-9 relative."""
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert got.keys() == want.keys(), (got, want)
        for field in got:
            if field == "value":
                assert same_number(got["value"], want["value"]), (got, want)
            elif field == "groups":
                assert list(got["groups"]) == list(want["groups"]), (got, want)
                for group_value in got["groups"]:
                    a, b = got["groups"][group_value], want["groups"][group_value]
                    assert same_number(a, b), (group_value, got, want)
            else:
                assert got[field] == want[field], (field, got, want)


def same_number(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(b, int) and isinstance(a, int):
        return a == b
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)
