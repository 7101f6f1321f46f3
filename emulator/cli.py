"""`metronome-emulator` (or `python -m emulator`): options, environment, start-up line, signals."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from emulator import __version__
from emulator.settings import Settings
from emulator.wire.limits import RESET_EVENTS
from emulator.wire.timestamps import parse_rfc3339

# The application (its pydantic models, the store, rating, aiohttp's server) is imported by
# `main`, once the options are read: `--help`, `--version` and a bad option answer without it,
# and it is imported with the garbage collector off (see `main`).

__all__ = ["build_parser", "console", "main", "settings_from"]

DEFAULTS = Settings()

# uvloop (a dependency except on Windows) answers the same requests in 20-30% less time.
if sys.platform == "win32":
    run = asyncio.run
else:
    import uvloop

    run = uvloop.run


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _page_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 100_000:
        raise ValueError(text)
    return value


def _clock(text: str) -> int:
    return parse_rfc3339(text)


def _switch(text: str) -> bool:
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise ValueError(text)


def _seed_cache(text: str) -> Path | None:
    if text == "off":
        return None
    if text == "default":
        from emulator.scenario.seed_cache import default_folder

        return default_folder()
    return Path(text)


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value <= 86400:
        raise ValueError(text)
    return value


_positive.__name__ = "non-negative integer"
_seed_cache.__name__ = "folder, 'default' or 'off'"
_seconds.__name__ = "number of seconds (above 0, at most 86400)"
_clock.__name__ = "RFC 3339 timestamp with an offset"
_page_size.__name__ = "page size (1..100000)"
_switch.__name__ = "switch (1, true, yes, 0, false or no)"

# (flag, environment variable, type, default, help)
_OPTIONS: list[tuple[str, str, Callable[[str], Any], Any, str]] = [
    ("--host", "EMULATOR_HOST", str, DEFAULTS.host, "interface to bind (0.0.0.0 in a container)"),
    ("--port", "EMULATOR_PORT", int, DEFAULTS.port, "TCP port; 0 picks a free one"),
    ("--seed", "EMULATOR_SEED", int, DEFAULTS.seed, "seed of the generated scenario"),
    (
        "--page-size",
        "EMULATOR_PAGE_SIZE",
        _page_size,
        DEFAULTS.page_size,
        "rows per page of POST /v1/usage unless the request or a runtime setting says otherwise",
    ),
    (
        "--fixtures",
        "EMULATOR_FIXTURES",
        Path,
        None,
        "load this fixture document (JSON) instead of generating a scenario",
    ),
    (
        "--customers",
        "EMULATOR_CUSTOMERS",
        _positive,
        DEFAULTS.customers,
        "customers in the generated scenario",
    ),
    (
        "--days",
        "EMULATOR_DAYS",
        _positive,
        DEFAULTS.days,
        "UTC days of events in the generated scenario, from 2024-01-01",
    ),
    (
        "--events",
        "EMULATOR_EVENTS",
        _positive,
        DEFAULTS.events,
        "usage events in the generated scenario",
    ),
    (
        "--state-file",
        "EMULATOR_STATE_FILE",
        Path,
        None,
        "keep every token's state in this file: loaded at start, written on shutdown and on "
        "POST /_emulator/snapshot",
    ),
    (
        "--journal-size",
        "EMULATOR_JOURNAL_SIZE",
        _positive,
        DEFAULTS.journal_size,
        "request journal entries kept per token (0 keeps none)",
    ),
    (
        "--clock",
        "EMULATOR_CLOCK",
        _clock,
        None,
        "freeze every token's clock at this instant at start (RFC 3339, e.g. "
        "2024-01-08T00:00:00Z); a test moves it with POST /_emulator/clock. Default: the wall "
        "clock, as in Metronome",
    ),
    (
        "--max-tenants",
        "EMULATOR_MAX_TENANTS",
        _positive,
        DEFAULTS.max_tenants,
        "tokens kept in memory; past it the least recently used one is forgotten (logged on "
        "standard error and counted in /_emulator/health) and starts afresh. 0: no limit",
    ),
    (
        "--reset-max-events",
        "EMULATOR_RESET_MAX_EVENTS",
        _positive,
        DEFAULTS.reset_max_events,
        "the most events POST /_emulator/reset may generate for one token (at most 1,000,000: "
        "about 400 MB and 10 s each)",
    ),
    (
        "--seed-cache",
        "EMULATOR_SEED_CACHE",
        _seed_cache,
        "off",
        "folder of built seeds: a generated scenario of 10,000 events or more is kept there "
        "and loaded by a later start with the same options and code ('default': "
        "$XDG_CACHE_HOME/metronome-emulator or ~/.cache/metronome-emulator; 'off', the "
        "default: none kept or read, since entries are pickles)",
    ),
    (
        "--idle-timeout",
        "EMULATOR_IDLE_TIMEOUT",
        _seconds,
        DEFAULTS.idle_timeout,
        "seconds a connection may wait for a request before it is closed: idle between requests "
        "(keep-alive), or with a request head that has not fully arrived (a slowloris client)",
    ),
    (
        "--body-timeout",
        "EMULATOR_BODY_TIMEOUT",
        _seconds,
        DEFAULTS.body_timeout,
        "seconds a request body may take to arrive in full; past it the request is a 408 and "
        "the connection is closed",
    ),
    (
        "--response-cache-mb",
        "EMULATOR_RESPONSE_CACHE_MB",
        _positive,
        DEFAULTS.response_cache_mb,
        "megabytes of finished usage pages kept to answer repeated requests at once; every "
        "write to a token's state retires its pages (0 keeps none)",
    ),
]


class _EnvError(Exception):
    pass


class _ShutdownError(Exception):
    """The state file could not be written on shutdown (the previous one is intact)."""


class _PartialShutdownError(Exception):
    """The state file was written on shutdown without some tenants (named in the message)."""


# Exit statuses: 0 clean; 1 the state file could not be written at all (the previous one is
# intact), or the port could not be bound; 2 bad options, fixtures or state file at start; 3 the
# state file was written without the tenants the message names (every other tenant's is in it).
EXIT_PARTIAL_STATE = 3


def _env_default(name: str, convert: Callable[[str], Any], default: Any) -> Any:
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    try:
        return convert(text)
    except ValueError:
        raise _EnvError(f"{name}={text!r} is not a valid {convert.__name__}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="metronome-emulator",
        description="A local emulator of Metronome's usage API (POST /v1/usage) over a seeded "
        "in-memory event store. Every option can also be set with the environment variable "
        "shown; a flag wins over the variable.",
    )
    for flag, env, convert, default, text in _OPTIONS:
        parser.add_argument(
            flag,
            type=convert,
            default=_env_default(env, convert, default),
            help=f"{text} [env {env}; default {default}]",
        )
    tokens = os.environ.get("EMULATOR_TOKENS", "")
    parser.add_argument(
        "--token",
        dest="tokens",
        action="append",
        default=None,
        help="accept only this bearer token; repeat for several [env EMULATOR_TOKENS, "
        "comma-separated; default: any non-empty token]",
    )
    hosts = os.environ.get("EMULATOR_ALLOWED_HOSTS", "")
    parser.add_argument(
        "--allowed-host",
        dest="allowed_hosts",
        action="append",
        default=None,
        help="also answer requests whose Host is this name (repeatable; '.example.test' allows "
        "every name under it, '*' any name). Loopback names, IP literals and single-label "
        "service names (a docker-compose or Kubernetes sidecar's) are always answered; any other "
        "name is refused, as a guard against DNS rebinding [env EMULATOR_ALLOWED_HOSTS, "
        "comma-separated; default: none]",
    )
    parser.set_defaults(
        env_tokens=[t for t in tokens.split(",") if t],
        env_hosts=[h.strip() for h in hosts.split(",") if h.strip()],
    )
    parser.add_argument(
        "--exit-with-stdin",
        action="store_true",
        default=_env_default("EMULATOR_EXIT_WITH_STDIN", _switch, False),
        help="stop when standard input closes: for a parent process that runs the emulator as "
        "its child, so that it stops even if the parent dies [env EMULATOR_EXIT_WITH_STDIN=1; "
        "default off]",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def settings_from(argv: Sequence[str] | None = None) -> Settings:
    args = build_parser().parse_args(argv)
    return Settings(
        host=args.host,
        port=args.port,
        seed=args.seed,
        page_size=args.page_size,
        fixtures=args.fixtures,
        tokens=tuple(args.tokens if args.tokens is not None else args.env_tokens),
        allowed_hosts=tuple(
            args.allowed_hosts if args.allowed_hosts is not None else args.env_hosts
        ),
        customers=args.customers,
        days=args.days,
        events=args.events,
        journal_size=args.journal_size,
        state_file=args.state_file,
        response_cache_mb=args.response_cache_mb,
        seed_cache=args.seed_cache,
        clock=args.clock,
        max_tenants=args.max_tenants,
        reset_max_events=min(args.reset_max_events, RESET_EVENTS),
        idle_timeout=args.idle_timeout,
        body_timeout=args.body_timeout,
        exit_with_stdin=args.exit_with_stdin,
    )


async def serve(settings: Settings, collect_when_listening: bool = False) -> None:
    """Build the app, listen, print the start-up line and wait for a signal; then the garbage
    collector is turned on if `collect_when_listening` (`main` turned it off to start)."""
    # asyncio's runner put in a SIGINT handler that only cancels this task, which building the
    # app (seconds for a big scenario) never lets run: until it is built, SIGINT interrupts it,
    # as SIGTERM does (`main`).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from emulator.app import create_app
    from emulator.tenancy.statefile import PartialStateFileError, StateFileError
    from emulator.web.keys import TENANTS
    from emulator.web.server import start

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if settings.exit_with_stdin:
        threading.Thread(
            target=_stop_at_end_of_input, args=(loop, stop), name="stdin", daemon=True
        ).start()
    app = create_app(settings)
    # Then they set `stop`, from before the server listens: a signal sent right after the
    # start-up line is not lost.
    _stop_on_signals(loop, stop)
    runner = await start(app, settings.host, settings.port)
    host, port = runner.addresses[0][:2]
    initial = app[TENANTS].initial
    source = f"fixtures {settings.fixtures}" if settings.fixtures else f"seed {settings.seed}"
    print(
        f"metronome-emulator {__version__} listening on http://{host}:{port} ({source}: "
        f"{len(initial.customers)} customers, {len(initial.metrics)} billable metrics, "
        f"{len(initial.events)} events)",
        flush=True,
    )
    if collect_when_listening:
        # What starting made lives as long as the process: out of the collector's walks for
        # good (gc.freeze), rather than walked whole by the first collection, in the middle of a
        # request. A few thousand objects of start-up garbage are kept with it.
        gc.freeze()
        gc.enable()
    try:
        await stop.wait()
    finally:
        try:
            await runner.cleanup()  # writes --state-file
        except PartialStateFileError as exc:
            raise _PartialShutdownError(str(exc)) from None
        except StateFileError as exc:
            raise _ShutdownError(str(exc)) from None


_STOPPING = (signal.SIGINT, signal.SIGTERM)


def _stop_on_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set `stop`. Windows' event loops have no signal handlers: there
    `signal.signal` does it (Ctrl-C; a parent's terminate() ends the process outright)."""
    for sig in _STOPPING:
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))


