"""A small bar chart painted with QPainter: one value per labelled bar (a week, a month)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

Bar = tuple[str, float]


class BarChart(QWidget):
    """`set_bars([(label, value), ...], value_text)`: bars from zero, the highest value written
    above its bar; labels are thinned out when they would overlap."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.bars: tuple[Bar, ...] = ()
        self._text: Callable[[float], str] = lambda v: f"{v:,.0f}"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(120)

    def sizeHint(self) -> QSize:
        return QSize(360, 180)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 120)

    def set_bars(self, bars: Sequence[Bar], value_text: Callable[[float], str] | None = None
                 ) -> None:
        self.bars = tuple(bars)
        if value_text is not None:
            self._text = value_text
        self.setAccessibleName(f"{self.title}: {len(self.bars)} bars")
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        rect = QRectF(self.rect()).adjusted(6, 4, -6, -4)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(rect.adjusted(0, 0, 0, -(rect.height() - line)),
                         Qt.AlignmentFlag.AlignLeft, self.title)
        plot = rect.adjusted(0, 2 * line + 4, 0, -(line + 4))
        if not self.bars or plot.height() <= 0:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "Nothing yet")
            painter.end()
            return
        top = max((v for _, v in self.bars), default=0.0) or 1.0
        slot = plot.width() / len(self.bars)
        width = max(2.0, slot * 0.7)
        widest = max(metrics.horizontalAdvance(label) for label, _ in self.bars) + 8
        every = max(1, int(widest // slot) + 1)  # label every n-th bar so labels never overlap
        accent = palette.color(QPalette.ColorRole.Highlight)
        peak = max(range(len(self.bars)), key=lambda i: self.bars[i][1])
        for i, (label, value) in enumerate(self.bars):
            x = plot.left() + i * slot + (slot - width) / 2
            height = plot.height() * max(value, 0.0) / top
            painter.fillRect(QRectF(x, plot.bottom() - height, width, height), accent)
            if i % every == 0:
                painter.drawText(QRectF(x - slot, plot.bottom() + 2, width + 2 * slot, line),
                                 Qt.AlignmentFlag.AlignHCenter, label)
            if i == peak:
                painter.drawText(QRectF(x - 2 * slot, plot.bottom() - height - line - 2,
                                        width + 4 * slot, line),
                                 Qt.AlignmentFlag.AlignHCenter, self._text(value))
        painter.end()
