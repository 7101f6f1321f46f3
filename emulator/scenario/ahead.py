"""The seeded scenario built in a forked child while the server imports the application.

A start spends most of its time on two things that do not depend on each other: importing
aiohttp, pydantic and the emulator's modules, and generating and ingesting the seed. On Linux,
`start` forks before the imports; the child builds the scenario exactly as `initial._build` does
and sends it back pickled through a pipe, and `take` reads it when the application is created.
On two cores the seeded default answers its first request about a third sooner
(bench/results/ratios.md).

Only where it pays and is safe: a generated scenario of fewer than `AHEAD_BELOW` events (a bigger
one takes seconds to build, and copying it back would cost more than the overlap saves), no seed
cache folder (a cache entry loads in milliseconds), Linux (`fork` without `exec` is not safe with
macOS's system frameworks and does not exist on Windows), and a process with no other thread.
The child inherits the parent's hash seed, so it builds what the parent would have built. If it
fails in any way (it exits non-zero, before or after writing), `take` answers None and the
parent builds the scenario itself, which raises the same error, if any, where it is reported.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from emulator.settings import Settings

if TYPE_CHECKING:  # the parent imports these only later, after the fork
    from emulator.metering.store import Store
    from emulator.scenario.seed_cache import Rating

__all__ = ["AHEAD_BELOW", "start", "take"]

AHEAD_BELOW = 100_000

Options = tuple[int, int, int, int]  # seed, customers, days, events

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


def _build_and_send(build: Callable[..., object], options: Options, write: int) -> None:
    """The child: build, pickle, write, and leave with `os._exit` (no cleanup of the parent's
    state, no buffered output written twice); any failure exits 1, and the parent builds."""
    status = 1
    try:
        data = pickle.dumps(build(*options), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(data)
        status = 0
    finally:
        os._exit(status)


def take(options: Options) -> tuple[Store, Rating] | None:
    """What the child built for these options, `(store, rating fields)`; None when none was
    started or it failed."""
    pending = _pending.pop(options, None)
    if pending is None:
        return None
    pid, read = pending
    with os.fdopen(read, "rb") as source:
        data = source.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    built: tuple[Store, Rating] = pickle.loads(data)
    return built
