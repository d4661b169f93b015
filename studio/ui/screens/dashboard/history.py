"""Show history: the shows that went live, latest first; one click opens a show's report."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.core.earnings import by_show
from studio.core.models import ShowStatus
from studio.sync.dashboard_ops import DashboardData
from studio.ui.screens.dashboard.common import heading, selected_rows, table
from studio.ui.screens.dashboard.models import HistoryModel
from studio.ui.screens.dashboard.table_model import Column

REPORT = "Open report ›"


class HistoryView(QWidget):
    """Emits `report_requested(session id)`: a click on a show's "Open report" cell, a
    double click on its row, or the button."""

    report_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_history")
        self.model = HistoryModel(self)
        self.model.columns = (*self.model.columns, Column("Report", lambda s: REPORT if
                                                          s.status == ShowStatus.ENDED else ""))
        self.report_column = len(self.model.columns) - 1
        self.table = table(self.model, "history_table", stretch=0, min_chars=16,
                           samples={1: "2026-12-31", 2: "Cancelled"})
        self.button = QPushButton("Show report…")
        self.button.setObjectName("history_report")
        self.summary = QLabel()
        self.summary.setObjectName("history_summary")
        bar = QHBoxLayout()
        bar.addWidget(heading("Show history"))
        bar.addWidget(self.summary)
        bar.addStretch(1)
        bar.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.table.clicked.connect(self._clicked)
        self.table.doubleClicked.connect(lambda index: self._open(index.row()))
        self.button.clicked.connect(self._open_selected)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._buttons())
        self._buttons()

    def show_data(self, data: DashboardData) -> None:
        shows = [s for s in data.shows if s.actual_start is not None]
        shows.sort(key=lambda s: s.actual_start, reverse=True)  # type: ignore[arg-type, return-value]
        starts = {str(s.id): (s.title, s.actual_start) for s in shows}
        self.model.commission = {e.session_id: e.totals.commission
                                 for e in by_show(data.earnings, starts, data.units_of_item)
                                 if e.session_id is not None}
        self.model.now = data.now
        self.model.set_records(shows)
        self.summary.setText(f"{len(shows):,} shows")
        self._buttons()

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == self.report_column:
            self._open(index.row())

    def _open(self, row: int) -> None:
        show = self.model.record(row)
        if show.status == ShowStatus.ENDED:
            self.report_requested.emit(str(show.id))

    def _open_selected(self) -> None:
        rows = selected_rows(self.table)
        if rows:
            self._open(rows[0])

    def _buttons(self) -> None:
        rows = selected_rows(self.table)
        self.button.setEnabled(bool(rows) and
                               self.model.record(rows[0]).status == ShowStatus.ENDED)
