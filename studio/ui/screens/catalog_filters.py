"""What shapes the catalog query: the search box, the category tree and the filter bar."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QEvent, QKeyCombination, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStyle,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from studio.core.money import parse_money
from studio.sync.cache import CacheReader
from studio.ui.context import ScreenContext
from studio.ui.models.category_model import CategoryModel

log = logging.getLogger(__name__)

ALL_WHOLESALERS = "All wholesalers"
MIN_ABOVE_MAX = "The minimum price is above the maximum: the price filter is not applied"
SEARCH_PLACEHOLDER = "Search products, brands, tags…   Ctrl+K"
INDEXING_PLACEHOLDER = "Search (index being built: partial and slower)…   Ctrl+K"
INDEXING_TIP = ("The search index is being built: until it is, results are partial (text "
                "search looks only at names, brands and tags, not descriptions) and slower.")
_CTRL_K = QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_K)


def error_color(palette: QPalette) -> QColor:
    """A red that reads on the palette's window colour (light or dark)."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor("#f28b82" if dark else "#c5221f")


def parse_price_bound(text: str, label: str) -> Decimal | None:
    """A typed price bound; "" means no bound. Raises ValueError with a message for the user."""
    if not text.strip():
        return None
    try:
        amount = parse_money(text)
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None
    if amount < 0:
        raise ValueError(f"{label}: prices cannot be negative")
    return amount


class SearchField(QLineEdit):
    """The search box: Esc clears it, Down moves into the results, Ctrl+K stays a shortcut."""

    down_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.setClearButtonEnabled(True)
        self.setAccessibleName("Search the catalog")
        # Shown in the box, typed text or not, while the search index is being built.
        self.indexing_action = QAction(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation),
            "Search index being built", self)
        self.indexing_action.setToolTip(INDEXING_TIP)
        self.indexing_action.setVisible(False)
        self.addAction(self.indexing_action, QLineEdit.ActionPosition.TrailingPosition)

    def set_index_building(self, building: bool) -> None:
        """Say that results are partial and slower while the search index is being built."""
        self.setPlaceholderText(INDEXING_PLACEHOLDER if building else SEARCH_PLACEHOLDER)
        self.setToolTip(INDEXING_TIP if building else "")
        self.setAccessibleDescription(INDEXING_TIP if building else "")
        self.indexing_action.setVisible(building)

    @property
    def index_building(self) -> bool:
        return self.indexing_action.isVisible()

    def event(self, event: QEvent) -> bool:
        # QLineEdit claims Ctrl+K (delete to end of line): leave it to the "search" shortcut.
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.keyCombination() == _CTRL_K):
            event.ignore()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        if event.key() == Qt.Key.Key_Down and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


