"""The Host rule: only names no outsider's DNS decides may talk to the emulator (DNS rebinding)."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.app import create_app
from emulator.cli import settings_from
from emulator.settings import Settings
from emulator.web.hosts import host_allowed
from tests.helpers import SMALL

AUTH = {"Authorization": "Bearer rebinding victim"}


class TestRule:
    """Loopback names, IP literals, single labels and *.internal pass; public names do not."""

    @pytest.mark.parametrize(
        "host",
        [
            "localhost", "localhost:4010", "LOCALHOST.", "app.localhost:80", "127.0.0.1",
            "127.0.0.1:4010", "[::1]:4010", "[::1]", "172.18.0.3:4010", "metronome",
            "metronome:4010", "emulator.", "host.docker.internal:4010", None,
        ],
    )  # fmt: skip
    def test_allowed(self, host: str | None) -> None:
        assert host_allowed(host)

    @pytest.mark.parametrize(
        "host",
        ["evil.example", "evil.example:4010", "127.0.0.1.nip.io", "localhost.evil.example", "",
         "metronome.example.com"],
    )  # fmt: skip
    def test_refused(self, host: str) -> None:
        assert not host_allowed(host)

    def test_allowed_host_option(self) -> None:
        assert host_allowed("emu.ci.example:4010", ["emu.ci.example"])
        assert host_allowed("a.ci.example", [".ci.example"])
        assert not host_allowed("ci.example.evil", [".ci.example"])
        assert host_allowed("anything.example", ["*"])
        assert host_allowed("emu.ci.example", ["EMU.ci.example.:4010"])


class TestEdge:
    """A refused Host is a 403 that says how to allow it, and no tenant is made or touched."""

    async def test_refused_before_the_tenant(self, aiohttp_client: Any) -> None:
        client = await aiohttp_client(create_app(Settings(fixtures=SMALL)))
        for method, path in (("GET", "/_emulator/state"), ("POST", "/_emulator/reset"),
                             ("GET", "/_emulator/health"), ("GET", "/_emulator/ui")):  # fmt: skip
            answer = await client.request(
                method, path, headers={**AUTH, "Host": "evil.example:4010"}
            )
            assert answer.status == 403
            assert answer.content_type == "application/json"
            message = (await answer.json())["message"]
            assert "--allowed-host evil.example" in message
            assert "EMULATOR_ALLOWED_HOSTS" in message
        health = await (await client.get("/_emulator/health")).json()
        assert health["tenants"] == 0

    async def test_service_name_and_option(self, aiohttp_client: Any) -> None:
        app = create_app(Settings(fixtures=SMALL, allowed_hosts=("emu.ci.example",)))
        client = await aiohttp_client(app)
        for host in ("metronome:4010", "emu.ci.example", "localhost"):
            answer = await client.get("/_emulator/state", headers={**AUTH, "Host": host})
            assert answer.status == 200, host


class TestOption:
    """--allowed-host is repeatable, EMULATOR_ALLOWED_HOSTS comma-separated; the flag wins."""

    def test_flag_and_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("EMULATOR_ALLOWED_HOSTS", "a.example, b.example")
        assert settings_from([]).allowed_hosts == ("a.example", "b.example")
        flags = ["--allowed-host", "c.example", "--allowed-host", "d.example"]
        assert settings_from(flags).allowed_hosts == ("c.example", "d.example")
        monkeypatch.delenv("EMULATOR_ALLOWED_HOSTS")
        assert settings_from([]).allowed_hosts == ()
