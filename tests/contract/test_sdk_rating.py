"""RATING.md section 5's worked example built through the official Python SDK and the clock control
API alone, then read back through the SDK: every invoice's status, lines and totals, breakdowns,
costs, the preview and the (empty) balances equal RATING.md's table and the brute force
(`tests/rating/brute_rating.py`) over exactly what was sent, at the times it was sent.

The tenant's clock moves across period ends and grace periods, and the test watches January's
invoice turn from DRAFT to FINALIZED, and February's stay frozen while late events arrive.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from metronome import BadRequestError, Metronome, NotFoundError

from tests.contract.conftest import emulator_process
from tests.rating.brute_rating import Brute, when
from tests.rating.worked_example import assert_table, lines, rates

TOKEN = "rating worked example"
USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"

# (id, type, timestamp, properties, processed at): RATING.md section 5's events.
EVENTS = [
    ("e0", "completion", "2024-01-10T12:00:00Z", {"tokens": 5000}, "2024-01-15T00:00:00Z"),
    ("e1", "completion", "2024-01-20T10:00:00Z", {"tokens": 1500}, "2024-02-01T00:00:00Z"),
    ("e2", "image", "2024-01-25T08:00:00Z", {"images": 80}, "2024-02-01T00:00:00Z"),
    ("e3", "completion", "2024-01-31T23:30:00Z", {"tokens": 500}, "2024-02-01T00:00:00Z"),
    ("e4", "image", "2024-02-10T00:00:00Z", {"images": 150}, "2024-03-01T12:00:00Z"),
    ("e5", "completion", "2024-02-20T12:00:00Z", {"tokens": 2500}, "2024-03-01T12:00:00Z"),
    ("e6", "image", "2024-02-28T09:00:00Z", {"images": 450}, "2024-03-01T12:00:00Z"),
    ("e7", "completion", "2024-03-01T00:00:00Z", {"tokens": 1000}, "2024-03-01T12:00:00Z"),
    ("e8", "completion", "2024-02-29T22:00:00Z", {"tokens": 700}, "2024-03-01T12:00:00Z"),
    ("e9", "completion", "2024-02-29T23:00:00Z", {"tokens": 300}, "2024-03-03T00:00:00Z"),
    ("e10", "image", "2024-03-04T15:00:00Z", {"images": 30}, "2024-03-05T00:00:00Z"),
]


class World:
    """The SDK client and the control API of one tenant, and what it sent."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = Metronome(
            base_url=url, bearer_token=TOKEN, _strict_response_validation=True, max_retries=0
        )
        self.sent: list[dict[str, Any]] = []

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method, f"{self.url}{path}", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def clock(self, now: str) -> None:
        self.control("POST", "/_emulator/clock", {"now": now})

    def ingest_at(self, processed_at: str, customer_id: str) -> None:
        self.clock(processed_at)
        batch = [e for e in EVENTS if e[4] == processed_at]
        usage = [
            {
                "transaction_id": tid,
                "customer_id": customer_id,
                "event_type": kind,
                "timestamp": ts,
                "properties": props,
            }
            for tid, kind, ts, props, _ in batch
        ]
        self.client.v1.usage.ingest(usage=usage)  # type: ignore[arg-type]
        self.sent += [{**u, "processed_at": processed_at} for u in usage]

    def invoices(self, customer_id: str, **query: Any) -> list[dict[str, Any]]:
        page = self.client.v1.customers.invoices.list(customer_id=customer_id, **query)
        return [item.model_dump(mode="json", exclude_none=True) for item in page]

    def brute(self, now: str) -> Brute:
        """The brute force over the tenant's exported records and the events as sent."""
        state = self.control("GET", "/_emulator/state")
        return Brute({**state, "events": self.sent, "clock": now, "grace_seconds": 86400})


