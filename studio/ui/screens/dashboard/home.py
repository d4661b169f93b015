"""Home: the next shows, this month's numbers, current goals as progress bars, latest news."""

from __future__ import annotations

from datetime import UTC

from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from studio.core.earnings import bucket_start, totals
from studio.core.goal_progress import current_goals
from studio.core.models import ShowStatus
from studio.core.relative_time import relative_time
from studio.sync.dashboard_ops import DashboardData
from studio.ui.screens.dashboard.common import heading
from studio.ui.screens.dashboard.format import count_text, goal_value_text, money_text
from studio.ui.widgets.stat_tile import StatTile

UPCOMING_SHOWN = 4
NEWS_SHOWN = 5
GOALS_SHOWN = 5


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()


def _line(text: str, name: str = "", tooltip: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setToolTip(tooltip)
    if name:
        label.setObjectName(name)
    return label


class HomeView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_home")
        self.tiles = {key: StatTile(caption) for key, caption in (
            ("sales", "Sales this month"), ("commission", "Commission this month"),
            ("orders", "Orders this month"), ("available", "Available to pay out"),
            ("shows", "Shows this month"))}
        tiles = QHBoxLayout()
        for key, tile in self.tiles.items():
            tile.setObjectName(f"tile_{key}")
            tiles.addWidget(tile)
        self.upcoming = QVBoxLayout()
        self.goals = QVBoxLayout()
        self.news = QVBoxLayout()
        grid = QGridLayout()
        for column, (title, box) in enumerate((("Next shows", self.upcoming),
                                                ("Goals this period", self.goals),
                                                ("Latest notifications", self.news))):
            frame = QFrame()
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            inner = QVBoxLayout(frame)
            inner.addWidget(heading(title))
            inner.addLayout(box)
            inner.addStretch(1)
            grid.addWidget(frame, 0, column)
            grid.setColumnStretch(column, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(tiles)
        layout.addLayout(grid, 1)
        self.goal_bars: list[QProgressBar] = []

    def show_data(self, data: DashboardData) -> None:
        now = data.now
        month = bucket_start("month", now)
        this_month = totals(e for e in data.earnings if bucket_start("month", e.earned_at) == month)
        every = totals(data.earnings)
        shows_this_month = [s for s in data.shows if s.actual_start is not None
                            and bucket_start("month", s.actual_start) == month]
        self.tiles["sales"].set_value(money_text(this_month.gross_sales))
        self.tiles["commission"].set_value(money_text(this_month.commission),
                                           f"Pending {money_text(this_month.pending)}")
        self.tiles["orders"].set_value(count_text(this_month.order_count))
        self.tiles["available"].set_value(money_text(every.available),
                                          f"Pending {money_text(every.pending)}")
        self.tiles["shows"].set_value(count_text(len(shows_this_month)))

        _clear(self.upcoming)
        upcoming = sorted((s for s in data.shows if s.status in (ShowStatus.SCHEDULED,
                                                                ShowStatus.LIVE)
                           and (s.status == ShowStatus.LIVE or s.scheduled_start >= now)),
                          key=lambda s: s.scheduled_start)[:UPCOMING_SHOWN]
        for show in upcoming:
            when = "live now" if show.status == ShowStatus.LIVE else relative_time(
                show.scheduled_start, now)
            self.upcoming.addWidget(_line(
                f"{show.title} — {when}", "upcoming_show",
                show.scheduled_start.astimezone().strftime("%Y-%m-%d %H:%M")))
        if not upcoming:
            self.upcoming.addWidget(_line("No show planned. Plan one in Shows.", "no_upcoming"))

        _clear(self.goals)
        self.goal_bars = []
        current = current_goals(data.progress, now.astimezone(UTC).date())[:GOALS_SHOWN]
        for progress in current:
            goal = progress.goal
            self.goals.addWidget(_line(
                f"{goal.title}: {goal_value_text(goal.goal_type, progress.current)} of "
                f"{goal_value_text(goal.goal_type, goal.target_value)}"))
            bar = QProgressBar()
            bar.setObjectName("goal_bar")
            bar.setRange(0, 100)
            bar.setValue(progress.bar_percent)
            bar.setFormat(f"{progress.percent}%")
            self.goals.addWidget(bar)
            self.goal_bars.append(bar)
        if not current:
            self.goals.addWidget(_line("No goal for this period. Set one in Goals.", "no_goals"))

        _clear(self.news)
        for note in data.notifications[:NEWS_SHOWN]:
            mark = "" if note.is_read else "● "
            self.news.addWidget(_line(f"{mark}{note.title} · {relative_time(note.created_at, now)}",
                                      "news_item", note.body or ""))
        if not data.notifications:
            self.news.addWidget(_line("Nothing new.", "no_news"))
