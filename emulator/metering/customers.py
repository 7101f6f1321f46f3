"""Changes to customers and billable metrics after they are made: names, a customer's config and
its billing provider configurations. Each function checks a change against the state as it is
and answers the changed records, or raises the 4xx the API gives; nothing is written here. The
caller writes what it gets back (`Store.replace_customer`, `Store.replace_metric`), so a refused
request leaves no trace, not even an empty tenant layer.

Billing provider configurations live on their customer (`CustomerRecord.
billing_provider_configurations`), so a tenant's layer, the fixture document and the state file
carry them with the customer, with nothing of their own to keep in step.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any, Protocol, get_args

from emulator.metering.store import Store
from emulator.wire.errors import BadRequest, NotFound
from emulator.wire.models import (
    BillableMetricRecord,
    BillingConfigurationInput,
    BillingConfigurationRecord,
    BillingProvider,
    CustomerCreate,
    CustomerRecord,
    DeliveryMethod,
    TaxProvider,
)

__all__ = [
    "NAME_LIMIT",
    "archived_billing_configurations",
    "billing_configurations",
    "customer",
    "delivery_method_id",
    "metric",
    "named_customer",
    "named_metric",
    "new_billing_configurations",
    "refuse_unmodelled",
    "updated_config",
    "with_configurations",
]

NAME_LIMIT = 160  # longer customer names are cut, as Metronome does

DELIVERY_METHODS: tuple[DeliveryMethod, ...] = get_args(DeliveryMethod)


def customer(store: Store, customer_id: str, where: str = "customer_id") -> CustomerRecord:
    found = store.customers.get(customer_id)
    if found is None:
        raise NotFound(f"{where}: customer {customer_id} not found")
    return found


def metric(store: Store, metric_id: str, where: str = "billable_metric_id") -> BillableMetricRecord:
    found = store.metrics.get(metric_id)
    if found is None:
        raise NotFound(f"{where}: billable metric {metric_id} not found")
    return found


def named_customer(store: Store, customer_id: str, name: str, at: int) -> CustomerRecord:
    """`setName`: the name cut to 160 characters, `updated_at` stamped."""
    old = customer(store, customer_id)
    return old.model_copy(update={"name": name[:NAME_LIMIT], "updated_at": at})


def updated_config(
    store: Store,
    customer_id: str,
    salesforce_account_id: str | None,
    leave_stripe_invoices_in_draft: bool | None,
    at: int,
) -> CustomerRecord:
    """`updateConfig`: the fields given replace the stored ones; a field left out stays."""
    old = customer(store, customer_id)
    update: dict[str, object] = {"updated_at": at}
    if salesforce_account_id is not None:
        update["salesforce_account_id"] = salesforce_account_id
    if leave_stripe_invoices_in_draft is not None:
        update["leave_stripe_invoices_in_draft"] = leave_stripe_invoices_in_draft
    return old.model_copy(update=update)


def named_metric(store: Store, metric_id: str, name: str) -> BillableMetricRecord:
    """`PUT /v1/billable-metrics/{id}`: only the name changes; the metric counts what it did."""
    return metric(store, metric_id).model_copy(update={"name": name})


def delivery_method_id(billing_provider: str, delivery_method: str) -> str:
    """The id of the one delivery method the emulator knows for a billing provider and method.
    Metronome's clients set up their delivery methods in its settings; the emulator has no
    settings, so it stands in one per (billing provider, delivery method), its id derived from
    the pair: the same on every run and for every tenant."""
    text = f"metronome-emulator delivery method {billing_provider} {delivery_method}"
    digest = hashlib.sha256(text.encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


class _ConfigurationItem(Protocol):
    """A new configuration as a request gives it (set, or customer create)."""

    @property
    def billing_provider(self) -> BillingProvider: ...
    @property
    def configuration(self) -> dict[str, Any]: ...
    @property
    def delivery_method(self) -> DeliveryMethod | None: ...
    @property
    def delivery_method_id(self) -> str | None: ...
    @property
    def tax_provider(self) -> TaxProvider | None: ...


def refuse_unmodelled(body: CustomerCreate) -> None:
    """`POST /v1/customers` fields the emulator does not model: a 400, never ignored."""
    if body.billing_config is not None:
        raise BadRequest(
            "billing_config is not supported by the emulator: send "
            "customer_billing_provider_configurations instead"
        )
    if body.customer_revenue_system_configurations is not None:
        raise BadRequest("customer_revenue_system_configurations is not supported by the emulator")


def _delivery(item: _ConfigurationItem, where: str) -> tuple[DeliveryMethod, str]:
    """(delivery_method, delivery_method_id) of a new configuration."""
    if item.delivery_method is not None:
        return item.delivery_method, item.delivery_method_id or delivery_method_id(
            item.billing_provider, item.delivery_method
        )
    if item.delivery_method_id is None:
        raise BadRequest(f"{where}: delivery_method or delivery_method_id is required")
    for method in DELIVERY_METHODS:
        if delivery_method_id(item.billing_provider, method) == item.delivery_method_id:
            return method, item.delivery_method_id
    raise BadRequest(
        f"{where}.delivery_method_id {item.delivery_method_id!r} is not a delivery method of "
        f"{item.billing_provider}: the emulator knows one per billing provider and "
        "delivery_method; send delivery_method instead"
    )


def _configuration_id(customer_id: str, taken: set[str]) -> str:
    """A UUID for a new configuration, derived from its customer and how many it has."""
    n = len(taken)
    while True:
        text = f"metronome-emulator billing configuration {customer_id} {n}"
        candidate = str(uuid.UUID(bytes=hashlib.sha256(text.encode()).digest()[:16], version=4))
        if candidate not in taken:
            return candidate
        n += 1


def new_billing_configurations(
    store: Store, items: Sequence[BillingConfigurationInput]
) -> tuple[list[CustomerRecord], list[tuple[str, BillingConfigurationRecord]]]:
    """`setCustomerBillingProviderConfigurations`: every item checked before any is kept. Answers
    the changed customers, and each new configuration with its customer id, in the items' order."""
    changed: dict[str, CustomerRecord] = {}
    made: list[tuple[str, BillingConfigurationRecord]] = []
    for i, item in enumerate(items):
        where = f"data[{i}]"
        owner = changed.get(item.customer_id) or customer(
            store, item.customer_id, f"{where}.customer_id"
        )
        changed[owner.id] = with_configurations(owner, [item], [where])
        made.append((owner.id, changed[owner.id].billing_provider_configurations[-1]))
    return list(changed.values()), made


