"""`--state-file`: every tenant's state kept across restarts.

The file is `{"version": 2, "base": "<what the shared base was built from>", "tenants": {<sha256
of token>: {"page_size": ..., "clock": ..., "state": <fixture document or null>, "layer": <fixture
document or null>}}}`. `state` is a base of the tenant's own (null: the shared seeded or fixture
base); `layer` is what the tenant wrote over it. A tenant on the shared base costs only what it
wrote, here as in memory. Tokens are stored only as digests; tenants with nothing of their own are
not written. Writes go to a temporary file in the same folder, flushed to disk and renamed over the
old file, so a failed or killed write never leaves a corrupt file; temporary files a killed write
left behind are removed at start.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import Field, ValidationError

from emulator.scenario.documents import document_pieces
from emulator.wire.encoding import encode_json
from emulator.wire.errors import message_for
from emulator.wire.limits import MAX_PAGE_SIZE
from emulator.wire.models import FixtureDocument, Timestamp, WireModel
from emulator.wire.timestamps import format_rfc3339

__all__ = [
    "PartialStateFileError",
    "SavedTenant",
    "StateFileError",
    "read_state_file",
    "token_digest",
    "write_state_file",
]

VERSION = 2


class StateFileError(Exception):
    """A state file that cannot be read or written; the message says which and why."""


class PartialStateFileError(StateFileError):
    """The file was written, without the tenants named: theirs could not be (a defence in depth:
    the door keeps out what cannot be written, so this names a bug)."""

    def __init__(self, message: str, tenants: list[str]) -> None:
        super().__init__(message)
        self.tenants = tenants  # their token digests


class SavedTenant(NamedTuple):
    page_size: int | None
    clock: int | None  # frozen at, or None: the wall clock
    state: FixtureDocument | None  # a base of its own, or None: the shared one
    layer: FixtureDocument | None
    where: str  # for messages: the file and the tenant


class _Entry(WireModel):
    page_size: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)
    clock: Timestamp | None = None
    state: FixtureDocument | None = None
    layer: FixtureDocument | None = None


class _File(WireModel):
    version: Literal[1, 2]
    base: str | None = None
    tenants: dict[str, _Entry]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_state_file(path: Path, base: str) -> dict[str, SavedTenant]:
    """The saved tenants by token digest; nothing when the file does not exist yet. `base` names
    the shared base this process built: a layer saved over another one cannot be restored."""
    _remove_stray_temporaries(path)
    if not path.exists():
        return {}
    try:
        content = _File.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise StateFileError(f"cannot read state file {path}: {exc.strerror}") from None
    except ValidationError as exc:
        raise StateFileError(f"{path}: {message_for(exc, 'state file')}") from None
    layered = any(entry.layer is not None for entry in content.tenants.values())
    if layered and content.base != base:
        raise StateFileError(
            f"{path} holds tenants' writes over another base state ({content.base}), not this "
            f"one ({base}): start with the options it was written with, or remove the file"
        )
    return {
        digest: SavedTenant(
            entry.page_size, entry.clock, entry.state, entry.layer, f"{path}: tenants.{digest}"
        )
        for digest, entry in content.tenants.items()
    }


def write_state_file(path: Path, base: str, tenants: dict[str, dict[str, Any]]) -> None:
    """Write atomically; on failure the previous file stays as it was (StateFileError says why).
    Each tenant's `state` and `layer` is a `DocumentSource` (or None), read here a slice of events
    at a time, so the whole write can run in a worker thread and never holds a document whole.

    One tenant whose state cannot be written never stops the others': its entry is cut back out of
    the file, the rest is written and renamed into place, and `PartialStateFileError` names it."""
    folder = path.resolve().parent
    temporary = None
    failed: list[tuple[str, str]] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(handle, "wb") as file:
            file.write(b'{"version":%d,"base":%b,"tenants":{' % (VERSION, encode_json(base)))
            written = 0
            for digest, entry in sorted(tenants.items()):
                start = file.tell()
                try:
                    _write_entry(file, digest, entry, first=not written)
                except OSError:
                    raise
                except Exception as exc:  # any failure but the file's is this tenant's alone
                    file.seek(start)
                    file.truncate()
                    failed.append((digest, f"{type(exc).__name__}: {exc}"))
                else:
                    written += 1
            file.write(b"}}")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise StateFileError(
            f"cannot write state file {path}: {exc.strerror or exc}; the previous file is intact"
        ) from None
    if failed:
        names = "; ".join(f"tenants.{digest}: {why}" for digest, why in failed)
        raise PartialStateFileError(
            f"state file {path} was written without {len(failed)} tenant(s) whose state could "
            f"not be written ({names}); every other tenant's state is in it",
            [digest for digest, _ in failed],
        )


def _write_entry(file: Any, digest: str, entry: dict[str, Any], first: bool) -> None:
    clock = None if entry["clock"] is None else format_rfc3339(entry["clock"])
    file.write(
        b'%b%b:{"page_size":%b,"clock":%b'
        % (b"" if first else b",", encode_json(digest), encode_json(entry["page_size"]),
           encode_json(clock))
    )  # fmt: skip
    for name in ("state", "layer"):
        file.write(b',"%b":' % name.encode())
        source = entry[name]
        file.writelines([b"null"] if source is None else document_pieces(source))
    file.write(b"}")


def _remove_stray_temporaries(path: Path) -> None:
    """Temporary files of a write that was killed before its rename."""
    folder = path.resolve().parent
    if folder.is_dir():
        for stray in folder.glob(f".{path.name}.*"):
            stray.unlink(missing_ok=True)
