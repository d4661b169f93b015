"""Achievements: every badge with its progress and, once unlocked, when."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from studio.sync.dashboard_ops import DashboardData
from studio.ui.screens.dashboard.common import heading, table
from studio.ui.screens.dashboard.models import AchievementsModel


class AchievementsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_achievements")
        self.model = AchievementsModel(self)
        self.table = table(self.model, "achievements_table", stretch=1, min_chars=16,
                           samples={0: "☆ A hundred units", 4: "2026-12-31"})
        self.summary = QLabel()
        self.summary.setObjectName("achievements_summary")
        bar = QHBoxLayout()
        bar.addWidget(heading("Achievements"))
        bar.addStretch(1)
        bar.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

    def show_data(self, data: DashboardData) -> None:
        self.model.now = data.now
        self.model.set_records(data.achievements)
        unlocked = sum(1 for a in data.achievements if a.unlocked_at is not None)
        self.summary.setText(f"{unlocked} of {len(data.achievements)} unlocked")
