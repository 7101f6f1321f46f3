"""The emulator as a real process on a free port, for tests that drive it with the official SDK."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from emulator.testing import EmulatorProcess

TOKEN = "My Bearer Token"


@contextmanager
def emulator_process(*args: str) -> Iterator[str]:
    """`python -m emulator ARGS` on a free port (an `EmulatorProcess`): its base URL. Leaving the
    block stops it, and raises if it did not shut down cleanly."""
    with EmulatorProcess(TOKEN, args=args) as emulator:
        yield emulator.url


@pytest.fixture(scope="session")
def seeded_url() -> Iterator[str]:
    """An emulator on a small generated scenario (seed 7)."""
    with emulator_process(
        "--seed", "7", "--customers", "5", "--days", "3", "--events", "3000"
    ) as url:
        yield url
