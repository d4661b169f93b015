"""A one-line label that elides its text to the width it is given, so it never widens a window."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

#: Enough room to keep a few characters and the ellipsis.
MIN_CHARS = 8


class ElidedLabel(QLabel):
    """Shows as much of its text as fits, ending with "…"; the full text is in the tooltip
    while it is cut. `text()` is always the full text."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(text, parent)
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self._update_tip()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()

    def clear(self) -> None:
        self.setText("")

    def displayed_text(self) -> str:
        """The text as painted at the current width."""
        return self.fontMetrics().elidedText(self.text(), self._mode, self.contentsRect().width())

    def is_elided(self) -> bool:
        return self.displayed_text() != self.text()

    def minimumSizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        width = metrics.averageCharWidth() * MIN_CHARS + margins.left() + margins.right()
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()) | Qt.AlignmentFlag.AlignVCenter,
                         self.displayed_text())

    def _update_tip(self) -> None:
        self.setToolTip(self.text() if self.is_elided() else "")
