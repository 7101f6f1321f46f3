"""A local emulator of Metronome's usage API over a seeded in-memory event store."""

__version__ = "0.1.0"

__all__ = ["__version__"]
