"""The explorer in a real browser: Debian's chromium driven by Playwright (never Playwright's own
browser download). Without them these tests skip, saying how to install them."""

from __future__ import annotations

import itertools
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import Emulator, EmulatorHandle

CHROMIUM = Path("/usr/bin/chromium")
HOW = (
    "no browser for the explorer's tests: install one with `apt-get install chromium` "
    "(Debian; it gives /usr/bin/chromium) and Playwright with `pip install -e '.[test]'`"
)
# Chrome reports every 4xx/5xx answer to fetch() as a console error, naming the URL.
FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
except ImportError:  # the test extra is not installed
    sync_playwright = None  # type: ignore[assignment]

_tokens = itertools.count(1)


@dataclass
class Console:
    """What the page reported: console errors and uncaught exceptions. Errors for answers that
    a test provokes on purpose are allowed by path and status; nothing else is."""

    errors: list[str] = field(default_factory=list)
    allowed: set[tuple[str, int]] = field(default_factory=set)

    def allow(self, path: str, status: int) -> None:
        self.allowed.add((path, status))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        match = FAILED_LOAD.match(message.text)
        url = str(message.location.get("url", ""))
        if match and any(
            url.split("?")[0].endswith(path) and int(match.group(1)) == status
            for path, status in self.allowed
        ):
            return
        self.errors.append(f"console error: {message.text} ({url})")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture(scope="package")
def emulator() -> Iterator[Emulator]:
    """The seeded default (seed 42: 8 customers, 7 days, 20,000 events) on a free port."""
    with Emulator() as emu:
        yield emu


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if sync_playwright is None or not CHROMIUM.exists():
        pytest.skip(HOW)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture
def tenant(emulator: Emulator) -> EmulatorHandle:
    """This test's own tenant (its own token) of the package's emulator."""
    return emulator.tenant(f"browser test {next(_tokens)}")


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh page (its own localStorage) at 1280x900; checks at the end that it reported no
    error but those its test allowed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    yield page
    context.close()
    assert console.errors == []


def open_explorer(page: Page, tenant: EmulatorHandle, query: str = "") -> None:
    """The explorer on this tenant, once it has drawn everything it draws first."""
    page.goto(f"{tenant.url}/_emulator/ui?{query}token={tenant.token}")
    page.wait_for_selector("body[data-ready=true]")


def all_usage(tenant: EmulatorHandle, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of POST /v1/usage for `body`, following next_page (urllib, not the browser)."""
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        path = (
            "/v1/usage" if cursor is None else f"/v1/usage?next_page={urllib.parse.quote(cursor)}"
        )
        page = tenant.request("POST", path, body)
        rows += page["data"]
        cursor = page["next_page"]
        if cursor is None:
            return rows
