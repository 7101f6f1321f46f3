"""The seeded scenario made in a forked child while the server imports the application.

A start spends most of its time on two things that do not depend on each other: importing
aiohttp, pydantic and the emulator's modules, and generating and ingesting the seed. On Linux,
`start` forks once the scenario's own modules are imported, and the child does one of two things:

- A scenario of fewer than `AHEAD_BELOW` events: the child builds it exactly as
  `initial.build_scenario` does and sends it back pickled through a pipe, and `take` reads it when
  the application is created. On two cores the seeded default answers its first health check about
  15% sooner (0.49 s instead of 0.57 with its bytecode compiled, 0.51 instead of 0.62 compiling its
  source).
- A bigger one takes seconds to build, and copying a built store back would cost more than the
  overlap saves. There the child only generates the events and streams them through the pipe, a
  frame of `FRAME` at a time, while the parent ingests the frames before them (`events`): the
  generator's third of the build runs beside the ingest. The child keeps at most `_QUEUED` frames
  ahead of the pipe. A million events answer their first health check in 8.6 s instead of 11.3
  (medians of three alternating starts); not a third sooner, as the ingest runs about a third
  slower beside a generating sibling on this machine's two cores.

Only where it pays and is safe: a generated scenario (no fixture file), no seed cache folder (a
cache entry loads in milliseconds), Linux (`fork` without `exec` is not safe with macOS's system
frameworks and does not exist on Windows), at least two CPUs to run on (on one, the two processes
take turns and the copy is pure cost), and a process with no other thread. The child inherits the
parent's hash seed, so it makes what the parent would have made. If it fails in any way (an error,
a kill, a payload cut short), `take` answers None, or the stream raises `StreamCut`, and the parent
builds the scenario itself, which raises the same error, if any, where it is reported. A child
that is never read (the start failed before the scenario was needed) is ended by `discard`, a
stream closed before its end ends its child (`Stream.close`), and a child whose parent is gone
dies of the broken pipe at its next write. The child inherits `main`'s signal handlers: SIGINT or
SIGTERM ends it as they end the start.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from itertools import islice, repeat
from typing import TYPE_CHECKING, BinaryIO, NoReturn

from emulator.settings import Settings

if TYPE_CHECKING:  # the parent imports these only later, after the fork
    from emulator.metering.store import Store
    from emulator.scenario.seed import GeneratedEvent
    from emulator.scenario.seed_cache import Rating

__all__ = [
    "AHEAD_BELOW",
    "FRAME",
    "Stream",
    "StreamCut",
    "discard",
    "events",
    "options_of",
    "start",
    "take",
]

AHEAD_BELOW = 100_000
FRAME = 10_000  # events a frame of a streamed scenario: about 0.8 MB pickled
_QUEUED = 32  # frames a streaming child holds ahead of the pipe (about 25 MB)

Options = tuple[int, int, int, int]  # seed, customers, days, events

# The payload's length, before it: a payload that arrived whole came from a child that finished,
# whatever its exit status says (a parent that ignores SIGCHLD never sees one).
_LENGTH = 8

# The children started and not yet read: the options each makes, its pid and its pipe's end;
# a built store's children, and the streams' (events only).
_pending: dict[Options, tuple[int, int]] = {}
_streams: dict[Options, tuple[int, int]] = {}


class StreamCut(Exception):
    """A streamed scenario's child stopped before its last event, or sent more than were made:
    the parent builds the scenario itself."""


def options_of(settings: Settings) -> Options:
    return (settings.seed, settings.customers, settings.days, settings.events)


def start(settings: Settings) -> None:
    """Fork a child that builds the settings' seeded scenario, where that pays (see above)."""
    options = options_of(settings)
    if (
        sys.platform != "linux"
        or settings.fixtures is not None
        or settings.seed_cache is not None
        or min(settings.events, settings.customers, settings.days) <= 0  # no events to make
        or threading.active_count() > 1
        or options in _pending
        or options in _streams
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
        if settings.events < AHEAD_BELOW:
            _build_and_send(build_scenario, options, write)  # never returns
        _generate_and_stream(options, write)  # never returns
    os.close(write)
    (_pending if settings.events < AHEAD_BELOW else _streams)[options] = (pid, read)


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


def _build_and_send(build: Callable[..., object], options: Options, write: int) -> NoReturn:
    """The child: build, pickle, write, and leave with `os._exit` (no cleanup of the parent's
    state, no buffered output written twice); any failure exits 1, and the parent builds. Its
    standard streams go to /dev/null (`_quiet`)."""
    status = 1
    try:
        _quiet()
        data = pickle.dumps(build(*options), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(len(data).to_bytes(_LENGTH, "big"))
            out.write(data)
        status = 0
    finally:
        os._exit(status)


def _generate_and_stream(options: Options, write: int) -> NoReturn:
    """The child of a big scenario: its events, a frame of `FRAME` plain tuples at a time, each
    pickled after its length, then a length of 0; leaves as `_build_and_send` does. It imports
    the generator (and Faker) itself, while the parent imports the rest.

    A thread writes the frames, up to `_QUEUED` of them ahead of the pipe: the generator makes a
    day of events at once, and blocked on a full pipe it would leave the parent waiting at every
    day's start."""
    status = 1
    try:
        _quiet()
        from emulator.scenario.seed import generate

        made = iter(generate(*options).events)
        frames: queue.Queue[bytes | None] = queue.Queue(_QUEUED)
        writer = threading.Thread(target=_write_frames, args=(frames, write))
        writer.start()
        while frame := list(map(tuple, islice(made, FRAME))):
            frames.put(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL))
        frames.put(None)
        writer.join()
        status = 0
    finally:
        os._exit(status)


def _quiet() -> None:
    """A child's standard streams to /dev/null: the parent's may be a pipe whose reader waits for
    its end."""
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)


