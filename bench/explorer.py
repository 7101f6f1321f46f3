"""How long the explorer takes to draw, measured in the browser (not part of `run.py`).

    python bench/explorer.py                       # the seeded default
    python bench/explorer.py --events 1000000 --customers 20 --days 30

Opens `/_emulator/ui` in headless Debian chromium (through Playwright, from the test extra)
`--loads` times, each on a fresh token, and reports the page's own `performance` marks, taken
once what they mark is painted: `explorer-chart` (navigation start to the usage chart drawn) and
`explorer-first-render` (navigation start to every panel drawn: chart, customers, metrics, events
with their matched metrics, journal, faults, page size and clock). Three ways to open the page:
again in its tab (from about:blank), in a new tab of the same browser (a person following the
link), and in a new browser context (a fresh profile: empty caches, a new renderer process).

The emulator runs as its own process (`EmulatorProcess`), as `metronome-emulator` does. The page
is watched through a DevTools session that reads `document.body.dataset.ready` every 100 ms,
not through Playwright's selector engine: that injects about 50 ms of script into a new tab
while it loads, which would be counted as the page's time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize, sync_playwright

from emulator.testing import EmulatorProcess

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results as results_files

CHROMIUM = "/usr/bin/chromium"


def marks(page: Page, url: str) -> tuple[float, float]:
    devtools = page.context.new_cdp_session(page)
    page.goto(url, wait_until="commit")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answer = devtools.send(
            "Runtime.evaluate",
            {"expression": _READY, "returnByValue": True},
        )
        found = answer["result"].get("value")
        if found:
            devtools.detach()
            return float(found["explorer-chart"]), float(found["explorer-first-render"])
        time.sleep(0.1)
    raise SystemExit(f"explorer: {url} was not ready in 120 s")


# The page's marks once it says it is ready; null before.
_READY = """document.body && document.body.dataset.ready === "true"
  ? Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime]))
  : null"""


def summary(label: str, values: list[float]) -> str:
    values = sorted(values)
    return (
        f"{label:42} median {statistics.median(values):6.0f} ms  "
        f"min {values[0]:6.0f}  max {values[-1]:6.0f}  (n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--customers", type=int, default=8)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument(
        "--update-docs", action="store_true", help="put the table in docs/speed.md too"
    )
    options = parser.parse_args()
    record: dict[str, Any] = {
        **results_files.stamp(),
        "options": {k: getattr(options, k) for k in ("loads", "customers", "days", "events")},
        "load_average": {"start": os.getloadavg()[0]},
    }
    started = time.perf_counter()
    emulator = EmulatorProcess(
        customers=options.customers, days=options.days, events=options.events
    )
    with emulator as emu, sync_playwright() as playwright:
        ui = f"{emu.url}/_emulator/ui?token="
        print(f"emulator ready in {time.perf_counter() - started:.1f} s; load {os.getloadavg()}")
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        results: dict[str, list[float]] = {}
        viewport: ViewportSize = {"width": 1280, "height": 900}
        context = browser.new_context(viewport=viewport)
        tab = context.new_page()
        marks(tab, ui + "first")  # the browser's first page: its caches, its spare renderer
        # Each page is made just before its load: a tab that another page was opened after is a
        # background tab, whose animation frames (and so its painted marks) wait.
        opening: dict[str, Callable[[], Page]] = {
            "again in its tab": lambda: tab,
            "in a new tab": context.new_page,
            "in a new browser context": lambda: browser.new_page(viewport=viewport),
        }
        for n in range(options.loads):
            for how, open_page in opening.items():
                # No other explorer page runs during a load: the last one's work after its first
                # render (its journal read again, its polling) would take the same two cores.
                tab.goto("about:blank")
                page = open_page()
                chart, first = marks(page, f"{ui}{how.split()[-1]}-{n}")
                if page is not tab:
                    page.close()
                results.setdefault(f"{how}: chart drawn", []).append(chart)
                results.setdefault(f"{how}: first render", []).append(first)
        browser.close()
    for label, values in results.items():
        print(summary(label, values))
    print(f"load average after: {os.getloadavg()}")
    record["load_average"]["end"] = os.getloadavg()[0]
    record["marks_ms"] = {
        label: results_files.spread(values, 1) for label, values in results.items()
    }
    text = markdown(record)
    default = record["options"] == {"loads": 10, "customers": 8, "days": 7, "events": 20_000}
    folder = results_files.RESULTS if default else results_files.TRIALS
    results_files.write("explorer", record, text, folder)
    if options.update_docs:
        results_files.update_docs("explorer", text)


def markdown(record: dict[str, Any]) -> str:
    load = record["load_average"]
    lines = [
        f"{results_files.measured(record)}. Load average (1 min) {load['start']:.2f} at the "
        f"start, {load['end']:.2f} at the end.",
        "",
        "| how the page is opened: mark | median (ms) | min | max | loads |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, mark in record["marks_ms"].items():
        lines.append(
            f"| {label} | {mark['median']:.0f} | {mark['min']:.0f} | {mark['max']:.0f} "
            f"| {len(mark['values'])} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
