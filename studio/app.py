"""Composition root: builds the Qt application, its asyncio loop and the first window."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from logging.handlers import RotatingFileHandler

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from studio.server.embedded import EmbeddedPostgres
from studio.server.workspace import (
    APP_AUTHOR,
    APP_NAME,
    WorkspaceInfo,
    default_data_dir,
    default_log_dir,
    start_local_workspace,
)
from studio.ui.startup_window import StartupWindow

log = logging.getLogger(__name__)


def _configure_file_logging() -> None:
    try:
        log_dir = default_log_dir()
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            log_dir / "studio.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


class _LocalWorkspace:
    """Starts the local workspace and remembers the server, to stop it on exit."""

    def __init__(self) -> None:
        self.server = EmbeddedPostgres(default_data_dir())

    def start(self) -> WorkspaceInfo:
        _server, info = start_local_workspace(server=self.server)
        log.info("Local workspace ready at %s (%s products)", info.url, info.product_count)
        return info

    def shutdown(self) -> None:
        if self.server.started_here:
            try:
                self.server.stop()
            except Exception:
                log.exception("Could not stop the local server")


def _close_on_signals(window: StartupWindow) -> None:
    """Ctrl+C / SIGTERM close the window, so shutdown (stopping the server) still runs."""

    def close(_signum: int, _frame: object) -> None:
        window.close()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, close)
    # Python only runs signal handlers between bytecodes; a timer keeps them flowing
    # while Qt sits in its C++ event loop.
    heartbeat = QTimer(window)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(200)


async def _run(window: StartupWindow, workspace: _LocalWorkspace) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    startup = asyncio.ensure_future(window.run_startup(workspace.start))
    await closed.wait()
    startup.cancel()


def main() -> int:
    """Open ShopStream Studio; returns when the last window closes."""
    _configure_file_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationDisplayName(APP_NAME)
    # The asyncio loop ends the app (see _run), not Qt on its own.
    app.setQuitOnLastWindowClosed(False)

    window = StartupWindow()
    _close_on_signals(window)
    window.show()
    workspace = _LocalWorkspace()
    try:
        qasync.run(_run(window, workspace))
    except asyncio.CancelledError:
        pass
    finally:
        workspace.shutdown()
    return 0
