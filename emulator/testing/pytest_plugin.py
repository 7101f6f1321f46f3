"""pytest plugin (registered through the `pytest11` entry point): the `metronome_emulator` fixture.

One emulator per test session, a child process on a free port; every test gets its own tenant
(its own bearer token), dropped when the test ends, so tests are isolated without restarts and a
long session holds only the tenants of the tests running. Configure the session with the
`metronome_emulator_settings` fixture (override it in a conftest) or `EMULATOR_*` variables; one
test with `@pytest.mark.metronome_emulator(seed=7, page_size=3, clock="2024-01-08T00:00:00Z")`.

The emulator runs as a child process, not in a thread of the session: its requests then take no
CPU time from the tests (on two cores or more), its state costs this process no memory or
garbage-collector time, and it builds its seeded state while the session imports the SDK. This
module itself imports no part of the server.

`metronome_client` and `metronome_async_client` give official SDK clients bound to the test's
tenant. Building a client costs about 17 ms (its SSL context), more than the emulator's own work
for a test, so every test's client shares one session client's connection pool or SSL context.
They ignore proxy variables (HTTP_PROXY...): the emulator is this machine's child process.
"""

from __future__ import annotations

import importlib
import itertools
import os
import ssl
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.testing.handles import EmulatorHandle, EmulatorProcess

__all__ = [
    "metronome_async_client",
    "metronome_client",
    "metronome_emulator",
    "metronome_emulator_server",
    "metronome_emulator_settings",
    "pytest_configure",
]

# The session's options that EMULATOR_* variables set, as the command line reads them.
_FROM_ENVIRONMENT = {
    name: f"EMULATOR_{name.upper()}"
    for name in ("seed", "customers", "days", "events", "fixtures", "page_size", "clock")
}
_SCENARIO_OPTIONS = {"seed", "customers", "days", "events"}
_MARKER_OPTIONS = {*_SCENARIO_OPTIONS, "fixtures", "page_size", "clock"}
_NO_SDK = "metronome_client needs the official SDK: pip install metronome-sdk"
_tokens = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "metronome_emulator(seed=, customers=, days=, events=, fixtures=, page_size=, clock=): "
        "the state, page size and clock of this test's emulator tenant",
    )


@pytest.fixture(scope="session")
def metronome_emulator_settings() -> dict[str, Any]:
    """Keyword arguments of the session's `EmulatorProcess`: the command line's options with
    underscores (override to change them). By default those of EMULATOR_SEED, EMULATOR_CUSTOMERS,
    EMULATOR_DAYS, EMULATOR_EVENTS, EMULATOR_FIXTURES, EMULATOR_PAGE_SIZE and EMULATOR_CLOCK
    that are set; the emulator checks them as its command line does."""
    return {name: os.environ[env] for name, env in _FROM_ENVIRONMENT.items() if os.environ.get(env)}


@pytest.fixture(scope="session")
def metronome_emulator_server(
    metronome_emulator_settings: dict[str, Any],
) -> Iterator[EmulatorProcess]:
    """The session's emulator, stopped when the session ends. Started here, waited for where
    its `url` is first needed."""
    with EmulatorProcess(**metronome_emulator_settings) as emulator:
        yield emulator


@pytest.fixture
def metronome_emulator(
    request: pytest.FixtureRequest, metronome_emulator_server: EmulatorProcess
) -> Iterator[EmulatorHandle]:
    """A fresh tenant of the session's emulator, dropped when the test ends: `url`, `token`,
    `reset()`, `load()`, `state()`, `configure(page_size)`, `set_clock()`, `advance_clock()`..."""
    handle = metronome_emulator_server.tenant(f"pytest-{next(_tokens)}")
    marker = request.node.get_closest_marker("metronome_emulator")
    if marker is not None:
        unknown = set(marker.kwargs) - _MARKER_OPTIONS
        if marker.args or unknown:
            raise pytest.UsageError(
                f"metronome_emulator marker takes only {sorted(_MARKER_OPTIONS)} as keywords"
            )
        options = {k: v for k, v in marker.kwargs.items() if k in _SCENARIO_OPTIONS}
        if "fixtures" in marker.kwargs:
            handle.load(marker.kwargs["fixtures"])
        elif options:
            handle.reset(**options)
        if "page_size" in marker.kwargs:
            handle.configure(marker.kwargs["page_size"])
        if "clock" in marker.kwargs:
            handle.set_clock(marker.kwargs["clock"])
    yield handle
    handle.drop()


@pytest.fixture(scope="session")
def _metronome_session_client(metronome_emulator_server: EmulatorProcess) -> Iterator[Any]:
    metronome = pytest.importorskip("metronome", reason=_NO_SDK)
    # The client imports its resources on first use: import them while the emulator starts.
    importlib.import_module("metronome.resources")
    client = metronome.Metronome(
        base_url=metronome_emulator_server.url,
        bearer_token="unused",
        http_client=metronome.DefaultHttpxClient(trust_env=False),
    )
    yield client
    client.close()


@pytest.fixture(scope="session")
def _metronome_ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


@pytest.fixture
def metronome_client(_metronome_session_client: Any, metronome_emulator: EmulatorHandle) -> Any:
    """An official `metronome.Metronome` client bound to this test's tenant (it shares the
    session client's connection pool)."""
    return _metronome_session_client.with_options(bearer_token=metronome_emulator.token)


@pytest.fixture
def metronome_async_client(
    metronome_emulator: EmulatorHandle, _metronome_ssl_context: ssl.SSLContext
) -> Any:
    """An official `metronome.AsyncMetronome` client bound to this test's tenant. Its connection
    pool belongs to the test's event loop, so it is made per test, with the session's SSL
    context."""
    metronome = pytest.importorskip("metronome", reason=_NO_SDK)
    return metronome.AsyncMetronome(
        base_url=metronome_emulator.url,
        bearer_token=metronome_emulator.token,
        http_client=metronome.DefaultAsyncHttpxClient(
            verify=_metronome_ssl_context, trust_env=False
        ),
    )
