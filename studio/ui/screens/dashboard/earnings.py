"""Earnings: commission totals by status, per order, per period (week / month / quarter) with a
chart, per show; CSV export of the order lines."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.earnings import by_period, by_show, earnings_csv, totals
from studio.sync.dashboard_ops import DashboardData
from studio.ui.screens.dashboard.bar_chart import BarChart
from studio.ui.screens.dashboard.common import heading, table
from studio.ui.screens.dashboard.format import money_text
from studio.ui.screens.dashboard.models import (
    EarningsModel,
    PeriodEarningsModel,
    ShowEarningsModel,
)
from studio.ui.screens.live.report_export import write_atomically
from studio.ui.widgets.stat_tile import StatTile

GRANULARITIES = (("By week", "week"), ("By month", "month"), ("By quarter", "quarter"))


class EarningsView(QWidget):
    """`export_requested` asks the screen for a file name; `export_to(path)` writes the CSV."""

    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_earnings")
        self._data: DashboardData | None = None
        self.tiles = {key: StatTile(caption) for key, caption in (
            ("commission", "Commission"), ("pending", "Pending"), ("available", "Available"),
            ("paid_out", "Paid"), ("reversed", "Reversed (refunds)"))}
        tiles = QHBoxLayout()
        for key, tile in self.tiles.items():
            tile.setObjectName(f"earnings_{key}")
            tiles.addWidget(tile)
        self.granularity = QComboBox()
        self.granularity.setObjectName("earnings_granularity")
        for words, key in GRANULARITIES:
            self.granularity.addItem(words, key)
        self.granularity.setCurrentIndex(1)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setObjectName("earnings_export")
        self.note = QLabel()
        self.note.setObjectName("earnings_note")
        self.note.setWordWrap(True)
        self.orders_model = EarningsModel(self)
        self.periods_model = PeriodEarningsModel(self)
        self.shows_model = ShowEarningsModel(self)
        self.orders_table = table(self.orders_model, "earnings_orders", stretch=2,
                                  samples={0: "2026-12-31", 6: "Reversed (refund)"})
        self.periods_table = table(self.periods_model, "earnings_periods", stretch=0,
                                   min_chars=10)
        self.shows_table = table(self.shows_model, "earnings_shows", stretch=0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("earnings_tabs")
        self.tabs.addTab(self.periods_table, "Per period")
        self.tabs.addTab(self.shows_table, "Per show")
        self.tabs.addTab(self.orders_table, "Per order")
        self.chart = BarChart("Commission")
        self.chart.setObjectName("earnings_chart")
        bar = QHBoxLayout()
        bar.addWidget(heading("Earnings"))
        bar.addStretch(1)
        bar.addWidget(self.granularity)
        bar.addWidget(self.export_button)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(tiles)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.note)
        self.granularity.currentIndexChanged.connect(lambda _i: self._refill_periods())
        self.export_button.clicked.connect(self.export_requested)

    def show_data(self, data: DashboardData) -> None:
        self._data = data
        total = totals(data.earnings)
        for key, tile in self.tiles.items():
            tile.set_value(money_text(getattr(total, key)))
        self.orders_model.now = data.now
        self.orders_model.show_titles = data.show_titles
        self.orders_model.set_records(data.earnings)
        shows = {str(s.id): (s.title, s.actual_start or s.scheduled_start) for s in data.shows}
        self.shows_model.set_records(by_show(data.earnings, shows, data.units_of_item))
        self.note.setText(
            f"{len(data.earnings):,} order lines over the last 12 months, kept on this computer "
            "(they work offline). Reversed commission comes from refunded or cancelled orders "
            "and is not counted in the totals.")
        self._refill_periods()

    def _refill_periods(self) -> None:
        if self._data is None:
            return
        granularity = self.granularity.currentData()
        rows = by_period(self._data.earnings, granularity)
        self.periods_model.set_records(list(reversed(rows)))
        label = {"week": "%d %b", "month": "%b %Y", "quarter": "%b %Y"}[granularity]
        self.chart.title = f"Commission {self.granularity.currentText().lower()}"
        self.chart.set_bars([(start.strftime(label), float(t.commission)) for start, t in rows],
                            lambda v: money_text(round(v, 2)))

    def export_to(self, path: Path) -> Path:
        """Write every cached order line's commission as CSV (atomically: a failed write
        leaves an existing file as it was)."""
        if self._data is None:
            raise ValueError("Nothing to export yet")
        text = earnings_csv(self._data.earnings, self._data.show_titles)
        return write_atomically(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))

