"""The official SDK's own generated tests for usage, customers, billable metrics, and rating
(products, rate cards, rates, contracts v1 and v2, invoices, pricing units) (1270 cases: sync and
async, loose and strict response validation, httpx and aiohttp), run against the emulator.

They run on `fixtures/sdk-tests.json`, which holds every customer, metric, billing provider
configuration, product, rate card and contract id they send (made by `python -m tests.contract.sdk_fixture` from the tests
themselves). Every case passes except the documented refusals below: calls the contract
(docs/CONTRACT.md) answers with a 4xx, for the reason each entry gives. Each refusal is pinned to
the exact status and message the client meets; a refusal that starts passing, or a case that
fails any other way, fails this test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from metronome import BadRequestError, Metronome

from tests.contract.conftest import emulator_process
from tests.contract.sdk_fixture import FIXTURE, make_fixture
from tests.contract.sdk_source import SDK_TEST_FILES, sdk_source

TOTAL = 1270
ALIAS_HELD = (
    "409 - {'message': \"ingest_aliases: 'team@example.com' is already used by customer "
    '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"}'
)
CURSOR = "400 - {'message': 'next_page is not a valid cursor (malformed or altered)'}"
NO_RANGE = "400 - {'message': 'starting_on is required (current_period is not supported)'}"
NO_AGGREGATION = "400 - {'message': 'aggregation_type is required'}"
SDK_SKIP = "prism mocking library in JS SDK doesnt support application/pdf"


def _cases(file: str, name: str, message: str, with_all: bool = True) -> dict[tuple[str, str], str]:
    """The generated cases of one method: `test_method_<name>` (and `_with_all_params`), and its
    raw and streaming responses, each refused with `message`."""
    kinds = ["method", "raw_response", "streaming_response"]
    names = [f"test_{kind}_{name}" for kind in kinds]
    if with_all:
        names.append(f"test_method_{name}_with_all_params")
    return dict.fromkeys(((file, n) for n in names), message)


# (file, test function) -> what the client meets: the start of the error's text.
REFUSALS: dict[tuple[str, str], str] = {
    # The literal placeholder cursor "next_page": a malformed cursor is a 400 (CONTRACT.md,
    # "Pagination").
    ("test_usage", "test_method_list_with_all_params"): CURSOR,
    ("test_billable_metrics", "test_method_list_with_all_params"): CURSOR,
    ("test_customers", "test_method_list_billable_metrics_with_all_params"): CURSOR,
    # customer_ids=["string"]: ids are UUIDs (CONTRACT.md, "Common rules").
    ("test_customers", "test_method_list_with_all_params"): (
        "400 - {'message': 'customer_ids must be a UUID'}"
    ),
    # A metric with no aggregation_type, and one defined by sql (CONTRACT.md, "Billable metrics").
    ("test_billable_metrics", "test_method_create"): NO_AGGREGATION,
    ("test_billable_metrics", "test_raw_response_create"): NO_AGGREGATION,
    ("test_billable_metrics", "test_streaming_response_create"): NO_AGGREGATION,
    ("test_billable_metrics", "test_method_create_with_all_params"): (
        "400 - {'message': 'sql billable metrics are not supported by the emulator"
    ),
    # An ingest with no body: 1 to 100 events (CONTRACT.md, "POST /v1/ingest").
    ("test_usage", "test_method_ingest"): "400 - {'message': 'request body is required",
    ("test_usage", "test_raw_response_ingest"): "400 - {'message': 'request body is required",
    ("test_usage", "test_streaming_response_ingest"): (
        "400 - {'message': 'request body is required"
    ),
    # Grouped usage with neither a range nor current_period, or with current_period (there are no
    # billing periods) (CONTRACT.md, "POST /v1/usage/groups").
    ("test_usage", "test_method_list_with_groups"): NO_RANGE,
    ("test_usage", "test_raw_response_list_with_groups"): NO_RANGE,
    ("test_usage", "test_streaming_response_list_with_groups"): NO_RANGE,
    ("test_usage", "test_method_list_with_groups_with_all_params"): (
        "400 - {'message': \"current_period needs the customer's billing period"
    ),
    # billing_config (the legacy single configuration) is not modelled: a 400, never ignored
    # (CONTRACT.md, "Customers").
    ("test_customers", "test_method_create_with_all_params"): (
        "400 - {'message': 'billing_config is not supported by the emulator"
    ),
    # team@example.com is the ingest alias of the customer the usage tests read; an alias
    # another customer holds is a 409 (CONTRACT.md, "Customers").
    ("test_customers", "test_method_set_ingest_aliases"): ALIAS_HELD,
    ("test_customers", "test_raw_response_set_ingest_aliases"): ALIAS_HELD,
    ("test_customers", "test_streaming_response_set_ingest_aliases"): ALIAS_HELD,
    # Billing configurations with neither delivery_method nor delivery_method_id: the SDK says
    # one of them must be given (CONTRACT.md, "Billing provider configurations").
    **{
        ("test_customers", f"test_{kind}_set_billing_configurations"): (
            "400 - {'message': 'data[0]: delivery_method or delivery_method_id is required'}"
        )
        for kind in ("method", "raw_response", "streaming_response")
    },
    # Costs are per UTC day: the generated bounds (2019-12-27T18:11:19.117Z) are not midnights
    # (CONTRACT.md, "Rating": costs).
    **_cases("test_customers", "list_costs", "400 - {'message': 'starting_on must be a UTC midnight'}"),
    # --- Rating (CONTRACT.md, "Rating"; RATING.md) ---------------------------------------------
    # Calls of the SDK the emulator does not serve: a 400 naming the method and path, never a bare
    # 404, and never accepted and ignored.
    **{
        key: f"400 - {{'message': '{path} is not supported by the emulator'}}"
        for (file, name, with_all), path in {
            ("contracts.test_products", "update", True): "POST /v1/contract-pricing/products/update",
            ("contracts.test_rate_cards", "update", True): "POST /v1/contract-pricing/rate-cards/update",
            ("contracts.test_rate_cards", "retrieve_rate_schedule", True):
                "POST /v1/contract-pricing/rate-cards/getRateSchedule",
            ("test_contracts", "add_manual_balance_entry", True):
                "POST /v1/contracts/addManualBalanceLedgerEntry",
            ("test_contracts", "amend", True): "POST /v1/contracts/amend",
            ("test_contracts", "create_historical_invoices", False):
                "POST /v1/contracts/createHistoricalInvoices",
            ("test_contracts", "retrieve", True): "POST /v1/contracts/get",
            ("test_contracts", "list", True): "POST /v1/contracts/list",
            ("test_contracts", "retrieve_rate_schedule", True):
                "POST /v1/contracts/getContractRateSchedule",
            ("test_contracts", "retrieve_subscription_quantity_history", False):
                "POST /v1/contracts/getSubscriptionQuantityHistory",
            ("test_contracts", "get_subscription_seats_history", True):
                "POST /v1/contracts/getSubscriptionSeatsHistory",
            ("test_contracts", "schedule_pro_services_invoice", True):
                "POST /v1/contracts/scheduleProServicesInvoice",
            ("test_contracts", "list_seat_balances", True): "POST /v1/contracts/seatBalances/list",
            ("test_contracts", "set_usage_filter", False): "POST /v1/contracts/setUsageFilter",
            ("test_contracts", "update_end_date", True): "POST /v1/contracts/updateEndDate",
            ("test_pricing_units", "create", False): "POST /v1/credit-types/create",
            ("test_pricing_units", "archive", False): "POST /v1/credit-types/archive",
            ("customers.test_invoices", "add_charge", False):
                "POST /v1/customers/d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc/addCharge",
            ("v2.test_contracts", "edit", True): "POST /v2/contracts/edit",
            ("v2.test_contracts", "edit_commit", True): "POST /v2/contracts/commits/edit",
            ("v2.test_contracts", "edit_credit", True): "POST /v2/contracts/credits/edit",
            ("v2.test_contracts", "get_edit_history", False): "POST /v2/contracts/getEditHistory",
        }.items()
        for key in _cases(file, name, "", with_all)
    },
    # What step A does not rate, refused rather than ignored (RATING.md section 2).
    ("test_contracts", "test_method_create_with_all_params"):
        "400 - {'message': 'contract overrides is not supported by the emulator'}",
    ("contracts.test_rate_cards", "test_method_create_with_all_params"):
        "400 - {'message': 'credit_type_conversions is not supported by the emulator'}",
    # The generated values break a documented rule: a USAGE product names its billable metric;
    # a quantity conversion factor is > 0; a FLAT rate has a price; a tier's size is > 0; a
    # contract names exactly one of rate_card_id and rate_card_alias.
    **_cases("contracts.test_products", "create",
             "400 - {'message': 'billable_metric_id is required for a USAGE product'}", False),
    ("contracts.test_products", "test_method_create_with_all_params"):
        "400 - {'message': 'quantity_conversion.conversion_factor must be greater than 0'}",
    **_cases("contracts.rate_cards.test_rates", "add",
             "400 - {'message': 'request body: price is required for a FLAT rate'}", False),
    ("contracts.rate_cards.test_rates", "test_method_add_with_all_params"):
        "400 - {'message': 'tiers[0].size must be greater than 0'}",
    **_cases("contracts.rate_cards.test_rates", "add_many",
             "400 - {'message': 'rates[0]: price is required for a FLAT rate'}", False),
    **_cases("test_contracts", "create",
             "400 - {'message': 'request body: exactly one of rate_card_id and rate_card_alias "
             "is required'}", False),
    # v2 contracts: both covering_date and starting_at, or as_of_date with include_ledgers.
    ("v2.test_contracts", "test_method_list_with_all_params"):
        "400 - {'message': 'request body: send at most one of covering_date and starting_at'}",
    ("v2.test_contracts", "test_method_retrieve_with_all_params"):
        "400 - {'message': 'request body: as_of_date cannot be sent with include_ledgers'}",
    # Invoices are computed, their ids derived from the contract and the period: the generated
    # invoice id names none.
    **_cases("customers.test_invoices", "retrieve",
             "404 - {'message': 'invoice 6a37bb88-8538-48c5-b37b-a41c836328bd not found for "
             "customer d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc'}"),
    # Breakdowns over an empty range (starting_on == ending_before), and status="status".
    **_cases("customers.test_invoices", "list_breakdowns",
             "400 - {'message': 'ending_before must be after starting_on'}"),
    ("customers.test_invoices", "test_method_list_with_all_params"):
        "400 - {'message': 'status must be one of DRAFT, FINALIZED, VOID'}",
    # The placeholder cursor "next_page" again.
    ("contracts.rate_cards.test_rates", "test_method_list_with_all_params"): CURSOR,
    ("contracts.test_products", "test_method_list_with_all_params"): CURSOR,
    ("contracts.test_rate_cards", "test_method_list_with_all_params"): CURSOR,
    ("test_contracts", "test_method_list_balances_with_all_params"): CURSOR,
    ("test_pricing_units", "test_method_list_with_all_params"): CURSOR,
    # Skipped by the SDK itself (its mock server cannot serve a PDF), never sent to the emulator.
    **{
        ("customers.test_invoices", f"test_{kind}_retrieve_pdf"): SDK_SKIP
        for kind in ("method", "path_params", "raw_response", "streaming_response")
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    # The clock pinned to the generated tests' dates (they query 2021-01-01..03 and ingest at
    # 2021-01-01), so that they pass on any day.
    with emulator_process("--fixtures", str(FIXTURE), "--clock", "2021-01-03T00:00:00Z") as url:
        yield url


def test_fixture_holds_every_id_the_tests_send() -> None:
    """The committed fixture is what the script makes from the installed SDK's tests: after an
    upgrade, `python -m tests.contract.sdk_fixture` updates it."""
    assert json.loads(FIXTURE.read_text()) == make_fixture(sdk_source())


def _outcomes(report: Path) -> dict[str, tuple[str, str, str]]:
    """Test id -> (file, function, error text, empty when it passed)."""
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        failed = [child for child in case if child.tag in ("failure", "error", "skipped")]
        # tests.api_resources.v1.test_usage.TestUsage -> test_usage; under v1/contracts/ ->
        # contracts.test_products; under v2/ -> v2.test_contracts.
        parts = case.get("classname", "").split(".")[2:-1]
        file = ".".join(parts[1:] if parts[:1] == ["v1"] else parts)
        function = re.sub(r"\[.*", "", case.get("name", ""))
        text = "" if not failed else (failed[0].get("message") or failed[0].tag)
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = (file, function, text)
    return outcomes


def test_generated_tests(url: str, tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", *SDK_TEST_FILES, "-p", "no:cacheprovider",
            "-o", "addopts=", "-q", f"--junitxml={report}",
        ],
        cwd=sdk_source(),
        env={**os.environ, "TEST_API_BASE_URL": url},
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    assert report.exists(), result.stdout + result.stderr
    outcomes = _outcomes(report)
    assert len(outcomes) == TOTAL, result.stdout[-3000:]
    counts: Counter[str] = Counter()
    wrong = []
    for test_id, (file, function, text) in sorted(outcomes.items()):
        expected = REFUSALS.get((file, function))
        if expected is None:
            counts["passed"] += 1
            if text:
                wrong.append(f"{test_id}: fails: {text[:300]}")
        elif not text:
            wrong.append(f"{test_id}: passes, but is listed as a refusal")
        elif expected == SDK_SKIP:
            if expected not in text:
                wrong.append(f"{test_id}: expected the SDK to skip it, got {text[:300]}")
            counts["skipped by the SDK"] += 1
        elif f"Error code: {expected}" not in text:
            wrong.append(f"{test_id}: expected {expected!r}, got {text[:300]}")
        else:
            counts["refused"] += 1
    assert not wrong, "\n".join(wrong)
    assert counts == {"passed": 555, "refused": 695, "skipped by the SDK": 20}, counts
    assert httpx.get(f"{url}/_emulator/health").status_code == 200


class TestPlaceholderCursor:
    """The generated usage.list call with all parameters passes without its placeholder cursor,
    and gets a clear 400 with it."""

    def call(self, url: str, **extra: str) -> list[object]:
        # A tenant of its own: the generated tests write to theirs ("My Bearer Token").
        with Metronome(
            base_url=url,
            bearer_token="placeholder cursor",
            _strict_response_validation=True,
            max_retries=0,
        ) as sdk:
            page = sdk.v1.usage.list(
                ending_before="2021-01-03T00:00:00Z",
                starting_on="2021-01-01T00:00:00Z",
                window_size="HOUR",
                billable_metrics=[
                    {
                        "id": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",
                        "group_by": {"key": "key", "values": ["x"]},
                    }
                ],
                customer_ids=["182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"],
                **extra,  # type: ignore[arg-type]
            )
            return list(page.data)

    def test_without_placeholder(self, url: str) -> None:
        rows = self.call(url)
        assert len(rows) == 48
        assert sum(r.value or 0 for r in rows) == 10  # type: ignore[attr-defined]

    def test_with_placeholder(self, url: str) -> None:
        with pytest.raises(BadRequestError) as caught:
            self.call(url, next_page="next_page")
        assert caught.value.body == {
            "message": "next_page is not a valid cursor (malformed or altered)"
        }
