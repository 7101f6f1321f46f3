"""The emulator for any test runner: in a background thread (`Emulator`) or as a child process
(`EmulatorProcess`, what the pytest plugin runs).

    with Emulator(seed=1, page_size=10, clock="2024-01-08T00:00:00Z") as emu:
        client = Metronome(base_url=emu.url, bearer_token=emu.token)

The handle talks to the control API over HTTP (stdlib only), so it works the same against an
emulator started elsewhere, such as a docker sidecar: `EmulatorHandle(url, token)`. It keeps its
connections to an emulator open between calls (sending each request once), and never goes through
a proxy: an HTTP_PROXY set for the rest of a CI job must not take the calls to a local emulator
away from it.

This module imports no part of the server until an `Emulator` starts, so that a process that
only runs `EmulatorProcess` (a pytest session) does not load it.
"""

from __future__ import annotations

import atexit
import collections
import http.client
import json
import os
import re
import select
import subprocess
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from emulator.settings import Settings
from emulator.wire.timestamps import format_rfc3339, parse_rfc3339

if TYPE_CHECKING:
    import asyncio

__all__ = ["Emulator", "EmulatorError", "EmulatorHandle", "EmulatorProcess"]

_LISTENING = re.compile(r"listening on (http://\S+)")


class EmulatorError(Exception):
    """A control call the emulator refused; carries its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class EmulatorHandle:
    """One tenant of a running emulator: its base URL and the bearer token that selects it."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def tenant(self, token: str) -> EmulatorHandle:
        """Another tenant of the same emulator, isolated from this one."""
        return EmulatorHandle(self.url, token)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """A JSON call to the emulator; EmulatorError on a 4xx or 5xx."""
        data = None if body is None else json.dumps(body).encode()
        headers = {**self.headers, "Content-Type": "application/json"}
        status, payload = _connections.send(self.url, method, path, data, headers)
        if status >= 400:
            try:
                message = json.loads(payload)["message"]
            except (ValueError, KeyError, TypeError):
                message = payload.decode(errors="replace")
            raise EmulatorError(status, message)
        return json.loads(payload) if payload else None

    def reset(self, **options: int) -> dict[str, int]:
        """Back to the seeded state; with options (seed, customers, days, events), a new one."""
        return dict(self.request("POST", "/_emulator/reset", options or None))

    def load(self, document: dict[str, Any] | str | Path) -> dict[str, int]:
        """Replace this tenant's state with a fixture document (a dict or a path to one)."""
        if not isinstance(document, dict):
            document = json.loads(Path(document).read_text())
        return dict(self.request("POST", "/_emulator/state", document))

    def state(self) -> dict[str, Any]:
        """This tenant's state as a fixture document."""
        return dict(self.request("GET", "/_emulator/state"))

    def inject_fault(self, path: str | None = None, **spec: Any) -> list[dict[str, Any]]:
        """Queue a fault (`status`, `count`, `method`, `retry_after`, `delay_ms`,
        `drop_connection`, `headers`); answers the faults now queued."""
        body = {"path": path, **spec} if path is not None else spec
        return list(self.request("POST", "/_emulator/faults", body)["data"])

    def clear_faults(self) -> None:
        self.request("DELETE", "/_emulator/faults")

    def requests(self) -> list[dict[str, Any]]:
        """The journal of this tenant's API requests, oldest first."""
        return list(self.request("GET", "/_emulator/requests")["data"])

    def clear_requests(self) -> None:
        self.request("DELETE", "/_emulator/requests")

    def configure(self, page_size: int | None) -> dict[str, Any]:
        """Runtime settings of this tenant; `None` goes back to the process default."""
        return dict(self.request("PATCH", "/_emulator/config", {"page_size": page_size}))

    def clock(self) -> dict[str, Any]:
        """This tenant's clock: `{"now": "...Z", "frozen": bool}`."""
        return dict(self.request("GET", "/_emulator/clock"))

    def set_clock(self, now: str | None) -> dict[str, Any]:
        """Freeze this tenant's clock at `now` (RFC 3339), or give it back to the wall clock."""
        return dict(self.request("POST", "/_emulator/clock", {"now": now}))

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move this tenant's clock forward (and freeze it there)."""
        return dict(self.request("POST", "/_emulator/clock", {"advance_seconds": seconds}))

    def drop(self) -> None:
        """Forget this tenant: its next request starts afresh from the seed or fixtures."""
        self.request("DELETE", "/_emulator/tenant")

    def close(self) -> None:
        """Close the connections kept open to this emulator (the next call opens one again)."""
        _connections.close(self.url)


