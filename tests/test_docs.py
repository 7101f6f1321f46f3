"""Every example in README.md and docs/ runs as written, and every figure there is a results file.

`tests.helpers.EXAMPLES` lists each runnable block; the tests here run the README's and the usage,
control and speed pages' blocks, tests/test_pytest_plugin.py and tests/test_testing.py the testing
page's, and tests/test_docker.py the docker page's.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from emulator.cli import settings_from
from tests.contract.conftest import emulator_process
from tests.helpers import EXAMPLES, ROOT, bench_module, doc_block

DOCS = ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]
RUNNABLE = ("python", "sh", "yaml")


def shown(path: str, language: str, after: str) -> str:
    """A block that shows output, not code: the first of `language` after `after`."""
    text = (ROOT / path).read_text()
    match = re.compile(rf"```{language}\n(.*?)```", re.S).search(text, text.index(after))
    assert match
    return match.group(1)


class TestExamples:
    """No runnable block is left out of EXAMPLES, and each names one block."""

    def test_every_block_is_listed(self) -> None:
        listed = set()
        for path, language, after in EXAMPLES:
            text = (ROOT / path).read_text()
            match = re.compile(rf"```{language}\n", re.S).search(text, text.index(after))
            assert match, (path, language, after)
            listed.add((path, match.start()))
        found = {
            (path, match.start())
            for path in DOCS
            for match in re.finditer(r"(?m)^```(\w+)\n", (ROOT / path).read_text())
            if match.group(1) in RUNNABLE
        }
        assert found == listed


class TestReadme:
    """The two commands, the local-development example and the compose file."""

    def test_ci_runs_the_test_command(self) -> None:
        command = doc_block("README.md", "sh", "Install what the tests need and run them").strip()
        assert command in (ROOT / ".ci" / "run").read_text()

    def test_install_and_run_command(self, tmp_path: Path) -> None:
        """The command as written, in a copy of the repository: a fresh virtual environment, the
        package installed from it, and the emulator answering health on its seeded default."""
        command = doc_block("README.md", "sh", "Install and run it on its seeded default").strip()
        tracked = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout.split(b"\0")
        for name in filter(None, tracked):
            source = ROOT / name.decode()
            if source.is_file():
                (tmp_path / name.decode()).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, tmp_path / name.decode())
        env = {**os.environ, "EMULATOR_PORT": "0"}  # any free port; the start line says which
        env.pop("VIRTUAL_ENV", None)
        with subprocess.Popen(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        ) as process:
            try:
                assert process.stdout is not None
                line = ""
                for line in process.stdout:
                    if "listening on" in line:
                        break
                url = re.search(r"http://127\.0\.0\.1:\d+", line)
                assert url, f"no start line; last line: {line!r}"
                health = httpx.get(f"{url.group(0)}/_emulator/health").json()
                assert (health["status"], health["seed"], health["events"]) == ("ok", 42, 20_000)
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)

    def test_local_development_example(self) -> None:
        code = doc_block("README.md", "python", "**Local development.**")
        with emulator_process() as url:
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                exec(code.replace("http://127.0.0.1:4010", url), {})
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

    def test_compose_file(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """examples/docker-compose.yml is the README's; its options are the emulator's, and its
        health check and test command work against a real emulator."""
        block = doc_block("README.md", "yaml", "**A docker sidecar for a CI run.**")
        assert (ROOT / "examples" / "docker-compose.yml").read_text() == block
        services = yaml.safe_load(block)["services"]
        for name, value in services["metronome"]["environment"].items():
            monkeypatch.setenv(name, str(value))
        settings = settings_from([])
        assert (settings.seed, settings.page_size) == (7, 25)
        with emulator_process("--seed", "7") as url:
            port = url.rsplit(":", 1)[1]
            check = services["metronome"]["healthcheck"]["test"][1:]
            check = [part.replace("127.0.0.1:4010", f"127.0.0.1:{port}") for part in check]
            assert subprocess.run([sys.executable, *check[1:]], check=False).returncode == 0
            tests = services["tests"]
            result = subprocess.run(
                [sys.executable, *tests["command"][1:]],
                env={**os.environ, "METRONOME_BASE_URL": url},
                capture_output=True,
                text=True,
                check=True,
            )
        assert json.loads(result.stdout)["seed"] == 7


class TestUsagePage:
    def test_curl_example_answer(self) -> None:
        curl = doc_block("docs/usage.md", "sh", "## Reading usage")
        body = json.loads(re.search(r"-d '(.*?)'", curl, re.S).group(1))  # type: ignore[union-attr]
        answer = shown("docs/usage.md", "json", "## Reading usage")
        with emulator_process() as url:
            page = httpx.post(
                f"{url}/v1/usage", json=body, headers={"Authorization": "Bearer x"}
            ).json()
        first = page["data"][0]
        assert f'"customer_id": "{first["customer_id"]}"' in answer
        assert f'"value": {first["value"]},' in answer
        assert json.dumps(first["groups"]) in answer
        assert page["next_page"] is None

    def test_ingest_example_runs(self) -> None:
        from metronome import Metronome

        code = doc_block("docs/usage.md", "python", "## Sending events")
        page = (ROOT / "docs" / "usage.md").read_text()
        assert "`--clock 2024-01-08T00:00:00Z`" in page.split("## Sending events")[1][:2000]
        with (
            emulator_process("--clock", "2024-01-08T00:00:00Z") as url,
            Metronome(base_url=url, bearer_token="docs") as client,
        ):
            exec(code, {"client": client})
            state = httpx.get(f"{url}/_emulator/state", headers={"Authorization": "Bearer docs"})
        assert state.json()["events"][-1]["transaction_id"] == "2024-01-01T00:00:00Z_cluster42"

    def test_world_example_prints_what_the_page_says(self) -> None:
        code = doc_block("docs/usage.md", "python", "## Building your own world")
        printed = shown("docs/usage.md", "", "prints:")
        with emulator_process() as url:
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                exec(code.replace("http://127.0.0.1:4010", url), {})
        assert output.getvalue() == printed


class TestControlPage:
    def test_retry_example(self) -> None:
        """The two curl calls: the fault is queued, and the journal answers."""
        if shutil.which("curl") is None:
            pytest.skip("curl is not installed")
        script = doc_block("docs/control.md", "sh", "Testing a client's retries takes two calls")
        with emulator_process() as url:
            script = script.replace("http://127.0.0.1:4010", url).replace("\\\n", " ")
            calls = [line for line in script.splitlines() if line.startswith("curl")]
            queued = subprocess.run(
                ["bash", "-c", calls[0]], capture_output=True, text=True, check=True
            ).stdout
            journal = subprocess.run(
                ["bash", "-c", calls[1]], capture_output=True, text=True, check=True
            ).stdout
        assert json.loads(queued)["data"][0]["remaining"] == 2
        assert json.loads(journal) == {"data": []}


class TestSpeedPage:
    """Every figure is a results file; every command names a benchmark that runs."""

    def test_tables_are_results_files(self) -> None:
        text = (ROOT / "docs" / "speed.md").read_text()
        sections = re.findall(r"<!-- bench:(\w+) -->\n(.*?)<!-- /bench:\1 -->", text, re.S)
        assert {name for name, _ in sections} == {
            "run",
            "ratios",
            "inprocess",
            "startup_split",
            "tenants",
            "soak",
            "soak_hostile",
            "abuse",
            "explorer",
            "spend",
        }
        for name, section in sections:
            results = (ROOT / "bench" / "results" / f"{name}.md").read_text()
            assert section == results, name
            assert re.match(
                r"Measured \d{4}-\d\d-\d\d( \d\d:\d\d UTC)? on .+ with `python bench/", results
            ), name

    def test_run_table_and_plot_are_its_json(self) -> None:
        """bench/run.py's table and plot are what bench/report.py makes of its JSON, misses
        included: whether a target was met is the measurement's to say, on its machine."""
        report = bench_module("report")
        results = json.loads((ROOT / "bench" / "results" / "run.json").read_text())
        assert (ROOT / "bench" / "results" / "run.md").read_text() == report.markdown(results)
        assert all(isinstance(target["met"], bool) for target in results["targets"])
        svg = (ROOT / "bench" / "results" / "latency.svg").read_text()
        assert svg == report.svg(results["stores"])

    @pytest.mark.parametrize(
        "heading",
        [
            "## Queries, ingest and start-up",
            "## Issue 21: each ratio against its reference, in one run",
            "their profile says where the time goes",
            "the seed built (`--seed-cache off`)",
            "## Tenants",
            "## Soak",
            "## Abuse",
            "## Spend",
        ],
    )
    def test_commands(self, heading: str) -> None:
        """Each runs for minutes, so the test checks the script's options, not a whole run."""
        command = doc_block("docs/speed.md", "sh", heading).strip()
        script = shlex.split(command.rsplit("&&", 1)[1])[1]
        result = subprocess.run(
            [sys.executable, script, "--help"], cwd=ROOT, capture_output=True, check=False
        )
        assert result.returncode == 0, result.stderr