def _stop_at_end_of_input(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Read standard input to its end (a parent that closed the pipe, or died), then stop. It
    reads the file descriptor, not `sys.stdin`, whose buffer lock a thread still blocked on it
    would hold at interpreter shutdown; an input that cannot be read (none at all) has ended."""
    while True:
        try:
            if not os.read(0, 65536):
                break
        except OSError:  # no readable standard input at all: it has ended
            break
    if not loop.is_closed():
        loop.call_soon_threadsafe(stop.set)


def _open_standard_descriptors() -> None:
    """A standard descriptor started closed gets /dev/null: otherwise the next socket would take
    its number, and libuv (under uvloop) aborts the process when it closes a socket below 3."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until a signal: the exit status.

    The garbage collector is off from here until the server listens. Starting makes long-lived
    objects (modules, classes, pydantic's validators, the base state) and next to no garbage, and
    every few hundred of those allocations set off a collection that walks them again: about 50 ms
    of the seeded default's 0.7 s start, 1 to 3 s of building a million events. Refcounting still
    frees everything that is dropped."""
    _open_standard_descriptors()
    try:
        settings = settings_from(argv)
    except _EnvError as exc:
        print(f"metronome-emulator: error: {exc}", file=sys.stderr)
        return 2
    collecting = gc.isenabled()
    gc.disable()
    # Until the server listens, SIGINT and SIGTERM interrupt the start, which then ends with
    # status 0 (a child building ahead inherits them and leaves); `serve` hands them to the loop
    # once the app is built. Put back as they were when `main` returns.
    kept = {sig: signal.signal(sig, signal.default_int_handler) for sig in _STOPPING}
    from emulator.scenario import ahead

    try:
        ahead.start(settings)  # the seed built in a child while the application is imported
        return _main(settings, collecting)
    except KeyboardInterrupt:  # a signal while the app was still being built
        return 0
    finally:
        ahead.discard()  # a child the start never read, when it failed before it needed it
        for sig, handler in kept.items():
            signal.signal(sig, handler)
        if collecting:  # and serve() did not get as far as listening
            gc.enable()


def _main(settings: Settings, collecting: bool) -> int:
    from emulator.scenario.initial import FixtureError
    from emulator.tenancy.statefile import StateFileError

    try:
        run(serve(settings, collect_when_listening=collecting))
    except (FixtureError, StateFileError) as exc:
        print(f"metronome-emulator: error: {exc}", file=sys.stderr)
        return 2
    except _ShutdownError as exc:
        print(f"metronome-emulator: error on shutdown: {exc}", file=sys.stderr)
        return 1
    except _PartialShutdownError as exc:
        print(f"metronome-emulator: error on shutdown: {exc}", file=sys.stderr)
        return EXIT_PARTIAL_STATE
    except OSError as exc:  # the port is taken, the host does not exist...
        print(
            f"metronome-emulator: error: cannot listen on {settings.host}:{settings.port}: "
            f"{exc.strerror}",
            file=sys.stderr,
        )
        return 1
    return 0


def console() -> NoReturn:
    """The `metronome-emulator` and `python -m emulator` entry point: `main()`, then the process
    ends without freeing its heap object by object, which takes 0.2 s at the seeded default and
    seconds at a million events and leaves nothing behind that the exit does not. The state file
    is written by then (on shutdown, inside `main`), and the output is flushed here."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
