"""`--state-file`: every tenant's state kept across restarts.

The file is `{"version": 1, "tenants": {<sha256 of token>: {"page_size": ..., "state": <fixture
document>}}}`. Tokens are stored only as digests. Tenants still on the shared seeded state are not
written: they come back from the seed. Writes go to a temporary file in the same folder, are
flushed to disk and renamed over the old file, so a crash mid-write never leaves a corrupt file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from emulator.errors import ApiError, message_for
from emulator.store.store import Store
from emulator.wire import FixtureDocument

__all__ = ["SavedTenant", "StateFileError", "read_state_file", "token_digest", "write_state_file"]

VERSION = 1
SavedTenant = tuple[Store, int | None]  # (state, page size setting)


class StateFileError(Exception):
    """A state file that cannot be read; the message says which and why."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_state_file(path: Path) -> dict[str, SavedTenant]:
    """The saved tenants by token digest; nothing when the file does not exist yet."""
    if not path.exists():
        return {}
    try:
        content = orjson.loads(path.read_bytes())
        if content.get("version") != VERSION:
            raise StateFileError(f"{path}: not a version {VERSION} state file")
        saved = {}
        for digest, entry in content["tenants"].items():
            document = FixtureDocument.model_validate(entry["state"])
            saved[digest] = (Store.from_document(document), entry.get("page_size"))
        return saved
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise StateFileError(f"cannot read state file {path}: {exc}") from None
    except ValidationError as exc:
        raise StateFileError(f"{path}: {message_for(exc, 'state')}") from None
    except ApiError as exc:
        raise StateFileError(f"{path}: {exc.message}") from None


def write_state_file(path: Path, tenants: dict[str, SavedTenant]) -> None:
    content: dict[str, Any] = {
        "version": VERSION,
        "tenants": {
            digest: {"page_size": page_size, "state": store.to_document()}
            for digest, (store, page_size) in sorted(tenants.items())
        },
    }
    folder = path.resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(orjson.dumps(content))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
