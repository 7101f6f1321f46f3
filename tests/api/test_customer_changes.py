"""Changes after creation: a customer's name and config, its billing provider configurations, and a
billable metric's name. Each shows wherever the changed thing shows, and round-trips through the
exported state."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from emulator.metering.customers import delivery_method_id
from tests.api.conftest import AUTH, NOW

ACME = "aaaaaaaa-0000-4000-8000-000000000001"
BETA = "bbbbbbbb-0000-4000-8000-000000000002"
API_CALLS = "11111111-1111-4111-8111-111111111111"
UNKNOWN = "99999999-9999-4999-8999-999999999999"

Client = TestClient  # type: ignore[type-arg]


async def call(client: Client, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    response = await client.request(method, path, json=body, headers=AUTH)
    text = await response.text()
    return response.status, (await response.json() if text else None)


async def customer(client: Client, customer_id: str = ACME) -> Any:
    return (await call(client, "GET", f"/v1/customers/{customer_id}"))[1]["data"]


async def state(client: Client) -> bytes:
    response = await client.get("/_emulator/state", headers=AUTH)
    return await response.read()


class TestSetName:
    """`setName` renames the customer everywhere it shows, cut to 160 characters."""

    async def test_renamed_everywhere(self, client: Client) -> None:
        status, body = await call(
            client, "POST", f"/v1/customers/{ACME}/setName", {"name": "Acme 2"}
        )
        assert status == 200
        assert body["data"]["name"] == "Acme 2"
        assert set(body["data"]) == {"id", "external_id", "ingest_aliases", "name", "custom_fields"}
        detail = await customer(client)
        assert detail["name"] == "Acme 2"
        assert detail["updated_at"] == NOW  # the tenant's clock
        _, page = await call(client, "GET", "/v1/customers")
        assert [c["name"] for c in page["data"] if c["id"] == ACME] == ["Acme 2"]
        _, found = await call(client, "POST", "/v1/events/search", {"transactionIds": ["t02"]})
        assert {e["matched_customer"]["name"] for e in found if e["matched_customer"]} == {"Acme 2"}

    async def test_cut_to_160(self, client: Client) -> None:
        await call(client, "POST", f"/v1/customers/{ACME}/setName", {"name": "x" * 200})
        assert (await customer(client))["name"] == "x" * 160

    async def test_refusals(self, client: Client) -> None:
        before = await state(client)
        path = f"/v1/customers/{UNKNOWN}/setName"
        assert await call(client, "POST", path, {"name": "x"}) == (
            404,
            {"message": f"customer_id: customer {UNKNOWN} not found"},
        )
        status, body = await call(client, "POST", f"/v1/customers/{ACME}/setName", {"name": ""})
        assert status == 400
        assert "name" in body["message"]
        status, body = await call(client, "POST", "/v1/customers/nope/setName", {"name": "x"})
        assert (status, body) == (400, {"message": "customer_id must be a UUID"})
        assert await state(client) == before


class TestUpdateConfig:
    """`updateConfig` sets the Salesforce account id (shown as `customer_config`) and the Stripe
    draft flag (kept in the state); a field left out or null stays as it was."""

    async def test_set_and_kept(self, client: Client) -> None:
        path = f"/v1/customers/{ACME}/updateConfig"
        status, body = await call(
            client,
            "POST",
            path,
            {"salesforce_account_id": "0015500001WO1ZiABL", "leave_stripe_invoices_in_draft": True},
        )
        assert (status, body) == (200, None)
        assert (await customer(client))["customer_config"] == {
            "salesforce_account_id": "0015500001WO1ZiABL"
        }
        await call(client, "POST", path, {"salesforce_account_id": None})
        detail = await customer(client)
        assert detail["customer_config"]["salesforce_account_id"] == "0015500001WO1ZiABL"
        _, page = await call(
            client, "GET", "/v1/customers?salesforce_account_ids=0015500001WO1ZiABL"
        )
        assert [c["id"] for c in page["data"]] == [ACME]
        _, page = await call(client, "GET", "/v1/customers?salesforce_account_ids=other")
        assert page["data"] == []

    async def test_refusals(self, client: Client) -> None:
        status, body = await call(
            client,
            "POST",
            f"/v1/customers/{ACME}/updateConfig",
            {"leave_stripe_invoices_in_draft": "yes"},
        )
        assert status == 400
        assert "leave_stripe_invoices_in_draft" in body["message"]
        status, _ = await call(client, "POST", f"/v1/customers/{UNKNOWN}/updateConfig", {})
        assert status == 404


STRIPE = {"billing_provider": "stripe", "customer_id": ACME, "delivery_method": "aws_sqs"}


class TestBillingConfigurations:
    """Set, retrieve and archive a customer's billing provider configurations."""

    async def test_round(self, client: Client) -> None:
        status, body = await call(
            client,
            "POST",
            "/v1/setCustomerBillingProviderConfigurations",
            {
                "data": [
                    {**STRIPE, "configuration": {"stripe_customer_id": "cus_1"},
                     "tax_provider": "anrok"},
                    {"billing_provider": "aws_marketplace", "customer_id": BETA,
                     "delivery_method": "direct_to_billing_provider"},
                ]
            },
        )  # fmt: skip
        assert status == 200
        first, second = body["data"]
        assert first["customer_id"] == ACME
        assert second["customer_id"] == BETA
        assert first["delivery_method_id"] == delivery_method_id("stripe", "aws_sqs")
        assert first["configuration"] == {"stripe_customer_id": "cus_1"}
        assert first["tax_provider"] == "anrok"
        assert second["tax_provider"] is None
        query = {"customer_id": ACME}
        _, listed = await call(
            client, "POST", "/v1/getCustomerBillingProviderConfigurations", query
        )
        assert listed == {
            "data": [
                {
                    "id": first["id"],
                    "archived_at": None,
                    "billing_provider": "stripe",
                    "configuration": {"stripe_customer_id": "cus_1"},
                    "customer_id": ACME,
                    "delivery_method": "aws_sqs",
                    "delivery_method_configuration": {},
                    "delivery_method_id": first["delivery_method_id"],
                }
            ]
        }
        archive = {
            "customer_id": ACME,
            "customer_billing_provider_configuration_ids": [first["id"]] * 2,
        }
        status, body = await call(
            client, "POST", "/v1/archiveCustomerBillingProviderConfigurations", archive
        )
        assert (status, body) == (
            200,
            {"data": {"customer_billing_provider_configuration_ids": [first["id"]],
                      "customer_id": ACME}},
        )  # fmt: skip
        _, listed = await call(
            client, "POST", "/v1/getCustomerBillingProviderConfigurations", query
        )
        assert listed == {"data": []}
        query["include_archived"] = True  # type: ignore[assignment]
        _, listed = await call(
            client, "POST", "/v1/getCustomerBillingProviderConfigurations", query
        )
        assert [c["archived_at"] for c in listed["data"]] == [NOW]
        # Archiving again changes nothing.
        status, _ = await call(
            client, "POST", "/v1/archiveCustomerBillingProviderConfigurations", archive
        )
        assert status == 200

    async def test_refusals_store_nothing(self, client: Client) -> None:
        before = await state(client)
        path = "/v1/setCustomerBillingProviderConfigurations"
        cases = [
            ({"data": [STRIPE, {"billing_provider": "stripe", "customer_id": ACME}]},
             400, "data[1]: delivery_method or delivery_method_id is required"),
            ({"data": [{**STRIPE, "billing_provider": "netsuite", "tax_provider": "anrok"}]},
             400, "data[0].tax_provider is only supported for the stripe billing provider"),
            ({"data": [{**STRIPE, "customer_id": UNKNOWN}]},
             404, f"data[0].customer_id: customer {UNKNOWN} not found"),
            ({"data": [{**STRIPE, "delivery_method": None, "delivery_method_id": "dm"}]},
             400, None),
            ({"data": []}, 400, None),
            ({"data": [{**STRIPE, "billing_provider": "paypal"}]}, 400, None),
        ]  # fmt: skip
        for body, status, message in cases:
            got_status, got = await call(client, "POST", path, body)
            assert got_status == status, (body, got)
            assert message is None or got == {"message": message}
            assert "data" in got["message"]
        archive = {
            "customer_id": ACME,
            "customer_billing_provider_configuration_ids": [UNKNOWN],
        }
        status, got = await call(
            client, "POST", "/v1/archiveCustomerBillingProviderConfigurations", archive
        )
        assert status == 404
        assert "customer_billing_provider_configuration_ids[0]" in got["message"]
        assert await state(client) == before

    async def test_delivery_method_id_alone(self, client: Client) -> None:
        known = delivery_method_id("stripe", "tackle")
        item = {"billing_provider": "stripe", "customer_id": ACME, "delivery_method_id": known}
        status, _ = await call(
            client, "POST", "/v1/setCustomerBillingProviderConfigurations", {"data": [item]}
        )
        assert status == 200
        _, listed = await call(
            client, "POST", "/v1/getCustomerBillingProviderConfigurations", {"customer_id": ACME}
        )
        assert [c["delivery_method"] for c in listed["data"]] == ["tackle"]


