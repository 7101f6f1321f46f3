"""The official SDK's own generated tests: where they are, and which of them the emulator runs.

They ship in the `metronome-sdk` sdist on PyPI, not in the wheel; `sdk_source()` downloads the
sdist of the installed version once (into `.cache/`) and unpacks it.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from importlib.metadata import version
from pathlib import Path

from tests.helpers import ROOT

__all__ = ["SDK_TEST_FILES", "sdk_source"]

# The generated test files for the resources the emulator serves, relative to the sdist.
SDK_TEST_FILES = (
    "tests/api_resources/v1/test_billable_metrics.py",
    "tests/api_resources/v1/test_customers.py",
    "tests/api_resources/v1/test_usage.py",
    # Rating (RATING.md): products, rate cards, rates, contracts v1 and v2, invoices, pricing units.
    "tests/api_resources/v1/contracts/test_products.py",
    "tests/api_resources/v1/contracts/test_rate_cards.py",
    "tests/api_resources/v1/contracts/rate_cards/test_rates.py",
    "tests/api_resources/v1/test_contracts.py",
    "tests/api_resources/v2/test_contracts.py",
    "tests/api_resources/v1/customers/test_invoices.py",
    "tests/api_resources/v1/test_pricing_units.py",
)


def sdk_source() -> Path:
    """The unpacked sdist of the installed metronome-sdk (downloaded from PyPI once)."""
    release = version("metronome-sdk")
    target = ROOT / ".cache" / f"metronome_sdk-{release}"
    if not all((target / name).exists() for name in SDK_TEST_FILES):
        download = ROOT / ".cache" / "download"
        subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                "--quiet", "-d", str(download), f"metronome-sdk=={release}",
            ],
            check=True,
        )  # fmt: skip
        (archive,) = download.glob(f"metronome_sdk-{release}.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(ROOT / ".cache", filter="data")
    return target
