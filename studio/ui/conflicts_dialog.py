"""Conflicts with another device: a status-bar indicator and a dialog to re-apply or discard.

When another device changed a row first, the sync engine keeps this device's change as a
conflict and the other device's row wins in the cache. The indicator counts the open conflicts;
its dialog lists them field by field ("yours" against "on the server") and offers "Re-apply
mine" (sent again, against the server's current version) or "Keep theirs".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

NOUNS = {
    "live_products": "Lineup item",
    "live_stream_sessions": "Show",
    "influencer_goals": "Goal",
    "products": "Product",
    "influencer_notifications": "Notification",
    "live_stream_chat": "Chat message",
}


class ConflictSource(Protocol):
    """What the dialog needs from the sync engine."""

    async def conflicts(self) -> list[Any]: ...

    async def reapply_conflict(self, conflict_id: int) -> list[str]: ...

    async def discard_conflict(self, conflict_id: int) -> None: ...


def indicator_text(count: int) -> str:
    return f"⚠ {count} conflict{'s' if count != 1 else ''}"


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def conflict_rows(conflicts: list[Any]) -> list[tuple[int, str, str, str, str]]:
    """One line per changed field: (conflict id, what, field, yours, on the server)."""
    rows = []
    for conflict in conflicts:
        what = NOUNS.get(conflict.table, conflict.table)
        name = (conflict.theirs or {}).get("name") or (conflict.theirs or {}).get("title")
        label = f"{what} “{name}”" if name else what
        for change in conflict.fields():
            rows.append((conflict.id, label, change.column.replace("_", " "),
                         _shown(change.mine), _shown(change.theirs)))
    return rows


class ConflictsDialog(QDialog):
    """The open conflicts; the selected one is re-applied or discarded (with its batch)."""

    def __init__(
        self,
        source: ConflictSource,
        parent: QWidget | None = None,
        on_changed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changed on another device")
        self.source = source
        self._source = source
        self._on_changed = on_changed
        self._ids: list[int] = []
        self._tasks: set[asyncio.Future[Any]] = set()
        intro = QLabel("These changes of yours lost to newer changes made on another device. "
                       "Re-apply yours on top, or keep what the other device saved.")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["Item", "Field", "Yours", "On the server"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.message = QLabel()
        self.reapply_button = QPushButton("Re-apply mine")
        self.discard_button = QPushButton("Keep theirs")
        self.reapply_button.clicked.connect(lambda: self._decide(reapply=True))
        self.discard_button.clicked.connect(lambda: self._decide(reapply=False))
        actions = QHBoxLayout()
        actions.addWidget(self.reapply_button)
        actions.addWidget(self.discard_button)
        actions.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(actions)
        layout.addWidget(close)
        self.resize(640, 320)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def show_conflicts(self, conflicts: list[Any]) -> None:
        rows = conflict_rows(conflicts)
        self._ids = [row[0] for row in rows]
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row[1:]):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        if rows:
            self.table.selectRow(0)
        self.message.setText("" if rows else "No conflicts left.")
        self._update_buttons()

    async def reload(self) -> None:
        self.show_conflicts(await self._source.conflicts())

    @property
    def conflict_ids(self) -> list[int]:
        """The conflict of each listed line (a conflict lists one line per field)."""
        return list(self._ids)

    def selected_conflict(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self._ids[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        chosen = self.selected_conflict() is not None
        self.reapply_button.setEnabled(chosen)
        self.discard_button.setEnabled(chosen)

    def _decide(self, *, reapply: bool) -> None:
        conflict_id = self.selected_conflict()
        if conflict_id is None:
            return
        task = asyncio.ensure_future(self.decide(conflict_id, reapply=reapply))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def decide(self, conflict_id: int, *, reapply: bool) -> None:
        try:
            if reapply:
                await self._source.reapply_conflict(conflict_id)
            else:
                await self._source.discard_conflict(conflict_id)
        except Exception as exc:  # nothing was stored: say why, keep the conflict listed
            log.warning("could not decide conflict %s: %s", conflict_id, exc)
            self.message.setText(f"Could not do that: {exc}")
            return
        await self.reload()
        if self._on_changed is not None:
            self._on_changed()


class ConflictIndicator(QPushButton):
    """A flat status-bar button, shown while conflicts are open; it opens the dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictIndicator")
        self.setFlat(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Changes that lost to another device's newer changes")
        self._source: ConflictSource | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self.dialog: ConflictsDialog | None = None
        self.count = 0
        self._listening = False
        self.clicked.connect(self.open_dialog)
        self.hide()

    def attach(self, source: ConflictSource | None, conflict_signal: Any = None) -> None:
        """Follow `source` (an engine), refreshed whenever `conflict_signal` fires."""
        if source is not None and not callable(getattr(source, "conflicts", None)):
            source = None  # an engine that keeps no conflicts (a stand-in)
        self._source = source
        if conflict_signal is not None and not self._listening:
            conflict_signal.connect(lambda *_args: self.refresh())
            self._listening = True
        self.set_count(0)
        if source is not None:
            self.refresh()

    def set_count(self, count: int) -> None:
        self.count = count
        self.setText(indicator_text(count))
        self.setVisible(count > 0)

    def refresh(self) -> None:
        if self._source is None:
            return
        task = asyncio.ensure_future(self.reload())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def reload(self) -> None:
        source = self._source
        if source is None:
            return
        conflicts = await source.conflicts()
        if source is self._source:
            self.set_count(len(conflicts))
            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.show_conflicts(conflicts)

    def open_dialog(self) -> ConflictsDialog | None:
        if self._source is None:
            return None
        if self.dialog is None or self.dialog.source is not self._source:
            self.dialog = ConflictsDialog(self._source, self.window(), self.refresh)
            self.dialog.finished.connect(lambda _result: self.refresh())
        self.dialog.show()
        task = asyncio.ensure_future(self._fill_dialog(self.dialog))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return self.dialog

    async def _fill_dialog(self, dialog: ConflictsDialog) -> None:
        await dialog.reload()
        self.set_count(len(set(dialog.conflict_ids)))
