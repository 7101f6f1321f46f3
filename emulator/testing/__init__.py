"""Running the emulator from tests: `Emulator` (a background thread), `EmulatorProcess` (a child
process, what the pytest plugin runs) and `EmulatorHandle` (the control API of any running
emulator, a docker sidecar included). Nothing here imports the server until an `Emulator` starts.
"""

from __future__ import annotations

from emulator.testing.handles import Emulator, EmulatorError, EmulatorHandle, EmulatorProcess

__all__ = ["Emulator", "EmulatorError", "EmulatorHandle", "EmulatorProcess"]
