"""The pytest plugin, run in an inner pytest session (pytester)."""

from __future__ import annotations

import re

import pytest

from tests.helpers import ROOT, SMALL

README = (ROOT / "README.md").read_text()


def readme_block(after: str) -> str:
    start = README.index(after)
    match = re.compile(r"```python\n(.*?)```", re.S).search(README, start)
    assert match
    return match.group(1)


@pytest.fixture(autouse=True)
def inner_ini(pytester: pytest.Pytester) -> None:
    """The inner sessions get the settings a user's project would have."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


class TestPlugin:
    """The fixture needs no setup, isolates tests and honours the marker and settings."""

    def test_readme_example(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(readme_block("## In a pytest suite"))
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
                assert metronome_emulator.request("GET", "/_emulator/config") == {{"page_size": 4}}
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
        pytester.makepyfile(
            """
            def test_env(metronome_emulator):
                assert len(metronome_emulator.state()["events"]) == 12
            """
        )
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
