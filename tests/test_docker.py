"""The Dockerfile lints clean and runs the emulator as a non-root user with a health check, and
docs/docker.md's examples work.

hadolint reads the file, and the rest is checked as text or against an emulator process. Building
and running the image needs a Docker engine, which CI's machine does not have: that test is
skipped, saying so, where none answers.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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
                try:  # docker's proxy accepts, then drops, connections until the server listens
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health") as r:
                        health = json.load(r)
                    break
                except OSError:
                    time.sleep(0.1)
            assert health["seed"] == 7
        finally:
            subprocess.run([docker, "stop", name], check=False, capture_output=True)

    def test_reached_by_service_name(self) -> None:
        """A sidecar reached by its compose or Kubernetes service name (a single-label name) is
        answered with no configuration: a client container on the same network reads usage."""
        docker = docker_engine()
        subprocess.run(
            [docker, "build", "--network", "host", "-q", "-t", "metronome-emulator", "."],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        network = f"metronome-test-{os.getpid()}"
        subprocess.run([docker, "network", "create", network], check=True, capture_output=True)
        server = f"{network}-server"
        try:
            subprocess.run(
                [docker, "run", "-d", "--rm", "--name", server, "--network", network,
                 "--network-alias", "metronome", "metronome-emulator"],
                check=True, capture_output=True,
            )  # fmt: skip
            client = (
                "import json, time, urllib.request\n"
                "for _ in range(100):\n"
                "    try:\n"
                "        urllib.request.urlopen('http://metronome:4010/_emulator/health')\n"
                "        break\n"
                "    except OSError:\n"
                "        time.sleep(0.1)\n"
                "request = urllib.request.Request('http://metronome:4010/v1/usage', data=json.dumps("
                "{'starting_on': '2024-01-01T00:00:00Z', 'ending_before': '2024-01-02T00:00:00Z',"
                " 'window_size': 'day'}).encode(), headers={'Authorization': 'Bearer ci',"
                " 'Content-Type': 'application/json'})\n"
                "print(len(json.load(urllib.request.urlopen(request))['data']))\n"
            )
            result = subprocess.run(
                [docker, "run", "--rm", "--network", network, "python:3.11-slim", "python", "-c",
                 client],
                capture_output=True, text=True, check=False, timeout=120,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            assert int(result.stdout) > 0
        finally:
            subprocess.run([docker, "stop", server], check=False, capture_output=True)
            subprocess.run([docker, "network", "rm", network], check=False, capture_output=True)
