from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from emulator.app import create_app
from emulator.settings import Settings
from tests.helpers import SMALL

AUTH = {"Authorization": "Bearer My Bearer Token"}

ClientFactory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


@pytest.fixture
async def client(aiohttp_client: ClientFactory) -> TestClient:  # type: ignore[type-arg]
    """The emulator over fixtures/small.json, default page size 100."""
    return await aiohttp_client(create_app(Settings(fixtures=SMALL)))
