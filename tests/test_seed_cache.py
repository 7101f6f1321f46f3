"""The seed cache: a loaded seed is the built one, and a changed option or entry is never read."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import IO

import orjson
import pytest

from emulator.metering.store import Store
from emulator.metering.usage import UsagePage, UsageScope
from emulator.scenario import seed_cache
from emulator.scenario.initial import build_scenario, initial_state
from emulator.scenario.seed import generate
from emulator.settings import Settings
from emulator.wire.models import UsageQuery

OPTIONS = {"seed": 5, "customers": 4, "days": 3, "events": seed_cache.SMALLEST}
QUERY = UsageQuery.model_validate(
    {
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-01-04T00:00:00Z",
        "window_size": "hour",
    }
)


def page(store: Store) -> bytes:
    scope = UsageScope.resolve(store, QUERY)
    return b",".join(UsagePage(store, scope, None, 10**6).chunks())


class TestSeedCache:
    """A second start with the same options reads the first's store, byte for byte the same."""

    def test_loaded_is_built(self, tmp_path: Path) -> None:
        settings = Settings(**OPTIONS, seed_cache=tmp_path)  # type: ignore[arg-type]
        built, _ = initial_state(settings)
        assert len(list(tmp_path.glob("seed-*.pickle"))) == 1
        kept = seed_cache.load(tmp_path, *OPTIONS.values())
        assert kept is not None
        loaded, rating = kept
        assert rating == generate(*OPTIONS.values()).rating_fields()  # the seed's contracts too
        assert loaded.version != built.version
        assert orjson.dumps(loaded.to_document()) == orjson.dumps(built.to_document())
        assert page(loaded) == page(built)
        again, _ = initial_state(settings)
        assert page(again) == page(built)

    def test_other_options_and_broken_entries_are_not_read(self, tmp_path: Path) -> None:
        initial_state(Settings(**OPTIONS, seed_cache=tmp_path))  # type: ignore[arg-type]
        other = {**OPTIONS, "seed": 6}
        assert seed_cache.load(tmp_path, *other.values()) is None
        for entry in tmp_path.glob("seed-*.pickle"):
            entry.write_bytes(b"cut short")
        assert seed_cache.load(tmp_path, *OPTIONS.values()) is None

    @pytest.mark.parametrize("stop", [KeyboardInterrupt, OSError(28, "No space left on device")])
    def test_a_write_stopped_halfway_leaves_no_file(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        stop: BaseException | type[BaseException],
    ) -> None:
        """A signal that ends the start (`main` answers 0), or a full disk (said on stderr),
        in the middle of writing an entry: the half-written temporary file goes too."""
        store, rating = build_scenario(5, 4, 3, seed_cache.SMALLEST)  # OPTIONS

        def dump_half(_kept: object, file: IO[bytes], **_: object) -> None:
            file.write(b"half an entry")
            file.flush()
            raise stop

        monkeypatch.setattr(pickle, "dump", dump_half)
        if stop is KeyboardInterrupt:
            with pytest.raises(KeyboardInterrupt):
                seed_cache.save(tmp_path, store, rating, *OPTIONS.values())
        else:
            seed_cache.save(tmp_path, store, rating, *OPTIONS.values())
            assert "seed cache not written: [Errno 28] No space left" in capsys.readouterr().err
        assert list(tmp_path.iterdir()) == []

    def test_small_scenarios_are_not_kept(self, tmp_path: Path) -> None:
        initial_state(Settings(seed=5, customers=2, days=1, events=100, seed_cache=tmp_path))
        assert not list(tmp_path.iterdir())


class TestPrivateFolder:
    """An entry is a pickle: one that another user could have written is never read."""

    def test_a_folder_others_can_write_is_neither_read_nor_written(self, tmp_path: Path) -> None:
        initial_state(Settings(**OPTIONS, seed_cache=tmp_path))  # type: ignore[arg-type]
        assert seed_cache.load(tmp_path, *OPTIONS.values()) is not None
        tmp_path.chmod(0o777)
        assert seed_cache.load(tmp_path, *OPTIONS.values()) is None
        for entry in tmp_path.glob("seed-*.pickle"):
            entry.unlink()
        initial_state(Settings(**OPTIONS, seed_cache=tmp_path))  # type: ignore[arg-type]
        assert not list(tmp_path.glob("seed-*.pickle"))

    def test_an_entry_others_can_write_is_not_read(self, tmp_path: Path) -> None:
        initial_state(Settings(**OPTIONS, seed_cache=tmp_path))  # type: ignore[arg-type]
        (entry,) = tmp_path.glob("seed-*.pickle")
        entry.chmod(0o666)
        assert seed_cache.load(tmp_path, *OPTIONS.values()) is None
        entry.chmod(0o600)
        assert seed_cache.load(tmp_path, *OPTIONS.values()) is not None
