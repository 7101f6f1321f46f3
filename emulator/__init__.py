"""A local emulator of Metronome's usage API over a seeded in-memory event store."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["Emulator", "EmulatorError", "EmulatorHandle", "EmulatorProcess", "__version__"]

if TYPE_CHECKING:
    from emulator.testing import Emulator, EmulatorError, EmulatorHandle, EmulatorProcess


def __getattr__(name: str) -> object:
    """The test helpers of `emulator.testing`, imported on first use: the emulator's own process
    needs none of them (nor the stdlib HTTP client and subprocess modules they import)."""
    if name in __all__:
        from emulator import testing

        return getattr(testing, name)
    raise AttributeError(f"module 'emulator' has no attribute {name!r}")
