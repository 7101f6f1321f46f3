"""A tenant on a shared base: invoices read the base's rollups and the tenant layer's side by
side, and the tenant's catalog sits on the base's; the numbers are the brute force's."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from emulator.metering.store import Store
from emulator.rating import Catalog, Rater, Usage
from emulator.rating.fixtures import load_fields
from emulator.wire.models import EventRecord, FixtureDocument
from emulator.wire.timestamps import US_PER_SECOND, parse_rfc3339
from tests.rating.brute_rating import Brute
from tests.rating.documents import ACME, BETA, documents
from tests.rating.test_against_brute import wire


def layered(document: dict[str, Any]) -> tuple[Store, Catalog, Rater]:
    """The base holds the document's on-time events (processed at their own timestamp, as a
    fixture's) and its products and card; the tenant's layer ingests every other event at its
    processing time and holds the contracts."""
    # In processing order, as the brute force reads a document: a base stores its events in
    # document order, and which of two events with one transaction id holds it follows that order.
    on_time = sorted(
        (e for e in document["events"] if e["processed_at"] == e["timestamp"]),
        key=lambda e: e["processed_at"],
    )
    late = [e for e in document["events"] if e["processed_at"] != e["timestamp"]]
    base_document = FixtureDocument.model_validate(
        {
            "customers": document["customers"],
            "billable_metrics": document["billable_metrics"],
            "events": [{k: v for k, v in e.items() if k != "processed_at"} for e in on_time],
        },
        strict=True,
    )
    base = Store.from_document(base_document)
    base_catalog = load_fields({**document, "contracts": []}, base)
    tenant = Store(base)
    order = sorted(enumerate(late), key=lambda p: (p[1]["processed_at"], p[0]))
    for _, raw in order:
        record = EventRecord.model_validate(
            {k: v for k, v in raw.items() if k != "processed_at"}, strict=True
        )
        tenant.ingest([record], now=parse_rfc3339(raw["processed_at"]))
    catalog = load_fields({"contracts": document["contracts"]}, tenant, base=base_catalog)
    grace = document["grace_seconds"] * US_PER_SECOND
    return tenant, catalog, Rater(catalog, Usage(tenant), parse_rfc3339(document["clock"]), grace)


class TestTenantOnBase:
    """Invoices over a base and a layer equal the brute force's over the whole document."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(document=documents())
    def test_invoices(self, document: dict[str, Any]) -> None:
        _, catalog, rater = layered(document)
        assert catalog.products.top == {}  # the tenant wrote no product
        events = [
            {**e, "batch": 0 if e["processed_at"] == e["timestamp"] else 1}
            for e in document["events"]
        ]
        brute = Brute({**document, "events": events})
        for customer in (ACME, BETA):
            assert wire(rater.invoices(customer)) == brute.invoices(customer)
