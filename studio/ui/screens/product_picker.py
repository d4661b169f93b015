"""A quick catalog picker for the lineup builder: type to search, Down / Shift+Down through the
results from the search box, Enter adds."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any
from uuid import UUID

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.money import format_money
from studio.core.wording import counted
from studio.sync.cache import CacheReader, cents_to_decimal
from studio.ui.context import ScreenContext

RESULT_LIMIT = 50
#: Keys typed in the search box that move through the results instead (Shift extends).
RESULT_KEYS = frozenset({Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown,
                         Qt.Key.Key_PageUp})
SEARCH_DELAY_MS = 120


def _first_matches(reader: CacheReader, query: str | None) -> tuple[list[dict[str, Any]], int]:
    """The first RESULT_LIMIT offerable products matching `query`, and how many match."""
    offerable = {"live_eligible": True, "status": "active"}
    rows = reader.search_products(query, **offerable, sort="relevance" if query else "name",
                                  limit=RESULT_LIMIT)
    total = len(rows) if len(rows) < RESULT_LIMIT else reader.count_products(query, **offerable)
    return rows, total


class ProductPicker(QDialog):
    """Search live-eligible active products; `picked` carries the chosen product ids."""

    picked = Signal(list)

    def __init__(
        self, ctx: ScreenContext, in_lineup: Collection[UUID], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add from catalog")
        self.setObjectName("product_picker")
        self.resize(560, 480)
        self._ctx = ctx
        self._in_lineup = {str(pid) for pid in in_lineup}
        self._generation = 0
        self._task: asyncio.Task[Any] | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the catalog: name, brand, tags…")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.status = QLabel()
        self.status.setStyleSheet("color: palette(placeholder-text);")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText("Add to lineup")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self._accept)
        self.search.installEventFilter(self)
        self.results.itemDoubleClicked.connect(lambda _item: self._accept())
        self.results.itemSelectionChanged.connect(self._update_button)
        self._update_button()
        self.run_search()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down / Up / Page keys in the search box move through the results, Shift extending
        the selection, while the typing stays in the box."""
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() in RESULT_KEYS
                and self.results.count()):
            forwarded = QKeyEvent(event.type(), event.key(), event.modifiers(), event.text())
            QApplication.sendEvent(self.results, forwarded)
            return True
        return super().eventFilter(watched, event)

    def run_search(self) -> None:
        self._task = asyncio.ensure_future(self.search_now())

    async def search_now(self) -> None:
        self._generation += 1
        generation, query = self._generation, self.search.text().strip() or None
        rows, total = await self._ctx.read(_first_matches, query)
        if generation != self._generation:
            return
        self.results.clear()
        for row in rows:
            retail = format_money(cents_to_decimal(row["retail_price_cents"]))
            text = f"{row['name']}  ·  {retail} retail  ·  {row['stock_quantity']} in stock"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, row["id"])
            if row["id"] in self._in_lineup:
                item.setText(text + "  (already in the lineup)")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.results.addItem(item)
        if total > len(rows):
            text = (f"Showing the first {len(rows)} of {counted(total, 'product')}: "
                    "type more to narrow the search")
        else:
            text = counted(len(rows), "product") if rows else "No matching products"
        self.status.setText(text)
        if self.results.count() and not self.results.selectedItems():
            for index in range(self.results.count()):
                if self.results.item(index).flags() & Qt.ItemFlag.ItemIsEnabled:
                    self.results.setCurrentRow(index)
                    break

    def _update_button(self) -> None:
        self.add_button.setEnabled(bool(self.results.selectedItems()))

    def _accept(self) -> None:
        ids = [item.data(Qt.ItemDataRole.UserRole) for item in self.results.selectedItems()]
        if ids:
            self.picked.emit(ids)
            self.accept()
