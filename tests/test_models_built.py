"""Models are not built on import (`defer_build`), and `create_app` builds every one of them
(`wire.models.build_models`): none is left to be built on first use, in a worker thread where
pydantic's lazy build is not safe."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# In an interpreter of its own: in a test session, another test has built them already.
PROGRAM = textwrap.dedent(
    """
    from pydantic import BaseModel
    from emulator.app import create_app
    from emulator.settings import Settings

    def unbuilt():
        found, stack = [], list(BaseModel.__subclasses__())
        while stack:
            model = stack.pop()
            stack.extend(model.__subclasses__())
            if model.__module__.startswith("emulator.") and not model.__pydantic_complete__:
                found.append(model.__qualname__)
        return found

    print(len(unbuilt()))
    create_app(Settings(seed=3, customers=2, days=1, events=50))
    print(len(unbuilt()))
    """
)


def test_models_are_built_by_create_app_not_on_import() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True
    )
    on_import, after = map(int, done.stdout.split())
    assert on_import > 50  # requests, records and answers, deferred
    assert after == 0
