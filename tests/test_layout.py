"""The code keeps to the map in README.md ("Where things live"): each package imports only what its
row allows, domain packages never import aiohttp, the package root holds only the entry modules,
every route is declared once, and every name a module takes from another is in that one's
`__all__`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from emulator.app import create_app
from emulator.routes import ROUTES
from emulator.settings import Settings
from tests.helpers import ROOT

PACKAGE = ROOT / "emulator"
DOMAIN = ("wire", "metering", "rating", "scenario", "tenancy")
ROOT_MODULES = {"__init__", "__main__", "app", "cli", "routes", "settings"}


def _map() -> dict[str, set[str] | None]:
    """Each package of the README's table, to the packages it may import (None: anything)."""
    section = (ROOT / "README.md").read_text().split("## Where things live", 1)[1]
    rows: dict[str, set[str] | None] = {}
    for line in section.split("\n## ", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`emulator/"):
            continue
        names = re.findall(r"`emulator/(\w+)", cells[0]) + re.findall(r"`(\w+)\.py`", cells[0])
        allowed = None if cells[2] == "anything" else set()
        if allowed is not None and cells[2] != "nothing else":
            allowed = {name.strip() for name in cells[2].split(",")}
        for name in names:
            rows[name] = allowed
    return rows


def _unit(path: Path) -> str:
    """The package (or root module) a file belongs to."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else path.stem


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """Every import in the file, at any depth: (module, names taken from it)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
    return found


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


class TestMap:
    """The README's map is what the code does."""

    def test_every_package_is_on_the_map(self) -> None:
        packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
        mapped = set(_map())
        assert packages <= mapped
        assert mapped - ROOT_MODULES <= packages

    def test_root_holds_the_entry_modules(self) -> None:
        assert {p.stem for p in PACKAGE.glob("*.py")} == ROOT_MODULES

    def test_imports_follow_the_map(self) -> None:
        rules = _map()
        wrong = []
        for path in _sources():
            unit = _unit(path)
            allowed = rules.get(unit)
            if allowed is None and unit in rules:
                continue  # root modules and the route table may import anything
            assert allowed is not None, f"{path} is in no row of the README's map"
            for module, names in _imports(path):
                parts = module.split(".")
                if parts[0] != "emulator":
                    continue
                if len(parts) == 1:  # `from emulator import __version__`, or a package by name
                    targets = [name for name in names if name != "__version__"]
                else:
                    targets = [parts[1]]
                wrong += [f"{path}: {module}" for t in targets if t != unit and t not in allowed]
        assert wrong == []

    def test_domain_never_imports_aiohttp(self) -> None:
        offenders = [
            str(path)
            for path in _sources()
            if _unit(path) in DOMAIN
            for module, _ in _imports(path)
            if module.split(".")[0] == "aiohttp"
        ]
        assert offenders == []


class TestNames:
    def test_imported_names_are_exported(self) -> None:
        """A name one module takes from another is in that module's `__all__`."""
        exported: dict[str, set[str]] = {}
        for path in _sources():
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
                ):
                    exported[module] = set(ast.literal_eval(node.value))
        missing = []
        for path in _sources():
            for module, names in _imports(path):
                if module not in exported:
                    continue
                missing += [
                    f"{path}: {module}.{name}"
                    for name in names
                    if name not in exported[module] and not _is_module(module, name)
                ]
        assert missing == []


def _is_module(package: str, name: str) -> bool:
    base = ROOT.joinpath(*package.split("."))
    return (base / f"{name}.py").exists() or (base / name).is_dir()


class TestRoutes:
    def test_every_route_is_declared_once(self) -> None:
        declared = [(route.method, route.path) for route in ROUTES]
        assert len(declared) == len(set(declared))
        app = create_app(Settings(customers=1, days=1, events=1))
        registered = [
            (route.method, route.resource.canonical)
            for route in app.router.routes()
            if route.resource is not None and route.method != "HEAD"
        ]
        assert sorted(registered) == sorted((route.method, route.openapi_path) for route in ROUTES)
