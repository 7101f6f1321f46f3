"""The README's examples run as written, and its test command is the one CI runs."""

from __future__ import annotations

import contextlib
import io
import json
import re

import httpx

from tests.contract.conftest import emulator_process
from tests.helpers import ROOT, bench_module

README = (ROOT / "README.md").read_text()


def block(language: str, after: str) -> str:
    """The first fenced block of `language` after the text `after`."""
    start = README.index(after)
    match = re.compile(rf"```{language}\n(.*?)```", re.S).search(README, start)
    assert match, f"no {language} block after {after!r}"
    return match.group(1)


def test_ci_runs_the_readme_test_command() -> None:
    command = block("sh", "Install what the tests need").strip()
    assert command in (ROOT / ".ci" / "run").read_text()


def test_sdk_example_runs() -> None:
    code = block("python", "With the official Python SDK")
    with emulator_process() as url:
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(code.replace("http://127.0.0.1:4010", url), {})
        # The example's total, against a direct sum of every row in one big page.
        response = httpx.post(
            f"{url}/v1/usage",
            json={
                "starting_on": "2024-01-01T00:00:00Z",
                "ending_before": "2024-01-08T00:00:00Z",
                "window_size": "day",
            },
            headers={"Authorization": "Bearer x", "X-Emulator-Page-Size": "100000"},
        )
        rows = response.json()["data"]
    expected = sum(r["value"] for r in rows if r["billable_metric_name"] == "API requests")
    assert float(output.getvalue()) == expected  # the SDK parses values as floats
    assert expected > 0


def test_curl_example_answer() -> None:
    curl = block("sh", "With curl:")
    body = json.loads(re.search(r"-d '(.*?)'", curl, re.S).group(1))  # type: ignore[union-attr]
    shown = block("json", "With curl:")
    with emulator_process() as url:
        page = httpx.post(
            f"{url}/v1/usage", json=body, headers={"Authorization": "Bearer x"}
        ).json()
    first = page["data"][0]
    assert f'"customer_id": "{first["customer_id"]}"' in shown
    assert f'"value": {first["value"]},' in shown
    assert json.dumps(first["groups"]) in shown
    assert page["next_page"] is None


def test_ingest_example_runs() -> None:
    from metronome import Metronome

    code = block("python", "## Sending events")
    assert "`--clock 2024-01-08T00:00:00Z`" in README.split("## Sending events")[1][:2000]
    with (
        emulator_process("--clock", "2024-01-08T00:00:00Z") as url,
        Metronome(base_url=url, bearer_token="readme") as client,
    ):
        exec(code, {"client": client})
        state = httpx.get(f"{url}/_emulator/state", headers={"Authorization": "Bearer readme"})
    assert state.json()["events"][-1]["transaction_id"] == "2024-01-01T00:00:00Z_cluster42"


def test_readme_shows_the_latest_bench_results() -> None:
    """The table between the bench markers is bench/results/run.md, as bench/report.py makes it
    from bench/results/run.json (bench/run.py writes all three), misses included; the soak table
    is bench/results/soak.md. No benchmark writes the README: these were copied from the files."""
    section = README.split("<!-- bench:start -->\n", 1)[1].split("<!-- bench:end -->", 1)[0]
    report = bench_module("report")
    results = json.loads((ROOT / "bench" / "results" / "run.json").read_text())
    assert (
        section == (ROOT / "bench" / "results" / "run.md").read_text() == report.markdown(results)
    )
    # Whether each target was met is the measurement's to say, on the machine it ran on: the
    # table says "no" where it was not, and a test run never depends on the machine's speed.
    assert all(isinstance(target["met"], bool) for target in results["targets"])
    assert (ROOT / "bench" / "results" / "latency.svg").read_text() == report.svg(results["stores"])
    soak = README.split("<!-- soak:start -->\n", 1)[1].split("<!-- soak:end -->", 1)[0]
    assert soak == (ROOT / "bench" / "results" / "soak.md").read_text()
    # The tenants section shows the opening of bench/results/tenants.md: its header and targets.
    tenants = (ROOT / "bench" / "results" / "tenants.md").read_text()
    assert tenants.split("\n\nA tenant's first", 1)[0] + "\n" in README


def test_world_example_runs_and_prints_what_the_readme_says() -> None:
    code = block("python", "## Building your own world")
    shown = block("", "prints:")
    with emulator_process() as url:
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(code.replace("http://127.0.0.1:4010", url), {})
    assert output.getvalue() == shown
