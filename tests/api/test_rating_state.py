"""Rating's records everywhere state goes: export and load (byte for byte), `--fixtures`, the
state file, tenant layers (a tenant costs what it writes), the grace setting, idempotency keys
and the journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulator.app import create_app
from emulator.settings import Settings
from emulator.tenancy.statefile import read_state_file, token_digest
from emulator.web.keys import BASE_IDENTITY, TENANTS
from emulator.wire.timestamps import parse_rfc3339
from tests.helpers import ACME, SMALL

CLOCK = parse_rfc3339("2024-03-02T00:00:00Z")
TOKENS_METRIC = "22222222-2222-4222-8222-222222222222"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def post(client: Any, token: str, path: str, body: Any, **headers: str) -> Any:
    response = await client.post(path, json=body, headers={**auth(token), **headers})
    assert response.status == 200, await response.text()
    return await response.json()


async def build(client: Any, token: str) -> dict[str, str]:
    """A product, a card with a rate and a contract for Acme from 2024-02-01, on `token`."""
    product = (
        await post(
            client,
            token,
            "/v1/contract-pricing/products/create",
            {"name": "Tokens", "type": "USAGE", "billable_metric_id": TOKENS_METRIC},
        )
    )["data"]["id"]
    card = (await post(client, token, "/v1/contract-pricing/rate-cards/create", {"name": "A"}))[
        "data"
    ]["id"]
    rate = {
        "rate_card_id": card,
        "product_id": product,
        "starting_at": "2024-01-01T00:00:00Z",
        "entitled": True,
        "rate_type": "flat",
        "price": 1.5,
    }
    await post(client, token, "/v1/contract-pricing/rate-cards/addRate", rate)
    contract = (
        await post(
            client,
            token,
            "/v1/contracts/create",
            {"customer_id": ACME, "rate_card_id": card, "starting_at": "2024-02-01T00:00:00Z"},
        )
    )["data"]["id"]
    return {"product": product, "card": card, "contract": contract}


async def export(client: Any, token: str) -> bytes:
    response = await client.get("/_emulator/state", headers=auth(token))
    assert response.status == 200
    return bytes(await response.read())


async def invoices(client: Any, token: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/customers/{ACME}/invoices", headers=auth(token))
    assert response.status == 200, await response.text()
    return list((await response.json())["data"])


class TestRoundTrips:
    """Exported, loaded, exported again: the same bytes, and the same invoices."""

    async def test_export_and_load(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=CLOCK)))
        await build(client, "a")
        exported = await export(client, "a")
        loaded = await client.post("/_emulator/state", data=exported, headers=auth("b"))
        assert loaded.status == 200, await loaded.text()
        assert await export(client, "b") == exported
        assert await invoices(client, "b") == await invoices(client, "a")
        assert [i["status"] for i in await invoices(client, "a")] == ["FINALIZED", "DRAFT"]

    async def test_fixtures_file(self, aiohttp_client: Any, tmp_path: Path) -> None:
        first = await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=CLOCK)))
        ids = await build(first, "a")
        exported = await export(first, "a")
        path = tmp_path / "rated.json"
        path.write_bytes(exported)
        second = await aiohttp_client(create_app(Settings(fixtures=path)))
        assert await export(second, "anyone") == exported
        assert await invoices(second, "anyone") == await invoices(first, "a")
        got = await post(second, "x", "/v1/contract-pricing/products/get", {"id": ids["product"]})
        assert got["data"]["current"]["name"] == "Tokens"

    async def test_state_file(self, aiohttp_client: Any, tmp_path: Path) -> None:
        """A tenant's catalog layer and grace setting come back after a restart."""
        path = tmp_path / "state.json"
        settings = Settings(fixtures=SMALL, clock=CLOCK, state_file=path)
        first = await aiohttp_client(create_app(settings))
        await build(first, "a")
        patched = await first.patch(
            "/_emulator/config", json={"invoice_grace_seconds": 0}, headers=auth("a")
        )
        assert (await patched.json())["invoice_grace_seconds"] == 0
        before = await export(first, "a")
        bills = await invoices(first, "a")
        snap = await first.post("/_emulator/snapshot", headers=auth("a"))
        assert snap.status == 200
        saved = read_state_file(path, first.app[BASE_IDENTITY])[token_digest("a")]
        assert saved.state is None  # on the shared base: only the layer is kept
        assert saved.layer is not None
        assert len(saved.layer.products) == len(saved.layer.contracts) == 1
        assert saved.invoice_grace_seconds == 0
        second = await aiohttp_client(create_app(settings))
        assert await export(second, "a") == before
        assert await invoices(second, "a") == bills
        config = await (await second.get("/_emulator/config", headers=auth("a"))).json()
        assert config["invoice_grace_seconds"] == 0


