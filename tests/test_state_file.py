"""`--state-file`: tenants' state comes back after a restart, whole; writes are atomic and a failed
one keeps the previous file; a bad file stops start-up naming the field."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.cli import main
from emulator.tenancy.statefile import (
    StateFileError,
    read_state_file,
    token_digest,
    write_state_file,
)
from tests.contract.conftest import emulator_process
from tests.helpers import SMALL

CLOCK = "2024-01-02T00:00:00Z"
BIG = 2**70 + 1  # beyond orjson's 64-bit integers: must come back exactly
EVENT = {
    "transaction_id": "kept",
    "customer_id": "c",
    "event_type": "e",
    "timestamp": "2024-01-01T00:00:00Z",
    "properties": {"big": BIG, "small": -(2**80)},
}
SCENARIO = ("--customers", "2", "--days", "1", "--events", "30", "--clock", CLOCK)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestRestart:
    """What tenants wrote is there after a clean shutdown and a new start."""

    def test_round_trip(self, tmp_path: Path) -> None:
        path = tmp_path / "state.json"
        args = (*SCENARIO, "--state-file", str(path))
        with emulator_process(*args) as url:
            httpx.post(f"{url}/v1/ingest", json=[EVENT], headers=auth("a")).raise_for_status()
            httpx.post(
                f"{url}/_emulator/state", content=SMALL.read_bytes(), headers=auth("b")
            ).raise_for_status()
            httpx.post(f"{url}/v1/ingest", json=[EVENT], headers=auth("b")).raise_for_status()
            httpx.patch(
                f"{url}/_emulator/config", json={"page_size": 3}, headers=auth("c")
            ).raise_for_status()
            httpx.post(
                f"{url}/_emulator/clock", json={"advance_seconds": 60}, headers=auth("e")
            ).raise_for_status()
            before = {
                t: httpx.get(f"{url}/_emulator/state", headers=auth(t)).content for t in "abcde"
            }
        saved = json.loads(path.read_text())
        assert set(saved["tenants"]) == {token_digest(t) for t in "abce"}  # only as digests
        layer = saved["tenants"][token_digest("a")]
        assert layer["state"] is None  # on the shared base: only what it wrote is kept
        assert [e["transaction_id"] for e in layer["layer"]["events"]] == ["kept"]
        with emulator_process(*args) as url:
            after = {
                t: httpx.get(f"{url}/_emulator/state", headers=auth(t)).content for t in "abcde"
            }
            config = httpx.get(f"{url}/_emulator/config", headers=auth("c")).json()
            clock = httpx.get(f"{url}/_emulator/clock", headers=auth("e")).json()
        assert after == before
        assert json.loads(after["a"])["events"][-1]["properties"] == EVENT["properties"]
        assert config == {"page_size": 3}
        assert clock == {"now": "2024-01-02T00:01:00Z", "frozen": True}

    def test_changed_customers_and_metrics(self, tmp_path: Path) -> None:
        """A renamed customer, a renamed metric, a customer config and billing configurations
        (one archived) come back after a restart, in a tenant's layer over the shared base."""
        path = tmp_path / "state.json"
        args = ("--fixtures", str(SMALL), "--clock", CLOCK, "--state-file", str(path))
        acme = "aaaaaaaa-0000-4000-8000-000000000001"
        metric = "11111111-1111-4111-8111-111111111111"
        headers = auth("a")
        with emulator_process(*args) as url:
            for method, route, body in [
                ("POST", f"/v1/customers/{acme}/setName", {"name": "Acme renamed"}),
                ("PUT", f"/v1/billable-metrics/{metric}", {"name": "Calls"}),
                ("POST", f"/v1/customers/{acme}/updateConfig", {"salesforce_account_id": "sf"}),
                ("POST", "/v1/setCustomerBillingProviderConfigurations", {"data": [
                    {"billing_provider": "stripe", "customer_id": acme,
                     "delivery_method": "direct_to_billing_provider"},
                    {"billing_provider": "netsuite", "customer_id": acme,
                     "delivery_method": "aws_sqs"},
                ]}),
            ]:  # fmt: skip
                httpx.request(
                    method, f"{url}{route}", json=body, headers=headers
                ).raise_for_status()
            query = {"customer_id": acme, "include_archived": True}
            listed = httpx.post(
                f"{url}/v1/getCustomerBillingProviderConfigurations", json=query, headers=headers
            ).json()["data"]
            httpx.post(
                f"{url}/v1/archiveCustomerBillingProviderConfigurations",
                json={"customer_id": acme,
                      "customer_billing_provider_configuration_ids": [listed[0]["id"]]},
                headers=headers,
            ).raise_for_status()  # fmt: skip
            before = httpx.get(f"{url}/_emulator/state", headers=headers).content
        saved = json.loads(path.read_text())["tenants"][token_digest("a")]
        assert saved["state"] is None  # the layer only
        assert [c["name"] for c in saved["layer"]["customers"]] == ["Acme renamed"]
        with emulator_process(*args) as url:
            after = httpx.get(f"{url}/_emulator/state", headers=headers).content
            customer = httpx.get(f"{url}/v1/customers/{acme}", headers=headers).json()["data"]
            name = httpx.get(f"{url}/v1/billable-metrics/{metric}", headers=headers).json()
            configurations = httpx.post(
                f"{url}/v1/getCustomerBillingProviderConfigurations", json=query, headers=headers
            ).json()["data"]
        assert after == before
        assert customer["name"] == "Acme renamed"
        assert customer["customer_config"] == {"salesforce_account_id": "sf"}
        assert name["data"]["name"] == "Calls"
        assert [c["archived_at"] for c in configurations] == [CLOCK, None]
        assert [c["billing_provider"] for c in configurations] == ["stripe", "netsuite"]

    def test_snapshot(self, tmp_path: Path) -> None:
        path = tmp_path / "nested" / "state.json"
        args = (*SCENARIO, "--state-file", str(path))
        with emulator_process(*args) as url:
            httpx.post(f"{url}/v1/ingest", json=[EVENT], headers=auth("a")).raise_for_status()
            answer = httpx.post(f"{url}/_emulator/snapshot", headers=auth("a")).json()
            assert answer == {"state_file": str(path), "tenants": 1}
            base = "seed 42, 2 customers, 1 days, 30 events"
            saved = read_state_file(path, base)[token_digest("a")]
            assert saved.layer is not None
            assert saved.layer.events[-1].properties["big"] == BIG

    def test_snapshot_needs_a_state_file(self) -> None:
        with emulator_process("--events", "10") as url:
            response = httpx.post(f"{url}/_emulator/snapshot", headers=auth("a"))
        assert response.status_code == 400
        assert response.json() == {
            "message": "this emulator runs without --state-file: there is nowhere to write"
        }


