"""A customer's billing provider configurations: set, retrieve and archive. Shapes as the SDK's
`CustomerSetBillingConfigurationsResponse`, `CustomerRetrieveBillingConfigurationsResponse` and
`CustomerArchiveBillingConfigurationsResponse`; the rules are in
`emulator/metering/customers.py`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.metering import customers as changes
from emulator.web.jsonio import json_response, read_model
from emulator.web.keys import TENANT
from emulator.wire.models import (
    BillingConfigurationRecord,
    BillingConfigurationsArchive,
    BillingConfigurationsQuery,
    BillingConfigurationsSet,
)

__all__ = ["archive_configurations", "created", "get_configurations", "set_configurations", "shown"]


def created(customer_id: str, configuration: BillingConfigurationRecord) -> dict[str, Any]:
    """An item of the set answer (the SDK's `CustomerSetBillingConfigurationsResponse.Data`)."""
    return {
        "id": configuration.id,
        "billing_provider": configuration.billing_provider,
        "configuration": configuration.configuration,
        "customer_id": customer_id,
        "delivery_method_id": configuration.delivery_method_id,
        "tax_provider": configuration.tax_provider,
    }


def shown(customer_id: str, configuration: BillingConfigurationRecord) -> dict[str, Any]:
    """An item of the retrieve answer. The emulator keeps no delivery method settings:
    `delivery_method_configuration` is always `{}`."""
    record = configuration.model_dump(mode="json", exclude={"tax_provider"})
    return {**record, "customer_id": customer_id, "delivery_method_configuration": {}}


async def set_configurations(request: web.Request) -> web.Response:
    body = await read_model(request, BillingConfigurationsSet)
    tenant = request[TENANT]
    customers, made = changes.new_billing_configurations(tenant.store, body.data)
    store = tenant.writable()
    for customer in customers:
        store.replace_customer(customer)
    return json_response({"data": [created(*item) for item in made]})


async def get_configurations(request: web.Request) -> web.Response:
    body = await read_model(request, BillingConfigurationsQuery)
    found = changes.billing_configurations(
        request[TENANT].store, body.customer_id, bool(body.include_archived)
    )
    return json_response({"data": [shown(body.customer_id, item) for item in found]})


async def archive_configurations(request: web.Request) -> web.Response:
    body = await read_model(request, BillingConfigurationsArchive)
    tenant = request[TENANT]
    customer, ids = changes.archived_billing_configurations(
        tenant.store,
        body.customer_id,
        body.customer_billing_provider_configuration_ids,
        tenant.clock.now(),
    )
    tenant.writable().replace_customer(customer)
    answer = {"customer_billing_provider_configuration_ids": ids, "customer_id": customer.id}
    return json_response({"data": answer})
