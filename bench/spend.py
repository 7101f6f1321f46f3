"""What reading money costs beside reading usage, on the million-event seed.

    python bench/spend.py                    # --customers 20 --days 30 --events 1000000
    python bench/spend.py --events 20000 --rounds 5    # a short trial (under bench/.cache/)

One emulator process (`EmulatorProcess`) on the seeded scenario, its clock pinned after the data
(`--clock 2024-02-02T00:00:00Z`: January is final, February has begun) and its response cache off
(`--response-cache-mb 0`: every answer is computed, usage as much as money). For one customer, the
first seeded one (the heaviest) with its MONTHLY contract on the Standard rate card, it times,
interleaved round by round (the order rotating), each request to its last byte:

- invoices: `GET /v1/customers/{id}/invoices` for a year of monthly invoices (starting_on
  2023-02-01, ending_before 2024-02-01: twelve, one page);
- usage, the year: `POST /v1/usage` for the same customer and span, day windows, the billable
  metrics of the card's products, in one page (`X-Emulator-Page-Size`);
- breakdowns: `GET .../invoices/breakdowns` for January 2024 by day (31 windows, one page);
- usage, the month: `POST /v1/usage` for the same customer and month, day windows, as above.

It reports the median, min and max of each, and the ratios invoices / usage (the year) and
breakdowns / usage (the month). The target (issue 19): reading invoices costs no more than twice
the equivalent usage query.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results as results_files
import servers

from emulator.wire.limits import MAX_PAGE_SIZE

CLOCK = "2024-02-02T00:00:00Z"
YEAR = ("2023-02-01T00:00:00Z", "2024-02-01T00:00:00Z")
MONTH = ("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
DEFAULTS = {"customers": 20, "days": 30, "events": 1_000_000, "rounds": 21}
TARGET = 2.0  # invoices cost at most twice the usage query


def get(url: str) -> bytes:
    return servers.request(url)


def post(url: str, body: Any) -> bytes:
    return servers.request(url, body, {"X-Emulator-Page-Size": str(MAX_PAGE_SIZE)})


def the_customer(base: str) -> tuple[str, dict[str, Any], list[str]]:
    """The first customer with a MONTHLY contract begun by the year's start, its contract, and
    the billable metrics of its card's products."""
    customers = json.loads(get(f"{base}/v1/customers?limit=100"))["data"]
    for customer in customers:
        listed = json.loads(
            servers.request(f"{base}/v2/contracts/list", {"customer_id": customer["id"]})
        )["data"]
        for contract in listed:
            frequency = contract["usage_statement_schedule"]["frequency"]
            if frequency == "MONTHLY" and contract["starting_at"] <= YEAR[0]:
                rates = json.loads(
                    servers.request(
                        f"{base}/v1/contract-pricing/rate-cards/getRates",
                        {"rate_card_id": contract["rate_card_id"], "at": YEAR[0]},
                    )
                )["data"]
                products = {rate["product_id"] for rate in rates}
                metrics = []
                for product in sorted(products):
                    found = json.loads(
                        servers.request(f"{base}/v1/contract-pricing/products/get", {"id": product})
                    )["data"]
                    metric = found["current"].get("billable_metric_id")
                    if metric and metric not in metrics:
                        metrics.append(metric)
                return customer["id"], contract, metrics
    raise SystemExit("spend: no customer with a MONTHLY contract begun by 2023-02-01")


def requests_for(base: str, customer: str, metrics: list[str]) -> dict[str, Any]:
    """Each measured request: a call that returns its body."""
    invoices = f"{base}/v1/customers/{customer}/invoices"

    def usage(span: tuple[str, str]) -> Any:
        body = {
            "starting_on": span[0],
            "ending_before": span[1],
            "window_size": "day",
            "customer_ids": [customer],
            "billable_metrics": [{"id": m} for m in metrics],
        }
        return lambda: post(f"{base}/v1/usage", body)

    return {
        "invoices, a year of monthly": lambda: get(
            f"{invoices}?starting_on={YEAR[0]}&ending_before={YEAR[1]}&limit=100"
        ),
        "usage, the same year by day": usage(YEAR),
        "breakdowns, a month by day": lambda: get(
            f"{invoices}/breakdowns?starting_on={MONTH[0]}&ending_before={MONTH[1]}"
            "&window_size=day&limit=35"
        ),
        "usage, the same month by day": usage(MONTH),
    }


