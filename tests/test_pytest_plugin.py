"""The pytest plugin, run in an inner pytest session (pytester)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import SMALL, doc_block


@pytest.fixture(autouse=True)
def inner_ini(pytester: pytest.Pytester) -> None:
    """The inner sessions get the settings a user's project would have."""
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nasyncio_mode = auto\n"
    )


class TestPlugin:
    """The fixture needs no setup, isolates tests and honours the marker and settings."""

    def test_readme_example(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(doc_block("README.md", "python", "**In a pytest suite.**"))
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(passed=2)

    def test_testing_page_example(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(doc_block("docs/testing.md", "python", "This file runs as written"))
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(passed=3)

    def test_tests_are_isolated(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(
            f"""
            import json, pathlib

            def test_one(metronome_emulator):
                metronome_emulator.load(json.loads(pathlib.Path({str(SMALL)!r}).read_text()))
                assert len(metronome_emulator.state()["events"]) == 21

            def test_two(metronome_emulator):
                assert len(metronome_emulator.state()["events"]) == 30
            """
        )
        pytester.makeconftest(
            """
            import pytest

            @pytest.fixture(scope="session")
            def metronome_emulator_settings():
                return {"customers": 2, "days": 1, "events": 30}
            """
        )
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)

    def test_marker_fixtures(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(
            f"""
            import pytest

            @pytest.mark.metronome_emulator(fixtures={str(SMALL)!r}, page_size=4)
            def test_small(metronome_emulator):
                assert len(metronome_emulator.state()["customers"]) == 3
                assert metronome_emulator.request("GET", "/_emulator/config") == {{"page_size": 4, "invoice_grace_seconds": 86400}}
            """
        )
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)

    def test_marker_misuse(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(
            """
            import pytest

            @pytest.mark.metronome_emulator(sede=7)
            def test_typo(metronome_emulator):
                pass
            """
        )
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*metronome_emulator marker takes only*"])

    def test_environment_configures_the_session(
        self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("EMULATOR_EVENTS", "12")
        monkeypatch.setenv("EMULATOR_CUSTOMERS", "2")
        monkeypatch.setenv("EMULATOR_PAGE_SIZE", "5")
        # A sidecar's own variables do not reach the session's emulator.
        monkeypatch.setenv("EMULATOR_PORT", "1")
        monkeypatch.setenv("EMULATOR_TOKENS", "only-the-sidecar-token")
        pytester.makepyfile(
            """
            def test_env(metronome_emulator):
                assert len(metronome_emulator.state()["events"]) == 12
                assert metronome_emulator.request("GET", "/_emulator/config") == {"page_size": 5, "invoice_grace_seconds": 86400}
            """
        )
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)

    def test_a_bad_variable_fails_the_tests_that_need_the_emulator(
        self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("EMULATOR_PAGE_SIZE", "0")
        pytester.makepyfile(
            """
            def test_env(metronome_emulator):
                pass

            def test_other():
                pass
            """
        )
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(passed=1, errors=1)
        result.stdout.fnmatch_lines(
            [
                "*the emulator did not start (exit code 2)*",
                "*argument --page-size: invalid page size (1..100000) value: '0'",
            ]
        )


def test_loading_the_plugin_loads_no_server() -> None:
    """Every pytest session where the package is installed imports the plugin: it stays light,
    and the server's modules load only in the emulator's own process."""
    code = (
        "import sys, emulator.testing.pytest_plugin\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('aiohttp', 'pydantic', 'faker', 'asyncio') or m in ('emulator.app', 'emulator.cli'))\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


class TestAtScale:
    """Tenants are dropped when their test ends; SDK clients come bound to the test's tenant."""

    def test_tenant_dropped_after_each_test(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(
            """
            import urllib.request, json

            def health(url):
                with urllib.request.urlopen(url + "/_emulator/health") as response:
                    return json.loads(response.read())

            def test_writes(metronome_emulator):
                metronome_emulator.reset(customers=1, days=1, events=5)
                assert health(metronome_emulator.url)["tenants"] == 1

            def test_after(metronome_emulator, metronome_emulator_server):
                # The first test's tenant is gone; this test's is made on its first request.
                assert health(metronome_emulator.url)["tenants"] == 0
                assert len(metronome_emulator.state()["events"]) == 20_000
                old = metronome_emulator_server.tenant("pytest-1")
                assert len(old.state()["events"]) == 20_000  # afresh from the seed
            """
        )
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)

    def test_sdk_clients_with_clock_marker(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(
            """
            import pytest

            EVENT = {"transaction_id": "t1", "customer_id": "c", "event_type": "call",
                     "timestamp": "2024-03-01T10:00:00Z"}

            @pytest.mark.metronome_emulator(clock="2024-03-02T00:00:00Z")
            def test_sync(metronome_client, metronome_emulator):
                assert metronome_emulator.clock() == {"now": "2024-03-02T00:00:00Z", "frozen": True}
                customer = metronome_client.v1.customers.create(name="Acme").data
                metric = metronome_client.v1.billable_metrics.create(
                    name="Calls", aggregation_type="COUNT").data
                metronome_client.v1.usage.ingest(usage=[{**EVENT, "customer_id": customer.id}])
                rows = list(metronome_client.v1.usage.list(
                    starting_on="2024-03-01T00:00:00Z", ending_before="2024-03-02T00:00:00Z",
                    window_size="DAY", customer_ids=[customer.id],
                    billable_metrics=[{"id": metric.id}]))
                assert [row.value for row in rows] == [1]
                assert metronome_client.bearer_token == metronome_emulator.token

            @pytest.mark.metronome_emulator(clock="2024-03-02T00:00:00Z")
            async def test_async(metronome_async_client, metronome_emulator):
                await metronome_async_client.v1.usage.ingest(usage=[EVENT])
                found = await metronome_async_client.v1.usage.search(transaction_ids=["t1"])
                assert [event.transaction_id for event in found] == ["t1"]
                await metronome_async_client.close()
            """
        )
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)

    def test_a_proxy_in_the_environment_is_not_used(
        self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """As in a CI job behind a proxy: the clients and the handle still reach the child."""
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens on port 9
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        pytester.makepyfile(
            """
            def test_sync(metronome_client, metronome_emulator):
                metronome_emulator.reset(customers=1, days=1, events=5)
                assert len(metronome_client.v1.customers.list().data) == 1

            async def test_async(metronome_async_client, metronome_emulator):
                listed = (await metronome_async_client.v1.customers.list()).data
                customers = metronome_emulator.state()["customers"]
                assert [c.id for c in listed] == [
                    c["id"] for c in customers if c.get("archived_at") is None]
                await metronome_async_client.close()
            """
        )
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)

    def test_skips_without_the_sdk(self, pytester: pytest.Pytester) -> None:
        pytester.makeconftest(
            """
            import sys
            sys.modules["metronome"] = None  # as if metronome-sdk were not installed
            """
        )
        pytester.makepyfile(
            """
            def test_needs_sdk(metronome_client):
                raise AssertionError("not reached")
            """
        )
        result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
        result.assert_outcomes(skipped=1)
        result.stdout.fnmatch_lines(["*pip install metronome-sdk*"])
