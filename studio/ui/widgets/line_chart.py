"""A small line chart painted with QPainter: one series over time, cheap at any number of points."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

Point = tuple[float, float]


def downsample(points: Sequence[Point], columns: int) -> list[Point]:
    """At most about 2 points per pixel column (each column's lowest and highest), so painting
    costs the chart's width, not the series' length; peaks are never lost."""
    if columns < 1:
        raise ValueError("A chart needs at least one pixel column")
    if len(points) <= 2 * columns:
        return list(points)
    first, last = points[0][0], points[-1][0]
    span = (last - first) or 1.0
    kept: list[Point] = []
    bucket: list[Point] = []
    current = 0
    for point in points:
        column = min(int((point[0] - first) / span * columns), columns - 1)
        if column != current and bucket:
            kept += _extremes(bucket)
            bucket = []
        current = column
        bucket.append(point)
    kept += _extremes(bucket)
    if kept[-1] != points[-1]:  # the latest value is always drawn where it is
        kept.append(points[-1])
    return kept


def _extremes(bucket: list[Point]) -> list[Point]:
    low = min(bucket, key=lambda p: p[1])
    high = max(bucket, key=lambda p: p[1])
    return sorted({low, high}, key=lambda p: p[0])


class LineChart(QWidget):
    """`set_series([(datetime or number, value), ...])` then repaints once. The y axis starts
    at zero; the top and latest values are written out (the chart is not the only source)."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._points: list[Point] = []
        self._labels: tuple[str, str] = ("", "")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(90)

    def sizeHint(self) -> QSize:
        return QSize(360, 160)

    def set_series(self, series: Sequence[tuple[datetime | float, float]]) -> None:
        points = [(_x(x), float(y)) for x, y in series]
        if any(b[0] < a[0] for a, b in pairwise(points)):
            raise ValueError("A chart's points must be in time order")
        self._points = points
        if series:
            self._labels = (_label(series[0][0]), _label(series[-1][0]))
        else:
            self._labels = ("", "")
        latest = f"{points[-1][1]:,.0f}" if points else "no data yet"
        self.setAccessibleDescription(f"{self.title}: {len(points)} points, latest {latest}")
        self.update()

    @property
    def points(self) -> list[Point]:
        return list(self._points)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        top_value = max((y for _x, y in self._points), default=0.0)
        axis_width = metrics.horizontalAdvance(f"{max(top_value, 10):,.0f}") + 8
        plot = QRectF(axis_width, line + 4, self.width() - axis_width - 6,
                      self.height() - 2 * line - 10)
        painter.setPen(text)
        painter.drawText(QRectF(0, 0, self.width(), line), Qt.AlignmentFlag.AlignLeft,
                         self.title)
        painter.setPen(QPen(muted, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        painter.drawText(QRectF(0, plot.top() - line / 2, axis_width - 4, line),
                         Qt.AlignmentFlag.AlignRight, f"{top_value:,.0f}")
        painter.drawText(QRectF(0, plot.bottom() - line / 2, axis_width - 4, line),
                         Qt.AlignmentFlag.AlignRight, "0")
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), line),
                         Qt.AlignmentFlag.AlignLeft, self._labels[0])
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), line),
                         Qt.AlignmentFlag.AlignRight, self._labels[1])
        if not self._points or plot.width() < 2 or plot.height() < 2:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No data yet")
            return
        shown = downsample(self._points, max(int(plot.width()), 1))
        x0, x1 = shown[0][0], shown[-1][0]
        span = (x1 - x0) or 1.0
        scale = top_value or 1.0
        polygon = QPolygonF([
            QPointF(plot.left() + (x - x0) / span * plot.width(),
                    plot.bottom() - y / scale * plot.height()) for x, y in shown])
        if len(shown) == 1:
            polygon.append(QPointF(plot.right(), polygon[0].y()))
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
        painter.drawPolyline(polygon)


def _x(value: datetime | float) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _label(value: datetime | float) -> str:
    return value.astimezone().strftime("%H:%M") if isinstance(value, datetime) else f"{value:g}"