def check(answers: dict[str, bytes], metrics: list[str]) -> dict[str, int]:
    """What each answer holds, checked against what the benchmark asked for."""
    names = list(answers)
    invoices = json.loads(answers[names[0]])
    year = json.loads(answers[names[1]])
    breakdowns = json.loads(answers[names[2]])
    month = json.loads(answers[names[3]])
    held = {
        "invoices": len(invoices["data"]),
        "invoice lines": sum(len(i["line_items"]) for i in invoices["data"]),
        "usage rows, the year": len(year["data"]),
        "breakdowns": len(breakdowns["data"]),
        "breakdown lines": sum(len(i["line_items"]) for i in breakdowns["data"]),
        "usage rows, the month": len(month["data"]),
    }
    assert held["invoices"] == 12, held
    assert {i["status"] for i in invoices["data"]} == {"FINALIZED"}
    assert held["breakdowns"] == 31, held
    assert held["usage rows, the year"] == 365 * len(metrics), held
    assert held["usage rows, the month"] == 31 * len(metrics), held
    assert invoices["next_page"] is None
    assert breakdowns["next_page"] is None
    assert year["next_page"] is None
    assert month["next_page"] is None
    return held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    for name, value in DEFAULTS.items():
        parser.add_argument(f"--{name}", type=int, default=value)
    parser.add_argument(
        "--update-docs", action="store_true", help="put the table in docs/speed.md too"
    )
    options = parser.parse_args()
    record: dict[str, Any] = {
        **results_files.stamp(),
        "options": {k: getattr(options, k) for k in DEFAULTS},
        "clock": CLOCK,
        "load_average": {"start": os.getloadavg()[0]},
    }
    scenario = {k: getattr(options, k) for k in ("customers", "days", "events")}
    with servers.emulator(**scenario, clock=CLOCK, response_cache_mb=0) as (process, ready):
        print(f"spend: emulator ready in {ready:.1f} s; load {os.getloadavg()}")
        record["start_seconds"] = round(ready, 2)
        customer, contract, metrics = the_customer(process.url)
        record["customer_id"] = customer
        record["contract"] = {
            k: contract[k] for k in ("id", "starting_at", "ending_before", "rate_card_id")
        }
        record["billable_metrics"] = metrics
        calls = requests_for(process.url, customer, metrics)
        answers = {name: call() for name, call in calls.items()}  # a warm-up round, checked
        record["answers"] = check(answers, metrics)
        record["response_bytes"] = {name: len(body) for name, body in answers.items()}
        timings: dict[str, list[float]] = {name: [] for name in calls}
        order = list(calls)
        for n in range(options.rounds):
            for name in order[n % len(order) :] + order[: n % len(order)]:
                started = time.perf_counter()
                calls[name]()
                timings[name].append((time.perf_counter() - started) * 1000)
    record["load_average"]["end"] = os.getloadavg()[0]
    record["ms"] = {name: results_files.spread(values, 2) for name, values in timings.items()}
    medians = [record["ms"][name]["median"] for name in calls]
    record["ratios"] = {
        "invoices / usage (the year)": round(medians[0] / medians[1], 2),
        "breakdowns / usage (the month)": round(medians[2] / medians[3], 2),
    }
    record["target"] = {
        "ratio": TARGET,
        "met": {name: ratio <= TARGET for name, ratio in record["ratios"].items()},
    }
    text = markdown(record)
    print(text)
    default = record["options"] == DEFAULTS
    folder = results_files.RESULTS if default else results_files.TRIALS
    results_files.write("spend", record, text, folder)
    if options.update_docs:
        results_files.update_docs("spend", text)


def markdown(record: dict[str, Any]) -> str:
    load = record["load_average"]
    options = record["options"]
    held = record["answers"]
    lines = [
        f"{results_files.measured(record)}: {options['events']:,} events, "
        f"{options['customers']} customers, {options['days']} days, clock {record['clock']}, "
        f"response cache off, {options['rounds']} interleaved rounds after a warm-up. Load "
        f"average (1 min) {load['start']:.2f} at the start, {load['end']:.2f} at the end.",
        "",
        "| request (one customer, one page each) | holds | median (ms) | min | max | bytes |",
        "|---|---|---:|---:|---:|---:|",
    ]
    holds = [
        f"{held['invoices']} invoices, {held['invoice lines']} lines",
        f"{held['usage rows, the year']} rows",
        f"{held['breakdowns']} windows, {held['breakdown lines']} lines",
        f"{held['usage rows, the month']} rows",
    ]
    for (name, ms), what in zip(record["ms"].items(), holds, strict=True):
        lines.append(
            f"| {name} | {what} | {ms['median']:.1f} | {ms['min']:.1f} | {ms['max']:.1f} "
            f"| {record['response_bytes'][name]:,} |"
        )
    lines.append("")
    target = record["target"]
    ratios = "; ".join(
        f"{name} **{value:.2f}**, {'met' if target['met'][name] else '**not met**'}"
        for name, value in record["ratios"].items()
    )
    lines.append(
        f"Ratios of the medians, against the target of at most {target['ratio']:g}: {ratios}."
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
