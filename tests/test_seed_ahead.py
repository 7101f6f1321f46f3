"""The seed built ahead in a forked child (`emulator/scenario/ahead.py`) is the seed built in place,
and a child that fails leaves the parent to build it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from emulator.testing import Emulator, EmulatorProcess

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="built ahead on Linux only")

# Run in an interpreter of its own: `start` forks only a process with no other thread, and a test
# session has some. It prints whether a child was started, then the sha256 of what the scenario
# is (the store's document, a usage page over every row, the rating fields) taken from the child
# (`take`), then of the same options built in place.
PROGRAM = textwrap.dedent(
    """
    import hashlib, sys
    import orjson
    from emulator.metering.usage import UsagePage, UsageScope
    from emulator.scenario import ahead, initial
    from emulator.settings import Settings
    from emulator.wire.models import UsageQuery

    def digest(built):
        store, rating = built
        query = UsageQuery.model_validate({
            "starting_on": "2024-01-01T00:00:00Z",
            "ending_before": "2024-01-05T00:00:00Z",
            "window_size": "hour",
        })
        page = b",".join(UsagePage(store, UsageScope.resolve(store, query), None, 10**6).chunks())
        whole = orjson.dumps([store.to_document(), rating]) + page
        return hashlib.sha256(whole).hexdigest()

    settings = Settings(seed=11, customers=5, days=4, events=6_000)
    if sys.argv[1] == "fail":
        def fail(*options):
            raise RuntimeError("the child fails")
        initial.build_scenario = fail
    ahead.start(settings)
    print(bool(ahead._pending))
    taken = ahead.take(ahead.options_of(settings))
    print(None if taken is None else digest(taken))
    """
)


def run(mode: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def built_in_place() -> str:
    code = PROGRAM.split("settings = Settings")[0] + textwrap.dedent(
        """
        print(digest(initial.build_scenario(11, 5, 4, 6_000)))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_child_builds_what_the_parent_would() -> None:
    started, taken = run("ok")
    assert started == "True"
    assert taken == built_in_place()


def test_a_child_that_fails_is_built_in_place() -> None:
    started, taken = run("fail")
    assert started == "True"
    assert taken == "None"  # `take` says so, and `initial._generated` builds in place


def test_a_started_emulator_answers_as_one_that_built_in_place() -> None:
    """`python -m emulator` on the seeded default (built ahead) against the in-thread handle,
    which never forks: the same state document and the same usage page."""
    query = {
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-08T00:00:00Z",
        "window_size": "day",
    }
    answers = []
    for handle in (EmulatorProcess("t"), Emulator("t")):
        with handle as emulator:
            answers.append((emulator.state(), emulator.request("POST", "/v1/usage", query)))
    assert answers[0] == answers[1]
    assert answers[0][0]["events"]
    assert answers[0][1]["data"]
