"""Notifications: the inbox, newest first, unread in bold; filter by type; mark read."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.core.models import Notification
from studio.sync.dashboard_ops import DashboardData
from studio.ui.screens.dashboard.common import heading, selected_rows, table
from studio.ui.screens.dashboard.models import TYPE_WORDS, NotificationsModel


class NotificationsView(QWidget):
    """Emits `mark_read(list of notifications)`; the screen writes the read state."""

    mark_read = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_notifications")
        self._all: list[Notification] = []
        self.model = NotificationsModel(self)
        self.table = table(self.model, "notifications_table", stretch=3, min_chars=20,
                           samples={1: "59 min ago", 2: "Goal reached"})
        self.type_filter = QComboBox()
        self.type_filter.setObjectName("notifications_filter")
        self.type_filter.addItem("All types", "")
        for key, words in TYPE_WORDS.items():
            self.type_filter.addItem(words, key)
        self.unread_label = QLabel()
        self.unread_label.setObjectName("unread_count")
        self.read_button = QPushButton("Mark read")
        self.read_button.setObjectName("mark_read")
        self.all_read_button = QPushButton("Mark all read")
        self.all_read_button.setObjectName("mark_all_read")
        self.body = QLabel()
        self.body.setObjectName("notification_body")
        self.body.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(heading("Notifications"))
        bar.addWidget(self.unread_label)
        bar.addStretch(1)
        bar.addWidget(self.type_filter)
        bar.addWidget(self.read_button)
        bar.addWidget(self.all_read_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.body)
        self.type_filter.currentIndexChanged.connect(lambda _i: self._refill())
        self.read_button.clicked.connect(self._mark_selected)
        self.all_read_button.clicked.connect(
            lambda: self.mark_read.emit([n for n in self.model.records if not n.is_read]))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.table.doubleClicked.connect(lambda _index: self._mark_selected())

    def show_data(self, data: DashboardData) -> None:
        self.model.now = data.now
        self._all = list(data.notifications)
        self.unread_label.setText(f"{data.unread:,} unread" if data.unread else "All read")
        self._refill()

    def _refill(self) -> None:
        chosen = {str(self.model.record(r).id) for r in selected_rows(self.table)}
        kind = self.type_filter.currentData()
        self.model.set_records([n for n in self._all if not kind or str(n.type) == kind])
        for row, note in enumerate(self.model.records):
            if str(note.id) in chosen:
                self.table.selectRow(row)
        self._selected()

    def selected(self) -> list[Notification]:
        return [self.model.record(r) for r in selected_rows(self.table)]

    def _selected(self) -> None:
        picked = self.selected()
        self.read_button.setEnabled(any(not n.is_read for n in picked))
        self.all_read_button.setEnabled(any(not n.is_read for n in self.model.records))
        self.body.setText(picked[0].body or "" if len(picked) == 1 else "")

    def _mark_selected(self) -> None:
        unread = [n for n in self.selected() if not n.is_read]
        if unread:
            self.mark_read.emit(unread)
