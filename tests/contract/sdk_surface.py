"""Make `emulator/wire/sdk_surface.py`: every (method, path template) the installed official SDK
(`metronome-sdk`) calls, read from its resource modules' source, not written by hand.

    python -m tests.contract.sdk_surface     # rewrite it for the installed SDK

`tests/contract/test_not_emulated.py` fails while the committed module differs from what this
makes. Each call of `self._get`, `_post`, `_put`, `_patch`, `_delete` or `_get_api_list` in
`metronome/resources/` names its path as a string or `path_template("...", ...)`; a list's
method is its `method=` argument (default GET).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import metronome

from tests.helpers import ROOT

__all__ = ["TARGET", "render", "sdk_surface"]

TARGET = ROOT / "emulator" / "wire" / "sdk_surface.py"
_CALLS = {"_get": "GET", "_post": "POST", "_put": "PUT", "_patch": "PATCH", "_delete": "DELETE"}


def _path(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "path_template"
        and node.args
    ):
        return _path(node.args[0])
    return None


def sdk_surface() -> list[tuple[str, str]]:
    """(METHOD, path template) of every call, sorted, once each."""
    found: set[tuple[str, str]] = set()
    resources = Path(metronome.__file__).parent / "resources"
    for source in sorted(resources.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            if name not in _CALLS and name != "_get_api_list":
                continue
            if not node.args:
                continue
            path = _path(node.args[0])
            if path is None:
                continue
            method = _CALLS.get(name, "GET")
            for keyword in node.keywords:
                if keyword.arg == "method" and isinstance(keyword.value, ast.Constant):
                    method = str(keyword.value.value).upper()
            found.add((method, path))
    return sorted(found, key=lambda item: (item[1], item[0]))


def render(surface: list[tuple[str, str]]) -> str:
    rows = "".join(f'    ("{method}", "{path}"),\n' for method, path in surface)
    return (
        '"""Every (method, path template) the official SDK calls (metronome-sdk '
        f"{metronome.__version__}).\n\n"
        "Made by `python -m tests.contract.sdk_surface` from the SDK's resource modules; do not\n"
        "edit by hand. A request the route table does not serve whose method and path match one\n"
        'of these is answered 400 "<METHOD> <path> is not supported by the emulator".\n"""\n\n'
        "from __future__ import annotations\n\n"
        '__all__ = ["SDK_SURFACE"]\n\n'
        f"SDK_SURFACE: tuple[tuple[str, str], ...] = (\n{rows})\n"
    )


if __name__ == "__main__":
    TARGET.write_text(render(sdk_surface()))
    print(f"wrote {TARGET}", file=sys.stderr)
