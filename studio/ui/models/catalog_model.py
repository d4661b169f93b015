"""The catalog table: products matching a search, read from the cache a page at a time."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from studio.core.lineup_rules import product_addable_reason
from studio.core.models import Product
from studio.core.money import format_money
from studio.core.rows import from_row
from studio.sync.cache import SORTS, CacheReader, cents_to_decimal
from studio.sync.cache.search import MAX_PAGE
from studio.ui.context import ScreenContext
from studio.ui.models.category_model import category_paths

log = logging.getLogger(__name__)

PRODUCT_IDS_MIME = "application/x-shopstream-product-ids"
ProductIdRole = Qt.ItemDataRole.UserRole + 1
ProductRole = Qt.ItemDataRole.UserRole + 2
PAGE_SIZE = 200
(NAME, BRAND, CATEGORY, WHOLESALER, WHOLESALE_PRICE, RETAIL_PRICE, STOCK, STATUS) = range(8)
HEADERS = ("Name", "Brand", "Category", "Wholesaler", "Wholesale", "Retail", "Stock", "Status")
HEADER_TIPS = {WHOLESALE_PRICE: "Wholesale price: what the host pays the wholesaler",
               RETAIL_PRICE: "Suggested retail price", STOCK: "Units in the wholesaler's stock",
               STATUS: "Whether the product can be sold in a live show"}
NUMERIC_COLUMNS = frozenset({WHOLESALE_PRICE, RETAIL_PRICE, STOCK})
STATUS_TEXT = {"draft": "Draft", "inactive": "Inactive", "discontinued": "Discontinued"}
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_INDICATORS = {"name": (NAME, Qt.SortOrder.AscendingOrder),
               "price_asc": (WHOLESALE_PRICE, Qt.SortOrder.AscendingOrder),
               "price_desc": (WHOLESALE_PRICE, Qt.SortOrder.DescendingOrder),
               "stock": (STOCK, Qt.SortOrder.DescendingOrder)}
_ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root, as a default argument
Row = dict[str, Any]


@dataclass(frozen=True)
class CatalogFilters:
    """What narrows the catalog besides the search text. Prices are wholesale prices."""

    category_id: str | None = None  # includes its descendants
    wholesaler_id: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock_only: bool = False
    live_eligible_only: bool = False

    @property
    def is_default(self) -> bool:
        return self == CatalogFilters()

    def search_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of CacheReader.search_products / count_products."""
        return {
            "category_ids": None if self.category_id is None else [self.category_id],
            "wholesaler_id": self.wholesaler_id,
            "min_price": self.min_price,
            "max_price": self.max_price,
            "in_stock": True if self.in_stock_only else None,
            "live_eligible": True if self.live_eligible_only else None,
        }


def product_from_row(row: Mapping[str, Any]) -> Product:
    """A cached product row (money in cents) as the domain's Product."""
    values = dict(row)
    values["wholesale_price"] = cents_to_decimal(row["wholesale_price_cents"])
    values["retail_price"] = cents_to_decimal(row["retail_price_cents"])
    return from_row(Product, values)


def status_text(row: Mapping[str, Any]) -> str:
    if row["status"] != "active":
        return STATUS_TEXT.get(row["status"], str(row["status"]).title())
    return "Live-eligible" if row["is_live_eligible"] else "Not for live"


def _lookups(reader: CacheReader) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    categories = reader.categories()
    names = {row["id"]: row["name"] for row in categories}
    wholesalers = {row["id"]: row["business_name"] for row in reader.wholesalers()}
    return names, category_paths(categories), wholesalers


def _load_window(reader: CacheReader, text: str, kwargs: dict[str, Any], sort: str,
                 count: int) -> tuple[list[Row], int, tuple[dict[str, str], ...], bool]:
    """The first `count` rows of a search (in pages the cache accepts), its total, names, and
    whether the catalog's first pull has finished."""
    rows: list[Row] = []
    while len(rows) < count:
        page = reader.search_products(text or None, **kwargs, sort=sort,  # type: ignore[arg-type]
                                      limit=min(count - len(rows), MAX_PAGE), offset=len(rows))
        rows.extend(page)
        if not page:
            break
    total = reader.count_products(text or None, **kwargs)
    return rows, total, _lookups(reader), reader.first_pull_done("products")


def _load_page(reader: CacheReader, text: str, kwargs: dict[str, Any], sort: str,
               offset: int, limit: int) -> list[Row]:
    return reader.search_products(text or None, **kwargs, sort=sort,  # type: ignore[arg-type]
                                  limit=limit, offset=offset)


