"""`Emulator` and `EmulatorProcess`, the context managers for any test runner: start, control
calls, tenants, stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import Emulator, EmulatorError, EmulatorHandle, EmulatorProcess
from tests.helpers import SMALL, doc_block


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class TestEmulator:
    """The handle starts a real server and drives the control API."""

    def test_lifecycle(self) -> None:
        with Emulator(seed=3, customers=2, days=1, events=50, page_size=7) as emu:
            assert emu.url.startswith("http://127.0.0.1:")
            assert emu.request("GET", "/_emulator/health")["events"] == 50
            assert emu.request("GET", "/_emulator/config") == {
                "page_size": 7,
                "invoice_grace_seconds": 86400,
            }
            port = int(emu.url.rsplit(":", 1)[1])
        assert _port_free(port)  # stopped: nothing listens there any more

    def test_load_state_reset_and_tenants(self) -> None:
        with Emulator(customers=2, days=1, events=20) as emu:
            seeded = emu.state()
            assert emu.load(SMALL) == {"customers": 3, "billable_metrics": 6, "events": 21}
            assert emu.state() == json.loads(json.dumps(emu.state()))
            assert len(emu.state()["events"]) == 21
            assert emu.tenant("other").state() == seeded
            assert emu.reset() == {"customers": 2, "billable_metrics": 9, "events": 20}
            assert emu.state() == seeded
            assert emu.reset(events=5)["events"] == 5
            assert emu.configure(3) == {"page_size": 3, "invoice_grace_seconds": 86400}

    def test_refusals_raise(self) -> None:
        with Emulator(customers=1, days=1, events=1) as emu, pytest.raises(EmulatorError) as caught:
            emu.load({"customers": [{"id": "nope", "name": "x"}]})
        assert (caught.value.status, caught.value.message) == (
            400,
            "customers[0].id must be a UUID",
        )

    def test_bad_fixtures_fail_at_start(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.json"
        path.write_text("{")
        with (
            pytest.raises(Exception, match="fixture document must be valid JSON"),
            Emulator(fixtures=path),
        ):
            pass


def test_faults_and_journal_through_the_handle() -> None:
    with Emulator(customers=1, days=1, events=5, clock="2024-01-02T00:00:00Z") as emu:
        queued = emu.inject_fault("/v1/usage", status=503, count=2)
        assert [(f["status"], f["remaining"]) for f in queued] == [(503, 2)]
        emu.clear_faults()
        assert emu.inject_fault(method="GET", delay_ms=1)[0]["path"] is None
        emu.clear_faults()
        emu.request(
            "POST",
            "/v1/ingest",
            [
                {
                    "transaction_id": "t",
                    "customer_id": "c",
                    "event_type": "e",
                    "timestamp": "2024-01-01T00:00:00Z",
                }
            ],
        )
        assert [(r["path"], r["status"]) for r in emu.requests()] == [("/v1/ingest", 200)]
        emu.clear_requests()
        assert emu.requests() == []


def test_clock_and_drop_through_the_handle() -> None:
    with Emulator(customers=1, days=1, events=5, clock="2024-01-02T00:00:00Z") as emu:
        assert emu.clock() == {"now": "2024-01-02T00:00:00Z", "frozen": True}
        assert emu.advance_clock(90) == {"now": "2024-01-02T00:01:30Z", "frozen": True}
        assert emu.set_clock("2024-02-01T00:00:00Z")["now"] == "2024-02-01T00:00:00Z"
        assert emu.set_clock(None)["frozen"] is False
        emu.reset(customers=0)
        assert emu.state()["customers"] == []
        emu.drop()  # forgotten: afresh from the seed, at the start clock
        assert len(emu.state()["customers"]) == 1
        assert emu.clock() == {"now": "2024-01-02T00:00:00Z", "frozen": True}


class TestHandleConnections:
    """Control calls keep one connection open, survive the emulator closing it, and never go
    through a proxy."""

    def test_a_proxy_in_the_environment_is_not_used(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens on port 9
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with Emulator(customers=1, days=1, events=5) as emu:
            assert emu.request("GET", "/_emulator/health")["events"] == 5

    def test_calls_share_a_connection_and_skip_one_the_server_closed(self) -> None:
        """A server that answers one request per connection but says keep-alive (as an emulator
        whose keep-alive ran out between two calls): each call sees the closed connection before
        writing to it, so every call gets its answer, each sent once. A server that keeps the
        connection serves every call on one."""
        with _OneAnswerServer(close_after_answer=True) as server:
            handle = EmulatorHandle(server.url, "t")
            for n in range(3):
                assert handle.request("POST", "/x", {"n": n}) == {"n": n}
                assert server.closed.acquire(timeout=10)  # the server has closed it by now
            assert server.connections == 3
            assert server.bodies == [{"n": 0}, {"n": 1}, {"n": 2}]
            handle.close()
        with _OneAnswerServer(close_after_answer=False) as server:
            handle = EmulatorHandle(server.url, "t")
            assert [handle.request("GET", "/y") for _ in range(3)] == [None, None, None]
            assert server.connections == 1
            handle.close()
            handle.request("GET", "/z")  # closed: the next call opens a connection again
            assert server.connections == 2
            handle.close()

    def test_a_request_whose_connection_drops_is_not_sent_again(self) -> None:
        """The emulator's own fault: it reads the request, records it, and drops the connection
        without an answer. The call raises, and the emulator saw the request once."""
        with Emulator(customers=1, days=1, events=5) as emu:
            emu.request("GET", "/_emulator/health")  # a kept-alive connection to reuse
            emu.inject_fault("/v1/usage", drop_connection=True)
            with pytest.raises(ConnectionError):
                emu.request("POST", "/v1/usage", {"starting_on": "2024-01-01T00:00:00Z"})
            assert [(r["method"], r["path"]) for r in emu.requests()] == [("POST", "/v1/usage")]

    def test_a_url_that_is_not_http_is_refused(self) -> None:
        for url in ("127.0.0.1:4010", "ftp://127.0.0.1:4010", "http://"):
            with pytest.raises(ValueError, match="an emulator's URL is http://host:port"):
                EmulatorHandle(url, "t").request("GET", "/_emulator/health")

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
    def test_a_forked_child_opens_its_own_connection(self) -> None:
        with _OneAnswerServer(close_after_answer=False) as server:
            handle = EmulatorHandle(server.url, "t")
            assert handle.request("POST", "/x", {"n": "parent"}) == {"n": "parent"}
            pid = os.fork()
            if pid == 0:  # the child: exit at once with whether its call was answered
                ok = False
                try:
                    ok = handle.request("POST", "/x", {"n": "child"}) == {"n": "child"}
                    handle.close()
                finally:
                    os._exit(0 if ok else 1)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
            assert handle.request("POST", "/x", {"n": "parent"}) == {"n": "parent"}
            assert server.connections == 2  # the parent's, kept; the child's own
            assert server.bodies == [{"n": "parent"}, {"n": "child"}, {"n": "parent"}]
            handle.close()


class _OneAnswerServer:
    """A raw HTTP/1.1 server on 127.0.0.1 that echoes each request's JSON body, keep-alive by its
    headers, closing each connection after its first answer when told to. The test closes the
    handle's connections before leaving it."""

    def __init__(self, close_after_answer: bool) -> None:
        self.close_after_answer = close_after_answer
        self.connections = 0
        self.closed = threading.Semaphore(0)  # released as each connection is closed
        self.bodies: list[Any] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> _OneAnswerServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        self._listener.close()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive()

    def _serve(self) -> None:
        served = []
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # the listener is closed: the test is over
                break
            self.connections += 1
            thread = threading.Thread(target=self._serve_one, args=(connection,), daemon=True)
            thread.start()
            served.append(thread)
        for thread in served:  # each ends when its client closes the connection
            thread.join(timeout=10)
            assert not thread.is_alive()

    def _serve_one(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as reader:
            while self._answer(connection, reader) and not self.close_after_answer:
                continue
        self.closed.release()

    def _answer(self, connection: socket.socket, reader: Any) -> bool:
        """One request read and answered; False when the client closed the connection."""
        length = 0
        line = reader.readline()
        if not line:
            return False
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        body = reader.read(length)
        if body:
            self.bodies.append(json.loads(body))
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        return True


class TestEmulatorProcess:
    """The emulator as a child process: keywords are its flags, it stops with its parent."""

    def test_keywords_are_flags_and_the_environment_is_not_read(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A sidecar's variables in the test's environment must not move or restrict the child.
        monkeypatch.setenv("EMULATOR_PORT", "1")
        monkeypatch.setenv("EMULATOR_TOKENS", "only-this")
        monkeypatch.setenv("EMULATOR_EVENTS", "7")
        with EmulatorProcess(
            seed=3, customers=2, days=1, events=50, page_size=7, clock="2024-01-02T00:00:00Z"
        ) as emu:
            assert emu.url.startswith("http://127.0.0.1:")
            assert emu.request("GET", "/_emulator/health")["events"] == 50
            assert emu.request("GET", "/_emulator/config") == {
                "page_size": 7,
                "invoice_grace_seconds": 86400,
            }
            assert emu.clock() == {"now": "2024-01-02T00:00:00Z", "frozen": True}
            assert emu.tenant("other").reset(events=5)["events"] == 5
            port = int(emu.url.rsplit(":", 1)[1])
        assert _port_free(port)
        emu.stop()  # a second stop does nothing

    def test_started_once_at_a_time_and_again_after_stop(self) -> None:
        emu = EmulatorProcess(events=1)
        with pytest.raises(RuntimeError, match="start\\(\\) was not called"):
            emu.url  # noqa: B018
        with emu:
            first = emu.url
            with pytest.raises(RuntimeError, match="already started"):
                emu.start()
        assert _port_free(int(first.rsplit(":", 1)[1]))
        with emu:  # a new child: its own URL, not the stopped one's
            assert emu.request("GET", "/_emulator/health")["events"] == 1

    def test_list_and_switch_keywords(self) -> None:
        with EmulatorProcess(token="a", events=1, journal_size=0, tokens=["a", "b"]) as emu:
            assert emu.request("GET", "/_emulator/requests") == {"data": []}
            with pytest.raises(EmulatorError) as caught:
                emu.tenant("c").state()
        assert caught.value.status == 401

    def test_a_child_that_cannot_start_says_why(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.json"
        path.write_text("{")
        with EmulatorProcess(fixtures=path) as emu, pytest.raises(RuntimeError) as caught:
            emu.url  # noqa: B018  # waiting for the start-up line
        assert "exit code 2" in str(caught.value)
        assert "fixture document must be valid JSON" in str(caught.value)
        with EmulatorProcess(sede=7) as emu, pytest.raises(RuntimeError) as caught:
            emu.url  # noqa: B018
        assert "unrecognized arguments: --sede 7" in str(caught.value)

    def test_what_the_child_prints_later_reaches_standard_error(
        self, capfd: pytest.CaptureFixture[str]
    ) -> None:
        with EmulatorProcess(events=1, max_tenants=1) as emu:
            emu.tenant("one").state()
            emu.tenant("two").state()  # forgets "one", with a line on standard error
        assert "more than 1 tenants: forgot the least recently used one" in capfd.readouterr().err

    def test_the_keywords_a_benchmark_uses(self, capfd: pytest.CaptureFixture[str]) -> None:
        """`args` (flags as written), `run` (what the interpreter runs), `output` (the lines
        printed once started, instead of standard error), `pid` and `exit_code`."""
        lines: list[str] = []
        script = "import runpy, sys; sys.argv[0] = 'emulator'; runpy.run_module('emulator', run_name='__main__')"
        emu = EmulatorProcess(
            events=1, args=["--max-tenants", "1"], run=["-c", script], output=lines.append
        )
        with emu:
            assert Path(f"/proc/{emu.pid}").exists() or sys.platform != "linux"
            emu.tenant("one").state()
            emu.tenant("two").state()  # forgets "one", with a line, handed to `output`
        assert emu.exit_code == 0
        assert any("forgot the least recently used one" in line for line in lines)
        assert "forgot" not in capfd.readouterr().err
        with pytest.raises(RuntimeError, match="not running"):
            emu.pid  # noqa: B018

    def test_the_child_stops_when_its_parent_dies(self) -> None:
        parent = subprocess.run(
            [
                sys.executable,
                "-c",
                "import os, sys\n"
                "from emulator.testing import EmulatorProcess\n"
                "emu = EmulatorProcess(events=1).start()\n"
                "print(emu.url, emu._process.pid, flush=True)\n"
                "os.kill(os.getpid(), 9)  # no stop(), no cleanup\n",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert parent.returncode == -signal.SIGKILL
        url, pid = parent.stdout.split()  # it was listening when its parent died
        assert url.startswith("http://127.0.0.1:")
        deadline = time.monotonic() + 20
        while _alive(int(pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(int(pid)), "the orphaned emulator is still running"

    def test_clock_as_epoch_microseconds_as_emulator_takes_it(self) -> None:
        with EmulatorProcess(events=1, clock=1_704_672_000_000_000) as emu:
            assert emu.clock() == {"now": "2024-01-08T00:00:00Z", "frozen": True}

    def test_a_folder_named_emulator_in_the_current_directory_is_not_run(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (tmp_path / "emulator").mkdir()
        (tmp_path / "emulator" / "__init__.py").write_text("raise SystemExit('the wrong one')\n")
        monkeypatch.chdir(tmp_path)
        with EmulatorProcess(events=1) as emu:
            assert emu.request("GET", "/_emulator/health")["events"] == 1

    def test_stop_with_another_process_holding_its_pipe(self) -> None:
        """A process that inherited the child's standard input (a multiprocessing pool forked
        after start()) keeps it open: stop() still stops the child at once, cleanly."""
        with EmulatorProcess(events=1) as emu:
            emu.url  # noqa: B018
            assert emu._process is not None
            assert emu._process.stdin is not None
            holder = subprocess.Popen(
                [sys.executable, "-c", "import time; time.sleep(60)"],
                pass_fds=(emu._process.stdin.fileno(),),
            )
            started = time.monotonic()
        assert time.monotonic() - started < 10
        holder.kill()
        holder.wait()

    def test_output_is_drained_when_standard_error_is_gone(self) -> None:
        """Standard error closed under the parent: the child's later lines are still read, so
        it never blocks on a full pipe."""
        parent = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from emulator.testing import EmulatorProcess\n"
                "with EmulatorProcess(events=1, max_tenants=1) as emu:\n"
                "    for n in range(2000):  # each new tenant forgets one, with a line\n"
                "        emu.tenant(f't{n}').request('GET', '/_emulator/config')\n"
                "print('done', flush=True)\n",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert parent.stderr is not None
        parent.stderr.close()  # writes to the parent's standard error now fail (EPIPE)
        out, _ = parent.communicate(timeout=120)
        assert (parent.returncode, out) == (0, "done\n")


def _alive(pid: int) -> bool:
    """Whether `pid` still runs (an orphan is reaped by init, so it does not linger as a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"


def test_docs_example_for_other_runners(capsys: pytest.CaptureFixture[str]) -> None:
    block = doc_block("docs/testing.md", "python", "For other runners")
    exec(compile(block, "docs/testing.md", "exec"), {})  # the page's own code
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2
    assert all(
        line.startswith("http://127.0.0.1:") and line.endswith(" test-token") for line in printed
    )
