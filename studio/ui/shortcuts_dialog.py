"""The keyboard shortcuts overview: every registered command with its keys, filterable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.ui.actions import ActionRegistry

COLUMNS = ("Command", "Shortcut", "What it does")


def shortcut_text(registry: ActionRegistry, action_id: str) -> str:
    """The keys of one command as the platform writes them ("Ctrl+K"; several: "F1 or Ctrl+/")."""
    keys = registry.action(action_id).shortcuts()
    texts = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys if not k.isEmpty()]
    return " or ".join(texts)


class ShortcutsDialog(QDialog):
    """Lists `registry.specs()` (as registered right now) in a table with a filter box."""

    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsDialog")
        self.resize(760, 560)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter commands…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for spec in registry.specs():
            row = self.table.rowCount()
            self.table.insertRow(row)
            label = spec.text.replace("&", "")
            for column, text in enumerate(
                (label, shortcut_text(registry, spec.action_id), spec.tip)
            ):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, spec.action_id)
                self.table.setItem(row, column, item)
        self.table.sortItems(0)
        self.empty_label = QLabel("No command matches the filter.")
        self.empty_label.setObjectName("emptyStateText")
        self.empty_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table)
        layout.addWidget(self.empty_label)
        layout.addWidget(buttons)
        self.filter_edit.setFocus()

    def rows(self) -> list[tuple[str, str, str]]:
        """The visible rows as (command, shortcut, description)."""
        return [
            tuple(self.table.item(r, c).text() for c in range(len(COLUMNS)))  # type: ignore[misc]
            for r in range(self.table.rowCount())
            if not self.table.isRowHidden(r)
        ]

    def action_ids(self) -> list[str]:
        return [
            self.table.item(r, 0).data(Qt.ItemDataRole.UserRole)
            for r in range(self.table.rowCount())
        ]

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        shown = 0
        for r in range(self.table.rowCount()):
            haystack = " ".join(self.table.item(r, c).text() for c in range(len(COLUMNS)))
            hidden = bool(needle) and needle not in haystack.lower()
            self.table.setRowHidden(r, hidden)
            shown += not hidden
        self.empty_label.setVisible(shown == 0)
