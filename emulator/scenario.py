"""The state a tenant starts from: a fixture document when `--fixtures` is given, else the seed."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from emulator.errors import ApiError, message_for
from emulator.seed import generate
from emulator.settings import Settings
from emulator.store.store import Store
from emulator.wire import FixtureDocument

__all__ = ["FixtureError", "initial_store", "load_fixture_file"]


class FixtureError(Exception):
    """A fixture file that cannot be loaded; the message says where and why."""


def load_fixture_file(path: Path) -> Store:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise FixtureError(f"cannot read fixture file {path}: {exc.strerror}") from None
    try:
        return Store.from_document(FixtureDocument.model_validate_json(text))
    except ValidationError as exc:
        raise FixtureError(f"{path}: {message_for(exc, 'fixture document')}") from None
    except ApiError as exc:
        raise FixtureError(f"{path}: {exc.message}") from None


def initial_store(settings: Settings) -> Store:
    if settings.fixtures is not None:
        return load_fixture_file(settings.fixtures)
    document = generate(settings.seed, settings.customers, settings.days, settings.events)
    return Store.from_document(document)