class TestUpdateMetric:
    """`PUT /v1/billable-metrics/{id}` renames the metric and changes nothing else."""

    async def test_renamed_everywhere(self, client: Client) -> None:
        usage = {
            "starting_on": "2021-01-01T00:00:00Z",
            "ending_before": "2021-01-02T00:00:00Z",
            "window_size": "day",
            "billable_metrics": [{"id": API_CALLS}],
        }
        _, before = await call(client, "POST", "/v1/usage", usage)
        _, old = await call(client, "GET", f"/v1/billable-metrics/{API_CALLS}")
        status, body = await call(
            client, "PUT", f"/v1/billable-metrics/{API_CALLS}", {"name": "Calls"}
        )
        assert (status, body) == (200, {"data": {"id": API_CALLS}})
        _, new = await call(client, "GET", f"/v1/billable-metrics/{API_CALLS}")
        assert new["data"] == {**old["data"], "name": "Calls"}
        _, after = await call(client, "POST", "/v1/usage", usage)
        assert [r["billable_metric_name"] for r in after["data"]] == ["Calls"] * len(after["data"])
        assert [r["value"] for r in after["data"]] == [r["value"] for r in before["data"]]

    async def test_refusals(self, client: Client) -> None:
        path = f"/v1/billable-metrics/{UNKNOWN}"
        assert (await call(client, "PUT", path, {"name": "x"}))[0] == 404
        status, body = await call(client, "PUT", f"/v1/billable-metrics/{API_CALLS}", {})
        assert status == 400
        assert "name" in body["message"]
        status, _ = await call(client, "PUT", "/v1/billable-metrics/create", {"name": "x"})
        assert status == 405


