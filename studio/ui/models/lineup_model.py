"""Table model of a show's lineup: prices, allocation, stock and margin per item, editable cells.

The model holds an immutable `studio.core.lineup.Lineup`. Every change (an edited cell, a move,
a drop) goes through the core operations, which validate it; a valid change replaces the
lineup and is announced with `lineup_changed(before, after)` so the editor can send it; a
refused one leaves the lineup as it was and is announced with `field_message`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QApplication, QStyle

from studio.core.lineup import Lineup, LineupError
from studio.core.margins import ItemMargin, LineupMargin, lineup_margin
from studio.core.models import LineupItem, Product
from studio.core.money import UNKNOWN, format_money, format_percent
from studio.sync.lineup_ops import decode_ids, parse_cell, stepped_order

PRODUCT_IDS_MIME = "application/x-shopstream-product-ids"
ITEM_IDS_MIME = "application/x-shopstream-lineup-item-ids"

COLUMNS = (
    "#", "Product", "Live price", "Compare-at", "Allocated", "Stock", "Cost", "Margin %",
    "Commission",
)
#: Header tooltips: the short headers leave the width to the product names.
COLUMN_TIPS = {
    "Stock": "The wholesaler's stock of the source product",
    "Cost": "Wholesale cost per unit",
    "Commission": "Your commission if every allocated unit sells at the live price "
                  "(the footer also shows what you have earned so far)",
}
(POSITION, PRODUCT, LIVE_PRICE, COMPARE_AT, ALLOCATED, STOCK, COST, MARGIN, COMMISSION) = range(9)
#: Editable columns and the item field each one edits.
EDITABLE = {
    LIVE_PRICE: "live_price", COMPARE_AT: "compare_at_price", ALLOCATED: "allocated_quantity",
}
FIELD_COLUMNS = {name: column for column, name in EDITABLE.items()} | {"position": POSITION}
FIELD_LABELS = {
    "live_price": "Live price", "compare_at_price": "Compare-at price",
    "allocated_quantity": "Allocation", "position": "Position", "name": "Name",
    "status": "Status", "product": "Product", "show": "Show",
}
ERROR_BACKGROUND = QColor(220, 53, 69, 70)
_NUMERIC = {POSITION, LIVE_PRICE, COMPARE_AT, ALLOCATED, STOCK, COST, MARGIN, COMMISSION}

_ROOT = QModelIndex()
Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole


def _field(item: LineupItem, field_name: str) -> Any:
    return getattr(item, field_name, None)


def column_for_field(field_name: str) -> int:
    """The column showing an item field (the product column for the others)."""
    return FIELD_COLUMNS.get(field_name, PRODUCT)


class LineupModel(QAbstractTableModel):
    """One row per lineup item, in lineup order."""

    #: (lineup before, lineup after): a valid change to send.
    lineup_changed = Signal(object, object)
    #: (item id text, field, message, is_error): a refusal or a warning about a field.
    field_message = Signal(str, str, str, bool)
    #: (product ids, drop row): catalog products dropped on the table.
    products_dropped = Signal(list, int)
    #: The totals changed (new margin preview).
    totals_changed = Signal()
    #: (item id text, field): a cell's refusal no longer applies (fixed, changed or undone).
    error_cleared = Signal(str, str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._lineup: Lineup | None = None
        self._products: Mapping[UUID, Product] = {}
        self._rate = Decimal("0.1000")
        self._margin: LineupMargin | None = None
        self._margins: dict[UUID, ItemMargin] = {}
        self._errors: dict[tuple[UUID, str], str] = {}
        self._earned: Decimal | None = None

    # ------------------------------------------------------------------ state

    @property
    def lineup(self) -> Lineup | None:
        return self._lineup

    @property
    def products(self) -> Mapping[UUID, Product]:
        return self._products

    @property
    def commission_rate(self) -> Decimal:
        return self._rate

    @property
    def totals(self) -> LineupMargin | None:
        return self._margin

    @property
    def earned(self) -> Decimal | None:
        """The commission the show has earned so far (the server's amounts), None if unknown."""
        return self._earned

    def set_earned(self, amount: Decimal | None) -> None:
        if amount != self._earned:
            self._earned = amount
            self.totals_changed.emit()

    def item_at(self, row: int) -> LineupItem:
        assert self._lineup is not None
        return self._lineup.items[row]

    def row_of(self, item_id: UUID) -> int:
        assert self._lineup is not None
        return self._lineup.index_of(item_id)

    def error_at(self, index: Index) -> str | None:
        if not index.isValid() or self._lineup is None:
            return None
        item_id = self._lineup.items[index.row()].id
        for (error_item, field_name), message in self._errors.items():
            if error_item == item_id and column_for_field(field_name) == index.column():
                return message
        return None

    def set_commission_rate(self, rate: Decimal) -> None:
        self._rate = rate
        self._recompute()
        if self.rowCount():
            last = self.rowCount() - 1
            self.dataChanged.emit(self.index(0, COMMISSION), self.index(last, COMMISSION))

    def set_lineup(
        self, lineup: Lineup | None, products: Mapping[UUID, Product] | None = None
    ) -> None:
        """Show `lineup`; rows keep their identity (and the view its selection) when only the
        order or the values changed."""
        if products is not None:
            self._products = dict(products)
        old = self._lineup
        same_items = (
            old is not None and lineup is not None and old.show.id == lineup.show.id
            and set(old.ids) == set(lineup.ids)
        )
        if old is None or lineup is None or old.show.id != lineup.show.id:
            self._errors.clear()
        if same_items:
            assert lineup is not None
            self._relayout(lineup)
        else:
            self.beginResetModel()
            self._lineup = lineup
            self._recompute()
            self.endResetModel()
        if lineup is not None:
            self._errors = {k: v for k, v in self._errors.items() if k[0] in set(lineup.ids)}
        self.totals_changed.emit()

    def _relayout(self, lineup: Lineup) -> None:
        assert self._lineup is not None
        if lineup.ids == self._lineup.ids:
            self._lineup = lineup
            self._recompute()
            if self.rowCount():
                self.dataChanged.emit(
                    self.index(0, 0), self.index(self.rowCount() - 1, len(COLUMNS) - 1))
            return
        self.layoutAboutToBeChanged.emit()
        new_rows = {item.id: row for row, item in enumerate(lineup.items)}
        moved_from = self.persistentIndexList()
        moved_to = []
        for index in moved_from:
            item_id = self._lineup.items[index.row()].id
            moved_to.append(self.index(new_rows[item_id], index.column()))
        self._lineup = lineup
        self._recompute()
        self.changePersistentIndexList(moved_from, moved_to)
        self.layoutChanged.emit()

    def _recompute(self) -> None:
        if self._lineup is None:
            self._margin, self._margins = None, {}
            return
        self._margin = lineup_margin(self._lineup.items, self._products, self._rate)
        self._margins = {m.item_id: m for m in self._margin.items}

    def clear_error(self, item_id: UUID, field_name: str) -> None:
        """The cell's refusal no longer applies: its mark and message go."""
        if self._errors.pop((item_id, field_name), None) is None:
            return
        if self._lineup is not None and item_id in set(self._lineup.ids):
            row = self._lineup.index_of(item_id)
            index = self.index(row, column_for_field(field_name))
            self.dataChanged.emit(index, index)
        self.error_cleared.emit(str(item_id), field_name)

    def clear_errors(self) -> None:
        for item_id, field_name in list(self._errors):
            self.clear_error(item_id, field_name)

    def _clear_changed_errors(self, before: Lineup, after: Lineup) -> None:
        """Refusals of fields the user has since changed (an edit, bulk pricing) are stale."""
        old = {item.id: item for item in before.items}
        new = {item.id: item for item in after.items}
        for item_id, field_name in list(self._errors):
            was, now = old.get(item_id), new.get(item_id)
            if now is None or was is None or _field(was, field_name) != _field(now, field_name):
                self.clear_error(item_id, field_name)

    def undo_to(self, target: Lineup) -> None:
        """Show the lineup as it was before the last change: refusals shown since are about
        changes that are now undone, so they go too."""
        self.clear_errors()
        self.set_lineup(target)

    def set_error(self, item_id: UUID, field_name: str, message: str) -> None:
        """Mark a cell refused (by the rules or by the server) and announce the message."""
        self._errors[(item_id, field_name)] = message
        if self._lineup is not None and item_id in set(self._lineup.ids):
            index = self.index(self._lineup.index_of(item_id), column_for_field(field_name))
            self.dataChanged.emit(index, index)
        self.field_message.emit(str(item_id), field_name, message, True)

    def apply(self, after: Lineup, products: Mapping[UUID, Product] | None = None) -> None:
        """Replace the lineup by a valid successor and announce the change; `products` adds
        the catalog products of new items."""
        before = self._lineup
        if before is None or after is before:
            return
        self._clear_changed_errors(before, after)
        self.set_lineup(after, {**self._products, **(products or {})})
        self.lineup_changed.emit(before, after)

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: Index = _ROOT) -> int:
        if parent.isValid() or self._lineup is None:
            return 0
        return len(self._lineup.items)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                # The heading itself when it has no explanation: a narrow heading is elided.
                return COLUMN_TIPS.get(COLUMNS[section], COLUMNS[section])
            if role == Qt.ItemDataRole.TextAlignmentRole and section in _NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        editable = self._lineup is not None and self._lineup.is_editable
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled if editable else Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if editable:
            flags |= Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
            if index.column() in EDITABLE:
                flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or self._lineup is None or index.row() >= len(self._lineup.items):
            return None
        item = self._lineup.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == Qt.ItemDataRole.EditRole:
            return self._edit_text(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.error_at(index) or self._tooltip(item, column)
        if role == Qt.ItemDataRole.BackgroundRole and self.error_at(index):
            return QBrush(ERROR_BACKGROUND)
        if role == Qt.ItemDataRole.DecorationRole and self.error_at(index):
            # Visible even when the row is selected (the background is then the selection's).
            return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        if role == Qt.ItemDataRole.UserRole:
            return str(item.id)
        return None

    def _product(self, item: LineupItem) -> Product | None:
        return self._products.get(item.product_id) if item.product_id is not None else None

    def _display(self, item: LineupItem, column: int) -> str | None:
        product = self._product(item)
        margin = self._margins.get(item.id)
        if column == POSITION:
            return str(item.position + 1)
        if column == PRODUCT:
            return item.name
        if column == LIVE_PRICE:
            return format_money(item.live_price)
        if column == COMPARE_AT:
            return format_money(item.compare_at_price) if item.compare_at_price is not None else ""
        if column == ALLOCATED:
            sold = f" ({item.sold_quantity} sold)" if item.sold_quantity else ""
            return f"{item.allocated_quantity}{sold}"
        if column == STOCK:
            return str(product.stock_quantity) if product is not None else UNKNOWN
        if column == COST:
            return format_money(product.wholesale_price) if product is not None else UNKNOWN
        if column == MARGIN:
            return format_percent(margin.margin_percent) if margin else UNKNOWN
        if column == COMMISSION:
            return format_money(margin.commission) if margin else UNKNOWN
        return None

    def _edit_text(self, item: LineupItem, column: int) -> str | None:
        if column == LIVE_PRICE:
            return f"{item.live_price:.2f}"
        if column == COMPARE_AT:
            return "" if item.compare_at_price is None else f"{item.compare_at_price:.2f}"
        if column == ALLOCATED:
            return str(item.allocated_quantity)
        return self._display(item, column)

    def _tooltip(self, item: LineupItem, column: int) -> str | None:
        product = self._product(item)
        margin = self._margins.get(item.id)
        if column == PRODUCT:
            source = f"SKU {product.sku}" if product is not None else "not from the catalog"
            return f"{item.name} · {source}"
        if column == COST and margin is not None and margin.cost is not None:
            return f"{format_money(margin.cost)} for {item.allocated_quantity} units"
        if column == COMMISSION and margin is not None:
            return (f"{format_percent(self._rate * 100)} of {format_money(margin.revenue)} "
                    "if every allocated unit sells")
        return None

    def setData(self, index: Index, value: Any, role: int = EDIT) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._lineup is None:
            return False
        field_name = EDITABLE.get(index.column())
        if field_name is None:
            return False
        item = self._lineup.items[index.row()]
        return self.edit_item(item.id, field_name, value)

    def edit_item(self, item_id: UUID, field_name: str, value: Any) -> bool:
        """Validate and apply one edited field (text as typed, or a value); False if refused."""
        assert self._lineup is not None
        try:
            parsed = parse_cell(field_name, value)
            change = {field_name: parsed}
            after, result = self._lineup.update_item(item_id, self._products, **change)
        except (ValueError, LineupError) as exc:  # LineupError is a ValueError too
            self.set_error(item_id, field_name, str(exc))
            return False
        if not result.ok:
            message = result.errors.get(field_name) or next(iter(result.errors.values()))
            self.set_error(item_id, field_name, message)
            return False
        self.clear_error(item_id, field_name)
        for warned_field, warning in result.warnings.items():
            self.field_message.emit(str(item_id), warned_field, warning, False)
        self.apply(after)
        return True

    # ------------------------------------------------------------------ drag and drop

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [ITEM_IDS_MIME, PRODUCT_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        if self._lineup is not None:
            rows = sorted({index.row() for index in indexes if index.isValid()})
            ids = [str(self._lineup.items[row].id) for row in rows]
            mime.setData(ITEM_IDS_MIME, json.dumps(ids).encode())
        return mime

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: Index) -> bool:
        if self._lineup is None or not self._lineup.is_editable:
            return False
        if data.hasFormat(ITEM_IDS_MIME):
            return action == Qt.DropAction.MoveAction
        return data.hasFormat(PRODUCT_IDS_MIME)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: Index) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        assert self._lineup is not None
        drop_row = row if row >= 0 else (parent.row() if parent.isValid() else self.rowCount())
        if data.hasFormat(ITEM_IDS_MIME):
            ids = decode_ids(bytes(data.data(ITEM_IDS_MIME).data()))
            if ids is None:
                return False
            return self.move_items(ids, drop_row)
        product_ids = decode_ids(bytes(data.data(PRODUCT_IDS_MIME).data()))
        if not product_ids:
            return False
        self.products_dropped.emit([str(pid) for pid in product_ids], drop_row)
        return True

    # ------------------------------------------------------------------ ordering

    def move_items(self, item_ids: Sequence[UUID], drop_row: int) -> bool:
        """Move items before the row `drop_row` (list-view drop semantics); False if refused."""
        if self._lineup is None:
            return False
        try:
            after = self._lineup.move_items(list(item_ids), drop_row)
        except LineupError as exc:
            self.field_message.emit("", "position", str(exc), True)
            return False
        changed = after is not self._lineup
        self.apply(after)
        return changed

    def move_by(self, item_ids: Sequence[UUID], step: int) -> bool:
        """Move the items one place up (step −1) or down (+1); a block at an end stays."""
        if self._lineup is None or not item_ids:
            return False
        try:
            after = self._lineup.reorder(stepped_order(self._lineup.ids, item_ids, step))
        except LineupError as exc:
            self.field_message.emit("", "position", str(exc), True)
            return False
        changed = after is not self._lineup
        self.apply(after)
        return changed

