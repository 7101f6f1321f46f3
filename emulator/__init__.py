"""A local emulator of Metronome's usage API over a seeded in-memory event store."""

__version__ = "0.1.0"

from emulator.testing import Emulator, EmulatorError, EmulatorHandle

__all__ = ["Emulator", "EmulatorError", "EmulatorHandle", "__version__"]
