"""Shared test helpers: paths, the docs' examples, bench scripts as modules, and reading every row
of a query straight from a store."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from emulator.metering.store import Store
from emulator.metering.usage import UsageScope, iter_rows
from emulator.wire.models import UsageQuery

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "fixtures" / "small.json"

ACME = "aaaaaaaa-0000-4000-8000-000000000001"
BETA = "bbbbbbbb-0000-4000-8000-000000000002"
GAMMA = "cccccccc-0000-4000-8000-000000000003"
API_CALLS = "11111111-1111-4111-8111-111111111111"
TOKENS = "22222222-2222-4222-8222-222222222222"
PEAK_STORAGE = "33333333-3333-4333-8333-333333333333"
ACTIVE_USERS = "44444444-4444-4444-8444-444444444444"
SEATS = "55555555-5555-4555-8555-555555555555"
OLD_API_CALLS = "66666666-6666-4666-8666-666666666666"


# Every runnable block of README.md and docs/*.md, as (file, language, the text just before it):
# each is run, or checked as it is, by a test that reads it with `doc_block`, and
# tests/test_docs.py fails on a block left out of this list.
EXAMPLES = (
    ("README.md", "sh", "Install and run it on its seeded default"),
    ("README.md", "sh", "Install what the tests need and run them"),
    ("README.md", "python", "**In a pytest suite.**"),
    ("README.md", "python", "**Local development.**"),
    ("README.md", "yaml", "**A docker sidecar for a CI run.**"),
    ("docs/usage.md", "sh", "## Reading usage"),
    ("docs/usage.md", "python", "## Sending events"),
    ("docs/usage.md", "python", "## Building your own world"),
    ("docs/control.md", "sh", "Testing a client's retries takes two calls"),
    ("docs/testing.md", "python", "This file runs as written"),
    ("docs/testing.md", "python", "For other runners"),
    ("docs/docker.md", "sh", "so a sidecar is configured through"),
    ("docs/docker.md", "yaml", "A GitHub\nActions `services:` block"),
    ("docs/speed.md", "sh", "## Queries, ingest and start-up"),
    ("docs/speed.md", "sh", "## Tenants"),
    ("docs/speed.md", "sh", "## Issue 21: each ratio against its reference, in one run"),
    ("docs/speed.md", "sh", "their profile says where the time goes"),
    ("docs/speed.md", "sh", "the seed built (`--seed-cache off`)"),
    ("docs/speed.md", "sh", "## Soak"),
    ("docs/speed.md", "sh", "## Abuse"),
    ("docs/speed.md", "sh", "## Spend"),
)


def doc_block(path: str, language: str, after: str) -> str:
    """The first fenced block of `language` after the text `after` in `path` (from the repository's
    root), which must be one of `EXAMPLES`."""
    assert (path, language, after) in EXAMPLES, f"add {(path, language, after)} to EXAMPLES"
    text = (ROOT / path).read_text()
    start = text.index(after)
    match = re.compile(rf"```{language}\n(.*?)```", re.S).search(text, start)
    assert match, f"no {language} block after {after!r} in {path}"
    return match.group(1)


def bench_module(name: str) -> ModuleType:
    """bench/NAME.py, loaded by path: bench/ holds scripts, not a package. bench/ goes on the
    import path, as when a script runs, for the modules it imports by name (bench/results.py)."""
    if str(ROOT / "bench") not in sys.path:
        sys.path.append(str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def all_rows(store: Store, query: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of `query`, as one page of unlimited size."""
    scope = UsageScope.resolve(store, UsageQuery.model_validate(query))
    return [row for _, row in iter_rows(store, scope, None)]
