"""The show report in words and figures, and its export to CSV and PDF files.

Exports never leave a half-written file: each is written to a temporary file beside the target
and renamed over it only once complete, so a failure leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter

from studio.core.money import UNKNOWN, format_money, format_percent
from studio.core.wording import counted
from studio.session.show_report import ShowReport, report_csv
from studio.ui.screens.live.report_charts import SalesChart, ViewersChart

#: (key, label) of the figures, in the order the dialog and the PDF show them.
FIGURES: tuple[tuple[str, str], ...] = (
    ("duration", "Duration"), ("peak_viewers", "Peak viewers"),
    ("unique_viewers", "Unique viewers"), ("revenue", "Revenue"), ("units", "Units sold"),
    ("orders", "Orders"), ("buyers", "Buyers"), ("conversion", "Conversion"),
    ("chat", "Chat messages"), ("flash_uplift", "Flash-sale uplift"),
)
PDF_DPI = 96  # painter units are screen pixels, so the charts keep their on-screen proportions


def format_duration(span: timedelta) -> str:
    """``1 h 04 min``, ``12 min 05 s``, ``45 s``."""
    seconds = max(int(span.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def format_ratio(ratio: Decimal | None) -> str:
    """A speed-up factor: ``3.25×``; None gives the unknown mark."""
    return UNKNOWN if ratio is None else f"{ratio.quantize(Decimal('0.01')):,}×"


def figures(report: ShowReport) -> dict[str, str]:
    """Display text of each figure (keys of FIGURES)."""
    conversion = None if report.conversion is None else report.conversion * 100
    chat = f"{report.chat_messages:,}"
    if report.hidden_messages:
        chat += f" ({report.hidden_messages:,} hidden)"
    return {
        "duration": format_duration(report.duration),
        "peak_viewers": f"{report.peak_viewers:,}",
        "unique_viewers": f"{report.unique_viewers:,}",
        "revenue": format_money(report.revenue),
        "units": f"{report.units:,}",
        "orders": f"{report.orders:,}",
        "buyers": UNKNOWN if report.buyers is None else f"{report.buyers:,}",
        "conversion": format_percent(conversion),
        "chat": chat,
        "flash_uplift": format_ratio(report.flash_uplift),
    }


def summary_words(report: ShowReport) -> str:
    """The report as a few sentences for the host."""
    f = figures(report)
    parts = [f"The rehearsal ran {f['duration']}." if report.rehearsal
             else f"The show ran {f['duration']}."]
    if report.unique_viewers:
        parts.append(f"{counted(report.unique_viewers, 'viewer')} watched, at most "
                     f"{report.peak_viewers:,} at once.")
    else:
        parts.append("Nobody watched.")
    if report.orders:
        parts.append(f"{counted(report.orders, 'order')} brought {f['revenue']} for "
                     f"{counted(report.units, 'unit')}.")
    else:
        parts.append("Nothing was sold.")
    if report.conversion is not None:
        parts.append(f"{f['conversion']} of viewers bought.")
    parts.append(f"Chat: {counted(report.chat_messages, 'message')}"
                 + (f", {report.hidden_messages:,} hidden." if report.hidden_messages else "."))
    parts.append(uplift_words(report))
    return " ".join(parts)


def uplift_words(report: ShowReport) -> str:
    if report.flash_uplift is not None:
        return (f"During flash sales, units sold {format_ratio(report.flash_uplift)} as fast as "
                "at regular prices.")
    if report.flash_minutes == 0:
        return "No flash sale ran."
    if report.flash_units and not report.regular_units:
        return "Every unit sold at a flash price: no regular-price sales to compare with."
    return "Flash-sale uplift: nothing to compare (no sales at regular prices)."


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(temporary)` with a new file beside `path`, then rename it to `path`.
    On any failure the temporary file is removed and `path` is left as it was."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; an export is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return path


def export_csv(report: ShowReport, path: Path) -> Path:
    """The report's CSV (UTF-8 with a BOM, as spreadsheet apps expect), written atomically."""
    data = report_csv(report).encode("utf-8-sig")
    return write_atomically(path, lambda temporary: temporary.write_bytes(data))


def export_pdf(report: ShowReport, path: Path, charts: Sequence[ViewersChart | SalesChart],
               font: QFont | None = None) -> Path:
    """The report as an A4 PDF: title, words, figures and top products on page one, the
    charts (as images, in paper colours) on page two. Written atomically."""
    return write_atomically(path, lambda temporary: _paint_pdf(report, temporary, charts, font))