class TestLayers:
    """A tenant that writes a contract costs what it writes; others never see it."""

    async def test_a_tenant_costs_what_it_writes(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=CLOCK)))
        await build(client, "writer")
        tenants = client.app[TENANTS]
        writer = tenants.get("writer")
        assert writer.catalog_layer is not None
        assert writer.base_catalog is tenants.initial_catalog
        assert len(writer.catalog_layer.products.top) == 1
        assert len(writer.catalog_layer.contracts.top) == 1
        assert len(tenants.initial_catalog.products) == 0
        assert await invoices(client, "reader") == []
        reader = tenants.get("reader")
        assert reader.catalog_layer is None  # reads make no layer
        listed = await post(client, "reader", "/v1/contract-pricing/products/list", {})
        assert listed == {"data": [], "next_page": None}

    async def test_reset_drops_the_layer(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=CLOCK)))
        await build(client, "a")
        await client.post("/_emulator/reset", headers=auth("a"))
        assert await invoices(client, "a") == []


class TestGrace:
    """The grace period is the tenant's runtime setting: 0 finalizes at the period's end."""

    async def test_zero_grace(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL)))
        await client.post(
            "/_emulator/clock", json={"now": "2024-02-29T00:00:00Z"}, headers=auth("g")
        )
        await build(client, "g")
        await client.post(
            "/_emulator/clock", json={"now": "2024-03-01T00:00:00Z"}, headers=auth("g")
        )
        assert [i["status"] for i in await invoices(client, "g")] == ["DRAFT", "DRAFT"]
        await client.patch(
            "/_emulator/config", json={"invoice_grace_seconds": 0}, headers=auth("g")
        )
        assert [i["status"] for i in await invoices(client, "g")] == ["FINALIZED", "DRAFT"]
        await client.patch(
            "/_emulator/config", json={"invoice_grace_seconds": None}, headers=auth("g")
        )
        config = await (await client.get("/_emulator/config", headers=auth("g"))).json()
        assert config["invoice_grace_seconds"] == 86400


class TestIdempotencyAndJournal:
    """A repeated create with its Idempotency-Key replays the first answer, and makes nothing."""

    async def test_idempotent_create(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=CLOCK)))
        body = {"name": "Once", "type": "FIXED"}
        key = {"Idempotency-Key": "k1"}
        first = await post(client, "i", "/v1/contract-pricing/products/create", body, **key)
        again = await post(client, "i", "/v1/contract-pricing/products/create", body, **key)
        assert first == again
        listed = await post(client, "i", "/v1/contract-pricing/products/list", {})
        assert [p["id"] for p in listed["data"]] == [first["data"]["id"]]
        journal = await (await client.get("/_emulator/requests", headers=auth("i"))).json()
        paths = [entry["path"] for entry in journal["data"]]
        assert paths.count("/v1/contract-pricing/products/create") == 2

    async def test_faults_hit_rating_calls(self, aiohttp_client: Any) -> None:
        """A queued fault answers the next rating call, which then makes nothing."""
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL, clock=CLOCK)))
        fault = {"method": "POST", "path": "/v1/contracts/create", "status": 503}
        queued = await client.post("/_emulator/faults", json=fault, headers=auth("f"))
        assert queued.status == 200
        body = {"name": "A"}
        card = (await post(client, "f", "/v1/contract-pricing/rate-cards/create", body))["data"]
        contract = {
            "customer_id": ACME,
            "rate_card_id": card["id"],
            "starting_at": "2024-02-01T00:00:00Z",
        }
        hit = await client.post("/v1/contracts/create", json=contract, headers=auth("f"))
        assert hit.status == 503
        assert await invoices(client, "f") == []
        await post(client, "f", "/v1/contracts/create", contract)
        assert len(await invoices(client, "f")) == 2
