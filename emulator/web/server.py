"""Starting the app on a socket, as the command line and `Emulator` both do."""

from __future__ import annotations

from aiohttp import web

from emulator.web.protocol import install_json_errors

__all__ = ["start"]


async def start(app: web.Application, host: str, port: int) -> web.AppRunner:
    """The app listening on host:port, aiohttp's own refusals answered as JSON
    (`emulator/web/protocol.py`). Stop it with `runner.cleanup()`."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    install_json_errors(runner)
    await web.TCPSite(runner, host, port).start()
    return runner