class TestAtomicWrites:
    """A failed write leaves the previous file whole and no temporary file behind."""

    def test_failed_write(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "state.json"
        write_state_file(path, "base", {})
        original = path.read_bytes()

        def crash(*_: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("emulator.tenancy.statefile.os.replace", crash)
        entry = {"page_size": None, "clock": None, "state": None, "layer": None}
        with pytest.raises(StateFileError, match="No space left on device; the previous file"):
            write_state_file(path, "base", {"x": entry})
        assert path.read_bytes() == original
        assert [p.name for p in tmp_path.iterdir()] == ["state.json"]

    def test_stray_temporaries_removed_at_start(self, tmp_path: Path) -> None:
        path = tmp_path / "state.json"
        stray = tmp_path / ".state.json.k3j2h1"
        stray.write_text("{half a write")
        assert read_state_file(path, "base") == {}
        assert list(tmp_path.iterdir()) == []

    def test_shutdown_that_cannot_write_exits_non_zero(self, tmp_path: Path) -> None:
        folder = tmp_path / "gone"
        folder.mkdir()
        path = folder / "state.json"
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--events", "10",
             "--state-file", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert process.stdout is not None
        assert "listening on" in process.stdout.readline()
        folder.rmdir()
        folder.write_text("a file where the folder was")  # the write must fail
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
        assert process.returncode == 1
        assert f"cannot write state file {path}" in err


class TestRefusedAtStart:
    """A state file that cannot be restored exactly stops start-up (exit 2) naming the field."""

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (
                '{"version": 2, "tenants": {"x": {"state": {"customers": [{"id": 1}]}}}}',
                "tenants.x.state.customers[0].id must be a UUID",
            ),
            (
                '{"version": 2, "tenants": {"x": {"page_size": 0}}}',
                "tenants.x.page_size must be greater than or equal to 1",
            ),
            (
                '{"version": 2, "tenants": {"x": {"page_size": "7"}}}',
                "tenants.x.page_size must be an integer",
            ),
            ('{"version": 3, "tenants": {}}', "version"),
            ("{not json", "state file must be valid JSON"),
            (
                '{"version": 2, "base": "seed 1", "tenants": {"x": {"layer": {}}}}',
                "holds tenants' writes over another base state (seed 1)",
            ),
            (
                '{"version": 2, "tenants": {"x": {"state": {"billable_metrics": [{"id": '
                '"11111111-1111-4111-8111-111111111111", "name": "m", "aggregation_type": '
                '"COUNT", "events_from": 3, "events_until": 1}]}}}}',
                "billable_metrics[0].events_until must not be before events_from",
            ),
        ],
    )
    def test_bad_files(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
    ) -> None:
        path = tmp_path / "state.json"
        path.write_text(content)
        assert main(["--port", "0", "--state-file", str(path), "--events", "1"]) == 2
        err = capsys.readouterr().err
        assert str(path) in err
        assert message in err
        assert os.path.exists(path)  # never removed or rewritten


