"""Tells the user a crash report was written: a message box naming the file, from any thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox


class CrashNotice(QObject):
    """`notify(path, summary)` may be called from any thread: the box opens on the GUI thread
    (a queued signal). While one box is open, later reports are only written, not shown."""

    _requested = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.box: QMessageBox | None = None
        self._requested.connect(self._show)

    def notify(self, path: Path, summary: str) -> None:
        self._requested.emit(str(path), summary)

    @Slot(str, str)
    def _show(self, path: str, summary: str) -> None:
        if self.box is not None:
            return
        # No parent: a box owned by the window that was active (a dialog closing on its own)
        # would be deleted with it.
        box = QMessageBox()
        box.setObjectName("crashNotice")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("ShopStream Studio: unexpected error")
        box.setText("Something went wrong inside the studio. If it misbehaves from now on, "
                    "close it and open it again.")
        box.setInformativeText(f"A report was saved to:\n{path}\n\nIf this happens again, send "
                               "that file to support. It holds no passwords or keys.")
        box.setDetailedText(summary)
        folder = box.addButton("Open report folder", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)
        folder.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent))))
        box.finished.connect(self._closed)
        self.box = box
        box.open()

    def _closed(self) -> None:
        if self.box is not None:
            self.box.deleteLater()
        self.box = None
