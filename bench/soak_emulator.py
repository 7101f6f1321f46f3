"""The emulator process the soak runs: started as the tests start it (`EmulatorProcess`), with
its full garbage collections timed, its memory and CPU time read from /proc.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emulator.testing import EmulatorProcess

# The emulator runs as `python -m emulator` would (runpy), with one addition: a gc callback that
# prints how long each full (generation 2) collection of CPython's cyclic garbage collector held
# the interpreter, so a stall in the health latencies can be matched with a collection. The
# collector stops every thread, worker threads included. `--no-gc-log` runs `python -m emulator`.
GC_WRAPPER = """
import gc, runpy, sys, time
def timed(phase, info, started=[0.0]):
    if phase == "start":
        started[0] = time.perf_counter()
    elif info["generation"] == 2:
        ms = 1000 * (time.perf_counter() - started[0])
        print(f"soak-gc: {time.time() - ms / 1000:.3f} {ms:.1f}", file=sys.stderr, flush=True)
gc.callbacks.append(timed)
sys.argv[0] = "emulator"
runpy.run_module("emulator", run_name="__main__", alter_sys=True)
"""


class Emulator:
    """The emulator as an `EmulatorProcess` (keywords as its flags), started at once: its URL and
    the seconds until it listened; what it prints once started, kept (`log`) and its full
    garbage collections (`gc_pauses`) read from it; its memory and CPU time from /proc."""

    def __init__(self, gc_log: bool = True, **options: Any) -> None:
        self.gc_log = gc_log
        self.gc_pauses: list[tuple[float, float]] = []  # (wall-clock start, milliseconds)
        self.log: list[str] = []
        run = ["-c", GC_WRAPPER] if gc_log else ["-m", "emulator"]
        self.process = EmulatorProcess("soak", run=run, output=self._line, **options)
        started = time.perf_counter()
        self.process.start()
        try:
            self.url = self.process.url
        except RuntimeError as exc:
            raise SystemExit(f"soak: {exc}") from None
        self.startup_s = time.perf_counter() - started
        self.pid = self.process.pid
        host, _, port = self.url.removeprefix("http://").rpartition(":")
        self.host: str = host
        self.port = int(port)

    def _line(self, line: str) -> None:
        if line.startswith("soak-gc: "):
            started, ms = line.split()[1:3]
            self.gc_pauses.append((float(started), float(ms)))
        else:
            self.log.append(line)

    def shown_command(self, path: Path, shown: str) -> str:
        """The child's command line as the results show it: the GC wrapper named, not printed, and
        `path` (a temporary file) as `shown`."""
        argv = self.process._argv[1:]  # after the interpreter
        if self.gc_log:
            argv[argv.index("-c") + 1] = "<GC_WRAPPER, runs emulator as -m does>"
        return "python " + " ".join(shown if part == str(path) else part for part in argv)

    def gc_during(self, since: float, until: float) -> dict[str, Any]:
        """The full collections that started between two wall-clock times: how many, the longest."""
        pauses = [ms for started, ms in self.gc_pauses if since <= started <= until]
        return {
            "full_collections": len(pauses),
            "longest_ms": round(max(pauses, default=0.0), 1),
            "total_ms": round(sum(pauses), 1),
        }

    def memory_mb(self) -> dict[str, float]:
        """VmRSS and VmHWM (the peak), in MiB."""
        found: dict[str, float] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024
        return found

    def rss_mb(self) -> float:
        return self.memory_mb()["VmRSS"]

    def cpu_s(self) -> float:
        """CPU seconds the process has used (user and system)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> tuple[int, float]:
        """Stop it (it writes the state file on the way out); its exit code and the seconds."""
        started = time.perf_counter()
        with contextlib.suppress(RuntimeError):  # a non-zero exit code: the results report it
            self.process.stop(timeout=300)
        assert self.process.exit_code is not None
        return self.process.exit_code, time.perf_counter() - started


@contextmanager
def rss_sampler(emulator: Emulator, every: float = 0.002) -> Iterator[list[float]]:
    """The process's VmRSS in MiB, sampled every `every` s while the block runs."""
    samples: list[float] = [emulator.rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            samples.append(emulator.rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()
        samples.append(emulator.rss_mb())
