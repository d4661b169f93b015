"""Toasts: short non-modal notices that hide by themselves, each also kept in a small log."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QLabel, QListWidget, QVBoxLayout, QWidget

TOAST_MS = 5000
MAX_TOASTS = 4
LOG_SIZE = 200
# What each kind of notice starts with, so it reads without colour.
SYMBOLS = {"info": "ℹ", "success": "✓", "warning": "⚠", "error": "✕"}


class NoticeLog(QListWidget):
    """The newest notices first, with their time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveNoticeLog")
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)

    def add(self, text: str) -> None:
        self.insertItem(0, f"{datetime.now().strftime('%H:%M:%S')}  {text}")
        while self.count() > LOG_SIZE:
            self.takeItem(self.count() - 1)

    def texts(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]


class Toasts(QFrame):
    """Floats at the bottom right of `host` (not in a layout); notices stack and fade out after
    TOAST_MS. `log` keeps every one."""

    def __init__(self, host: QWidget, log: NoticeLog) -> None:
        super().__init__(host)
        self.setObjectName("liveToasts")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._host = host
        self.log = log
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        host.installEventFilter(self)
        self.hide()

    def show_toast(self, text: str, kind: str = "info") -> QLabel:
        message = f"{SYMBOLS.get(kind, SYMBOLS['info'])} {text}"
        self.log.add(message)
        label = QLabel(message)
        label.setObjectName("liveToast")
        label.setProperty("kind", kind)
        label.setWordWrap(True)
        label.setMaximumWidth(380)
        label.setStyleSheet("QLabel#liveToast { background: palette(tool-tip-base);"
                            " color: palette(tool-tip-text); border: 1px solid palette(mid);"
                            " border-radius: 6px; padding: 8px; }")
        self._layout.addWidget(label)
        while self._layout.count() > MAX_TOASTS:
            self._remove(self._layout.itemAt(0).widget())
        QTimer.singleShot(TOAST_MS, label, lambda: self._remove(label))
        self._place()
        self.show()
        self.raise_()
        return label

    def visible_texts(self) -> list[str]:
        return [self._layout.itemAt(i).widget().text() for i in range(self._layout.count())]

    def _remove(self, label: QWidget | None) -> None:
        if label is None:
            return
        self._layout.removeWidget(label)
        label.deleteLater()
        if self._layout.count() == 0:
            self.hide()
        else:
            self._place()

    def _place(self) -> None:
        self.adjustSize()
        host = self._host.rect()
        x = max(host.width() - self.width() - 16, 0)
        y = max(host.height() - self.height() - 16, 0)
        self.move(x, y)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