class CategoryTree(QTreeView):
    """The category filter; `category_changed` carries the chosen id ("" for all categories).

    The choice survives reloads of the tree; a category that disappears falls back to all.
    """

    category_changed = Signal(str)

    def __init__(self, model: CategoryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._category_id: str | None = None
        self.setModel(model)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setIndentation(14)
        self.setAccessibleName("Categories")
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if model.columnCount() > 1:
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._expanded: set[str | None] = {None}  # "All categories" starts open
        self._scroll = 0
        self.selectionModel().currentChanged.connect(self._on_current)
        self.expanded.connect(lambda index: self._expanded.add(model.category_id(index)))
        self.collapsed.connect(lambda index: self._expanded.discard(model.category_id(index)))
        model.modelAboutToBeReset.connect(self._remember_scroll)
        model.reloaded.connect(self._restore)

    @property
    def category_id(self) -> str | None:
        return self._category_id

    def select(self, category_id: str | None) -> None:
        index = self._model.index_of(category_id)
        if not index.isValid():
            index = self._model.index_of(None)
        self.setCurrentIndex(index)
        parent = index.parent()
        while parent.isValid():
            self.expand(parent)
            parent = parent.parent()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        category_id = self._model.category_id(current) if current.isValid() else None
        if category_id != self._category_id:
            self._category_id = category_id
            self.category_changed.emit(category_id or "")

    def _remember_scroll(self) -> None:
        self._scroll = self.verticalScrollBar().value()

    def _restore(self) -> None:
        """After a reload: the same categories open and chosen, by id (rows may have moved);
        a category that disappeared is forgotten."""
        opened = set(self._expanded)
        for category in opened:
            index = self._model.index_of(category)
            if index.isValid():
                self.expand(index)
            else:
                self._expanded.discard(category)
        self.select(self._category_id)
        self.verticalScrollBar().setValue(self._scroll)


class CatalogFilterBar(QWidget):
    """Filters besides the category tree. `changed` fires when an applied value changes.

    An invalid price range shows its message under the fields and keeps the last valid range
    applied until it is fixed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.wholesaler_combo = QComboBox(self)
        self.wholesaler_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.wholesaler_combo.setMinimumContentsLength(18)
        self.wholesaler_combo.setAccessibleName("Wholesaler")
        self.wholesaler_combo.addItem(ALL_WHOLESALERS, None)
        self.min_price = self._price_field("Min", "Lowest wholesale price")
        self.max_price = self._price_field("Max", "Highest wholesale price")
        self.in_stock = QCheckBox("&In stock only", self)
        self.live_eligible = QCheckBox("Li&ve-eligible only", self)
        self.live_eligible.setToolTip("Only products the wholesaler allows to be sold live")
        self.clear_button = QToolButton(self)
        self.clear_button.setText("Clear filters")
        self.clear_button.setAutoRaise(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("fieldError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self._palette_error()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        wholesaler_label = QLabel("&Wholesaler:", self)
        wholesaler_label.setBuddy(self.wholesaler_combo)
        # The catalog filters on what the host pays; say so (retail is a separate column).
        price_label = QLabel("Wholesale &price:", self)
        price_label.setBuddy(self.min_price)
        dash = QLabel("–", self)
        row.addWidget(wholesaler_label)
        row.addWidget(self.wholesaler_combo)
        row.addSpacing(12)
        row.addWidget(price_label)
        row.addWidget(self.min_price)
        row.addWidget(dash)
        row.addWidget(self.max_price)
        row.addSpacing(12)
        row.addWidget(self.in_stock)
        row.addWidget(self.live_eligible)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(row)
        column.addWidget(self.error_label)

        self._ctx: ScreenContext | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._wholesaler_id: str | None = None
        self._prices: tuple[Decimal | None, Decimal | None] = (None, None)
        self.wholesaler_combo.currentIndexChanged.connect(self._on_wholesaler)
        self.min_price.textChanged.connect(self._on_price_text)
        self.max_price.textChanged.connect(self._on_price_text)
        self.in_stock.toggled.connect(self.changed)
        self.live_eligible.toggled.connect(self.changed)

    def _price_field(self, placeholder: str, tip: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setPlaceholderText(f"{placeholder} $")
        field.setToolTip(f"{tip}: what the host pays the wholesaler, per unit")
        field.setAccessibleName(tip)
        field.setAlignment(Qt.AlignmentFlag.AlignRight)
        field.setMaximumWidth(field.fontMetrics().horizontalAdvance("$00,000.00") + 24)
        field.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        return field

    def _palette_error(self) -> None:
        palette = self.error_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, error_color(self.palette()))
        self.error_label.setPalette(palette)

    # ------------------------------------------------------------------ values
    @property
    def wholesaler_id(self) -> str | None:
        return self._wholesaler_id

    @property
    def price_range(self) -> tuple[Decimal | None, Decimal | None]:
        """The applied (last valid) wholesale price range."""
        return self._prices

    @property
    def price_error(self) -> str | None:
        return self.error_label.text() if not self.error_label.isHidden() else None

    def is_default(self) -> bool:
        return (self._wholesaler_id is None and not self.min_price.text().strip()
                and not self.max_price.text().strip() and not self.in_stock.isChecked()
                and not self.live_eligible.isChecked())

    def load_wholesalers(self, ctx: ScreenContext) -> None:
        """Offer the cache's wholesalers, now and whenever they change."""
        if self._ctx is None:
            self._ctx = ctx
            ctx.signals.tables_changed.connect(self._on_tables_changed)
        task = asyncio.ensure_future(self._read_wholesalers(ctx))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_tables_changed(self, tables: frozenset[str]) -> None:
        if "wholesalers" in tables and self._ctx is not None:
            self.load_wholesalers(self._ctx)

    async def _read_wholesalers(self, ctx: ScreenContext) -> None:
        try:
            rows = await ctx.read(CacheReader.wholesalers)
        except Exception:  # the combo keeps the wholesalers it offers
            log.exception("could not read wholesalers")
            return
        if isValid(self):
            self.set_wholesalers(rows)

    def set_wholesalers(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Offer these wholesalers (keeps the chosen one when it is still there)."""
        chosen = self._wholesaler_id
        self.wholesaler_combo.blockSignals(True)
        try:
            self.wholesaler_combo.clear()
            self.wholesaler_combo.addItem(ALL_WHOLESALERS, None)
            for row in rows:
                self.wholesaler_combo.addItem(row["business_name"], row["id"])
            found = self.wholesaler_combo.findData(chosen) if chosen is not None else 0
            self.wholesaler_combo.setCurrentIndex(max(found, 0))
        finally:
            self.wholesaler_combo.blockSignals(False)
        if chosen is not None and found < 0:  # the chosen wholesaler is gone: show everyone
            self._wholesaler_id = None
            self.changed.emit()

    def clear(self) -> None:
        """Back to no filters; `changed` fires once if anything applied changed."""
        before = (self._wholesaler_id, self._prices, self.in_stock.isChecked(),
                  self.live_eligible.isChecked())
        for widget in (self.wholesaler_combo, self.min_price, self.max_price, self.in_stock,
                       self.live_eligible):
            widget.blockSignals(True)
        try:
            self.wholesaler_combo.setCurrentIndex(0)
            self.min_price.clear()
            self.max_price.clear()
            self.in_stock.setChecked(False)
            self.live_eligible.setChecked(False)
        finally:
            for widget in (self.wholesaler_combo, self.min_price, self.max_price, self.in_stock,
                           self.live_eligible):
                widget.blockSignals(False)
        self._wholesaler_id, self._prices = None, (None, None)
        self._show_error(None)
        if before != (None, (None, None), False, False):
            self.changed.emit()

    # ------------------------------------------------------------------ edits
    def _on_wholesaler(self, index: int) -> None:
        self._wholesaler_id = self.wholesaler_combo.itemData(index)
        self.changed.emit()

    def _on_price_text(self) -> None:
        try:
            low = parse_price_bound(self.min_price.text(), "Minimum price")
            high = parse_price_bound(self.max_price.text(), "Maximum price")
            if low is not None and high is not None and low > high:
                raise ValueError(MIN_ABOVE_MAX)
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self._show_error(None)
        if (low, high) != self._prices:
            self._prices = (low, high)
            self.changed.emit()

    def _show_error(self, message: str | None) -> None:
        self.error_label.setText(message or "")
        self.error_label.setVisible(message is not None)
