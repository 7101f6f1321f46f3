"""The official SDK's own generated tests for usage, customers and billable metrics (435 cases:
sync and async, loose and strict response validation, httpx and aiohttp), run against the emulator.

They run on `fixtures/sdk-tests.json`, which holds every customer, metric and billing provider
configuration id they send (made by `python -m tests.contract.sdk_fixture` from the tests
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

TOTAL = 435
ALIAS_HELD = (
    "409 - {'message': \"ingest_aliases: 'team@example.com' is already used by customer "
    '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"}'
)
CURSOR = "400 - {'message': 'next_page is not a valid cursor (malformed or altered)'}"
NO_RANGE = "400 - {'message': 'starting_on is required (current_period is not supported)'}"
NO_AGGREGATION = "400 - {'message': 'aggregation_type is required'}"
SPEND = "404 - {'message': 'no such endpoint: "
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
    # Rating, not yet built: GET /v1/customers/{id}/costs and POST .../previewEvents answer 404
    # until the spend work lands (CONTRACT.md, "Not built yet").
    **{
        ("test_customers", f"test_{kind}_{name}"): SPEND
        for name in ("list_costs", "list_costs_with_all_params", "preview_events",
                     "preview_events_with_all_params")
        for kind in ("method", "raw_response", "streaming_response")
        if not (kind != "method" and name.endswith("with_all_params"))
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
        file = case.get("classname", "").split(".")[-2]
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
        elif f"Error code: {expected}" not in text:
            wrong.append(f"{test_id}: expected {expected!r}, got {text[:300]}")
        else:
            counts["waits for the spend work" if expected == SPEND else "refused"] += 1
    assert not wrong, "\n".join(wrong)
    assert counts == {"passed": 285, "refused": 110, "waits for the spend work": 40}, counts
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
