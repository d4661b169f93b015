"""The show report's charts (viewers over time, sales per product), painted with QPainter.

Each chart keeps its data as plain tuples (`points`, `bars`) built from the report, and paints
through one function that the widget and the PDF export share, so the printed chart is the one
on screen, drawn in paper colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.core.money import format_money
from studio.core.wording import counted
from studio.session.show_report import ShowReport

#: Bars drawn in the sales chart; the rest are counted under it (the table lists them all).
MAX_BARS = 8
NO_VIEWERS = "No viewers were recorded"
NO_SALES = "Nothing was sold"


@dataclass(frozen=True, slots=True)
class ChartColors:
    text: QColor
    muted: QColor
    grid: QColor
    line: QColor
    fill: QColor
    bar: QColor


def colors_of(widget: QWidget) -> ChartColors:
    """Colours from the widget's palette (light and dark themes alike)."""
    pal = widget.palette()
    text = pal.windowText().color()
    muted = QColor(text)
    muted.setAlphaF(0.65)
    grid = QColor(text)
    grid.setAlphaF(0.18)
    accent = pal.highlight().color()
    fill = QColor(accent)
    fill.setAlphaF(0.22)
    return ChartColors(text, muted, grid, accent, fill, accent)


PAPER = ChartColors(QColor("#1f2328"), QColor("#59636e"), QColor("#d8dee4"),
                    QColor("#0969da"), QColor(9, 105, 218, 50), QColor("#0969da"))


def viewer_points(report: ShowReport) -> tuple[tuple[float, int], ...]:
    """(minutes since the show started, viewers in that minute) from the report's series."""
    if not report.viewer_series:
        return ()
    origin = report.started_at or report.viewer_series[0][0]
    return tuple(((at - origin).total_seconds() / 60, count)
                 for at, count in report.viewer_series)


def product_bars(report: ShowReport) -> tuple[tuple[str, int, Decimal], ...]:
    """(product, units, revenue) for every product sold, best sellers first."""
    return tuple((p.name or "Unnamed product", p.units, p.revenue)
                 for p in report.top_products(len(report.products)))


def _nice_ceiling(value: float) -> float:
    """The axis maximum: 1, 2, 2.5 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def paint_viewers(painter: QPainter, rect: QRectF, points: tuple[tuple[float, int], ...],
                  colors: ChartColors) -> None:
    """A line of viewers per minute with a filled area, a y axis of viewers, x of minutes."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    metrics = QFontMetricsF(painter.font())
    if not points:
        painter.setPen(colors.muted)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, NO_VIEWERS)
        painter.restore()
        return
    top = _nice_ceiling(max(c for _, c in points))
    last = max(points[-1][0], 1.0)
    step = _nice_ceiling(last / 4)  # x labels every 1, 2, 5, 10... minutes
    x_labels = [(i * step, f"{_number(i * step)} min") for i in range(int(last / step) + 1)]
    left = metrics.horizontalAdvance(_number(top)) + 8
    plot = rect.adjusted(left, metrics.height() / 2,
                         -metrics.horizontalAdvance(x_labels[-1][1]) / 2 - 2,
                         -metrics.height() - 6)

    def at(minute: float, viewers: float) -> QPointF:
        return QPointF(plot.left() + plot.width() * minute / last,
                       plot.bottom() - plot.height() * viewers / top)

    # Whole-viewer steps: 5 for a top of 5, 10, 25..., fewer for a top of 1 or 2.
    ticks = 5 if top % 5 == 0 else 4 if top % 4 == 0 else int(top)
    for i in range(ticks + 1):
        value = top * i / ticks
        y = at(0, value).y()
        painter.setPen(QPen(colors.grid, 1))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(colors.muted)
        painter.drawText(QRectF(rect.left(), y - metrics.height() / 2, left - 6, metrics.height()),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         _number(value))
    for minute, label in x_labels:
        width = metrics.horizontalAdvance(label)
        x = at(minute, 0).x()
        painter.drawText(QRectF(x - width / 2, plot.bottom() + 4, width, metrics.height()),
                         Qt.AlignmentFlag.AlignCenter, label)
    line = QPainterPath(at(*points[0]))
    for minute, viewers in points[1:]:
        line.lineTo(at(minute, viewers))
    area = QPainterPath(line)
    area.lineTo(at(points[-1][0], 0))
    area.lineTo(at(points[0][0], 0))
    area.closeSubpath()
    painter.fillPath(area, colors.fill)
    painter.setPen(QPen(colors.line, 2))
    painter.drawPath(line)
    if len(points) == 1:  # one minute of data: a dot, not an invisible line
        painter.setBrush(colors.line)
        painter.drawEllipse(at(*points[0]), 3, 3)
    painter.restore()


