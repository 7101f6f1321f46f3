"""bench/results.py: every results file says when, on what machine and with which command it was
measured; the docs change only between a benchmark's own markers."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, bench_module

results = bench_module("results")


def test_a_results_file_carries_date_machine_and_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", [str(ROOT / "bench" / "tenants.py"), "--quick"])
    json_path, md_path = results.write("tenants", {"figure": 1.5}, "| a | b |\n", tmp_path)
    assert (json_path, md_path) == (tmp_path / "tenants.json", tmp_path / "tenants.md")
    record = json.loads(json_path.read_text())
    assert record["figure"] == 1.5
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", record["date"])
    assert record["command"] == "python bench/tenants.py --quick"
    machine = record["machine"]
    assert machine["cores"] >= 1
    assert machine["cpu"]
    assert machine["python"] == ".".join(map(str, sys.version_info[:3]))
    assert "memory_gib" in machine
    markdown = md_path.read_text()
    assert markdown.startswith(f"Measured {record['date']} on {machine['cpu']} ")
    assert "`python bench/tenants.py --quick`" in markdown
    assert markdown.endswith("| a | b |\n")


def test_a_benchmarks_own_header_is_kept(tmp_path: Path) -> None:
    """Markdown that opens with `measured(record)` already is written as it is."""
    record = results.stamp(["bench/run.py", "--seconds", "1"])
    text = f"{results.measured(record)} (1 s per wrk run).\n\n| x |\n"
    _, md_path = results.write("run", record, text, tmp_path)
    assert md_path.read_text() == text
    assert json.loads((tmp_path / "run.json").read_text())["command"] == (
        "python bench/run.py --seconds 1"
    )


def test_the_measured_results_say_when_where_and_how() -> None:
    """The results kept in bench/results/ (real measurements) each carry the three."""
    for path in sorted((ROOT / "bench" / "results").glob("*.json")):
        record = json.loads(path.read_text())
        assert {"date", "machine", "command"} <= record.keys(), path.name
        assert record["command"].startswith("python bench/"), path.name
        markdown = path.with_suffix(".md").read_text()
        assert markdown.startswith(results.measured(record)), path.name


def test_update_docs_replaces_only_between_its_markers(tmp_path: Path) -> None:
    docs = tmp_path / "speed.md"
    before = (
        "# Speed\n\nIntro.\n\n"
        "<!-- bench:run -->\nold run table\n<!-- /bench:run -->\n\n"
        "Between.\n\n"
        "<!-- bench:soak -->\nold soak table\n<!-- /bench:soak -->\n\nEnd.\n"
    )
    docs.write_text(before)
    results.update_docs("soak", "| new | soak |\n|---|---|\n", docs)
    assert docs.read_text() == before.replace("old soak table", "| new | soak |\n|---|---|")
    results.update_docs("soak", "again\n", docs)  # idempotent in shape: markers kept once
    assert docs.read_text() == before.replace("old soak table", "again")


def test_update_docs_without_its_markers_changes_nothing(tmp_path: Path) -> None:
    docs = tmp_path / "speed.md"
    text = "<!-- bench:run -->\nold\n<!-- /bench:run -->\n<!-- bench:soak -->\nno end marker\n"
    docs.write_text(text)
    with pytest.raises(SystemExit, match="bench:tenants"):
        results.update_docs("tenants", "new\n", docs)
    with pytest.raises(SystemExit, match="/bench:soak"):
        results.update_docs("soak", "new\n", docs)
    assert docs.read_text() == text


def test_no_benchmark_writes_the_readme() -> None:
    """The README writers are gone: no bench script names the README."""
    for script in sorted((ROOT / "bench").glob("*.py")):
        assert "README" not in script.read_text(), script.name
