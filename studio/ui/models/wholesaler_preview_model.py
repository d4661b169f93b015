"""Read-only table model of the lineup items that sell a wholesaler's products.

Columns are the host's public name, the show, the wholesaler's product and the offer: nothing
about buyers (the wholesaler's cache holds no customer data, and this model shows none).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from studio.core.margins import markup_percent
from studio.core.models import ShowStatus, WholesalerLineupRow
from studio.core.money import format_money, format_percent
from studio.ui.models.shows_model import STATUS_LABELS, local_text, status_color

COLUMNS = (
    "Show", "Starts", "Status", "Host", "Product", "SKU", "Allocated", "Sold", "Live price",
    "Wholesale", "Difference", "Markup",
)
(SHOW, STARTS, STATUS, HOST, PRODUCT, SKU, ALLOCATED, SOLD, LIVE_PRICE, WHOLESALE_PRICE,
 DIFFERENCE, MARKUP) = range(len(COLUMNS))
HEADER_TIPS = {
    "Starts": "When the show is scheduled to start (your time zone)",
    "Allocated": "Units of your stock the host set aside for the show",
    "Sold": "Units sold in the show so far",
    "Live price": "The host's price in the show, per unit",
    "Wholesale": "Your wholesale price, per unit",
    "Difference": "Live price minus your wholesale price, per unit",
    "Markup": "How far the live price is above your wholesale price, in percent",
}
SHORT_DATE_FORMAT = "d MMM yyyy, HH:mm"
_NUMERIC = {ALLOCATED, SOLD, LIVE_PRICE, WHOLESALE_PRICE, DIFFERENCE, MARKUP}
SESSION_ID_ROLE = Qt.ItemDataRole.UserRole
_ROOT = QModelIndex()
Index = QModelIndex | QPersistentModelIndex


def difference(row: WholesalerLineupRow) -> Decimal:
    """How far the host's live price is above (or below) the wholesale price, per unit."""
    return row.live_price - row.wholesale_price


def _show_order(row: WholesalerLineupRow) -> tuple[int, float]:
    stamp = row.scheduled_start.timestamp()
    if row.show_status == ShowStatus.LIVE:
        return (0, stamp)
    if row.show_status == ShowStatus.SCHEDULED:
        return (1, stamp)
    return (2, -stamp)


def short_local_text(moment: datetime) -> str:
    """A start time in the computer's time zone, compact for a table cell."""
    return QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000)).toString(
        SHORT_DATE_FORMAT)


def signed_money(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + format_money(amount)


class WholesalerPreviewModel(QAbstractTableModel):
    """Rows of `load_wholesaler_lineups`, optionally narrowed to one show."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[WholesalerLineupRow] = []
        self._rows: list[WholesalerLineupRow] = []
        self._show: UUID | None = None

    @property
    def rows(self) -> list[WholesalerLineupRow]:
        return list(self._rows)

    def shows(self) -> list[tuple[UUID, str]]:
        """(show id, label) of every show in the data, in time order."""
        seen: dict[UUID, str] = {}
        for row in self._all:
            if row.session_id not in seen:
                seen[row.session_id] = (
                    f"{row.show_title} · {row.host_display_name} · "
                    f"{local_text(row.scheduled_start)}")
        return list(seen.items())

    def set_rows(self, rows: Sequence[WholesalerLineupRow]) -> None:
        """Rows in lineup order per show; shows live first, then upcoming (soonest first),
        then past ones (latest first)."""
        self._all = sorted(rows, key=_show_order)  # stable: keeps each lineup's order
        self._refilter()

    def set_show_filter(self, session_id: UUID | None) -> None:
        self._show = session_id
        self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._rows = [r for r in self._all if self._show is None or r.session_id == self._show]
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(COLUMNS[section])
        if role == Qt.ItemDataRole.TextAlignmentRole and section in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # read-only

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == STATUS:
                return status_color(row.show_status)
            if column == DIFFERENCE and difference(row) < 0:
                return status_color(ShowStatus.LIVE)  # selling below the wholesale price
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == SESSION_ID_ROLE:
            return str(row.session_id)
        return None

    @staticmethod
    def _tooltip(row: WholesalerLineupRow, column: int) -> str | None:
        """Whole names for the columns that elide them, and what the price columns compare."""
        if column == SHOW:
            return f"{row.show_title} — {STATUS_LABELS[row.show_status]}, " \
                   f"{local_text(row.scheduled_start)}"
        if column == STARTS:
            return local_text(row.scheduled_start)
        if column == HOST:
            return row.host_display_name
        if column == PRODUCT:
            return f"{row.product_name} ({row.sku})"
        if column in (DIFFERENCE, MARKUP):
            return (f"Live price {format_money(row.live_price)} vs your wholesale price "
                    f"{format_money(row.wholesale_price)} per unit")
        return None

    def _display(self, row: WholesalerLineupRow, column: int) -> str | None:
        values = {
            SHOW: lambda: row.show_title,
            STARTS: lambda: short_local_text(row.scheduled_start),
            STATUS: lambda: STATUS_LABELS[row.show_status],
            HOST: lambda: row.host_display_name,
            PRODUCT: lambda: row.product_name,
            SKU: lambda: row.sku,
            ALLOCATED: lambda: str(row.allocated_quantity),
            SOLD: lambda: str(row.sold_quantity),
            LIVE_PRICE: lambda: format_money(row.live_price),
            WHOLESALE_PRICE: lambda: format_money(row.wholesale_price),
            DIFFERENCE: lambda: signed_money(difference(row)),
            MARKUP: lambda: format_percent(markup_percent(row.live_price, row.wholesale_price)),
        }
        getter = values.get(column)
        return getter() if getter is not None else None
