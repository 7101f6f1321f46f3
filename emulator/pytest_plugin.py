"""pytest plugin (registered through the `pytest11` entry point): the `metronome_emulator` fixture.

One emulator per test session, on a free port; every test gets its own tenant (its own bearer
token), so tests are isolated without restarts. Configure the session with the
`metronome_emulator_settings` fixture (override it in a conftest) or `EMULATOR_*` variables; one
test with `@pytest.mark.metronome_emulator(seed=7, page_size=3)`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.cli import settings_from
from emulator.testing import Emulator, EmulatorHandle

__all__ = [
    "metronome_emulator",
    "metronome_emulator_server",
    "metronome_emulator_settings",
    "pytest_configure",
]

_MARKER_OPTIONS = {"seed", "customers", "days", "events", "fixtures", "page_size"}
_tokens = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "metronome_emulator(seed=, customers=, days=, events=, fixtures=, page_size=): the state "
        "and page size of this test's emulator tenant",
    )


@pytest.fixture(scope="session")
def metronome_emulator_settings() -> dict[str, Any]:
    """Keyword arguments of the session's `Emulator` (override to change them). By default the
    `EMULATOR_*` environment variables, as the command line reads them."""
    settings = settings_from([])
    return {
        "seed": settings.seed,
        "page_size": settings.page_size,
        "fixtures": settings.fixtures,
        "customers": settings.customers,
        "days": settings.days,
        "events": settings.events,
    }


@pytest.fixture(scope="session")
def metronome_emulator_server(metronome_emulator_settings: dict[str, Any]) -> Iterator[Emulator]:
    """The session's emulator, stopped when the session ends."""
    with Emulator(**metronome_emulator_settings) as emulator:
        yield emulator


@pytest.fixture
def metronome_emulator(
    request: pytest.FixtureRequest, metronome_emulator_server: Emulator
) -> EmulatorHandle:
    """A fresh tenant of the session's emulator: `url`, `token`, `reset()`, `load()`, `state()`,
    `configure(page_size)`."""
    handle = metronome_emulator_server.tenant(f"pytest-{next(_tokens)}")
    marker = request.node.get_closest_marker("metronome_emulator")
    if marker is not None:
        unknown = set(marker.kwargs) - _MARKER_OPTIONS
        if marker.args or unknown:
            raise pytest.UsageError(
                f"metronome_emulator marker takes only {sorted(_MARKER_OPTIONS)} as keywords"
            )
        options = {
            k: v for k, v in marker.kwargs.items() if k in {"seed", "customers", "days", "events"}
        }
        if "fixtures" in marker.kwargs:
            handle.load(marker.kwargs["fixtures"])
        elif options:
            handle.reset(**options)
        if "page_size" in marker.kwargs:
            handle.configure(marker.kwargs["page_size"])
    return handle
