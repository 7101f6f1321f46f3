"""A path of the official SDK that the emulator does not serve answers 400 naming the method and
path; any other unknown path stays 404. The SDK's paths come from the installed SDK itself."""

from __future__ import annotations

from typing import Any

from emulator.app import create_app
from emulator.routes import ROUTES
from emulator.settings import Settings
from emulator.web.routing import not_emulated_patterns
from emulator.wire.sdk_surface import SDK_SURFACE
from tests.contract.sdk_surface import TARGET, render, sdk_surface

AUTH = {"Authorization": "Bearer not emulated"}


class TestSdkSurface:
    """The committed surface is what the installed SDK calls, and the route table is part of it."""

    def test_the_committed_surface_is_the_installed_sdks(self) -> None:
        assert TARGET.read_text() == render(sdk_surface()), (
            "run python -m tests.contract.sdk_surface"
        )

    def test_every_metronome_route_is_an_sdk_call(self) -> None:
        """Each served endpoint of Metronome's API is one the SDK calls (so no typo in a path)."""
        for route in ROUTES:
            if route.control or route.path == "/openapi.json":
                continue
            assert (route.method, route.openapi_path) in SDK_SURFACE, route.openapi_path
        assert len(not_emulated_patterns(ROUTES)) < len(SDK_SURFACE)


class TestAnswers:
    """400 for the SDK's other paths, 404 for the rest."""

    async def test_sdk_paths_not_served(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=1, days=1, events=1)))
        amend = await client.post("/v1/contracts/amend", json={}, headers=AUTH)
        assert amend.status == 400
        assert await amend.json() == {
            "message": "POST /v1/contracts/amend is not supported by the emulator"
        }
        path = "/v1/customers/0f0f0f0f-0000-4000-8000-000000000000/plans"
        plans = await client.get(path, headers=AUTH)
        assert plans.status == 400
        assert await plans.json() == {"message": f"GET {path} is not supported by the emulator"}

    async def test_unknown_paths_stay_404(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(customers=1, days=1, events=1)))
        for method, path in (("POST", "/v1/no/such/thing"), ("GET", "/v1/contracts/amend")):
            response = await client.request(method, path, headers=AUTH)
            assert response.status in (404, 405), path
