"""Built seeds kept on disk: the same options and the same code build the same store, so a later
start loads it rather than generating and ingesting it again.

Loading an entry takes milliseconds for the default's 20,000 events and about a second for a
million, which take eight seconds or more to build (bench/results/ratios.md, startup_split.md).
An entry's name is a digest of the seed options, the Python version and the source of the
`emulator` package, so a changed emulator never loads a store an older one built.
Only scenarios of at least `SMALLEST` events are kept (a test's small scenarios build in
milliseconds). The folder holds at most `CACHE_BYTES`; past it, the entries used longest ago go.

Entries are pickles, which run code when loaded, so the cache is off unless `--seed-cache` names a
folder (`default`: `$XDG_CACHE_HOME/metronome-emulator`, else `~/.cache/metronome-emulator`), and
an entry is read (or written) only when it and its folder are this user's and no one else can
write them (`_private`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from emulator.metering.store import Store

__all__ = ["CACHE_BYTES", "SMALLEST", "Rating", "default_folder", "load", "save"]

SMALLEST = 10_000
CACHE_BYTES = 2 * 2**30
_PACKAGE = Path(__file__).resolve().parent.parent


def default_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "metronome-emulator"


def _entry(folder: Path, seed: int, customers: int, days: int, events: int) -> Path:
    digest = hashlib.sha256(f"{seed} {customers} {days} {events} {sys.version}".encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return folder / f"seed-{digest.hexdigest()[:32]}.pickle"


# The seed's rating fields (products, rate cards, contracts), as the fixture document has them.
Rating = dict[str, list[dict[str, Any]]]


def load(
    folder: Path, seed: int, customers: int, days: int, events: int
) -> tuple[Store, Rating] | None:
    """The store these options built before and the seed's rating fields, or None (not kept, or
    unreadable)."""
    if events < SMALLEST:
        return None
    path = _entry(folder, seed, customers, days, events)
    try:
        with path.open("rb") as file:
            # The file opened, not its name: a name checked and then opened could be swapped.
            if not (_private(folder) and _owned(os.fstat(file.fileno()))):
                return None
            kept = pickle.load(file)
        os.utime(path)  # used now: the last to go
    except Exception:  # absent, cut short, or from another build: built again
        return None
    if not (isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], Store)):
        return None
    store, rating = kept
    return (store, rating) if isinstance(rating, dict) else None


def save(
    folder: Path, store: Store, rating: Rating, seed: int, customers: int, days: int, events: int
) -> None:
    """Keep a built store and its rating fields (atomically: a temporary file renamed), then trim
    the folder to `CACHE_BYTES`. A folder that cannot be written is left alone: the cache is only
    a shortcut."""
    if events < SMALLEST:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _private(folder):
            print(
                f"metronome-emulator: seed cache not written: {folder} is not a folder only "
                "this user can write",
                file=sys.stderr,
            )
            return
        path = _entry(folder, seed, customers, days, events)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".seed-", delete=False) as file:
            try:
                pickle.dump((store, rating), file, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:  # a full disk, or a signal that ends the start: no file left
                Path(file.name).unlink()
                raise
        os.replace(file.name, path)
        _trim(folder)
    except OSError as exc:
        print(f"metronome-emulator: seed cache not written: {exc}", file=sys.stderr)


def _private(path: Path) -> bool:
    """Whether only this user (or root) can have written `path`: owned by this user, and not
    writable by the group or others. An entry is a pickle, which runs code when loaded, so one in
    a folder that someone else can write is never read."""
    try:
        return _owned(path.stat())
    except OSError:
        return False


def _owned(stat: os.stat_result) -> bool:
    return stat.st_uid == os.geteuid() and not stat.st_mode & 0o022


def _trim(folder: Path) -> None:
    entries = sorted(folder.glob("seed-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    total = 0
    for path in entries:
        total += path.stat().st_size
        if total > CACHE_BYTES:
            path.unlink(missing_ok=True)
