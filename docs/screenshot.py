"""Takes docs/explorer.png: the explorer on the seeded default, 1280x900, in headless chromium.

    python docs/screenshot.py

Needs Debian's chromium (`apt-get install chromium`) and the test extra (Playwright).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from emulator.testing import Emulator

OUT = Path(__file__).resolve().parent / "explorer.png"


def main() -> None:
    # The clock a week into the seeded days, so that event search covers them.
    with (
        Emulator(token="demo", clock="2024-01-08T00:00:00Z") as emu,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{emu.url}/_emulator/ui?token={emu.token}")
        page.wait_for_selector("body[data-ready=true]")
        page.screenshot(path=str(OUT))
        browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
