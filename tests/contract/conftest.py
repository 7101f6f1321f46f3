"""The emulator as a real process on a free port, for tests that drive it with the official SDK."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

TOKEN = "My Bearer Token"


@contextmanager
def emulator_process(*args: str) -> Iterator[str]:
    """Start `python -m emulator --port 0 ARGS`, yield its base URL, stop it with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        # The start-up line is printed once it listens; progress lines may come before it.
        seen = ""
        match = None
        while not match:
            line = process.stdout.readline()
            assert line, f"emulator did not start: {seen}"
            seen += line
            match = re.search(r"listening on (http://\S+)", line)
        yield match.group(1)
    finally:
        process.terminate()
        code = process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()
    assert code == 0, "emulator did not shut down cleanly"


@pytest.fixture(scope="session")
def seeded_url() -> Iterator[str]:
    """An emulator on a small generated scenario (seed 7)."""
    with emulator_process(
        "--seed", "7", "--customers", "5", "--days", "3", "--events", "3000"
    ) as url:
        yield url
