"""The end-of-show report dialog (figures, words, top products, charts, CSV / PDF export), and
`open_show_report` to build and open it for an ended show after the fact."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.money import format_money, format_percent
from studio.session.ports import ShowServer
from studio.session.show_report import ShowReport, build_report
from studio.ui.context import ScreenContext
from studio.ui.screens.live.report_charts import SalesChart, ViewersChart
from studio.ui.screens.live.report_export import (
    FIGURES,
    export_csv,
    export_pdf,
    figures,
    report_period,
    summary_words,
)

log = logging.getLogger(__name__)
PRODUCT_COLUMNS = ("#", "Product", "Units", "Revenue", "Share")
NOT_ENDED = "The report is ready once the show has ended (this show is {status})."
NO_SERVER = "The report is built from the server's records: connect to the server and try again."


class ShowReportDialog(QDialog):
    """A show's report. Export CSV… (Ctrl+S) and Export PDF… (Ctrl+P) ask where to save;
    the outcome, or why nothing was written, shows beside the buttons. Esc closes."""

    def __init__(self, report: ShowReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setObjectName("show_report_dialog")
        self.setWindowTitle(f"{report.kind} — {report.title or 'Untitled show'}")
        self.setSizeGripEnabled(True)

        mark = "◐ Rehearsal — " if report.rehearsal else ""
        heading = QLabel(f"{mark}{report.title or 'Untitled show'}")
        heading.setObjectName("report_title")
        heading.setStyleSheet("font-weight: 600; font-size: 18px;")
        heading.setWordWrap(True)
        period = QLabel(report_period(report))
        self.words = QLabel(summary_words(report))
        self.words.setObjectName("report_words")
        self.words.setWordWrap(True)
        self.words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.figures: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        values = figures(report)
        per_row = 5
        for index, (key, label) in enumerate(FIGURES):
            name = QLabel(label)
            value = QLabel(values[key])
            value.setObjectName(f"figure_{key}")
            value.setStyleSheet("font-size: 16px; font-weight: 600;")
            value.setAccessibleName(label)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row, column = divmod(index, per_row)
            grid.addWidget(name, row * 2, column)
            grid.addWidget(value, row * 2 + 1, column)

        self.products = self._products_table(report)
        self.viewers_chart = ViewersChart(report)
        self.sales_chart = SalesChart(report)
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.viewers_chart)
        charts.addWidget(self.sales_chart)
        charts.setChildrenCollapsible(False)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        top_label = QLabel("Top products")
        top_label.setStyleSheet("font-weight: 600;")
        table_layout.addWidget(top_label)
        table_layout.addWidget(self.products, 1)
        middle = QSplitter(Qt.Orientation.Horizontal)
        middle.addWidget(table_box)
        middle.addWidget(charts)
        middle.setChildrenCollapsible(False)
        middle.setStretchFactor(0, 2)
        middle.setStretchFactor(1, 3)

        self.status = QLabel()
        self.status.setObjectName("export_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setObjectName("export_csv")
        self.csv_button.setToolTip("Save the report as a spreadsheet (Ctrl+S)")
        self.pdf_button = QPushButton("Export PDF…")
        self.pdf_button.setObjectName("export_pdf")
        self.pdf_button.setToolTip("Save the report with its charts as a PDF (Ctrl+P)")
        close = QPushButton("Close")
        close.setToolTip("Close the report (Esc)")
        for button in (self.csv_button, self.pdf_button):
            button.setAutoDefault(False)  # Enter closes; it never opens a save dialog
        close.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(period)
        layout.addWidget(self.words)
        layout.addLayout(grid)
        layout.addWidget(middle, 1)
        layout.addLayout(buttons)

        self.csv_button.clicked.connect(self.choose_csv)
        self.pdf_button.clicked.connect(self.choose_pdf)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.choose_csv)
        QShortcut(QKeySequence.StandardKey.Print, self, self.choose_pdf)
        self.resize(1100, 700)

    # ------------------------------------------------------------------ content
    def _products_table(self, report: ShowReport) -> QTableWidget:
        ranked = report.top_products(len(report.products))
        table = QTableWidget(len(ranked), len(PRODUCT_COLUMNS))
        table.setObjectName("top_products")
        table.setHorizontalHeaderLabels(PRODUCT_COLUMNS)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, product in enumerate(ranked):
            share = None if not report.revenue else product.revenue / report.revenue * 100
            cells = (str(row + 1), product.name or "Unnamed product", f"{product.units:,}",
                     format_money(product.revenue), format_percent(share))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column != 1:
                    item.setTextAlignment(right)
                table.setItem(row, column, item)
        header = table.horizontalHeader()
        for column in range(len(PRODUCT_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.setMinimumWidth(320)
        if not ranked:
            table.setToolTip("Nothing was sold in this show")
        return table

    # ------------------------------------------------------------------ export
    def choose_csv(self) -> None:
        path = self._ask("Export the report as CSV", "csv", "CSV files (*.csv)")
        if path is not None:
            self.export_csv(path)

    def choose_pdf(self) -> None:
        path = self._ask("Export the report as PDF", "pdf", "PDF files (*.pdf)")
        if path is not None:
            self.export_pdf(path)

    def _ask(self, caption: str, suffix: str, filters: str) -> Path | None:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        name = f"{_slug(self.report.title) or 'show'}-report.{suffix}"
        chosen, _ = QFileDialog.getSaveFileName(self, caption, str(Path(folder) / name), filters)
        if not chosen:
            return None  # cancelled: nothing to do, nothing to say
        path = Path(chosen)
        return path if path.suffix.lower() == f".{suffix}" else path.with_name(
            f"{path.name}.{suffix}")

    def export_csv(self, path: Path) -> bool:
        """Write the CSV to `path`; True when saved. The outcome shows in the status line."""
        return self._export("CSV", path, lambda: export_csv(self.report, path))

    def export_pdf(self, path: Path) -> bool:
        """Write the PDF (charts included) to `path`; True when saved."""
        return self._export("PDF", path, lambda: export_pdf(
            self.report, path, (self.viewers_chart, self.sales_chart), self.font()))

    def _export(self, kind: str, path: Path, write: Callable[[], Path]) -> bool:
        self._say(f"Saving the {kind} to {path.name}…", error=False)
        self.csv_button.setEnabled(False)
        self.pdf_button.setEnabled(False)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            write()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            log.warning("Report export to %s failed: %s", path, reason)
            self._say(f"Could not save the {kind} to {path}: {reason}. Nothing was written; "
                      "choose another folder.", error=True)
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
            self.csv_button.setEnabled(True)
            self.pdf_button.setEnabled(True)
        self._say(f"✓ Saved the {kind} to {path}", error=False)
        return True

    def _say(self, text: str, *, error: bool) -> None:
        self.status.setText(f"⚠ {text}" if error else text)
        self.status.setProperty("error", error)
        self.status.setStyleSheet("color: #c62828; font-weight: 600;" if error else "")
        self.status.repaint()  # visible before a long write starts


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]


# ---------------------------------------------------------------------- after the fact
async def build_show_report(ctx: ScreenContext, session_id: str,
                            server: ShowServer | None = None) -> ShowReport:
    """The report of an ended show, from the server's rows (`server`, else the context's).

    Always the server's: the cache keeps viewers and chat for recent shows only, and not who
    each viewer was, so a report from it would undercount and miscount. Raises LookupError or
    ValueError with words for the host."""
    server = server or getattr(ctx, "show_server", None)
    if server is None:
        raise LookupError(NO_SERVER)
    show = await server.show_row(session_id)
    if show is None:
        raise LookupError("This show is not visible to you any more.")
    status = str(show.get("status") or "unknown")
    if status != "ended":
        raise ValueError(NOT_ENDED.format(status=status))
    # A local workspace's shows are rehearsals (ACCESS.md, "Rehearsals").
    return await build_report(server, session_id,
                              rehearsal=getattr(ctx, "workspace_kind", None) == "local")


async def open_show_report(ctx: ScreenContext, session_id: str, parent: QWidget | None = None,
                           *, server: ShowServer | None = None) -> ShowReportDialog | None:
    """Build an ended show's report and open its dialog (non-modal). When it cannot be built,
    say why in a message box and return None."""
    try:
        report = await build_show_report(ctx, session_id, server)
    except (LookupError, ValueError) as exc:
        _tell(parent, str(exc))
        return None
    except Exception as exc:  # the server's errors: the host may retry later
        log.warning("Could not build the report of show %s: %s", session_id, exc)
        _tell(parent, f"Could not build the report: {exc}")
        return None
    dialog = ShowReportDialog(report, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def _tell(parent: QWidget | None, message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "Show report", message,
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("report_unavailable")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
