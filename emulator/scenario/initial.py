"""The state a tenant starts from: a fixture document when `--fixtures` is given, else the seed."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from emulator.metering.events import EventLike
from emulator.metering.store import Store
from emulator.rating.catalog import Catalog
from emulator.rating.fixtures import load_fields
from emulator.scenario import ahead, seed_cache
from emulator.settings import Settings
from emulator.wire.errors import ApiError, message_for
from emulator.wire.models import CustomerRecord, FixtureDocument, MetricDocument

__all__ = [
    "FixtureError",
    "base_identity",
    "build_scenario",
    "generated_world",
    "initial_state",
    "initial_world",
    "load_fixture",
    "load_fixture_file",
]


class FixtureError(Exception):
    """A fixture file that cannot be loaded; the message says where and why."""


def load_fixture_file(path: Path) -> Store:
    return load_fixture(path)[0]


def load_fixture(path: Path) -> tuple[Store, int | None]:
    """The state a fixture file describes, and its clock (None when it has none, or the wall
    clock)."""
    store, _, clock = load_fixture_world(path)
    return store, clock


def load_fixture_world(path: Path) -> tuple[Store, Catalog, int | None]:
    """The state a fixture file describes, its rating catalog, and its clock."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise FixtureError(f"cannot read fixture file {path}: {exc.strerror}") from None
    try:
        document = FixtureDocument.model_validate_json(text)
        store = Store.from_document(document)
        return store, load_fields(document.rating_fields(), store), document.clock
    except ValidationError as exc:
        raise FixtureError(f"{path}: {message_for(exc, 'fixture document')}") from None
    except ApiError as exc:
        raise FixtureError(f"{path}: {exc.message}") from None


def base_identity(settings: Settings) -> str:
    """What the shared base state is built from, as a state file records it: a tenant's layer
    can only be restored over the same base."""
    if settings.fixtures is not None:
        try:
            digest = hashlib.sha256(settings.fixtures.read_bytes()).hexdigest()
        except OSError as exc:
            message = f"cannot read fixture file {settings.fixtures}: {exc.strerror}"
            raise FixtureError(message) from None
        return f"fixtures {settings.fixtures.name} sha256 {digest[:16]}"
    return (
        f"seed {settings.seed}, {settings.customers} customers, {settings.days} days, "
        f"{settings.events} events"
    )


# A scenario this big takes seconds to build: say how far along it is, on standard error.
PROGRESS_EVERY = 100_000


def initial_state(settings: Settings) -> tuple[Store, int | None]:
    """The state every tenant starts from, and its start clock: `--clock`, else the fixture
    document's own `clock`, else the wall clock (None)."""
    store, _, clock = initial_world(settings)
    return store, clock


def initial_world(settings: Settings) -> tuple[Store, Catalog, int | None]:
    """`initial_state` with the rating catalog: the fixture document's, or the seed's (its
    products, rate card and contracts)."""
    if settings.fixtures is not None:
        store, catalog, clock = load_fixture_world(settings.fixtures)
        return store, catalog, settings.clock if settings.clock is not None else clock
    store, catalog = _generated(settings)
    return store, catalog, settings.clock


def _generated(settings: Settings) -> tuple[Store, Catalog]:
    """The seeded scenario's store and catalog: from the child that built them ahead (`ahead`),
    else from the seed cache when it holds them, else generated (and then kept there)."""
    options = ahead.options_of(settings)
    built = ahead.take(options)  # a child's, when `ahead.start` forked one
    if built is not None:
        store, rating = built
        return store, load_fields(rating, store)
    folder = settings.seed_cache
    if folder is not None:
        kept = seed_cache.load(folder, *options)
        if kept is not None:
            store, rating = kept
            return store, load_fields(rating, store)
    streamed = ahead.events(options)  # made by a child, when one makes them
    try:
        store, rating = build_scenario(*options, streamed)
    except ahead.StreamCut as exc:
        print(f"metronome-emulator: generating the events here: {exc}", file=sys.stderr)
        store, rating = build_scenario(*options)
    finally:
        if streamed is not None:  # its child ended, even if the build stopped before reading it
            streamed.close()
    if folder is not None:
        seed_cache.save(folder, store, rating, *options)
    return store, load_fields(rating, store)


def generated_world(seed: int, customers: int, days: int, events: int) -> tuple[Store, Catalog]:
    """A seeded scenario's store and catalog, generated (`POST /_emulator/reset` with options)."""
    store, rating = build_scenario(seed, customers, days, events)
    return store, load_fields(rating, store)


def build_scenario(
    seed: int,
    customers: int,
    days: int,
    events: int,
    made: Iterable[EventLike] | None = None,
) -> tuple[Store, dict[str, list[dict[str, Any]]]]:
    """The scenario's store and its rating fields (products, rate cards, contracts); a big one
    reports its progress. `made`: its events, made elsewhere (`ahead.events`)."""
    # Imported here: the generator needs Faker (about 0.1 s to import), a cached seed does not.
    from emulator.scenario.seed import generate

    scenario = generate(seed, customers, days, events)
    loaded: Iterable[EventLike] = scenario.events if made is None else made
    if len(scenario.events) >= PROGRESS_EVERY:
        loaded = _progress(loaded, len(scenario.events))
    store = Store.from_document(_Loading(scenario.customers, scenario.billable_metrics, loaded))
    return store, scenario.rating_fields()


@dataclass(frozen=True, slots=True)
class _Loading:
    """A scenario's customers and metrics, and its events as the store reads them: reporting
    progress, or made by a child (`ahead.events`)."""

    customers: list[CustomerRecord]
    billable_metrics: list[MetricDocument]
    events: Iterable[EventLike]


def _progress(events: Iterable[EventLike], total: int) -> Iterator[EventLike]:
    """`events`, a line on standard error after each `PROGRESS_EVERY` of them and the last; a
    chunk at a time (`yield from islice`), not a Python step per event."""
    iterator, count = iter(events), 0
    while count < total:
        chunk = min(PROGRESS_EVERY, total - count)
        yield from islice(iterator, chunk)
        count += chunk
        print(
            f"metronome-emulator: loaded {count:,} of {total:,} events",
            file=sys.stderr,
            flush=True,
        )
