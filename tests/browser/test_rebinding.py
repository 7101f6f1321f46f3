"""DNS rebinding in a real browser: a page on a name its author controls, re-resolved to the
emulator (a host-resolver rule), can neither read nor reset a tenant."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest

from emulator.testing import EmulatorHandle
from tests.browser.conftest import CHROMIUM, HOW

pytest.importorskip("playwright.sync_api", reason=HOW)
from playwright.sync_api import Browser

ATTACKER = "rebind.attacker.example"
# What the attacker's page does once its name points at 127.0.0.1: same-origin requests, so the
# browser sends them and lets the page read the answers, as the finding did.
SCRIPT = """async token => {
    const auth = {Authorization: 'Bearer ' + token};
    const read = await fetch('/_emulator/state', {headers: auth});
    const reset = await fetch('/_emulator/reset', {method: 'POST', headers: auth});
    return {read: read.status, readBody: await read.text(), reset: reset.status,
            resetBody: await reset.text()};
}"""


@pytest.fixture
def rebinding_browser(browser: Browser) -> Iterator[Browser]:
    """Chromium that resolves the attacker's name to 127.0.0.1."""
    rebound = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=[f"--host-resolver-rules=MAP {ATTACKER} 127.0.0.1"]
    )
    yield rebound
    rebound.close()


class TestRebinding:
    """Same-origin requests carrying the attacker's Host are refused; the tenant is unchanged."""

    def test_page_cannot_read_or_reset(
        self, rebinding_browser: Browser, tenant: EmulatorHandle
    ) -> None:
        tenant.request(
            "POST",
            "/v1/customers",
            {"name": "kept through the attack", "ingest_aliases": ["kept-alias"]},
        )
        before = tenant.state()
        port = urllib.parse.urlsplit(tenant.url).port
        origin = f"http://{ATTACKER}:{port}"
        page = rebinding_browser.new_page()
        # The attacker's page, after its name was re-resolved: a document of that origin served
        # from 127.0.0.1 (whatever it says, its scripts run with that origin).
        page.goto(f"{origin}/_emulator/health")
        outcome = page.evaluate(SCRIPT, tenant.token)
        page.close()
        assert outcome["read"] == 403, outcome
        assert outcome["reset"] == 403, outcome
        assert "--allowed-host" in json.loads(outcome["readBody"])["message"]
        assert "kept through the attack" not in outcome["readBody"]
        assert tenant.state() == before
