"""The lineup builder's widgets: the table (row selection, moves, catalog drops, columns fitted
to the width it gets), its cell editors, the message bar under it and the totals line."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from studio.core.lineup import Lineup, LineupError
from studio.core.margins import LineupMargin
from studio.core.money import format_money, format_percent
from studio.core.wording import counted
from studio.ui.models.lineup_model import (
    ALLOCATED,
    COMMISSION,
    COMPARE_AT,
    COST,
    EDITABLE,
    FIELD_LABELS,
    LIVE_PRICE,
    MARGIN,
    POSITION,
    PRODUCT,
    STOCK,
    LineupModel,
)
from studio.ui.screens.fitted_table import FittedTable

MESSAGE_STYLES = {
    "error": "color: palette(window-text); background: rgba(220, 53, 69, 0.18);",
    "warning": "color: palette(window-text); background: rgba(255, 193, 7, 0.22);",
    "info": "color: palette(window-text); background: rgba(13, 110, 253, 0.12);",
}
NO_ITEMS = "No items yet: add products from the catalog (Ctrl+Shift+A)."
COMMISSION_NOTE = (
    "Commission is rounded to the cent on each order line, as the server does, and the lines "
    "are summed: the total can differ by a few cents from the rate times the revenue. The "
    "preview counts each item's allocation as one line; earned so far is what the server has "
    "recorded for this show (refunds left out).")
Select = QItemSelectionModel.SelectionFlag
#: A typical value of each column: its width while there are no rows to measure.
COLUMN_SAMPLES = {
    POSITION: "99", LIVE_PRICE: "$999.99", COMPARE_AT: "$999.99", ALLOCATED: "999",
    STOCK: "9999", COST: "$999.99", MARGIN: "99.9%", COMMISSION: "$9,999.99",
}
#: The product column never gets narrower than this many average characters.
PRODUCT_MIN_CHARS = 22


class CellDelegate(QStyledItemDelegate):
    """Plain text editors for prices and quantities; the model parses and validates."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        editor = QLineEdit(parent)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        if EDITABLE.get(index.column()) == "compare_at_price":
            editor.setPlaceholderText("blank: none")
        return editor


class LineupTable(FittedTable):
    """The lineup table: whole rows selected, internal moves and catalog drops (the model
    does both), editing by typing or F2; the product column takes the width left."""

    def __init__(self, model: LineupModel, parent: QWidget | None = None) -> None:
        super().__init__(parent, stretch=PRODUCT, stretch_min_chars=PRODUCT_MIN_CHARS,
                         samples=COLUMN_SAMPLES)
        self.setObjectName("lineup_table")
        self.setModel(model)
        self._model = model
        self._keep_in_view = QPersistentModelIndex()
        # Once the user scrolls, the view is theirs.
        self.verticalScrollBar().actionTriggered.connect(self._forget_keep_in_view)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        # Overwrite mode would clear the dragged cells after a move: the model moves rows itself.
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(True)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)  # long product names are elided; the tooltip has the SKU
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.verticalHeader().setVisible(False)
        self.setItemDelegate(CellDelegate(self))
        self.fit_columns()

    def _forget_keep_in_view(self, _action: int) -> None:
        self._keep_in_view = QPersistentModelIndex()

    def selected_ids(self) -> list[UUID]:
        """The selected items in lineup order (the current row when nothing is selected)."""
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return [self._model.item_at(row).id for row in rows]

    def select_ids(self, ids: Sequence[UUID]) -> None:
        """Select these items' rows (the first becomes current)."""
        selection = self.selectionModel()
        selection.clearSelection()
        first = None
        for item_id in ids:
            row = self._model.row_of(item_id)
            selection.select(self._model.index(row, 0), Select.Select | Select.Rows)
            first = row if first is None else first
        if first is not None:
            current = self._model.index(first, 0)
            selection.setCurrentIndex(current, Select.NoUpdate)
            # Items just added (Ctrl+L in the catalog) or moved are shown where they landed,
            # also once the screen is shown or the message under the table has taken its room.
            self._keep_in_view = QPersistentModelIndex(current)
            self.scrollTo(current)

    def _bring_into_view(self) -> None:
        if self._keep_in_view.isValid():
            self.scrollTo(self._keep_in_view)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._bring_into_view()

    def viewportEvent(self, event: QEvent) -> bool:
        handled = super().viewportEvent(event)
        if event.type() == QEvent.Type.Resize:
            self._bring_into_view()
        return handled


class MessageBar(QLabel):
    """The line under the table saying what just happened or why a change was refused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVisible(False)
        self.setContentsMargins(8, 4, 8, 4)
        self.kind = ""

    def show_message(self, text: str, kind: str = "error") -> None:
        """`kind` is "error", "warning" or "info"."""
        self.kind = kind
        self.setStyleSheet(MESSAGE_STYLES.get(kind, MESSAGE_STYLES["info"]))
        self.setText(text)
        self.setVisible(True)


class TotalsFooter(QWidget):
    """The whole lineup's totals, and the commission rate with where it comes from."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.totals = QLabel()
        self.totals.setObjectName("lineup_totals")
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        self.totals.setWordWrap(True)
        self.rate_note = QLabel()
        self.rate_note.setObjectName("commission_source")
        self.rate_note.setStyleSheet("color: palette(placeholder-text);")
        self.rate_note.setWordWrap(True)
        self.rate_note.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.totals, 3)
        layout.addWidget(self.rate_note, 1)

    def show_totals(self, totals: LineupMargin | None, rate: Decimal, source: str,
                    earned: Decimal | None = None) -> None:
        self.rate_note.setText(f"Commission {format_percent(rate * 100)}: {source}")
        self.totals.setText(totals_text(totals, earned))
        self.totals.setToolTip(COMMISSION_NOTE if totals is not None and totals.items else "")


def field_label(lineup: Lineup | None, item_id: str, field_name: str) -> str:
    """"Soy Candle — Live price: " to put before a message about an item's field."""
    label = FIELD_LABELS.get(field_name, field_name.replace("_", " ").capitalize())
    if not field_name:
        label = ""
    prefix = f"{label}: " if label else ""
    if lineup is None or not item_id:
        return prefix
    try:
        name = lineup.item(UUID(item_id)).name
    except (ValueError, LineupError):
        return prefix
    return f"{name} — {prefix}" if prefix else f"{name}: "


def totals_text(totals: LineupMargin | None, earned: Decimal | None = None) -> str:
    """The footer: the whole lineup's units, revenue, cost and margin if every allocated unit
    sells, the host's commission then, and what they have earned so far (rich text)."""
    if totals is None or not totals.items:
        return NO_ITEMS
    missing = (f" ({counted(totals.items_without_cost, 'item')} without a known cost)"
               if totals.items_without_cost else "")
    so_far = f" · earned so far <b>{format_money(earned)}</b>" if earned is not None else ""
    return (
        f"<b>{counted(len(totals.items), 'item')}</b> · {counted(totals.units, 'unit')} · "
        f"if all sell: revenue {format_money(totals.revenue)} · "
        f"cost {format_money(totals.cost)}{missing}"
        f" · margin <b>{format_percent(totals.margin_percent)}</b> · "
        f"your commission <b>{format_money(totals.commission)}</b>{so_far}"
    )
