"""The seed made ahead in a forked child (`emulator/scenario/ahead.py`) is the seed built in place,
whether the child builds the store or streams the events; a child that fails or sends too little
(or too much) leaves the parent to build it, a child no one reads is killed, and a started emulator
keeps no child once it listens."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import Emulator, EmulatorProcess

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="built ahead on Linux only")

# Run in an interpreter of its own: `start` forks only a process with no other thread, and a test
# session has some. It prints whether a child was started, then the sha256 of what the scenario
# is (the store's document, a usage page over every row, the rating fields) as `take` gives it
# (None when it gives none), and whether any child process is left.
PROGRAM = textwrap.dedent(
    """
    import hashlib, os, pickle, signal, sys
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

    def children_left():
        try:
            return os.waitpid(-1, os.WNOHANG) is not None
        except ChildProcessError:
            return False

    mode = sys.argv[1]
    settings = Settings(seed=11, customers=5, days=4, events=6_000)
    options = ahead.options_of(settings)
    if mode == "in place":
        print(True, digest(initial.build_scenario(*options)), False)
        sys.exit()
    if mode.startswith("streamed"):  # streamed from this size on, in frames of 700 events
        ahead.AHEAD_BELOW, ahead.FRAME = 1_000, 700
    if mode in ("streamed, cut short", "streamed, too many", "streamed, past the end"):
        # A child with a stream gone wrong: one frame and no more; an event too many in its
        # last frame; every event, then a frame where the end should be.
        from emulator.scenario.seed import generate
        events = [tuple(e) for e in generate(*options).events]
        frames = {
            "streamed, cut short": [events[:700]],
            "streamed, too many": [events[:700], events[700:] + events[:1]],
            "streamed, past the end": [events[:700], events[700:], events[:1]],
        }[mode]
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            with os.fdopen(write, "wb") as out:
                for frame in frames:
                    data = pickle.dumps(frame)
                    out.write(len(data).to_bytes(8, "big") + data)
            os._exit(0)
        os.close(write)
        ahead._streams[options] = (pid, read)
        store, catalog = initial._generated(settings)  # says why on stderr, and builds here
        print(True, digest((store, initial.build_scenario(*options)[1])), children_left())
        sys.exit()
    if mode == "fail":
        def fail(*options):
            raise RuntimeError("the child fails")
        initial.build_scenario = fail
    if mode == "SIGCHLD ignored":  # inherited so across exec: the kernel reaps the child
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    if mode == "one CPU":
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if mode == "cut short":  # a child that says 100 bytes and sends 10
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(write, (100).to_bytes(8, "big") + b"x" * 10)
            os._exit(0)
        os.close(write)
        ahead._pending[options] = (pid, read)
    else:
        ahead.start(settings)
    started = bool(ahead._pending or ahead._streams)
    if mode in ("never read", "streamed, never read"):
        ahead.discard()
        print(started, None, children_left())
        sys.exit()
    if mode == "streamed, dropped":  # a stream read in part, then let go
        events = iter(ahead.events(options))
        next(events)
        events.close()
        print(started, None, children_left())
        sys.exit()
    if mode == "streamed, closed unread":  # a build that failed before it read any event
        ahead.events(options).close()
        print(started, None, children_left())
        sys.exit()
    if mode == "streamed":
        taken = initial.build_scenario(*options, ahead.events(options))
        print(started, digest(taken), children_left())
        sys.exit()
    taken = ahead.take(options)
    print(started, None if taken is None else digest(taken), children_left())
    """
)


def run(mode: str) -> tuple[str, str, str]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True
    )
    started, taken, left = done.stdout.split()
    return started, taken, left


def test_the_child_builds_what_the_parent_would() -> None:
    _, in_place, _ = run("in place")
    assert run("built ahead") == ("True", in_place, "False")
    # The kernel reaped the child: its payload, whole, is what counts.
    assert run("SIGCHLD ignored") == ("True", in_place, "False")


@pytest.mark.parametrize("mode", ["fail", "cut short"])
def test_a_child_that_fails_leaves_the_parent_to_build(mode: str) -> None:
    """`take` answers None, and `initial._generated` builds in place."""
    assert run(mode) == ("True", "None", "False")


def test_a_child_no_one_reads_is_killed() -> None:
    assert run("never read") == ("True", "None", "False")


def test_a_streamed_scenario_is_the_scenario_built_in_place() -> None:
    """Events streamed by the child in frames (`ahead.events`), ingested by the parent: the same
    store, usage and rating fields, and the child reaped once its last frame is read."""
    _, in_place, _ = run("in place")
    assert run("streamed") == ("True", in_place, "False")


@pytest.mark.parametrize(
    "mode", ["streamed, cut short", "streamed, too many", "streamed, past the end"]
)
def test_a_stream_gone_wrong_leaves_the_parent_to_build(mode: str) -> None:
    """One frame and then the end of the pipe, an event past the count, or a frame where the end
    should be: `initial._generated` catches `StreamCut`, says so, and builds the scenario
    itself."""
    _, in_place, _ = run("in place")
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True
    )
    assert tuple(done.stdout.split()) == ("True", in_place, "False")
    assert "metronome-emulator: generating the events here: " in done.stderr


@pytest.mark.parametrize(
    "mode", ["streamed, never read", "streamed, dropped", "streamed, closed unread"]
)
def test_a_streaming_child_no_one_reads_to_the_end_is_killed(mode: str) -> None:
    """Discarded before it is read, its stream closed after one event, or closed before any: the
    child, blocked on a full pipe, is ended and reaped."""
    assert run(mode) == ("True", "None", "False")


def test_no_child_on_one_cpu() -> None:
    assert run("one CPU") == ("False", "None", "False")


def test_a_started_emulator_answers_as_one_that_built_in_place() -> None:
    """`python -m emulator` on the seeded default (built ahead) against the in-thread handle,
    which never forks: the same state document and the same usage page; and once it listens,
    the emulator has no child left (its child was read, not left blocked on the pipe)."""
    query = {
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-08T00:00:00Z",
        "window_size": "day",
    }
    answers = []
    for handle in (EmulatorProcess("t"), Emulator("t")):
        with handle as emulator:
            answers.append((emulator.state(), emulator.request("POST", "/v1/usage", query)))
            if isinstance(emulator, EmulatorProcess):
                children = Path(f"/proc/{emulator.pid}/task/{emulator.pid}/children")
                assert children.read_text().split() == []
    assert answers[0] == answers[1]
    assert answers[0][0]["events"]
    assert answers[0][1]["data"]


def test_a_started_emulator_streams_a_big_seed_and_answers_as_one_built_in_place() -> None:
    """`python -m emulator` at `AHEAD_BELOW` events, whose child streams them, against the
    in-thread handle: the same usage, event for event, and no child left once it listens."""
    from emulator.scenario.ahead import AHEAD_BELOW

    options: dict[str, Any] = {"events": AHEAD_BELOW, "customers": 6, "days": 5, "page_size": 1000}
    query = {
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-06T00:00:00Z",
        "window_size": "hour",
        "billable_metrics": [],
    }
    answers = []
    for handle in (EmulatorProcess("t", **options), Emulator("t", **options)):
        with handle as emulator:
            state = emulator.state()
            metrics = [{"id": metric["id"]} for metric in state["billable_metrics"]]
            pages = []
            for metric in metrics:  # every hour of every customer, a metric at a time
                body = {**query, "billable_metrics": [metric]}
                pages.append(emulator.request("POST", "/v1/usage", body))
            answers.append(pages)
            if isinstance(emulator, EmulatorProcess):
                children = Path(f"/proc/{emulator.pid}/task/{emulator.pid}/children")
                assert children.read_text().split() == []
    assert answers[0] == answers[1]
    assert all(page["next_page"] is None for page in answers[0])  # every row, on one page
    assert sum(row["value"] or 0 for row in answers[0][0]["data"]) > 0