class CatalogModel(QAbstractTableModel):
    """Products matching (text, filters, sort), loaded a page at a time as the view scrolls.

    Every read runs through `ctx.read`; results of a superseded query are dropped (each query
    has a generation number). A change to the cache's products reloads the loaded rows in
    place, keeping the view's selection and current item on the same products.
    """

    loading_changed = Signal()  # read is_loading
    total_changed = Signal(int)
    # The first page of a new query (or a refresh) arrived: the view can show results or
    # its empty state.
    query_loaded = Signal()
    load_failed = Signal(str)
    sort_changed = Signal(str)

    def __init__(self, ctx: ScreenContext, parent: QObject | None = None, *,
                 page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        if not 0 < page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE}")
        self._ctx = ctx
        self._page_size = page_size
        self._text = ""
        self._filters = CatalogFilters()
        self._sort = "relevance"
        self._rows: list[Row] = []
        self._cells: list[tuple[str, ...]] = []
        self._total: int | None = None
        self._synced = False
        self._generation = 0
        self._fetching = False
        self._resetting = False
        self._stale = False
        self._category_names: dict[str, str] = {}
        self._category_paths: dict[str, str] = {}
        self._wholesalers: dict[str, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        ctx.signals.tables_changed.connect(self._on_tables_changed)

    # ------------------------------------------------------------------ query
    @property
    def text(self) -> str:
        return self._text

    @property
    def filters(self) -> CatalogFilters:
        return self._filters

    @property
    def sort_key(self) -> str:
        return self._sort

    @property
    def total_count(self) -> int | None:
        """How many products match the query (None until the first read answers)."""
        return self._total

    @property
    def is_loading(self) -> bool:
        return self._resetting or self._fetching

    @property
    def catalog_synced(self) -> bool:
        """Whether the catalog's first pull had finished at the last read (before it, an
        empty result may only mean "not fetched yet")."""
        return self._synced

    def set_query(self, text: str, filters: CatalogFilters | None = None,
                  sort: str | None = None) -> None:
        """Show the products matching `text` and `filters` in `sort` order (from the start).

        Filters left out (None) stay as they are; so does the sort order."""
        sort = self._sort if sort is None else sort
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; expected one of {', '.join(SORTS)}")
        sort_changed = sort != self._sort
        self._text, self._sort = text, sort
        self._filters = filters if filters is not None else self._filters
        # The rows shown stay until the new ones arrive (no flash of an empty table); reads
        # of pages of the old query are dropped by the generation number.
        self._generation += 1
        self._fetching = False
        if sort_changed:
            self.sort_changed.emit(sort)
        self._start_load(self._page_size, keep=False)

    def refresh(self) -> None:
        """Read the loaded rows again (after the cache changed), keeping the selection."""
        if self._resetting:
            self._stale = True  # the read under way may predate the change: read once more
            return
        self._start_load(max(len(self._rows), self._page_size), keep=True)

    def _start_load(self, count: int, *, keep: bool) -> None:
        self._resetting = True
        self._stale = False
        self.loading_changed.emit()
        self._spawn(self._load(self._generation, count, keep))

    async def _load(self, generation: int, count: int, keep: bool) -> None:
        try:
            rows, total, lookups, synced = await self._ctx.read(
                _load_window, self._text, self._filters.search_kwargs(), self._sort, count)
        except Exception as exc:  # shown next to the table; the model stays usable
            log.exception("catalog read failed")
            if isValid(self) and generation == self._generation:
                self._resetting = False
                self.loading_changed.emit()
                self.load_failed.emit(f"Could not read the catalog: {exc}")
            return
        if not isValid(self) or generation != self._generation:
            return
        self._category_names, self._category_paths, self._wholesalers = lookups
        self._synced = synced
        cells = [self._format(row) for row in rows]
        if keep:
            self._replace_keeping_persistent(rows, cells)
        else:
            self.beginResetModel()
            self._rows, self._cells = rows, cells
            self.endResetModel()
        self._generation += 1  # a page fetched before this reload would not fit after it
        self._fetching = False
        self._resetting = False
        if total != self._total:
            self._total = total
            self.total_changed.emit(total)
        self.loading_changed.emit()
        self.query_loaded.emit()
        if self._stale:
            self.refresh()

    def _replace_keeping_persistent(self, rows: list[Row], cells: list[tuple[str, ...]]) -> None:
        """Swap in re-read rows; persistent indexes (selection, current) follow their product."""
        old_count, new_count = len(self._rows), len(rows)
        if new_count > old_count:  # grow first so the layout change maps within equal sizes
            self.beginInsertRows(QModelIndex(), old_count, new_count - 1)
            self._rows = self._rows + rows[old_count:]
            self._cells = self._cells + cells[old_count:]
            self.endInsertRows()
        self.layoutAboutToBeChanged.emit()
        new_rows = {row["id"]: n for n, row in enumerate(rows)}
        old_ids = [row["id"] for row in self._rows]
        sources = self.persistentIndexList()
        targets = []
        for index in sources:
            target = new_rows.get(old_ids[index.row()]) if index.row() < len(old_ids) else None
            targets.append(QModelIndex() if target is None
                           else self.index(target, index.column()))
        keep = max(old_count, new_count)
        self._rows = rows + self._rows[new_count:keep]
        self._cells = cells + self._cells[new_count:keep]
        self.changePersistentIndexList(sources, targets)
        self.layoutChanged.emit()
        if new_count < old_count:
            self.beginRemoveRows(QModelIndex(), new_count, old_count - 1)
            del self._rows[new_count:], self._cells[new_count:]
            self.endRemoveRows()

    def _on_tables_changed(self, tables: frozenset[str]) -> None:
        if tables & {"products", "categories", "wholesalers"}:
            self.refresh()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ paging
    def canFetchMore(self, parent: _ModelIndex = _ROOT) -> bool:
        if parent.isValid() or self._resetting or self._fetching or self._total is None:
            return False
        return len(self._rows) < self._total

    def fetchMore(self, parent: _ModelIndex = _ROOT) -> None:
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        self.loading_changed.emit()
        self._spawn(self._fetch(self._generation, len(self._rows)))

    async def _fetch(self, generation: int, offset: int) -> None:
        try:
            rows = await self._ctx.read(_load_page, self._text, self._filters.search_kwargs(),
                                        self._sort, offset, self._page_size)
        except Exception as exc:
            log.exception("catalog page read failed")
            if isValid(self) and generation == self._generation:
                self._fetching = False
                self.loading_changed.emit()
                self.load_failed.emit(f"Could not read more of the catalog: {exc}")
            return
        if not isValid(self) or generation != self._generation or offset != len(self._rows):
            return
        known = {row["id"] for row in self._rows}
        fresh = [row for row in rows if row["id"] not in known]  # the catalog moved underneath
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self._cells.extend(self._format(row) for row in fresh)
            self.endInsertRows()
        elif not rows and self._total is not None and len(self._rows) < self._total:
            # The catalog shrank since it was counted: the rows are the truth.
            self._total = len(self._rows)
            self.total_changed.emit(self._total)
        # Only now: views ask for the next page from the insertion signals themselves.
        self._fetching = False
        self.loading_changed.emit()
        if rows and not fresh:
            self.refresh()  # a page of rows already shown: read the window again

    # ------------------------------------------------------------------ rows
    def _format(self, row: Row) -> tuple[str, ...]:
        return (
            row["name"],
            row["brand"] or "",
            self._category_names.get(row["category_id"] or "", ""),
            self._wholesalers.get(row["wholesaler_id"], ""),
            format_money(cents_to_decimal(row["wholesale_price_cents"])),
            format_money(cents_to_decimal(row["retail_price_cents"])),
            f"{row['stock_quantity']:,}",
            status_text(row),
        )

    def product_id(self, row: int) -> str:
        return self._rows[row]["id"]

    def category_path(self, category_id: str | None) -> str:
        return self._category_paths.get(category_id or "", "")

    def wholesaler_name(self, wholesaler_id: str | None) -> str:
        return self._wholesalers.get(wholesaler_id or "", "")

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: _ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in NUMERIC_COLUMNS else _LEFT
        if role == ProductIdRole:
            return row["id"]
        if role == ProductRole:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and self._muted(row, column):
            return QApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
        return None

    @staticmethod
    def _muted(row: Row, column: int) -> bool:
        if column == STOCK:
            return row["stock_quantity"] <= 0
        if column == STATUS:
            return row["status"] != "active" or not row["is_live_eligible"]
        return False

    def _tooltip(self, row: Row, column: int) -> str:
        if column == CATEGORY:
            return self.category_path(row["category_id"]) or "No category"
        if column == STOCK:
            return "Out of stock" if row["stock_quantity"] <= 0 else (
                f"{row['stock_quantity']:,} in the wholesaler's stock")
        if column == STATUS:
            reason = product_addable_reason(product_from_row(row))
            return reason or "Can be added to a show's lineup"
        return f"{row['name']} — {row['brand']}" if row["brand"] else row["name"]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section in NUMERIC_COLUMNS else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            sortable = " (click to sort)" if self.sort_for(section, True) is not None else ""
            return HEADER_TIPS.get(section, HEADERS[section]) + sortable
        return None

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled)

    # ------------------------------------------------------------------ sorting
    @staticmethod
    def sort_for(column: int, ascending: bool) -> str | None:
        """The cache's sort order for a header click, or None when the column has none."""
        if column == NAME:
            return "name"
        if column in (WHOLESALE_PRICE, RETAIL_PRICE):
            return "price_asc" if ascending else "price_desc"
        if column == STOCK:
            return "stock"
        return None

    @staticmethod
    def indicator_for(sort: str) -> tuple[int, Qt.SortOrder] | None:
        """The header's sort indicator for a sort order (None: no column shows it)."""
        return _INDICATORS.get(sort)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.sort_for(column, order == Qt.SortOrder.AscendingOrder)
        if key is not None and key != self._sort:
            self.set_query(self._text, self._filters, key)

    # ------------------------------------------------------------------ drag
    def mimeTypes(self) -> list[str]:
        return [PRODUCT_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        mime.setData(PRODUCT_IDS_MIME, json.dumps(self.ids_of(indexes)).encode())
        return mime

    def ids_of(self, indexes: Sequence[_ModelIndex]) -> list[str]:
        """The products of some indexes, once each, in row order."""
        rows = sorted({i.row() for i in indexes if i.isValid() and i.row() < len(self._rows)})
        return [self._rows[row]["id"] for row in rows]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction
