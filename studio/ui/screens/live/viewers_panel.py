"""The control room's viewers panel: current, peak and unique viewers, and viewers over time."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from studio.ui.context import ScreenContext
from studio.ui.models.figures_feed import FiguresFeed
from studio.ui.models.live_figures import FiguresSnapshot
from studio.ui.widgets.line_chart import LineChart
from studio.ui.widgets.stat_tile import StatTile


class ViewersPanel(QWidget):
    """Follows one show; updates once per change batch (figures read off the UI thread)."""

    def __init__(self, ctx: ScreenContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.feed = FiguresFeed(ctx, self)
        self.current = StatTile("Watching now")
        self.peak = StatTile("Peak")
        self.unique = StatTile("Unique viewers")
        self.chart = LineChart("Viewers over time")
        self.status = QLabel()
        self.status.setWordWrap(True)
        tiles = QGridLayout()
        for column, tile in enumerate((self.current, self.peak, self.unique)):
            tiles.addWidget(tile, 0, column)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Viewers</b>"))
        layout.addLayout(tiles)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.status)
        self.feed.updated.connect(self.show_figures)
        self.feed.failed.connect(self.status.setText)
        self.show_figures(None)

    def follow(self, session_id: str | None) -> None:
        """Show `session_id`'s viewers (None: nothing)."""
        self.status.clear()
        self.feed.follow(session_id)
        if session_id is None:
            self.show_figures(None)

    def show_figures(self, figures: FiguresSnapshot | None) -> None:
        if figures is None:
            for tile in (self.current, self.peak, self.unique):
                tile.set_value("—")
            self.chart.set_series([])
            return
        self.current.set_value(f"{figures.current_viewers:,}")
        self.peak.set_value(f"{figures.peak_viewers:,}")
        self.unique.set_value(f"{figures.unique_viewers:,}",
                              "Distinct viewers who joined this show")
        self.chart.set_series(figures.viewer_series)