def _paint_pdf(report: ShowReport, path: Path, charts: Sequence[ViewersChart | SalesChart],
               font: QFont | None) -> None:
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setTitle(f"{report.kind} — {report.title}")
    writer.setCreator("ShopStream Studio")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write a PDF to {path.name}")
    try:
        page = QRectF(writer.pageLayout().paintRectPixels(PDF_DPI))
        page.moveTo(0, 0)
        base = QFont(font) if font is not None else QFont()
        base.setPointSizeF(10)
        painter.setFont(base)
        _paint_summary_pages(painter, writer, page, report, base)
        writer.newPage()
        y = 0.0
        height = min((page.height() - 24) / max(len(charts), 1), page.height() * 0.4)
        for chart in charts:
            image = chart.image(QSize(int(page.width()), int(height - 12)))
            painter.drawImage(QRectF(0, y, page.width(), height - 12), image)
            y += height
    finally:
        painter.end()
    if path.stat().st_size == 0:
        raise OSError(f"the PDF writer produced nothing for {path.name}")


def _paint_summary_pages(painter: QPainter, writer: QPdfWriter, page: QRectF,
                         report: ShowReport, base: QFont) -> None:
    """Title, period, words and figures, then every product sold (over more pages if need be,
    the table's header repeated on each)."""
    title_font = QFont(base)
    title_font.setPointSizeF(18)
    title_font.setBold(True)
    bold = QFont(base)
    bold.setBold(True)
    line = QFontMetricsF(base).height() * 1.35
    painter.setFont(title_font)
    title = f"{report.kind} — {report.title or 'Untitled show'}"
    wrap = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
    title_box = painter.boundingRect(QRectF(0, 0, page.width(), page.height() / 4), wrap, title)
    painter.drawText(title_box, wrap, title)
    y = title_box.height() + QFontMetricsF(title_font).height() * 0.4
    painter.setFont(base)
    when = report_period(report)
    painter.drawText(QRectF(0, y, page.width(), line), Qt.AlignmentFlag.AlignLeft, when)
    y += line * 1.5
    words = QRectF(0, y, page.width(), line * 6)
    bounds = painter.boundingRect(words, Qt.TextFlag.TextWordWrap, summary_words(report))
    painter.drawText(words, Qt.TextFlag.TextWordWrap, summary_words(report))
    y += bounds.height() + line
    values = figures(report)
    for key, label in FIGURES:
        painter.setFont(bold)
        painter.drawText(QRectF(0, y, page.width() * 0.4, line), Qt.AlignmentFlag.AlignLeft,
                         label)
        painter.setFont(base)
        painter.drawText(QRectF(page.width() * 0.4, y, page.width() * 0.6, line),
                         Qt.AlignmentFlag.AlignLeft, values[key])
        y += line
    y += line
    painter.setFont(bold)
    painter.drawText(QRectF(0, y, page.width(), line), Qt.AlignmentFlag.AlignLeft,
                     "Products sold")
    y += line
    # (header, left edge, width) as fractions of the page width
    columns = (("Product", 0.0, 0.55, Qt.AlignmentFlag.AlignLeft),
               ("Units", 0.55, 0.2, Qt.AlignmentFlag.AlignRight),
               ("Revenue", 0.75, 0.25, Qt.AlignmentFlag.AlignRight))
    rows = [(p.name, f"{p.units:,}", format_money(p.revenue))
            for p in report.top_products(len(report.products))]
    header = tuple(c[0] for c in columns)
    metrics = QFontMetricsF(base)
    for index, cells in enumerate([header, *rows]):
        if y + line > page.height():  # next page, under the header again
            writer.newPage()
            y = 0.0
            if index > 0:
                _paint_row(painter, page, y, columns, header, bold, metrics)
                y += line
        _paint_row(painter, page, y, columns, cells, bold if index == 0 else base, metrics)
        y += line


def _paint_row(painter: QPainter, page: QRectF, y: float,
               columns: tuple[tuple[str, float, float, Qt.AlignmentFlag], ...],
               cells: tuple[str, ...], font: QFont, metrics: QFontMetricsF) -> None:
    painter.setFont(font)
    line = metrics.height() * 1.35
    for (_, left, width, align), text in zip(columns, cells, strict=True):
        cell = QRectF(page.width() * left, y, page.width() * width - 8, line)
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, cell.width())
        painter.drawText(cell, align | Qt.AlignmentFlag.AlignVCenter, shown)


def report_period(report: ShowReport) -> str:
    """When the show ran, in local time: ``3 Dec 2026, 20:00–21:04 CET``."""
    if report.started_at is None:
        return "The show never went live."
    start = report.started_at.astimezone()
    text = f"{start.day} {start:%b %Y, %H:%M}"
    if report.ended_at is None:
        return f"{text} {start:%Z}, not ended yet"
    end = report.ended_at.astimezone()
    if end.date() == start.date():
        return f"{text}–{end:%H:%M} {end:%Z}"
    return f"{text} – {end.day} {end:%b %Y, %H:%M} {end:%Z}"
