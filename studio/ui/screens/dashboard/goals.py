"""Goals: every goal with its progress and how past periods turned out; new, edit, delete; a
chart of progress per goal."""

from __future__ import annotations

from datetime import UTC, date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.core.goal_progress import GoalProgress
from studio.core.models import Goal
from studio.sync.dashboard_ops import DashboardData
from studio.ui.screens.dashboard.bar_chart import BarChart
from studio.ui.screens.dashboard.common import heading, selected_rows, table
from studio.ui.screens.dashboard.models import GoalsModel

SHOW_CHOICES = (("Current and upcoming", "current"), ("Past periods", "past"), ("All", "all"))


class GoalsView(QWidget):
    """Emits `new_requested`, `edit_requested(goal)` and `delete_requested(goal)`; the screen
    does the writing."""

    new_requested = Signal()
    edit_requested = Signal(object)
    delete_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_goals")
        self._all: list[GoalProgress] = []
        self._today = date.today()
        self.model = GoalsModel(self)
        self.table = table(self.model, "goals_table", stretch=0, min_chars=14)
        self.which = QComboBox()
        self.which.setObjectName("goals_filter")
        for words, key in SHOW_CHOICES:
            self.which.addItem(words, key)
        self.new_button = QPushButton("New goal…")
        self.new_button.setObjectName("goal_new")
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setObjectName("goal_edit")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("goal_delete")
        self.chart = BarChart("Progress per goal, % of target")
        self.chart.setObjectName("goals_chart")
        bar = QHBoxLayout()
        bar.addWidget(heading("Goals"))
        bar.addStretch(1)
        bar.addWidget(self.which)
        for button in (self.new_button, self.edit_button, self.delete_button):
            bar.addWidget(button)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self.new_button.clicked.connect(self.new_requested)
        self.edit_button.clicked.connect(self._edit)
        self.delete_button.clicked.connect(self._delete)
        self.table.doubleClicked.connect(lambda _index: self._edit())
        self.which.currentIndexChanged.connect(lambda _i: self._refill())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._buttons())
        self._buttons()

    def show_data(self, data: DashboardData) -> None:
        self._all = list(data.progress)
        self._today = data.now.astimezone(UTC).date()
        self._refill()

    def _refill(self) -> None:
        key = self.which.currentData()
        if key == "current":
            rows = [p for p in self._all if p.goal.period_end >= self._today]
        elif key == "past":  # each met or missed
            rows = [p for p in self._all if p.goal.period_end < self._today]
        else:
            rows = list(self._all)
        self.model.set_records(rows)
        self.chart.set_bars([(p.goal.title, float(p.percent))
                             for p in reversed(rows)], lambda v: f"{v:.0f}%")
        self._buttons()

    def selected_goal(self) -> Goal | None:
        rows = selected_rows(self.table)
        return self.model.record(rows[0]).goal if rows else None

    def _buttons(self) -> None:
        chosen = self.selected_goal() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def _edit(self) -> None:
        if (goal := self.selected_goal()) is not None:
            self.edit_requested.emit(goal)

    def _delete(self) -> None:
        if (goal := self.selected_goal()) is not None:
            self.delete_requested.emit(goal)

