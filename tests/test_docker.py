"""The Dockerfile lints clean and runs the emulator as a non-root user with a health check, and
docs/docker.md's examples work.

hadolint reads the file, and the rest is checked as text or against an emulator process. Building
and running the image needs a Docker engine, which CI's machine does not have: that test is
skipped, saying so, where none answers.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from emulator.cli import settings_from
from tests.contract.conftest import emulator_process
from tests.helpers import ROOT, doc_block

DOCKERFILE = ROOT / "Dockerfile"


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint is missing: pip install -e '.[test]' installs it"
    return found


def test_hadolint_clean() -> None:
    result = subprocess.run(
        [hadolint(), str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_runs_as_non_root_with_health_check() -> None:
    lines = DOCKERFILE.read_text().splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users
    assert users[-1] not in ("root", "0")
    text = "\n".join(lines)
    assert "HEALTHCHECK" in text
    assert "/_emulator/health" in text
    assert 'ENTRYPOINT ["metronome-emulator", "--host", "0.0.0.0"]' in text


def docker_engine() -> str:
    """The docker command, when an engine answers it; the test is skipped otherwise."""
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "info"], capture_output=True).returncode != 0:
        pytest.skip("no Docker engine answers here (CI's machines have none)")
    return docker


class TestDockerPage:
    """docs/docker.md's examples."""

    def test_github_actions_service(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Its options are the emulator's, and its health command passes against one."""
        block = doc_block("docs/docker.md", "yaml", "A GitHub\nActions `services:` block")
        service = yaml.safe_load(block)["services"]["metronome"]
        for name, value in service["env"].items():
            monkeypatch.setenv(name, str(value))
        assert settings_from([]).seed == 7
        health = shlex.split(service["options"])[1]
        with emulator_process() as url:
            port = url.rsplit(":", 1)[1]
            command = shlex.split(health.replace("127.0.0.1:4010", f"127.0.0.1:{port}"))
            assert subprocess.run([sys.executable, *command[1:]], check=False).returncode == 0

    def test_build_and_run(self) -> None:
        """The page's command, where a Docker engine and a python:3.11-slim base are at hand."""
        docker = docker_engine()
        command = doc_block("docs/docker.md", "sh", "so a sidecar is configured through").strip()
        build, run = command.split(" && ")
        subprocess.run([*shlex.split(build), "--network", "host"], cwd=ROOT, check=True)
        port = "4010"
        name = "metronome-emulator-docs-test"
        run_args = shlex.split(run.replace("--rm ", f"--rm -d --name {name} "))
        subprocess.run([docker, *run_args[1:]], check=True, capture_output=True)
        try:
            for _ in range(100):
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/_emulator/health").json()
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert health["seed"] == 7
        finally:
            subprocess.run([docker, "stop", name], check=False, capture_output=True)
