"""The official SDK's own generated tests for `usage.list`, run against the emulator.

They ship in the `metronome-sdk` sdist on PyPI; this test downloads the sdist of the installed
version once (into `.cache/`), starts the emulator on `fixtures/sdk-tests.json` (which holds the
customer and metric ids those tests send) and runs them with `TEST_API_BASE_URL` pointing at it.

`test_method_list_with_all_params` sends the literal cursor `next_page="next_page"`; CONTRACT.md
requires a 400 for a malformed cursor, as the real API gives, so those five cases are deselected
here and `TestPlaceholderCursor` pins down what they meet instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from metronome import BadRequestError, Metronome

from tests.contract.conftest import TOKEN, emulator_process
from tests.helpers import ROOT

SDK_TESTS = ROOT / "fixtures" / "sdk-tests.json"
DESELECTED = [
    "TestUsage::test_method_list_with_all_params",
    "TestAsyncUsage::test_method_list_with_all_params",
]


def sdk_source() -> Path:
    """The unpacked sdist of the installed metronome-sdk (downloaded from PyPI once)."""
    release = version("metronome-sdk")
    target = ROOT / ".cache" / f"metronome_sdk-{release}"
    if not (target / "tests" / "api_resources" / "v1" / "test_usage.py").exists():
        download = ROOT / ".cache" / "download"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--quiet",
                "-d",
                str(download),
                f"metronome-sdk=={release}",
            ],
            check=True,
        )
        (archive,) = download.glob(f"metronome_sdk-{release}.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(ROOT / ".cache", filter="data")
    return target


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    # The clock pinned to the generated tests' dates (they query 2021-01-01..03 and ingest at
    # 2021-01-01), so that they pass on any day.
    with emulator_process("--fixtures", str(SDK_TESTS), "--clock", "2021-01-03T00:00:00Z") as url:
        yield url


def test_generated_usage_list_tests_pass(url: str) -> None:
    source = sdk_source()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/api_resources/v1/test_usage.py",
            "-k",
            "list and not with_groups",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-q",
            *[f"--deselect=tests/api_resources/v1/test_usage.py::{d}" for d in DESELECTED],
        ],
        cwd=source,
        env={**os.environ, "TEST_API_BASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "15 passed" in result.stdout, result.stdout


class TestPlaceholderCursor:
    """The deselected generated call passes without its placeholder cursor, and gets a clear 400
    with it."""

    def call(self, url: str, **extra: str) -> list[object]:
        with Metronome(
            base_url=url, bearer_token=TOKEN, _strict_response_validation=True, max_retries=0
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
        assert httpx.get(f"{url}/_emulator/health").status_code == 200
