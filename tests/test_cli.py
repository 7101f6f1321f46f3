"""The command line: flags, EMULATOR_* variables, start-up errors, clean shutdown."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emulator import cli
from emulator.cli import build_parser, main, settings_from
from emulator.scenario.initial import initial_state
from emulator.wire.timestamps import parse_rfc3339
from tests.contract.conftest import emulator_process


class TestSettings:
    """Every option has a flag and an environment variable; the flag wins."""

    def test_defaults(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in (
            "EMULATOR_PORT",
            "EMULATOR_SEED",
            "EMULATOR_PAGE_SIZE",
            "EMULATOR_TOKENS",
            "EMULATOR_CLOCK",
            "EMULATOR_MAX_TENANTS",
            "EMULATOR_RESET_MAX_EVENTS",
            "EMULATOR_EXIT_WITH_STDIN",
        ):
            monkeypatch.delenv(name, raising=False)
        settings = settings_from([])
        assert (settings.host, settings.port, settings.seed, settings.page_size) == (
            "127.0.0.1",
            4010,
            42,
            100,
        )
        assert settings.tokens == ()
        assert (settings.clock, settings.max_tenants) == (None, 10_000)  # None: the wall clock
        assert settings.reset_max_events == 1_000_000
        assert settings.exit_with_stdin is False

    def test_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        env = {
            "EMULATOR_HOST": "0.0.0.0",
            "EMULATOR_PORT": "5000",
            "EMULATOR_SEED": "9",
            "EMULATOR_PAGE_SIZE": "25",
            "EMULATOR_FIXTURES": "f.json",
            "EMULATOR_CUSTOMERS": "3",
            "EMULATOR_DAYS": "2",
            "EMULATOR_EVENTS": "10",
            "EMULATOR_TOKENS": "a,b c",
            "EMULATOR_CLOCK": "2024-03-02T01:00:00+01:00",
            "EMULATOR_MAX_TENANTS": "7",
            "EMULATOR_RESET_MAX_EVENTS": "5000000",  # more than the ceiling: the ceiling
            "EMULATOR_EXIT_WITH_STDIN": "true",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = settings_from([])
        assert (settings.host, settings.port, settings.seed, settings.page_size) == (
            "0.0.0.0",
            5000,
            9,
            25,
        )
        assert (settings.fixtures, settings.customers, settings.days, settings.events) == (
            Path("f.json"),
            3,
            2,
            10,
        )
        assert settings.tokens == ("a", "b c")
        assert (settings.clock, settings.max_tenants) == (
            parse_rfc3339("2024-03-02T00:00:00Z"),
            7,
        )
        assert settings.reset_max_events == 1_000_000
        assert settings.exit_with_stdin is True

    def test_flags_win(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("EMULATOR_SEED", "9")
        monkeypatch.setenv("EMULATOR_TOKENS", "env")
        monkeypatch.setenv("EMULATOR_CLOCK", "2030-01-01T00:00:00Z")
        settings = settings_from(
            ["--seed", "5", "--token", "x", "--token", "y z", "--clock", "2024-03-02T00:00:00Z"]
        )
        assert (settings.seed, settings.tokens) == (5, ("x", "y z"))
        assert settings.clock == parse_rfc3339("2024-03-02T00:00:00Z")

    def test_help_names_every_variable(self) -> None:
        text = build_parser().format_help()
        for name in (
            "HOST",
            "PORT",
            "SEED",
            "PAGE_SIZE",
            "FIXTURES",
            "CUSTOMERS",
            "DAYS",
            "EVENTS",
            "TOKENS",
            "CLOCK",
            "MAX_TENANTS",
            "RESET_MAX_EVENTS",
            "EXIT_WITH_STDIN",
        ):
            assert f"EMULATOR_{name}" in text

    @pytest.mark.parametrize(
        ("name", "value"), [("EMULATOR_PAGE_SIZE", "0"), ("EMULATOR_EXIT_WITH_STDIN", "maybe")]
    )
    def test_bad_environment_value(
        self,
        name: str,
        value: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.setenv(name, value)
        assert main([]) == 2
        assert f"{name}={value!r}" in capsys.readouterr().err

    @pytest.mark.parametrize(
        "flags",
        [["--page-size", "100001"], ["--clock", "2024-03-02T00:00:00"], ["--clock", "now"]],
    )
    def test_bad_flag_value(self, flags: list[str]) -> None:
        with pytest.raises(SystemExit) as exited:
            settings_from(flags)
        assert exited.value.code == 2


class TestStartUp:
    """Start-up problems are one clear line and a non-zero exit, never a traceback."""

    def test_bad_fixture(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "bad.json"
        path.write_text(
            '{"billable_metrics": [{"id": "11111111-1111-4111-8111-111111111111",'
            ' "name": "x", "aggregation_type": "sum"}]}'
        )
        assert main(["--fixtures", str(path), "--port", "0"]) == 2
        err = capsys.readouterr().err
        assert "billable_metrics[0]: aggregation_key is required for SUM" in err

    def test_missing_fixture(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--fixtures", str(tmp_path / "none.json"), "--port", "0"]) == 2
        assert "cannot read fixture file" in capsys.readouterr().err

    def test_collector_back_on_after_a_failed_start(self, tmp_path: Path) -> None:
        """main() turns the garbage collector off to start; a start that fails turns it back on."""
        assert gc.isenabled()
        assert main(["--fixtures", str(tmp_path / "none.json"), "--port", "0"]) == 2
        assert gc.isenabled()

    def test_help_does_not_import_the_application(self) -> None:
        code = (
            "import sys\nfrom emulator.cli import build_parser\n"
            "assert 'emulator.app' not in sys.modules and 'aiohttp' not in sys.modules\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    def test_port_in_use(self, capsys: pytest.CaptureFixture[str]) -> None:
        with emulator_process() as url:
            port = url.rsplit(":", 1)[1]
            assert main(["--port", port, "--customers", "1", "--events", "1"]) == 1
        assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err

    def test_sigint_shuts_down_cleanly(self) -> None:
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--events", "10"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        assert "listening on" in process.stdout.readline()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        process.stdout.close()

    @pytest.mark.parametrize(
        ("flags", "env"), [(["--exit-with-stdin"], {}), ([], {"EMULATOR_EXIT_WITH_STDIN": "yes"})]
    )
    def test_exit_with_stdin(self, flags: list[str], env: dict[str, str]) -> None:
        """A parent that closes the pipe (or dies) stops its emulator, cleanly."""
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--events", "10", *flags],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        assert process.stdin is not None
        assert process.stdout is not None
        assert "listening on" in process.stdout.readline()
        process.stdin.write("anything a parent writes is read and ignored\n")
        process.stdin.flush()
        time.sleep(0.2)
        assert process.poll() is None
        process.stdin.close()
        assert process.wait(timeout=10) == 0
        process.stdout.close()

    def test_sigterm_while_reading_standard_input(self) -> None:
        """main() (not only the console entry point, which ends with os._exit) shuts down
        cleanly on SIGTERM while its thread still waits on standard input."""
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys\nfrom emulator.cli import main\n"
                "sys.exit(main(['--port', '0', '--events', '10', '--exit-with-stdin']))\n",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        assert "listening on" in process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert "Fatal Python error" not in err

    @pytest.mark.skipif(sys.platform != "linux", reason="a child streams the events on Linux")
    @pytest.mark.parametrize(
        ("sig", "when"),
        [(signal.SIGTERM, "as the child starts"), (signal.SIGINT, "while it ingests")],
    )
    def test_a_signal_while_a_big_scenario_builds_stops_the_build(
        self, sig: int, when: str
    ) -> None:
        """Building holds the loop for seconds at a million events: a signal, from the moment
        the child that streams them is forked (the server still importing) to the build's end,
        ends the start at once (status 0, nothing listening, no child left), not once the build
        is done."""
        process = _big_start()
        assert process.stderr is not None
        child = _child_of(process.pid)
        if when == "while it ingests":
            assert "loaded 100,000 of 1,000,000" in process.stderr.readline()
        sent = time.monotonic()
        process.send_signal(sig)
        out, err = process.communicate(timeout=20)
        assert time.monotonic() - sent < 1.5  # not the seconds left of the build
        assert process.returncode == 0, err
        assert "listening" not in out
        assert "Traceback" not in err
        assert _ends_within(child, 2.0)

    @pytest.mark.skipif(sys.platform != "linux", reason="a child streams the events on Linux")
    def test_a_streaming_child_outlives_no_killed_parent(self) -> None:
        """SIGKILL leaves the parent no say: its child ends of the broken pipe."""
        process = _big_start()
        assert process.stderr is not None
        child = _child_of(process.pid)
        assert "loaded 100,000 of 1,000,000" in process.stderr.readline()
        process.kill()
        process.communicate(timeout=20)
        assert _ends_within(child, 2.0)

    def test_main_in_process_puts_the_signal_handlers_back(self) -> None:
        """`main` called in a process of its own (a failed start here) leaves SIGINT and SIGTERM
        as it found them."""
        before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        assert main(["--port", "0", "--fixtures", "/nonexistent/fixture.json"]) == 2
        assert {sig: signal.getsignal(sig) for sig in before} == before

    def test_exit_with_stdin_and_no_standard_input_at_all(self) -> None:
        process = subprocess.run(
            [
                sys.executable,
                "-m",
                "emulator",
                "--port",
                "0",
                "--events",
                "10",
                "--exit-with-stdin",
            ],
            preexec_fn=lambda: os.close(0),  # fd 0 closed in the child only
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert process.returncode == 0
        assert "Traceback" not in process.stderr

    def test_signals_without_loop_signal_handlers(self) -> None:
        """Windows' event loops cannot add signal handlers: signal.signal stands in."""
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def not_implemented(*_: object) -> None:
            raise NotImplementedError

        loop.add_signal_handler = not_implemented  # type: ignore[method-assign]
        try:
            cli._stop_on_signals(loop, stop)
            signal.raise_signal(signal.SIGTERM)
            loop.run_until_complete(asyncio.wait_for(stop.wait(), timeout=5))
            assert stop.is_set()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            loop.close()


