"""Start the servers the benchmarks measure, each in its own process, and wait until they answer.

The emulator starts as the tests start it, an `EmulatorProcess` (`emulator`); `server` starts the
others (the bare handler, the canned answers, Steady and Prism), which print no start-up line, and
polls them until they answer.
"""

from __future__ import annotations

import compileall
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emulator.testing import EmulatorProcess

BENCH = Path(__file__).resolve().parent
TOKEN = "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(url: str, body: Any = None, headers: dict[str, str] | None = None) -> bytes:
    """GET (or POST `body` as JSON) with the bench token; the response body."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    req.add_header("Authorization", f"Bearer {TOKEN}")
    req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    with urllib.request.urlopen(req, timeout=60) as response:
        return bytes(response.read())


def _answers(probe: Callable[[], object]) -> bool:
    try:
        probe()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
    return True


@contextmanager
def server(
    command: list[str], probe: Callable[[], object], name: str, timeout: float = 120
) -> Iterator[tuple[float, int]]:
    """Run `command` until the block ends; yield the seconds from its start until `probe` passed,
    and its pid."""
    log = (BENCH / ".cache").joinpath(f"{name}.log")
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            while not _answers(probe):
                if process.poll() is not None:
                    raise SystemExit(f"bench: {name} exited with {process.returncode}; see {log}")
                if time.perf_counter() - started > timeout:
                    raise SystemExit(f"bench: {name} did not answer in {timeout} s; see {log}")
                time.sleep(0.005)
            yield time.perf_counter() - started, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


@contextmanager
def emulator(**options: Any) -> Iterator[tuple[EmulatorProcess, float]]:
    """The emulator as a child process (`EmulatorProcess`, keywords as its flags): the running
    process (its `url`, its `pid`) and the seconds from its start until it answered its health
    check."""
    started = time.perf_counter()
    with EmulatorProcess(TOKEN, **options) as process:
        request(f"{process.url}/_emulator/health")
        yield process, time.perf_counter() - started


def rss_mb(pid: int) -> float:
    """Resident memory now, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def baseline_tree(commit: str) -> Path:
    """The emulator package of `commit`, exported (git archive) once under bench/.cache: a
    benchmark's reference code, importable by putting the returned folder on `sys.path`."""
    tree = BENCH / ".cache" / f"baseline-{commit}"
    if not (tree / "emulator").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(BENCH.parent), "archive", commit, "emulator"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def compile_package(package: Path) -> None:
    """Write a package's bytecode, as pip does when it installs it (`PYTHONDONTWRITEBYTECODE` or
    not): a start then imports it compiled, as the bare server imports aiohttp."""
    compileall.compile_dir(package, quiet=1)


def drop_bytecode(package: Path) -> None:
    """Remove a package's bytecode: each start in place compiles its source again where
    `PYTHONDONTWRITEBYTECODE` is set, and no later run reads what a bench compiled."""
    for folder in list(package.rglob("__pycache__")):
        shutil.rmtree(folder)
