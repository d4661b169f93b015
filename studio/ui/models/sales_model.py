"""The sales panel's models: the orders feed (newest first) and units / revenue per product."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from studio.core.money import format_money
from studio.session.live_metrics import Sale
from studio.ui.models.live_figures import ProductSales

_Index = QModelIndex | QPersistentModelIndex
FEED_LIMIT = 100


def sale_text(sale: Sale) -> str:
    when = sale.at.astimezone().strftime("%H:%M:%S") if sale.at else "—"
    flash = "  ⚡ flash price" if sale.is_flash_price else ""
    return f"{when}  {sale.quantity} × {sale.name or 'product'}  {format_money(sale.line_total)}" \
           f"{flash}"


class SalesFeedModel(QAbstractListModel):
    """Order lines, newest first; a batch's new lines are one insert at the top."""

    def __init__(self, limit: int = FEED_LIMIT, parent: Any = None) -> None:
        super().__init__(parent)
        self.limit = limit
        self._sales: list[Sale] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._sales)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._sales):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return sale_text(self._sales[index.row()])
        return None

    def sales(self) -> list[Sale]:
        return list(self._sales)

    def show_feed(self, feed: Sequence[Sale]) -> None:
        """Match the metrics' feed (newest first): new lines are inserted at the top in one
        go, the oldest beyond the limit removed in one go; anything else resets (rare)."""
        feed = list(feed)[: self.limit]
        known = {s.order_item_id for s in self._sales}
        fresh = 0
        while fresh < len(feed) and feed[fresh].order_item_id not in known:
            fresh += 1
        rest = feed[fresh:]
        if [s.order_item_id for s in rest] != [
                s.order_item_id for s in self._sales[: len(rest)]]:
            self.beginResetModel()
            self._sales = feed
            self.endResetModel()
            return
        if fresh:
            self.beginInsertRows(QModelIndex(), 0, fresh - 1)
            self._sales[:0] = feed[:fresh]
            self.endInsertRows()
        if len(self._sales) > len(feed):
            self.beginRemoveRows(QModelIndex(), len(feed), len(self._sales) - 1)
            del self._sales[len(feed):]
            self.endRemoveRows()


PRODUCT, UNITS, REVENUE = range(3)
_HEADERS = ("Product", "Units", "Revenue")


class ProductSalesModel(QAbstractTableModel):
    """Units and revenue per product, best seller first."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ProductSales] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(_HEADERS)):
            return _HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == PRODUCT:
                return f"{row.name or 'Product'}{'  (sold out)' if row.sold_out else ''}"
            if column == UNITS:
                return f"{row.units:,}"
            if column == REVENUE:
                return format_money(row.revenue)
        if role == Qt.ItemDataRole.TextAlignmentRole and column != PRODUCT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def products(self) -> list[ProductSales]:
        return list(self._rows)

    def show_products(self, products: Sequence[ProductSales]) -> None:
        """New figures: one dataChanged when the same products are listed in the same order,
        else one reset (the ranking changed: a small table)."""
        products = list(products)
        if products == self._rows:
            return
        if [p.live_product_id for p in products] == [p.live_product_id for p in self._rows]:
            self._rows = products
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(products) - 1, len(_HEADERS) - 1))
            return
        self.beginResetModel()
        self._rows = products
        self.endResetModel()