def test_progress_while_a_big_scenario_loads(capsys: pytest.CaptureFixture[str]) -> None:
    """From 100,000 events on, loading reports progress on standard error, ending at the total."""
    store, _ = initial_state(
        settings_from(["--events", "250000", "--customers", "3", "--seed-cache", "off"])
    )
    assert len(store.events) == 250_000
    assert capsys.readouterr().err.splitlines() == [
        "metronome-emulator: loaded 100,000 of 250,000 events",
        "metronome-emulator: loaded 200,000 of 250,000 events",
        "metronome-emulator: loaded 250,000 of 250,000 events",
    ]


def test_no_progress_for_the_default_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    store, _ = initial_state(settings_from([]))
    assert len(store.events) == 20_000
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop does not exist for Windows")
def test_serves_on_uvloop() -> None:
    import uvloop

    from emulator import cli

    assert cli.run is uvloop.run


def _ends_within(pid: int, seconds: float) -> bool:
    """Whether a process ends within `seconds` (a zombie, left for init to reap, has ended)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def _big_start() -> subprocess.Popen[str]:
    """`python -m emulator` building a million events: seconds of building, a child streaming."""
    return subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--events", "1000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _child_of(pid: int) -> int:
    """The one child of a process, once it has forked it (within 10 s)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.monotonic() + 10
    while not (found := children.read_text().split()):
        assert time.monotonic() < deadline, "no child forked"
        time.sleep(0.005)
    (child,) = found
    return int(child)
