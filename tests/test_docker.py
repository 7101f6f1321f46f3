"""The Dockerfile lints clean and runs the emulator as a non-root user with a health check.

No Docker engine is needed: hadolint reads the file, and the rest is checked as text. Building the
image needs an engine, which CI's machine does not have.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

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