@pytest.fixture(scope="module")
def built() -> Iterator[tuple[World, str, dict[str, Any]]]:
    """The worked example, built step by step; what the test saw on the way (`seen`)."""
    with emulator_process("--customers", "1", "--days", "1", "--events", "10") as url:
        w = World(url)
        # From an empty state: the seed's own products, rate card and contracts stay out of it.
        w.control("POST", "/_emulator/state", {})
        seen: dict[str, Any] = {}
        w.clock("2024-01-15T00:00:00Z")
        client = w.client
        acme = client.v1.customers.create(name="Acme").data.id
        tokens = client.v1.billable_metrics.create(
            name="tokens",
            aggregation_type="SUM",
            aggregation_key="tokens",
            event_type_filter={"in_values": ["completion"]},
            property_filters=[{"name": "tokens", "exists": True}],
        ).data.id
        images = client.v1.billable_metrics.create(
            name="images",
            aggregation_type="SUM",
            aggregation_key="images",
            event_type_filter={"in_values": ["image"]},
            property_filters=[{"name": "images", "exists": True}],
        ).data.id
        products = client.v1.contracts.products
        tokens_product = products.create(
            name="Tokens", type="USAGE", billable_metric_id=tokens
        ).data.id
        images_product = products.create(
            name="Images", type="USAGE", billable_metric_id=images
        ).data.id
        card = client.v1.contracts.rate_cards.create(name="Standard").data.id
        client.v1.contracts.rate_cards.rates.add_many(
            rate_card_id=card, rates=rates(tokens_product, images_product)
        )
        contract = client.v1.contracts.create(
            customer_id=acme,
            rate_card_id=card,
            starting_at="2024-01-15T00:00:00Z",
            usage_statement_schedule={"frequency": "MONTHLY"},
        ).data.id
        seen["contract"] = contract
        w.ingest_at("2024-01-15T00:00:00Z", acme)
        w.ingest_at("2024-02-01T00:00:00Z", acme)
        # January ended, but the grace period runs: still a draft.
        seen["january_at_end"] = w.invoices(acme)[0]["status"]
        w.clock("2024-02-02T00:00:00Z")
        seen["january_after_grace"] = w.invoices(acme)[0]["status"]
        seen["january_total"] = w.invoices(acme)[0]["total"]
        w.ingest_at("2024-03-01T12:00:00Z", acme)
        w.ingest_at("2024-03-03T00:00:00Z", acme)  # e9: after February's grace
        w.ingest_at("2024-03-05T00:00:00Z", acme)
        yield w, acme, seen


def without_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "id"} for item in items]