class _Connections:
    """Kept-alive connections to emulators, idle ones by scheme and host; any thread may send."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, str], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def send(
        self, url: str, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """One request and its answer (status, body). It is sent once: an error raises, even on
        a method that changes nothing, since the emulator may have acted on it."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"an emulator's URL is http://host:port, not {url!r}")
        key = (parts.scheme, parts.netloc)
        connection = self._idle_connection(key)
        if connection is None:
            kind = http.client.HTTPSConnection if key[0] == "https" else http.client.HTTPConnection
            connection = kind(key[1], timeout=60)
        try:
            connection.request(method, parts.path.rstrip("/") + path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            with self._lock:
                self._idle.setdefault(key, []).append(connection)
        return response.status, payload

    def _idle_connection(self, key: tuple[str, str]) -> http.client.HTTPConnection | None:
        """An idle connection to this emulator that it has not closed, if there is one. A
        connection the emulator closed while it sat idle (past its keep-alive, or a restart)
        reads as ready, at its end: it is closed here, before a request is written to it."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                connection = idle.pop() if idle else None
            if connection is None:
                return None
            readable, _, _ = select.select([connection.sock], [], [], 0)
            if not readable:
                return connection
            connection.close()

    def forget_after_fork(self) -> None:
        """In a forked child: the parent's connections are its own (a child that wrote to one
        would mix its requests with the parent's), and so may be its lock's state."""
        self._lock = threading.Lock()
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()  # this process's copy of the socket only

    def close(self, url: str | None = None) -> None:
        """Close the idle connections to this emulator (None: to every emulator)."""
        with self._lock:
            if url is None:
                idle = [c for connections in self._idle.values() for c in connections]
                self._idle.clear()
            else:
                parts = urlsplit(url)
                idle = self._idle.pop((parts.scheme, parts.netloc), [])
        for connection in idle:
            connection.close()


_connections = _Connections()
atexit.register(_connections.close)  # not left for the interpreter's exit to find unclosed
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_connections.forget_after_fork)


class _Served(EmulatorHandle, ABC):
    """A handle that runs its own emulator: started on entering a `with` block, stopped on
    leaving it."""

    @abstractmethod
    def start(self) -> Self: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class Emulator(_Served):
    """An emulator on a free port of 127.0.0.1, served from a background thread."""

    def __init__(self, token: str = "test-token", **settings: Any) -> None:
        if "fixtures" in settings and settings["fixtures"] is not None:
            settings["fixtures"] = Path(settings["fixtures"])
        if isinstance(settings.get("clock"), str):  # RFC 3339, as --clock takes it
            settings["clock"] = parse_rfc3339(settings["clock"])
        self.settings = Settings(**{"port": 0, **settings})
        super().__init__("", token)
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Emulator:
        self._thread = threading.Thread(target=self._serve, name="metronome-emulator", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self.close()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop = self._thread = None

    def _serve(self) -> None:
        import asyncio

        from emulator.app import create_app
        from emulator.web.server import start

        loop = asyncio.new_event_loop()
        try:
            app = create_app(self.settings)
            runner = loop.run_until_complete(start(app, self.settings.host, self.settings.port))
        except BaseException as exc:  # handed to start(), which raises it in the caller
            self._failure = exc
            self._ready.set()
            loop.close()
            return
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self._loop = loop
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()


class EmulatorProcess(_Served):
    """The emulator as a child process (`python -m emulator`) on a free port of 127.0.0.1.

        with EmulatorProcess(seed=7, page_size=3, clock="2024-01-08T00:00:00Z") as emu:
            client = Metronome(base_url=emu.url, bearer_token=emu.token)

    Keywords are those of `Emulator`, passed as the command line's flags (`page_size=3` is
    `--page-size 3`, `tokens=["a", "b"]` is `--token a --token b`, `exit_with_stdin=True` is a
    flag alone). The child reads no `EMULATOR_*` variable: only the keywords configure it.

    It runs on its own interpreter, so its work does not share this process's CPU time, and a
    session's imports overlap its start-up: `start()` returns at once and `url` waits until the
    child listens (RuntimeError, with what it printed, if it exits first). It stops when
    `stop()` closes its standard input, or when this process dies and the pipe closes with it
    (`--exit-with-stdin`). What it prints once started (an evicted tenant) goes to this
    process's standard error.

    For a benchmark, three keywords that are not flags: `args`, flags as the command line takes
    them, after those of the keywords; `run`, what the interpreter runs in place of
    `-m emulator` (`["-c", code]` that runs the emulator its own way); `output`, called with each
    line the child prints once started, in place of standard error. Its `pid` is the child's, and
    `stop()` leaves the child's exit code in `exit_code`.
    """

    def __init__(
        self,
        token: str = "test-token",
        *,
        args: Sequence[str] = (),
        run: Sequence[str] = ("-m", "emulator"),
        output: Callable[[str], None] | None = None,
        **options: Any,
    ) -> None:
        self.token = token
        self._argv = [
            # -P: the installed package, not a folder named "emulator" in the current directory.
            sys.executable, "-P", *run, "--host", "127.0.0.1", "--port", "0",
            "--exit-with-stdin", *_flags(options), *args,
        ]  # fmt: skip
        self._on_output = output
        self.exit_code: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._url: str | None = None
        self._ready = threading.Event()
        self._output: collections.deque[str] = collections.deque(maxlen=50)
        self._reader: threading.Thread | None = None

    @property
    def url(self) -> str:  # type: ignore[override]  # a plain attribute of other handles
        if self._url is None:
            if self._reader is None:
                raise RuntimeError("EmulatorProcess.start() was not called")
            self._ready.wait()
            if self._url is None:
                process, self._process = self._process, None
                code = None
                if process is not None:  # it has exited: reap it and close its input
                    code = process.wait()
                    assert process.stdin is not None
                    process.stdin.close()
                raise RuntimeError(
                    f"the emulator did not start (exit code {code}): {''.join(self._output)}"
                )
        return self._url

    @property
    def pid(self) -> int:
        """The child's process id (RuntimeError when it is not running)."""
        if self._process is None:
            raise RuntimeError("this EmulatorProcess is not running")
        return self._process.pid

    def start(self) -> EmulatorProcess:
        """Start the child (again, after `stop()`); RuntimeError if it runs already."""
        if self._process is not None:
            raise RuntimeError("this EmulatorProcess is already started")
        self._url = None
        self.exit_code = None
        self._ready = threading.Event()
        self._output.clear()
        env = {k: v for k, v in os.environ.items() if not k.startswith("EMULATOR_")}
        self._process = subprocess.Popen(
            self._argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )
        assert self._process.stdout is not None
        self._reader = threading.Thread(
            target=self._read, args=(self._process.stdout,), name="emulator-output", daemon=True
        )
        self._reader.start()
        return self

    def _read(self, output: IO[bytes]) -> None:
        """The child's output: kept until the start-up line, then copied to standard error (the
        file descriptor, which a test runner may capture, not `sys.stderr`, which it swaps)."""
        forward = True
        for line in output:
            if self._ready.is_set():
                if self._on_output is not None:
                    self._on_output(line.decode(errors="replace"))
                elif forward:
                    try:
                        os.write(2, line)
                    except OSError:  # no standard error any more: go on draining the pipe,
                        forward = False  # or the child blocks once it is full
                continue
            text = line.decode(errors="replace")
            self._output.append(text)
            if match := _LISTENING.search(text):
                self._url = match.group(1)
                self._ready.set()
        output.close()
        self._ready.set()  # exited before listening: `url` says so

    def stop(self, timeout: float = 30) -> None:
        """Stop the child and wait for it: RuntimeError if it did not shut down cleanly. Closing
        its standard input stops it; SIGTERM as well, since a process forked from this one (a
        multiprocessing pool) holds that pipe open. Windows has no SIGTERM to send: there the
        pipe alone stops it, or after `timeout` seconds it is killed."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        assert self._reader is not None
        if self._url is not None:
            self.close()
        process.stdin.close()
        if os.name == "posix":
            process.terminate()
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        self.exit_code = code
        self._reader.join()
        if code != 0 and self._url is not None:
            raise RuntimeError(f"the emulator exited with code {code}")


def _flags(options: dict[str, Any]) -> list[str]:
    """Keyword options as command-line flags: `page_size=3` -> `--page-size 3`; a clock as
    epoch microseconds, as `Emulator` takes it too, in RFC 3339."""
    flags: list[str] = []
    for name, value in options.items():
        flag = "--token" if name == "tokens" else "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if name == "clock" and isinstance(value, int):
            value = format_rfc3339(value)
        if value is True:
            flags.append(flag)
        elif isinstance(value, list | tuple):
            flags.extend(part for item in value for part in (flag, str(item)))
        else:
            flags.extend((flag, str(value)))
    return flags