class TestRoundTrip:
    """A renamed customer, a renamed metric, a config and billing configurations come back whole
    from an export loaded again."""

    async def test_export_load(self, client: Client) -> None:
        await call(client, "POST", f"/v1/customers/{ACME}/setName", {"name": "Renamed"})
        await call(client, "PUT", f"/v1/billable-metrics/{API_CALLS}", {"name": "Calls"})
        await call(
            client, "POST", f"/v1/customers/{BETA}/updateConfig",
            {"salesforce_account_id": "sf", "leave_stripe_invoices_in_draft": False},
        )  # fmt: skip
        _, made = await call(
            client, "POST", "/v1/setCustomerBillingProviderConfigurations", {"data": [STRIPE]}
        )
        await call(
            client, "POST", "/v1/archiveCustomerBillingProviderConfigurations",
            {"customer_id": ACME,
             "customer_billing_provider_configuration_ids": [made["data"][0]["id"]]},
        )  # fmt: skip
        exported = await state(client)
        response = await client.post("/_emulator/state", data=exported, headers=AUTH)
        assert response.status == 200
        assert await state(client) == exported
        assert (await customer(client))["name"] == "Renamed"
        assert (await customer(client, BETA))["customer_config"] == {"salesforce_account_id": "sf"}
        _, metric = await call(client, "GET", f"/v1/billable-metrics/{API_CALLS}")
        assert metric["data"]["name"] == "Calls"
        _, listed = await call(
            client, "POST", "/v1/getCustomerBillingProviderConfigurations",
            {"customer_id": ACME, "include_archived": True},
        )  # fmt: skip
        assert [c["archived_at"] for c in listed["data"]] == [NOW]


class TestCreateWithConfigurations:
    """`POST /v1/customers` takes billing provider configurations, under the same rules, and
    refuses the billing fields the emulator does not model."""

    async def test_made_with_the_customer(self, client: Client) -> None:
        item = {"billing_provider": "netsuite", "delivery_method": "direct_to_billing_provider"}
        body = {"name": "New", "customer_billing_provider_configurations": [item]}
        status, made = await call(client, "POST", "/v1/customers", body)
        assert status == 200
        query = {"customer_id": made["data"]["id"]}
        _, listed = await call(
            client, "POST", "/v1/getCustomerBillingProviderConfigurations", query
        )
        assert [(c["billing_provider"], c["delivery_method"]) for c in listed["data"]] == [
            ("netsuite", "direct_to_billing_provider")
        ]

    async def test_refusals_store_nothing(self, client: Client) -> None:
        before = await state(client)
        cases = [
            ({"name": "x", "billing_config": {"billing_provider_type": "stripe"}},
             "billing_config is not supported by the emulator: send "
             "customer_billing_provider_configurations instead"),
            ({"name": "x", "customer_revenue_system_configurations": []},
             "customer_revenue_system_configurations is not supported by the emulator"),
            ({"name": "x", "customer_billing_provider_configurations": [
                {"billing_provider": "stripe"}]},
             "customer_billing_provider_configurations[0]: delivery_method or "
             "delivery_method_id is required"),
        ]  # fmt: skip
        for body, message in cases:
            assert await call(client, "POST", "/v1/customers", body) == (400, {"message": message})
        status, _ = await call(
            client, "POST", "/v1/customers",
            {"name": "x", "customer_billing_provider_configurations": [
                {"billing_provider": "workday", "delivery_method": "aws_sqs"}]},
        )  # fmt: skip
        assert status == 400  # not a provider create takes
        assert await state(client) == before