class TestWorkedExampleThroughTheSdk:
    """RATING.md section 5 through `metronome-sdk`: the table, and the brute force."""

    def test_finalization_follows_the_clock(self, built: tuple[World, str, dict[str, Any]]) -> None:
        _, _, seen = built
        assert seen["january_at_end"] == "DRAFT"
        assert seen["january_after_grace"] == "FINALIZED"
        assert seen["january_total"] == 1200

    def test_invoices_equal_the_table(self, built: tuple[World, str, dict[str, Any]]) -> None:
        w, acme, seen = built
        invoices = w.invoices(acme)
        assert_table(invoices)
        february = invoices[1]
        assert {i["contract_id"] for i in invoices} == {seen["contract"]}
        one = w.client.v1.customers.invoices.retrieve(customer_id=acme, invoice_id=february["id"])
        assert one.data.model_dump(mode="json", exclude_none=True) == february

    def test_invoices_equal_the_brute_force(self, built: tuple[World, str, dict[str, Any]]) -> None:
        w, acme, _ = built
        brute = w.brute("2024-03-05T00:00:00Z")
        assert without_ids(w.invoices(acme)) == brute.invoices(acme)

    def test_filters_sort_and_paging(self, built: tuple[World, str, dict[str, Any]]) -> None:
        w, acme, _ = built
        assert [i["status"] for i in w.invoices(acme, status="DRAFT")] == ["DRAFT"]
        totals = [i["total"] for i in w.invoices(acme, sort="date_desc", limit=1)]
        assert totals == [500, 3840, 1200]  # the SDK follows next_page one invoice at a time
        page = w.client.v1.customers.invoices.list(customer_id=acme, limit=2)
        assert len(page.data) == 2
        assert page.next_page is not None

    def test_breakdowns(self, built: tuple[World, str, dict[str, Any]]) -> None:
        w, acme, _ = built
        march = w.client.v1.customers.invoices.list_breakdowns(
            customer_id=acme,
            starting_on="2024-03-01T00:00:00Z",  # type: ignore[arg-type]
            ending_before="2024-03-05T00:00:00Z",  # type: ignore[arg-type]
            window_size="DAY",
        )
        items = [item.model_dump(mode="json", exclude_none=True) for item in march]
        assert [i["total"] for i in items] == [200, 0, 0, 300]
        brute = w.brute("2024-03-05T00:00:00Z")
        expected = brute.breakdowns(
            acme, when("2024-03-01T00:00:00Z"), when("2024-03-05T00:00:00Z"), timedelta(days=1)
        )
        assert without_ids(items) == expected
        (leap,) = w.client.v1.customers.invoices.list_breakdowns(
            customer_id=acme,
            starting_on="2024-02-29T00:00:00Z",  # type: ignore[arg-type]
            ending_before="2024-03-01T00:00:00Z",  # type: ignore[arg-type]
        )
        assert lines(leap.model_dump(mode="json", exclude_none=True)) == [
            ("Tokens", None, None, 1000, 0.2, 200),  # e8 + e9: breakdowns are live
            ("Images", "500", None, 0, 2, 0),
        ]
        assert w.invoices(acme)[1]["total"] == 3840  # while the invoice stays frozen

    def test_costs(self, built: tuple[World, str, dict[str, Any]]) -> None:
        w, acme, _ = built
        days = w.client.v1.customers.list_costs(
            customer_id=acme,
            starting_on="2024-03-01T00:00:00Z",  # type: ignore[arg-type]
            ending_before="2024-03-05T00:00:00Z",  # type: ignore[arg-type]
        )
        got = [day.model_dump(mode="json", exclude_none=True) for day in days]
        assert [d["credit_types"][USD]["cost"] for d in got] == [200, 0, 0, 300]
        # Costs agree with the breakdowns, day by day, and (March is a live draft) with the invoice.
        march = w.client.v1.customers.invoices.list_breakdowns(
            customer_id=acme,
            starting_on="2024-03-01T00:00:00Z",  # type: ignore[arg-type]
            ending_before="2024-03-05T00:00:00Z",  # type: ignore[arg-type]
        )
        assert [d["credit_types"][USD]["cost"] for d in got] == [item.total for item in march]
        assert sum(d["credit_types"][USD]["cost"] for d in got) == w.invoices(acme)[2]["total"]
        brute = w.brute("2024-03-05T00:00:00Z")
        expected = brute.costs(acme, when("2024-03-01T00:00:00Z"), when("2024-03-05T00:00:00Z"))
        assert got == expected

    def test_preview_stores_nothing(self, built: tuple[World, str, dict[str, Any]]) -> None:
        w, acme, _ = built
        preview = w.client.v1.customers.preview_events(
            customer_id=acme,
            events=[
                {
                    "event_type": "completion",
                    "timestamp": "2024-03-04T20:00:00Z",
                    "properties": {"tokens": 500},
                }
            ],
            mode="merge",
        )
        (invoice,) = preview.data
        assert (invoice.status, invoice.total) == ("DRAFT", 600)
        assert w.invoices(acme)[2]["total"] == 500

    def test_balances_are_empty(self, built: tuple[World, str, dict[str, Any]]) -> None:
        w, acme, _ = built
        balances = w.client.v1.contracts.list_balances(customer_id=acme)
        assert balances.data == []
        assert balances.next_page is None
        net = w.client.v1.contracts.get_net_balance(customer_id=acme)
        assert (net.data.balance, net.data.credit_type_id) == (0, USD)

    def test_catalogue_reads_back(self, built: tuple[World, str, dict[str, Any]]) -> None:
        w, acme, seen = built
        client = w.client
        names = [p.current.name for p in client.v1.contracts.products.list()]
        assert names == ["Tokens", "Images"]
        (card,) = list(client.v1.contracts.rate_cards.list())
        assert card.name == "Standard"
        rates = client.v1.contracts.rate_cards.rates.list(
            rate_card_id=card.id,
            at="2024-03-01T00:00:00Z",  # type: ignore[arg-type]
        )
        assert [(r.product_name, r.rate.rate_type) for r in rates] == [
            ("Tokens", "FLAT"),
            ("Images", "TIERED"),
        ]
        (contract,) = client.v2.contracts.list(customer_id=acme).data
        assert contract.id == seen["contract"]
        got = client.v2.contracts.retrieve(contract_id=contract.id, customer_id=acme).data
        assert got.starting_at.isoformat().startswith("2024-01-15T00:00:00")
        units = list(client.v1.pricing_units.list())
        assert [(u.id, u.name) for u in units] == [(USD, "USD (cents)")]

    def test_refusals(self, built: tuple[World, str, dict[str, Any]]) -> None:
        w, acme, _ = built
        with pytest.raises(BadRequestError, match="rate_type PERCENTAGE is not supported"):
            w.client.v1.contracts.rate_cards.rates.add(
                rate_card_id=next(iter(w.client.v1.contracts.rate_cards.list())).id,
                product_id=next(iter(w.client.v1.contracts.products.list())).id,
                starting_at="2024-04-01T00:00:00Z",  # type: ignore[arg-type]
                entitled=True,
                rate_type="PERCENTAGE",
            )
        with pytest.raises(BadRequestError) as info:
            w.client.v1.contracts.amend(
                contract_id="d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc",
                customer_id=acme,
                starting_at="2024-04-01T00:00:00Z",  # type: ignore[arg-type]
            )
        assert info.value.body == {
            "message": "POST /v1/contracts/amend is not supported by the emulator"
        }
        with pytest.raises(NotFoundError):
            w.client.v1.customers.invoices.retrieve(
                customer_id=acme, invoice_id="0f0f0f0f-0000-4000-8000-000000000000"
            )

    def test_round_trips_through_the_state(self, built: tuple[World, str, dict[str, Any]]) -> None:
        """The tenant's export, loaded into another tenant, exports the same bytes and costs the
        same invoices."""
        w, acme, _ = built
        headers = {"Authorization": f"Bearer {TOKEN}"}
        exported = httpx.get(f"{w.url}/_emulator/state", headers=headers).content
        other = {"Authorization": "Bearer rating copy"}
        loaded = httpx.post(f"{w.url}/_emulator/state", content=exported, headers=other)
        assert loaded.status_code == 200, loaded.text
        again = httpx.get(f"{w.url}/_emulator/state", headers=other).content
        assert again == exported
        copy = Metronome(base_url=w.url, bearer_token="rating copy", max_retries=0)
        totals = [i.total for i in copy.v1.customers.invoices.list(customer_id=acme)]
        assert totals == [1200, 3840, 500]