def _write_frames(frames: queue.Queue[bytes | None], write: int) -> None:
    """The child's writer: each frame after its length, then a length of 0. A failure (a broken
    pipe: the parent is gone) ends the child at once, which no one would read any more."""
    try:
        with os.fdopen(write, "wb") as out:
            while (data := frames.get()) is not None:
                out.write(len(data).to_bytes(_LENGTH, "big"))
                out.write(data)
            out.write(bytes(_LENGTH))
    except BaseException:
        os._exit(1)


def events(options: Options) -> Stream | None:
    """The events a child streams for these options, as many as the options say (a child
    streams only a scenario with customers and days, which has them all); None when no child
    streams them."""
    pending = _streams.pop(options, None)
    return None if pending is None else Stream(*pending, options[3])


class Stream:
    """A child's events, read as they are iterated (once). Iterating raises `StreamCut` where the
    stream is cut short (the child failed) or holds more or fewer events. The child is reaped
    once its last frame and the end after it are read; `close` (also where iterating stops
    early) ends a child that has not ended, whether or not iterating began."""

    def __init__(self, pid: int, read: int, expected: int) -> None:
        self._pid: int | None = pid  # until it is reaped
        self._source = os.fdopen(read, "rb")
        self._expected = expected

    def __iter__(self) -> Iterator[GeneratedEvent]:
        from emulator.scenario.seed import GeneratedEvent

        count, expected, source = 0, self._expected, self._source
        try:
            while count < expected:
                size = int.from_bytes(_exactly(source, _LENGTH), "big")
                frame = pickle.loads(_exactly(source, size)) if size else []
                count += len(frame)
                if not frame or count > expected:
                    raise StreamCut(f"{count:,} events sent, {expected:,} expected")
                if count == expected:
                    if _exactly(source, _LENGTH) != bytes(_LENGTH):
                        raise StreamCut(f"more than the {expected:,} events expected")
                    pid, self._pid = self._pid, None
                    if pid is not None:  # it has sent all it had: it ends
                        _reap(pid)
                yield from map(tuple.__new__, repeat(GeneratedEvent), frame)
        finally:
            self.close()

    def close(self) -> None:
        self._source.close()
        if self._pid is not None:
            _end(self._pid)
            self._pid = None


def _exactly(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise StreamCut("the stream ended inside a frame")
    return data


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
    """End the children no one read (a start that failed before it needed them)."""
    for children in (_pending, _streams):
        while children:
            _, (pid, read) = children.popitem()
            os.close(read)
            _end(pid)


def _end(pid: int) -> None:
    """End a child that may still run, and reap it; its pipe's read end is closed first, so a
    child writing to it dies of the broken pipe. It is killed, unless SIGCHLD is ignored
    (inherited across exec): then the kernel reaps a child as it ends, so its pid may be another
    process's by now, and `_reap` waits for it to end."""
    if signal.getsignal(signal.SIGCHLD) is not signal.SIG_IGN:
        with contextlib.suppress(ProcessLookupError):  # it has already exited
            os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid: int) -> None:
    # A parent that ignores SIGCHLD has its children reaped by the kernel: there is nothing left
    # to wait for, once they have ended.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
