"""Composition root: the Qt application, its asyncio loop, the main window and the workspace.

The window shows at once; the workspace (embedded server or Supabase project, cache, sync
engine) opens in the background with progress in the status bar. Heavy modules (the cache,
the backends, the screens) are imported only then, so they never delay the first frame.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

import qasync
from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from studio import __version__
from studio.core.paths import APP_AUTHOR, APP_NAME, AppPaths, app_paths
from studio.core.settings import Settings, load_settings
from studio.crash import CrashReporter
from studio.resources import ICON_SIZES, icon_png
from studio.ui.about_dialog import register_about
from studio.ui.actions import ActionRegistry
from studio.ui.crash_notice import CrashNotice
from studio.ui.main_window import MainWindow, ScreenEntry, lazy_screen
from studio.ui.placeholder_screen import placeholder_factory
from studio.ui.settings_screen import SettingsScreen
from studio.ui.theme import ThemeController
from studio.ui.workspace_controller import WorkspaceController, WorkspaceOpener

log = logging.getLogger(__name__)

BENCH_MARK_ENV = "SHOPSTREAM_BENCH_MARK"
EXIT_AFTER_SHOW_ENV = "SHOPSTREAM_EXIT_AFTER_SHOW"
WINDOW_SHOWN_MARK = "shopstream-window-shown"
_SCREENS = "studio.ui.screens"


def screen_entries(settings_screen: SettingsScreen) -> list[ScreenEntry]:
    """The sidebar, in order (Ctrl+1 … Ctrl+6). Later screens replace the placeholders here."""
    soon = placeholder_factory
    return [
        ScreenEntry("dashboard", "Dashboard", lazy_screen(
            f"{_SCREENS}.dashboard.screen", "DashboardScreen",
            soon("dashboard", "Dashboard", "The dashboard is not part of this build.", "▦")),
            symbol="▦"),
        ScreenEntry("live", "Live", lazy_screen(
            f"{_SCREENS}.live.control_room", "LiveScreen",
            soon("live", "Live control room", "The control room is not part of this build.",
                 "◉")), roles=frozenset({"host"}), symbol="◉"),
        ScreenEntry("catalog", "Catalog", lazy_screen(
            f"{_SCREENS}.catalog_screen", "CatalogScreen",
            soon("catalog", "Catalog", "The catalog is not part of this build.")), symbol="▤"),
        ScreenEntry("shows", "Shows", lazy_screen(
            f"{_SCREENS}.shows_screen", "ShowsScreen",
            soon("shows", "Shows", "The show planner is not part of this build.")),
            roles=frozenset({"host"}), symbol="▶"),
        ScreenEntry("lineup_preview", "Lineup preview", lazy_screen(
            f"{_SCREENS}.wholesaler_preview_screen", "WholesalerPreviewScreen",
            soon("lineup_preview", "Lineup preview",
                 "The wholesaler preview is not part of this build.")),
            roles=frozenset({"wholesaler"}), symbol="◈"),
        ScreenEntry("settings", "Settings", widget=settings_screen, symbol="⚙"),
    ]


def configure_logging(log_file: Path) -> None:
    """A rotating log file (the CLI sets up the console). Messages never carry secrets."""
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3,
                                      encoding="utf-8")
    except OSError as exc:
        log.warning("No log file (%s): logging to the console only", exc)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def app_icon() -> QIcon:
    """The app icon, from its PNG renders in studio/resources (drawn by packaging/make_icons.py)."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_png(size)), QSize(size, size))
    return icon


class Studio:
    """Builds the window and its parts and wires them to the workspace controller."""

    def __init__(self, app: QApplication, paths: AppPaths, settings: Settings, *,
                 opener: WorkspaceOpener | None = None) -> None:
        self.app = app
        self.actions = ActionRegistry(app)
        self.theme = ThemeController(app, settings.appearance.theme)
        self.controller = WorkspaceController(paths, settings, opener=opener)
        self.settings_screen = SettingsScreen(
            self.actions, settings=settings, paths=paths,
            on_apply=self.controller.apply_request, on_sign_out=self.controller.sign_out,
            on_theme=self._set_theme)
        self.window = MainWindow(screen_entries(self.settings_screen), self.actions)
        register_about(self.actions, self.window, paths)
        self.window.setWindowIcon(app.windowIcon())
        self.window.restore_window(settings.window.geometry, settings.window.state)
        self.window.navigate(settings.window.last_screen)
        self.controller.attach(self.window, self.settings_screen)
        self.window.set_close_guard(self.request_quit)
        self.window.quit_requested.connect(self.window.close)
        self.finished = asyncio.Event()
        self._quitting = False

    def _set_theme(self, theme: str) -> None:
        self.theme.set_preference(theme)
        self.controller.update_settings(theme=theme)

    def request_quit(self) -> None:
        """Window closed, Ctrl+Q or a signal: shut the workspace down, then end the loop."""
        if self._quitting:
            return
        self._quitting = True
        self._shutdown_task = asyncio.ensure_future(self._quit())

    async def _quit(self) -> None:
        """Unsaved show edits are asked about first (Save / Discard / Cancel, the question
        switching shows asks); Cancel keeps the studio open."""
        try:
            leave = await self.controller.confirm_leave()
        except Exception:
            log.exception("Could not ask about unsaved changes; quitting anyway")
            leave = True
        if not leave:
            self._quitting = False
            return
        await self._shutdown()

    async def _shutdown(self) -> None:
        try:
            self.controller.remember_window()
            self.window.hide()
            await self.controller.shutdown()
        except Exception:
            log.exception("Shutdown did not finish cleanly")
        finally:
            self.window.close_now()
            self.finished.set()

    def on_first_exposed(self) -> None:
        if os.environ.get(BENCH_MARK_ENV):
            print(f"{WINDOW_SHOWN_MARK} {time.time():.6f}", flush=True)
        log.info("Window shown %.0f ms after start", (time.perf_counter() - _STARTED) * 1000)
        if os.environ.get(EXIT_AFTER_SHOW_ENV):
            QTimer.singleShot(0, self.window.close)
            return
        self.controller.open_in_background()

    async def run(self) -> None:
        """Show the window, open the workspace once it is on screen, return after shutdown."""
        self.window.first_exposed.connect(self.on_first_exposed)
        self.window.show()
        await self.finished.wait()


def close_on_signals(studio: Studio) -> None:
    """SIGINT / SIGTERM close the window, so the clean shutdown still runs."""

    def close(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, studio.window.close)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, close)
    # Python runs signal handlers between bytecodes only; a timer keeps them flowing
    # while Qt waits in its C++ event loop.
    heartbeat = QTimer(studio.window)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(200)


_STARTED = time.perf_counter()


def main() -> int:
    """Open ShopStream Studio; returns when the window has closed and the workspace with it."""
    paths = app_paths()
    configure_logging(paths.log_file)
    crashes = CrashReporter(paths.log_dir)  # unhandled errors: a report file under the log dir
    crashes.install()
    settings = load_settings(paths.settings_file)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("shopstream-studio")
    app.setWindowIcon(app_icon())
    crashes.notify = CrashNotice(app).notify
    # The asyncio side ends the app after a clean shutdown, not Qt on its own.
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    crashes.install_on_loop(loop)
    try:
        studio = Studio(app, paths, settings)
        close_on_signals(studio)
        with loop:
            loop.run_until_complete(studio.run())
    finally:
        asyncio.set_event_loop(None)
    return 0
