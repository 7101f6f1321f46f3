"""The floors pyproject.toml declares are the versions .ci/floors.txt installs, and the running
interpreter has at least them (in CI's floors step: exactly them)."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

from tests.helpers import ROOT


def floors() -> dict[str, str]:
    lines = (ROOT / ".ci" / "floors.txt").read_text().splitlines()
    pins = [line.partition("==") for line in lines if line and not line.startswith("#")]
    return {name: pinned for name, _, pinned in pins}


def declared() -> dict[str, str]:
    """Each runtime dependency with a lower bound, to that bound."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    found = {}
    for requirement in dependencies:
        match = re.match(r"([\w-]+)(?:\[[^\]]*\])?>=([\w.]+)", requirement)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def _release(text: str) -> tuple[int, ...]:
    """`3.14` and `3.14.0` alike: the first three numbers, zeros added."""
    numbers = [int(part) for part in re.findall(r"\d+", text)[:3]]
    return tuple(numbers + [0] * (3 - len(numbers)))


def test_floors_file_is_what_pyproject_declares() -> None:
    assert {name: _release(v) for name, v in floors().items()} == {
        name: _release(v) for name, v in declared().items()
    }


def test_installed_versions_are_at_least_the_floors() -> None:
    for name, pinned in floors().items():
        assert _release(version(name)) >= _release(pinned), name
