"""The lineup queue: the show's products in order, the featured one marked (bold and ●), each
with its live price (or flash price and countdown), sold / allocated and sold-out mark."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

ID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One lineup product as the queue shows it."""

    id: str
    name: str
    price: str          # "$20.00", or "⚡ $16.00 (was $20.00) · 0:42"
    sold: int
    allocated: int
    featured: bool
    sold_out: bool
    status: str = "active"

    def text(self) -> str:
        mark = "● " if self.featured else "   "
        state = " · SOLD OUT" if self.sold_out else (
            "" if self.status == "active" else f" · {self.status.replace('_', ' ')}")
        suffix = " (featured)" if self.featured else ""
        return (f"{mark}{self.name}{suffix}\n    {self.price} · "
                f"{self.sold} / {self.allocated} sold{state}")


class LineupQueue(QListWidget):
    """Rows rebuilt from `set_rows`; the selection follows the product id across rebuilds.
    `activated_product(id)` on double-click (the screen features it)."""

    activated_product = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveLineupQueue")
        self.setAccessibleName("Lineup queue")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.rows: list[QueueRow] = []
        self.itemDoubleClicked.connect(
            lambda item: self.activated_product.emit(str(item.data(ID_ROLE))))

    def set_rows(self, rows: list[QueueRow]) -> None:
        selected = self.selected_id()
        if [r.id for r in rows] != [r.id for r in self.rows]:
            self.clear()
            for row in rows:
                item = QListWidgetItem()
                item.setData(ID_ROLE, row.id)
                self.addItem(item)
        self.rows = list(rows)
        for index, row in enumerate(rows):
            item = self.item(index)
            item.setText(row.text())
            font = item.font()
            font.setBold(row.featured)
            font.setStrikeOut(False)
            item.setFont(font)
            item.setToolTip(row.text().replace("\n   ", " —"))
        if selected is not None:
            self.select(selected)
        if self.currentRow() < 0 and rows:
            featured = next((i for i, r in enumerate(rows) if r.featured), 0)
            self.setCurrentRow(featured)

    def selected_id(self) -> str | None:
        item = self.currentItem()
        return None if item is None else str(item.data(ID_ROLE))

    def select(self, live_product_id: str) -> bool:
        for index in range(self.count()):
            if self.item(index).data(ID_ROLE) == live_product_id:
                self.setCurrentRow(index)
                return True
        return False

    def move_selection(self, step: int) -> None:
        """J / K: the next or previous row (stays at the ends)."""
        if self.count() == 0:
            return
        row = self.currentRow()
        target = 0 if row < 0 else min(max(row + step, 0), self.count() - 1)
        self.setCurrentRow(target)
        self.scrollToItem(self.item(target))

    def row_for(self, live_product_id: str | None) -> QueueRow | None:
        return next((r for r in self.rows if r.id == live_product_id), None)
