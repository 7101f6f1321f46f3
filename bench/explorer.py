"""How long the explorer takes to draw, measured in the browser (not part of `run.py`).

    python bench/explorer.py                       # the seeded default
    python bench/explorer.py --events 1000000 --customers 20 --days 30

Opens `/_emulator/ui` in headless Debian chromium (through Playwright, from the test extra)
`--loads` times, each on a fresh token, and prints the page's own `performance` marks:
`explorer-chart` (navigation start to the usage chart drawn) and `explorer-first-render`
(navigation start to every panel drawn: chart, customers, metrics, events with their matched
metrics, journal, faults, page size and clock). "cold" loads open a new tab each time (a new
renderer process); "warm" loads go to the page again in one tab, from about:blank.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from playwright.sync_api import Page, ViewportSize, sync_playwright

from emulator.testing import Emulator

CHROMIUM = "/usr/bin/chromium"


def marks(page: Page, url: str) -> tuple[float, float]:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=120_000)
    found = page.evaluate(
        "Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))"
    )
    return float(found["explorer-chart"]), float(found["explorer-first-render"])


def summary(label: str, values: list[float]) -> str:
    values = sorted(values)
    return (
        f"{label:26} median {statistics.median(values):6.0f} ms  "
        f"min {values[0]:6.0f}  max {values[-1]:6.0f}  (n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--customers", type=int, default=8)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--events", type=int, default=20_000)
    options = parser.parse_args()
    started = time.perf_counter()
    emulator = Emulator(customers=options.customers, days=options.days, events=options.events)
    with emulator as emu, sync_playwright() as playwright:
        print(f"emulator ready in {time.perf_counter() - started:.1f} s; load {os.getloadavg()}")
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        results: dict[str, list[float]] = {}
        viewport: ViewportSize = {"width": 1280, "height": 900}
        warm = browser.new_page(viewport=viewport)
        for n in range(options.loads):
            cold = browser.new_page(viewport=viewport)
            chart, first = marks(cold, f"{emu.url}/_emulator/ui?token=cold-{n}")
            cold.close()
            results.setdefault("cold: chart drawn", []).append(chart)
            results.setdefault("cold: first render", []).append(first)
        for n in range(options.loads):
            warm.goto("about:blank")
            chart, first = marks(warm, f"{emu.url}/_emulator/ui?token=warm-{n}")
            results.setdefault("warm: chart drawn", []).append(chart)
            results.setdefault("warm: first render", []).append(first)
        browser.close()
    for label, values in results.items():
        print(summary(label, values))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
