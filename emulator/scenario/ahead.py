"""The seeded scenario built in a forked child while the server imports the application.

A start spends most of its time on two things that do not depend on each other: importing
aiohttp, pydantic and the emulator's modules, and generating and ingesting the seed. On Linux,
`start` forks once the scenario's own modules are imported; the child builds the scenario exactly
as `initial.build_scenario` does and sends it back pickled through a pipe, and `take` reads it
when the application is created. On two cores the seeded default answers its first health check
about 15% sooner (0.49 s instead of 0.57 with its bytecode compiled, 0.51 instead of 0.62
compiling its source).

Only where it pays and is safe: a generated scenario of fewer than `AHEAD_BELOW` events (a bigger
one takes seconds to build, and copying it back would cost more than the overlap saves), no seed
cache folder (a cache entry loads in milliseconds), Linux (`fork` without `exec` is not safe with
macOS's system frameworks and does not exist on Windows), at least two CPUs to run on (on one,
the two processes take turns and the copy is pure cost), and a process with no other thread.
The child inherits the parent's hash seed, so it builds what the parent would have built. If it
fails in any way (an error, a kill, a payload cut short), `take` answers None and the parent
builds the scenario itself, which raises the same error, if any, where it is reported. A child
that is never read (the start failed before the scenario was needed) is killed by `discard`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from emulator.settings import Settings

if TYPE_CHECKING:  # the parent imports these only later, after the fork
    from emulator.metering.store import Store
    from emulator.scenario.seed_cache import Rating

__all__ = ["AHEAD_BELOW", "discard", "options_of", "start", "take"]

AHEAD_BELOW = 100_000

Options = tuple[int, int, int, int]  # seed, customers, days, events

# The payload's length, before it: a payload that arrived whole came from a child that finished,
# whatever its exit status says (a parent that ignores SIGCHLD never sees one).
_LENGTH = 8

# The children started and not yet read: the options each builds, its pid and its pipe's end.
_pending: dict[Options, tuple[int, int]] = {}


def options_of(settings: Settings) -> Options:
    return (settings.seed, settings.customers, settings.days, settings.events)


def start(settings: Settings) -> None:
    """Fork a child that builds the settings' seeded scenario, where that pays (see above)."""
    options = options_of(settings)
    if (
        sys.platform != "linux"
        or settings.fixtures is not None
        or settings.seed_cache is not None
        or not 0 < settings.events < AHEAD_BELOW
        or threading.active_count() > 1
        or options in _pending
        or _cpus() < 2
    ):
        return
    # What both need, imported once before the fork: the child inherits it and goes straight
    # to building, while the parent goes on to aiohttp and the rest.
    from emulator.scenario.initial import build_scenario

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _build_and_send(build_scenario, options, write)  # never returns
    os.close(write)
    _pending[options] = (pid, read)


def _cpus() -> float:
    """How many CPUs this process may use: the ones it may run on, within its cgroup's quota
    (`docker run --cpus 1` leaves every core in the affinity mask but one CPU of time)."""
    cpus: float = len(os.sched_getaffinity(0))
    try:
        with open("/sys/fs/cgroup/cpu.max") as limits:
            quota, period = limits.read().split()
    except (OSError, ValueError):  # no cgroup v2 limits to read: the mask alone
        return cpus
    return cpus if quota == "max" else min(cpus, int(quota) / int(period))


def _build_and_send(build: Callable[..., object], options: Options, write: int) -> None:
    """The child: build, pickle, write, and leave with `os._exit` (no cleanup of the parent's
    state, no buffered output written twice); any failure exits 1, and the parent builds. Its
    standard streams go to /dev/null: the parent's may be a pipe whose reader waits for its end."""
    status = 1
    try:
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        data = pickle.dumps(build(*options), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(len(data).to_bytes(_LENGTH, "big"))
            out.write(data)
        status = 0
    finally:
        os._exit(status)


def take(options: Options) -> tuple[Store, Rating] | None:
    """What the child built for these options, `(store, rating fields)`; None when none was
    started or it did not send all of it."""
    pending = _pending.pop(options, None)
    if pending is None:
        return None
    pid, read = pending
    with os.fdopen(read, "rb") as source:
        data = source.read()
    _reap(pid)
    if len(data) != _LENGTH + int.from_bytes(data[:_LENGTH], "big"):  # cut short, or nothing
        return None
    built: tuple[Store, Rating] = pickle.loads(memoryview(data)[_LENGTH:])
    return built


def discard() -> None:
    """Kill and reap the children no one read (a start that failed before it needed them)."""
    while _pending:
        _, (pid, read) = _pending.popitem()
        with contextlib.suppress(ProcessLookupError):  # it has already exited
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
        os.close(read)


def _reap(pid: int) -> None:
    # A parent that ignores SIGCHLD (inherited across exec) has its children reaped by the
    # kernel: there is nothing left to wait for.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
