"""The Catalog screen: instant search with filters over the wholesale catalog, and its detail."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.actions import ActionRegistry, ActionSpec
from studio.ui.context import ScreenContext
from studio.ui.models import catalog_model as columns
from studio.ui.models.catalog_model import CatalogFilters, CatalogModel, ProductRole
from studio.ui.models.category_model import CategoryModel
from studio.ui.screens.catalog_filters import CatalogFilterBar, CategoryTree, SearchField
from studio.ui.screens.product_detail import ProductDetail

SEARCH_DELAY_MS = 150
BUSY_DELAY_MS = 120  # fast reads finish before a busy bar would only flicker
SORT_CHOICES = (("Best match", "relevance"), ("Name A–Z", "name"),
                ("Price: low to high", "price_asc"), ("Price: high to low", "price_desc"),
                ("Most in stock", "stock"), ("Newest", "newest"))
# Widths of the columns besides the name, as sample text (the header's text counts too).
_COLUMN_SAMPLES = {columns.BRAND: "Atelier Nord", columns.CATEGORY: "Serums & oils",
                   columns.WHOLESALER: "Northwind Goods", columns.WHOLESALE_PRICE: "$1,234.56",
                   columns.RETAIL_PRICE: "$1,234.56", columns.STOCK: "12,345",
                   columns.STATUS: "Live-eligible"}
NAME_MIN_WIDTH = 170
NAME_FLOOR = 120  # the name's last resort before the table scrolls sideways
TREE_WIDTH, DETAIL_WIDTH = 220, 250
# Hidden in this order when the table is too narrow (the tree, filters and detail show them),
# so prices and stock stay readable without scrolling sideways beside the detail pane.
OPTIONAL_COLUMNS = (columns.CATEGORY, columns.BRAND, columns.WHOLESALER, columns.STATUS)


LOADING_TITLE = "Loading the catalog…"


def count_text(total: int) -> str:
    return f"{total:,} product" if total == 1 else f"{total:,} products"


class CatalogTable(QTableView):
    """The product table: rows, multi-selection, drag; the name column takes the spare width
    (at least NAME_MIN_WIDTH: narrower, optional columns hide, then the name narrows to
    NAME_FLOOR, then the table scrolls)."""

    up_from_top = Signal()

    def __init__(self, model: CatalogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAccessibleName("Products")
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setHighlightSections(False)
        header.setMinimumSectionSize(40)
        metrics = header.fontMetrics()
        self._widths: dict[int, int] = {}  # preferred widths of the columns besides the name
        for column, sample in _COLUMN_SAMPLES.items():
            title = str(model.headerData(column, Qt.Orientation.Horizontal))
            self._widths[column] = max(metrics.horizontalAdvance(sample),
                                       metrics.horizontalAdvance(title) + 16) + 16
            header.resizeSection(column, self._widths[column])
        self._fitting = False
        header.sectionResized.connect(self._on_section_resized)

    def _fit_name(self) -> None:
        """Give the name the spare width; when narrow, hide the optional columns first."""
        header, available = self.horizontalHeader(), self.viewport().width()
        others = sum(self._widths.values())
        hidden: set[int] = set()
        for column in OPTIONAL_COLUMNS:
            if NAME_MIN_WIDTH + others <= available:
                break
            hidden.add(column)
            others -= self._widths[column]
        self._fitting = True
        try:
            for column, width in self._widths.items():
                header.setSectionHidden(column, column in hidden)
                if column not in hidden and header.sectionSize(column) != width:
                    header.resizeSection(column, width)
            # With every optional column hidden, the name gives up a little more (it elides in
            # the middle, the tooltip and the detail show it whole) before the table scrolls.
            floor = NAME_MIN_WIDTH if len(hidden) < len(OPTIONAL_COLUMNS) else NAME_FLOOR
            header.resizeSection(columns.NAME, max(available - others, floor))
        finally:
            self._fitting = False

    def _on_section_resized(self, column: int, _old: int, new: int) -> None:
        if self._fitting or column == columns.NAME or new == 0:
            return
        self._widths[column] = new  # the user dragged a column edge: keep it, refit the name
        self._fit_name()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_name()

    def viewportEvent(self, event: QEvent) -> bool:
        # The viewport narrows without the table resizing when the vertical scroll bar appears
        # (rows arrive): refit then too, or the last column ends up under the scroll bar.
        handled = super().viewportEvent(event)
        if event.type() == QEvent.Type.Resize:
            self._fit_name()
        return handled

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (event.key() == Qt.Key.Key_Up and event.modifiers() == Qt.KeyboardModifier.NoModifier
                and self.currentIndex().row() <= 0):
            self.up_from_top.emit()
            return
        super().keyPressEvent(event)


class CatalogScreen(QWidget):
    """Search the wholesale catalog, narrow it with filters, pick products for a lineup."""

    nav_id = "catalog"
    nav_title = "Catalog"
    add_to_lineup_requested = Signal(list)

    def __init__(self, ctx: ScreenContext, actions: ActionRegistry,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._started = False
        self._sync_state = ""
        self.model = CatalogModel(ctx, self)
        self.category_model = CategoryModel(ctx, self, with_counts=True)
        self._build()
        self._apply_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._apply_timer.timeout.connect(self._apply_query)
        self._busy_timer = QTimer(self, singleShot=True, interval=BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(lambda: self.busy_bar.setVisible(self.model.is_loading))
        self._register_actions(actions)
        self._connect()
        self._update_add_action()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.search = SearchField(self)
        self.sort_combo = QComboBox(self)
        for text, key in SORT_CHOICES:
            self.sort_combo.addItem(text, key)
        self.sort_combo.setAccessibleName("Sort order")
        sort_label = QLabel("&Sort:", self)
        sort_label.setBuddy(self.sort_combo)
        self.count_label = QLabel("Loading…", self)
        self.count_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("000,000 products"))
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.add_button = QToolButton(self)
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.filter_bar = CatalogFilterBar(self)
        top = QHBoxLayout()
        top.setSpacing(8)
        for widget, stretch, gap in ((self.search, 1, 8), (sort_label, 0, 0),
                                     (self.sort_combo, 0, 8), (self.count_label, 0, 8),
                                     (self.add_button, 0, 0)):
            top.addWidget(widget, stretch)
            top.addSpacing(gap)

        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedHeight(4)
        self.busy_bar.setAccessibleName("Loading")
        policy = self.busy_bar.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the table does not jump when it shows
        self.busy_bar.setSizePolicy(policy)
        self.busy_bar.hide()

        self.category_tree = CategoryTree(self.category_model, self)
        self.table = CatalogTable(self.model, self)
        self.results = QStackedWidget(self)
        self.results.addWidget(self.table)
        self.results.addWidget(self._build_empty_page())
        self.detail = ProductDetail(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for widget in (self.category_tree, self.results, self.detail):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self._splitter_sized = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.splitter, 1)

    def _build_empty_page(self) -> QFrame:
        """Where the table stands when nothing matches: same frame and background."""
        self.empty_page = QFrame(self)
        self.empty_page.setFrameShape(QFrame.Shape.StyledPanel)
        self.empty_page.setBackgroundRole(QPalette.ColorRole.Base)
        self.empty_page.setAutoFillBackground(True)
        self.empty_title = QLabel(self.empty_page)
        self.empty_title.setObjectName("emptyStateTitle")
        self.empty_title.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label = QLabel(self.empty_page)
        self.empty_label.setObjectName("emptyStateText")
        self.empty_label.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self.empty_page)
        layout.addStretch(1)
        for label in (self.empty_title, self.empty_label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            layout.addWidget(label)
        layout.addStretch(2)
        return self.empty_page

    def _register_actions(self, actions: ActionRegistry) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.search_action = actions.register(
            ActionSpec("catalog.search", "Search the catalog", "Ctrl+F",
                       "Move to the catalog's search box (Ctrl+K from anywhere)"),
            self.focus_search, owner=self, context=context)
        self.add_action = actions.register(
            ActionSpec("catalog.add_to_lineup", "Add to lineup", "Ctrl+L",
                       "Add the selected products to the show's lineup (Ctrl+L or Ctrl+Enter)"),
            self.request_add_to_lineup, owner=self, context=context)
        self.add_action.setShortcuts([QKeySequence("Ctrl+L"), QKeySequence("Ctrl+Return"),
                                      QKeySequence("Ctrl+Enter")])
        self.clear_action = actions.register(
            ActionSpec("catalog.clear_filters", "Clear search and filters",
                       "Ctrl+Shift+Backspace", "Show the whole catalog again"),
            self.clear_filters, owner=self, context=context)
        self.add_button.setDefaultAction(self.add_action)
        self.table.addAction(self.add_action)
        # Only hosts build lineups: for anyone else the command is not offered at all.
        actions.set_available("catalog.add_to_lineup", self._is_host())
        self.add_button.setVisible(self._is_host())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _connect(self) -> None:
        self.search.textChanged.connect(lambda _text: self._schedule_apply(SEARCH_DELAY_MS))
        self.search.down_pressed.connect(self._enter_table)
        self.table.up_from_top.connect(self.focus_search)
        self.sort_combo.currentIndexChanged.connect(lambda _i: self._schedule_apply(0))
        self.filter_bar.changed.connect(lambda: self._schedule_apply(0))
        self.filter_bar.clear_button.clicked.connect(self.clear_filters)
        self.category_tree.category_changed.connect(lambda _id: self._schedule_apply(0))
        self.empty_label.linkActivated.connect(lambda _link: self.clear_filters())
        self.table.horizontalHeader().sectionClicked.connect(self._on_header_clicked)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(self._on_selection_changed)
        selection.currentRowChanged.connect(lambda *_: self._show_current())
        self.model.loading_changed.connect(self._on_loading)
        self.model.total_changed.connect(lambda _total: self._update_count())
        self._ctx.signals.status_changed.connect(self._on_sync_status)
        self._ctx.signals.search_index.connect(self.search.set_index_building)
        self.search.set_index_building(self._ctx.signals.search_index_building)
        self.model.query_loaded.connect(self._on_query_loaded)
        self.model.load_failed.connect(self._on_load_failed)
        self.model.sort_changed.connect(self._sync_sort)
        self.model.modelReset.connect(self._on_selection_changed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._splitter_sized:  # first shown: the table takes what tree and detail leave
            self._splitter_sized = True
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([TREE_WIDTH, max(total - TREE_WIDTH - DETAIL_WIDTH, 300),
                                    DETAIL_WIDTH])

    # ------------------------------------------------------------------ public
    def activate(self) -> None:
        """Called by the shell when the screen becomes visible: loads on first use."""
        if not self._started:
            self._started = True
            self.category_model.reload()
            self.filter_bar.load_wholesalers(self._ctx)
            self._apply_query()
        focus = self.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.focus_search()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def selected_product_ids(self) -> list[str]:
        return self.model.ids_of(self.table.selectionModel().selectedRows())

    def request_add_to_lineup(self) -> None:
        ids = self.selected_product_ids()
        if ids and self._is_host():
            self.add_to_lineup_requested.emit(ids)

    def clear_filters(self) -> None:
        """Show the whole catalog: no search text, no filters, all categories."""
        for widget in (self.search, self.filter_bar):
            widget.blockSignals(True)
        try:
            self.search.clear()
            self.filter_bar.clear()
        finally:
            for widget in (self.search, self.filter_bar):
                widget.blockSignals(False)
        self.category_tree.select(None)
        self._schedule_apply(0)

    def current_filters(self) -> CatalogFilters:
        low, high = self.filter_bar.price_range
        return CatalogFilters(
            category_id=self.category_tree.category_id,
            wholesaler_id=self.filter_bar.wholesaler_id, min_price=low, max_price=high,
            in_stock_only=self.filter_bar.in_stock.isChecked(),
            live_eligible_only=self.filter_bar.live_eligible.isChecked())

    # ------------------------------------------------------------------ query
    def _schedule_apply(self, delay_ms: int) -> None:
        if self._started:
            self._apply_timer.start(delay_ms)  # restarts: typing settles before a search

    def _apply_query(self) -> None:
        self._apply_timer.stop()
        text, filters = self.search.text().strip(), self.current_filters()
        sort, model = self.sort_combo.currentData(), self.model
        counted = filters.search_kwargs()
        del counted["category_ids"]  # the tree's own choice does not change its counts
        self.category_model.set_count_query(text or None, **counted)
        if (text, filters, sort) == (model.text, model.filters, model.sort_key) and (
                model.total_count is not None or model.is_loading):
            return
        model.set_query(text, filters, sort)

    def _on_header_clicked(self, section: int) -> None:
        current = CatalogModel.indicator_for(self.model.sort_key)
        ascending = section != columns.STOCK  # most-stocked first is the useful order
        if current is not None and current[0] == section:
            ascending = current[1] != Qt.SortOrder.AscendingOrder
        key = CatalogModel.sort_for(section, ascending)
        if key is None or key == self.model.sort_key:
            self._sync_sort(self.model.sort_key)  # the header keeps showing the real order
            return
        self.sort_combo.setCurrentIndex(self.sort_combo.findData(key))
        self._apply_query()

    def _sync_sort(self, key: str) -> None:
        """Show `key` in the sort combo and the header's indicator."""
        self.sort_combo.blockSignals(True)
        self.sort_combo.setCurrentIndex(self.sort_combo.findData(key))
        self.sort_combo.blockSignals(False)
        indicator = CatalogModel.indicator_for(key) or (-1, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setSortIndicator(*indicator)

    # ------------------------------------------------------------------ model events
    def _on_loading(self) -> None:
        if not self.model.is_loading:
            self._busy_timer.stop()
            self.busy_bar.hide()
        elif not self._busy_timer.isActive() and self.busy_bar.isHidden():
            self._busy_timer.start()

    def _waiting_for_catalog(self) -> bool:
        """Nothing to show only because the first pull has not finished yet."""
        return (self.model.total_count or 0) == 0 and not self.model.catalog_synced

    def _update_count(self) -> None:
        total = self.model.total_count or 0
        waiting = self._waiting_for_catalog() and not self.model.text
        self.count_label.setText("Loading…" if waiting else count_text(total))

    def _on_sync_status(self, state: str, _pending: int, _detail: str) -> None:
        """A sync ended or the connection changed: an empty catalog may be final now (a first
        pull of an empty catalog changes no rows), or waiting for the connection."""
        changed, self._sync_state = state != self._sync_state, state
        if self._started and changed and self._waiting_for_catalog():
            self.model.refresh()

    def _on_query_loaded(self) -> None:
        total = self.model.total_count or 0
        self._update_count()
        if total == 0:
            self._show_empty(*self._empty_texts())
        else:
            self.results.setCurrentWidget(self.table)
        self._show_current()
        self._update_add_action()

    def _empty_texts(self) -> tuple[str, str]:
        """(title, rich text with a "clear filters" link) of the no-results state."""
        loading = not self.model.catalog_synced
        later = " The catalog is still loading: try again in a moment." if loading else ""
        if text := self.model.text:
            return (f"No products match “{text}”",
                    f'Try other words, or <a href="clear">clear filters</a>.{later}')
        if not self.model.filters.is_default:
            return ("No products match these filters",
                    f'<a href="clear">Clear filters</a> to see the whole catalog.{later}')
        if loading and self._sync_state == "offline":
            return ("The catalog has not been fetched yet",
                    "You are offline: products appear here when the connection returns.")
        if loading:
            return (LOADING_TITLE, "Products appear here as they arrive from the server.")
        return ("The catalog is empty", "The server has no products in the catalog yet.")

    def _show_empty(self, title: str, text: str) -> None:
        self.empty_title.setText(title)
        self.empty_label.setText(text)
        self.results.setCurrentWidget(self.empty_page)

    def _on_load_failed(self, message: str) -> None:
        self.count_label.setText("—")
        self._show_empty("The catalog could not be read",
                         f'{html.escape(message)}<br>Try another search, or '
                         '<a href="clear">clear filters</a>.')

    def _on_selection_changed(self, *_args: Any) -> None:
        self._update_add_action()
        self._show_current()

    def _show_current(self) -> None:
        index = self.table.currentIndex()
        selected = index.isValid() and self.table.selectionModel().isRowSelected(index.row())
        row = self.model.data(index, ProductRole) if selected else None
        if row is None:
            self.detail.show_product(None)
            return
        self.detail.show_product(row, wholesaler=self.model.wholesaler_name(row["wholesaler_id"]),
                                 category_path=self.model.category_path(row["category_id"]))

    def _is_host(self) -> bool:
        return "host" in self._ctx.roles

    def _update_add_action(self) -> None:
        count = len(self.table.selectionModel().selectedRows())
        if not self._is_host():
            tip = "Only hosts build lineups: sign in as a host to add products"
        elif count == 0:
            tip = "Select products to add them to a show's lineup"
        else:
            noun = "product" if count == 1 else "products"
            tip = f"Add {count} selected {noun} to the lineup (Ctrl+L or Ctrl+Enter)"
        self.add_action.setEnabled(self._is_host() and count > 0)
        self.add_action.setToolTip(tip)

    # ------------------------------------------------------------------ keyboard
    def _enter_table(self) -> None:
        if self.model.rowCount() == 0:
            return
        self.table.setFocus(Qt.FocusReason.TabFocusReason)
        if not self.table.selectionModel().hasSelection():
            # Focus may have set a current item without selecting it: select the row shown.
            self.table.selectRow(max(self.table.currentIndex().row(), 0))
