"""OS notifications for important events (sold out, goal reached) while the window is in the
background, through the system tray; a seam so tests and tray-less desktops need no tray."""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

log = logging.getLogger(__name__)

IMPORTANT_TYPES = frozenset({"sold_out", "goal_reached"})


class Notifier(Protocol):
    def available(self) -> bool: ...

    def notify(self, title: str, body: str) -> None: ...


class TrayNotifier:
    """Shows a tray balloon. Where there is no system tray (some desktops, offscreen) it is
    unavailable and says so once in the log; the in-app inbox still has everything."""

    def __init__(self) -> None:
        self._tray: QSystemTrayIcon | None = None
        self._said = False

    def available(self) -> bool:
        ok = QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()
        if not ok and not self._said:
            log.info("No system tray here: important notifications stay in the inbox only")
            self._said = True
        return ok

    def notify(self, title: str, body: str) -> None:
        if not self.available():
            return
        if self._tray is None:
            app = QApplication.instance()
            icon = app.windowIcon() if isinstance(app, QApplication) else QIcon()
            self._tray = QSystemTrayIcon(icon)
            self._tray.setToolTip("ShopStream Studio")
            self._tray.show()
        self._tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 8000)