def with_configurations(
    owner: CustomerRecord, items: Sequence[_ConfigurationItem], names: Sequence[str]
) -> CustomerRecord:
    """The customer with new billing provider configurations added, each checked (`names`: where
    each item is in the request, for messages)."""
    configurations = list(owner.billing_provider_configurations)
    for item, where in zip(items, names, strict=True):
        if item.tax_provider is not None and item.billing_provider != "stripe":
            raise BadRequest(
                f"{where}.tax_provider is only supported for the stripe billing provider"
            )
        method, method_id = _delivery(item, where)
        configurations.append(
            BillingConfigurationRecord.model_construct(
                id=_configuration_id(owner.id, {c.id for c in configurations}),
                billing_provider=item.billing_provider,
                delivery_method=method,
                delivery_method_id=method_id,
                configuration=dict(item.configuration),
                tax_provider=item.tax_provider,
                archived_at=None,
            )
        )
    return owner.model_copy(update={"billing_provider_configurations": configurations})


def billing_configurations(
    store: Store, customer_id: str, include_archived: bool
) -> list[BillingConfigurationRecord]:
    """A customer's configurations in the order they were made; archived ones when asked."""
    return [
        configuration
        for configuration in customer(store, customer_id).billing_provider_configurations
        if include_archived or configuration.archived_at is None
    ]


def archived_billing_configurations(
    store: Store, customer_id: str, ids: Sequence[str], at: int
) -> tuple[CustomerRecord, list[str]]:
    """`archiveCustomerBillingProviderConfigurations`: all or nothing. Each id must be one of the
    customer's configurations; one already archived keeps its `archived_at`. Answers the changed
    customer and the distinct ids, in the order given."""
    owner = customer(store, customer_id)
    wanted = list(dict.fromkeys(ids))
    known = {configuration.id for configuration in owner.billing_provider_configurations}
    for i, configuration_id in enumerate(ids):
        if configuration_id not in known:
            raise NotFound(
                f"customer_billing_provider_configuration_ids[{i}]: {configuration_id} is not a "
                f"billing provider configuration of customer {customer_id}"
            )
    archived = [
        configuration.model_copy(update={"archived_at": at})
        if configuration.id in wanted and configuration.archived_at is None
        else configuration
        for configuration in owner.billing_provider_configurations
    ]
    return owner.model_copy(update={"billing_provider_configurations": archived}), wanted