def paint_sales(painter: QPainter, rect: QRectF, bars: tuple[tuple[str, int, Decimal], ...],
                colors: ChartColors) -> None:
    """Horizontal bars of revenue per product, labelled with the amount and the units."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    metrics = QFontMetricsF(painter.font())
    if not bars:
        painter.setPen(colors.muted)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, NO_SALES)
        painter.restore()
        return
    shown = bars[:MAX_BARS]
    rest = len(bars) - len(shown)
    rows = len(shown) + (1 if rest else 0)
    row_h = min(rect.height() / rows, metrics.height() * 2.2)
    name_w = min(max(metrics.horizontalAdvance(name) for name, _, _ in shown) + 10,
                 rect.width() * 0.32)
    labels = [f"{format_money(revenue)} · {counted(units, 'unit')}" for _, units, revenue in shown]
    label_w = max(metrics.horizontalAdvance(t) for t in labels) + 10
    most = max((revenue for _, _, revenue in shown), default=Decimal(0)) or Decimal(1)
    track = max(rect.width() - name_w - label_w, 10.0)
    for i, (name, _units, revenue) in enumerate(shown):
        y = rect.top() + i * row_h
        painter.setPen(colors.text)
        painter.drawText(QRectF(rect.left(), y, name_w - 8, row_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(name, Qt.TextElideMode.ElideRight, name_w - 8))
        width = max(track * float(revenue / most), 2.0)
        bar = QRectF(rect.left() + name_w, y + row_h * 0.2, width, row_h * 0.6)
        painter.fillRect(bar, colors.bar)
        painter.setPen(colors.muted)
        painter.drawText(QRectF(bar.right() + 6, y, label_w, row_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, labels[i])
    if rest:
        painter.setPen(colors.muted)
        painter.drawText(QRectF(rect.left(), rect.top() + len(shown) * row_h, rect.width(), row_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"and {counted(rest, 'more product')} (see the table)")
    painter.restore()


class _Chart(QWidget):
    """A titled chart area; subclasses paint their data into the rectangle under the title."""

    title = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(280, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(480, 220)

    def paint_into(self, painter: QPainter, rect: QRectF, colors: ChartColors) -> None:
        raise NotImplementedError

    def paint_titled(self, painter: QPainter, rect: QRectF, colors: ChartColors) -> None:
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.save()
        painter.setFont(bold)
        painter.setPen(colors.text)
        title_h = QFontMetricsF(bold).height() + 6
        painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), title_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, self.title)
        painter.restore()
        self.paint_into(painter, rect.adjusted(0, title_h, 0, 0), colors)

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        self.paint_titled(painter, QRectF(self.rect()).adjusted(4, 4, -8, -4), colors_of(self))
        painter.end()

    def image(self, size: QSize, scale: float = 2.0) -> QImage:
        """The chart in paper colours on white, `scale` times sharper than `size` (for print)."""
        image = QImage(size * scale, QImage.Format.Format_ARGB32)
        image.setDevicePixelRatio(scale)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setFont(self.font())
        self.paint_titled(painter, QRectF(0, 0, size.width(), size.height()), PAPER)
        painter.end()
        return image


class ViewersChart(_Chart):
    """Viewers over time: the most viewers watching in each minute of the show."""

    title = "Viewers over time"

    def __init__(self, report: ShowReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewers_chart")
        self.points = viewer_points(report)
        peak = max((c for _, c in self.points), default=0)
        self.setAccessibleName(self.title)
        self.setAccessibleDescription(
            f"{counted(len(self.points), 'minute')} of data, at most {peak:,} watching"
            if self.points else NO_VIEWERS)

    def paint_into(self, painter: QPainter, rect: QRectF, colors: ChartColors) -> None:
        paint_viewers(painter, rect, self.points, colors)


class SalesChart(_Chart):
    """Sales per product: revenue bars, best sellers first, with units sold."""

    title = "Sales per product"

    def __init__(self, report: ShowReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sales_chart")
        self.bars = product_bars(report)
        self.setAccessibleName(self.title)
        self.setAccessibleDescription(
            "; ".join(f"{name}: {format_money(revenue)}, {counted(units, 'unit')}"
                      for name, units, revenue in self.bars) or NO_SALES)

    def paint_into(self, painter: QPainter, rect: QRectF, colors: ChartColors) -> None:
        paint_sales(painter, rect, self.bars, colors)
