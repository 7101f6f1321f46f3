from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from emulator.app import create_app
from emulator.settings import Settings
from emulator.wire.timestamps import parse_rfc3339
from tests.helpers import SMALL

AUTH = {"Authorization": "Bearer My Bearer Token"}
# The clock of the `client` fixture: the day after fixtures/small.json's events, so that events of
# that day are inside the ingest window (at most 34 days before the clock, 24 hours after it).
NOW = "2021-01-02T00:00:00Z"

ClientFactory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


@pytest.fixture
async def client(aiohttp_client: ClientFactory) -> TestClient:  # type: ignore[type-arg]
    """The emulator over fixtures/small.json, default page size 100, clock frozen at NOW."""
    return await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=parse_rfc3339(NOW))))