class TestOneTenantCannotStopTheOthers:
    """A tenant whose state cannot be written is left out and named; the others are written."""

    def test_write_names_the_tenant(self, tmp_path: Path) -> None:
        from emulator.wire.timestamps import MAX_US

        path = tmp_path / "state.json"
        good = {"page_size": 7, "clock": None, "state": None, "layer": None}
        bad = {**good, "clock": MAX_US + 10**15}  # past year 9999: cannot be written as a time
        with pytest.raises(StateFileError, match=r"without 1 tenant\(s\).*tenants\.b: Overflow"):
            write_state_file(path, "base", {"a": good, "b": bad, "c": good})
        saved = read_state_file(path, "base")
        assert sorted(saved) == ["a", "c"]
        assert saved["a"].page_size == 7

    async def test_snapshot_writes_the_others(self, tmp_path: Path, aiohttp_client: Any) -> None:
        from emulator.app import create_app
        from emulator.settings import Settings
        from emulator.web.keys import TENANTS
        from emulator.wire.timestamps import MAX_US

        path = tmp_path / "state.json"
        app = create_app(Settings(fixtures=SMALL, state_file=path))
        client = await aiohttp_client(app)
        for token in ("good", "broken"):
            answer = await client.patch(
                "/_emulator/config", json={"page_size": 5}, headers=auth(token)
            )
            assert answer.status == 200
        app[TENANTS].get("broken").clock.frozen_at = MAX_US + 10**15  # what the door now refuses
        answer = await client.post("/_emulator/snapshot", headers=auth("good"))
        assert answer.status == 500
        assert token_digest("broken") in (await answer.json())["message"]
        assert set(read_state_file(path, "x")) == {token_digest("good")}
        app[TENANTS].get("broken").clock.frozen_at = None  # the shutdown write must succeed

    def test_shutdown_exit_code_names_the_tenant(self, tmp_path: Path) -> None:
        """A tenant whose entry cannot be written (made to fail here: the door keeps out every
        real cause) is left out at shutdown: exit status 3, its digest on standard error, the
        other tenant in the file."""
        path = tmp_path / "state.json"
        code = (
            "import sys\n"
            "import emulator.tenancy.statefile as statefile\n"
            "write = statefile._write_entry\n"
            "def failing(file, digest, entry, first):\n"
            "    if entry['page_size'] == 7:\n"
            "        raise ValueError('cannot be written')\n"
            "    write(file, digest, entry, first)\n"
            "statefile._write_entry = failing\n"
            "from emulator.cli import main\n"
            f"sys.exit(main(['--port', '0', '--events', '10', '--state-file', {str(path)!r}]))\n"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        url = process.stdout.readline().split("listening on ")[1].split()[0]
        for token, size in (("bad", 7), ("good", 3)):
            answer = httpx.patch(
                f"{url}/_emulator/config", json={"page_size": size}, headers=auth(token)
            )
            answer.raise_for_status()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 3, err
        assert f"tenants.{token_digest('bad')}: ValueError: cannot be written" in err
        assert set(read_state_file(path, "x")) == {token_digest("good")}


class TestRestartAfterTheEdges:
    """Whatever the door accepts at its edges comes back whole after a restart; what it refuses
    (nesting 195 deep, NaN, a clock past year 9999) is refused before it can break one."""

    def test_edges_round_trip(self, tmp_path: Path) -> None:
        from emulator.wire.limits import NAME_CHARS, PROPERTY_DEPTH, PROPERTY_VALUE_BYTES

        def nested(depth: int) -> Any:
            value: Any = "leaf"
            for _ in range(depth):
                value = {"k": value}
            return value

        def event(n: int, properties: dict[str, Any], kind: str = "edge") -> dict[str, Any]:
            return {"transaction_id": f"edge-{n}", "customer_id": "c" * NAME_CHARS,
                    "event_type": kind, "timestamp": "2024-01-01T12:00:00Z",
                    "properties": properties}  # fmt: skip

        path = tmp_path / "state.json"
        args = (*SCENARIO, "--state-file", str(path))
        tokens = ("edges", "sums", "late", "refused")
        with emulator_process(*args) as url:
            nan = json.dumps([event(1, {"v": 0})]).replace('"v": 0', '"v": NaN')
            end = {"now": "9999-12-31T00:00:00Z"}
            refused = [
                httpx.post(f"{url}/v1/ingest", json=[event(0, {"d": nested(195)})],
                           headers=auth("refused")),
                httpx.post(f"{url}/v1/ingest", content=nan, headers=auth("refused")),
                httpx.post(f"{url}/_emulator/clock", json=end, headers=auth("refused")),
                httpx.post(f"{url}/_emulator/clock", json={"advance_seconds": 2 * 86400},
                           headers=auth("refused")),
            ]  # fmt: skip
            assert [answer.status_code for answer in refused] == [400, 400, 200, 400]
            edges = [
                event(2, {"deep": nested(PROPERTY_DEPTH)}),
                event(3, {"long": "é" * (PROPERTY_VALUE_BYTES // 2), "n" * NAME_CHARS: 1}),
                event(4, {"digits": int("9" * PROPERTY_VALUE_BYTES), "neg": -(10**200)}),
                event(5, {"list": [[[1.5, None, True]]], "tiny": 5e-324}),
            ]
            httpx.post(f"{url}/v1/ingest", json=edges, headers=auth("edges")).raise_for_status()
            metric = {"name": "m" * NAME_CHARS, "aggregation_type": "SUM", "aggregation_key": "v",
                      "property_filters": [{"name": "v", "exists": True}]}  # fmt: skip
            created = httpx.post(
                f"{url}/v1/billable-metrics/create", json=metric, headers=auth("sums")
            )
            created.raise_for_status()
            sums = [event(6 + n, {"v": 1e308}) for n in range(3)]
            httpx.post(f"{url}/v1/ingest", json=sums, headers=auth("sums")).raise_for_status()
            customer = {"name": "n" * NAME_CHARS, "ingest_aliases": [f"a{n}" for n in range(100)]}
            httpx.post(
                f"{url}/v1/customers", json=customer, headers=auth("sums")
            ).raise_for_status()
            last = {"now": "9999-12-31T23:59:59.999999Z"}
            httpx.post(f"{url}/_emulator/clock", json=last, headers=auth("late")).raise_for_status()
            httpx.post(
                f"{url}/v1/customers", json={"name": "late"}, headers=auth("late")
            ).raise_for_status()
            before = {
                t: httpx.get(f"{url}/_emulator/state", headers=auth(t)).content for t in tokens
            }
            snapshot = httpx.post(f"{url}/_emulator/snapshot", headers=auth("edges"))
            assert snapshot.status_code == 200
        with emulator_process(*args) as url:
            after = {
                t: httpx.get(f"{url}/_emulator/state", headers=auth(t)).content for t in tokens
            }
        assert after == before
        kept = json.loads(after["edges"])["events"][-4:]
        assert [e["properties"] for e in kept] == [e["properties"] for e in edges]
