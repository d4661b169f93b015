"""The Catalog screen, driven like a user: typing, filters, keyboard, selection, add to lineup."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from catalog_support import (
    WHOLESALERS,
    Catalog,
    category_id,
    category_row,
    descendants,
    matches_text,
    open_catalog,
    wholesaler_id,
    wholesaler_row,
)
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView

from studio.sync.cache import CacheDataError
from studio.sync.engine.pull import _finish_first_pull
from studio.ui.actions import ActionRegistry
from studio.ui.models.catalog_model import (
    CATEGORY,
    NAME,
    PRODUCT_IDS_MIME,
    RETAIL_PRICE,
    STOCK,
    WHOLESALE_PRICE,
    ProductRole,
)
from studio.ui.screens.catalog_filters import MIN_ABOVE_MAX
from studio.ui.screens.catalog_screen import NAME_FLOOR, NAME_MIN_WIDTH, CatalogScreen


@pytest.fixture
def catalog(fake_context) -> Catalog:
    return open_catalog(fake_context)


def open_screen(qtbot, wait_until, ctx) -> CatalogScreen:
    screen = CatalogScreen(ctx, ActionRegistry())
    qtbot.addWidget(screen)
    screen.resize(1280, 760)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    screen.activate()
    idle(wait_until, screen)
    return screen


@pytest.fixture
def screen(qtbot, catalog, wait_until) -> CatalogScreen:
    return open_screen(qtbot, wait_until, catalog.ctx)


def idle(wait_until, screen: CatalogScreen) -> None:
    """Wait until the debounce has fired and every read has answered."""
    wait_until(lambda: not screen._apply_timer.isActive() and not screen.model.is_loading
              and not screen.category_model.is_loading and screen.model.total_count is not None)


def shown_ids(wait_until, screen: CatalogScreen) -> set[str]:
    model = screen.model
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        wait_until(lambda: not model.is_loading)
    return {model.product_id(row) for row in range(model.rowCount())}


def expected(catalog: Catalog, keep) -> set[str]:
    return {row["id"] for row in catalog.products if keep(row)}


def type_search(qtbot, wait_until, screen: CatalogScreen, text: str) -> None:
    screen.search.clear()
    qtbot.keyClicks(screen.search, text)
    idle(wait_until, screen)


def test_typing_searches_after_a_pause(qtbot, catalog, wait_until, screen) -> None:
    assert screen.count_label.text() == "450 products"
    queries: list[str] = []
    screen.model.query_loaded.connect(lambda: queries.append(screen.model.text))
    type_search(qtbot, wait_until, screen, "serum")
    want = expected(catalog, lambda row: matches_text(row, "serum"))
    assert queries == ["serum"]  # one search for the whole word, not one per keystroke
    assert shown_ids(wait_until, screen) == want
    assert screen.count_label.text() == f"{len(want)} products"
    assert screen.results.currentWidget() is screen.table


def test_category_tree_filters_including_descendants(qtbot, catalog, wait_until,
                                                     screen) -> None:
    beauty = screen.category_model.index_of(category_id(1))
    screen.category_tree.setCurrentIndex(beauty)
    idle(wait_until, screen)
    want = expected(catalog, lambda row: row["category_id"] in descendants(1))
    assert shown_ids(wait_until, screen) == want
    assert screen.count_label.text() == f"{len(want)} products"
    screen.category_tree.setCurrentIndex(screen.category_model.index_of(None))
    idle(wait_until, screen)
    assert screen.model.total_count == 450


def test_filter_bar_narrows_and_clear_filters_restores(qtbot, catalog, wait_until,
                                                       screen) -> None:
    bar = screen.filter_bar
    bar.wholesaler_combo.setCurrentIndex(bar.wholesaler_combo.findData(wholesaler_id(3)))
    idle(wait_until, screen)
    assert shown_ids(wait_until, screen) == expected(
        catalog, lambda row: row["wholesaler_id"] == wholesaler_id(3))
    bar.in_stock.setChecked(True)
    bar.live_eligible.setChecked(True)
    qtbot.keyClicks(bar.min_price, "10")
    qtbot.keyClicks(bar.max_price, "40.00")
    idle(wait_until, screen)
    assert shown_ids(wait_until, screen) == expected(catalog, lambda row: (
        row["wholesaler_id"] == wholesaler_id(3) and row["stock_quantity"] > 0
        and row["is_live_eligible"] and 10 <= Decimal(row["wholesale_price"]) <= 40))
    qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    idle(wait_until, screen)
    assert screen.model.total_count == 450 and screen.model.filters.is_default
    assert bar.wholesaler_combo.currentIndex() == 0 and bar.min_price.text() == ""


@pytest.mark.parametrize(("low", "high", "message"), [
    ("50", "10", MIN_ABOVE_MAX),
    ("abc", "10", "Minimum price: Not a price: 'abc'"),
    ("5", "-5", "Maximum price: prices cannot be negative"),
    ("5", "12,50", "Maximum price: Use a dot for cents, e.g. 12.50"),
])
def test_a_bad_price_range_shows_why_and_is_not_applied(qtbot, catalog, wait_until, screen,
                                                        low, high, message) -> None:
    bar = screen.filter_bar
    qtbot.keyClicks(bar.max_price, "10")
    idle(wait_until, screen)
    applied = screen.model.filters
    assert (applied.min_price, applied.max_price) == (None, Decimal("10"))
    loads: list[int] = []
    screen.model.query_loaded.connect(lambda: loads.append(1))
    bar.max_price.setText(high)
    bar.min_price.setText(low)
    idle(wait_until, screen)
    qtbot.wait(50)
    assert bar.price_error == message and bar.error_label.isVisible()
    assert screen.model.filters == applied and loads == []  # the last valid range stays
    bar.max_price.setText("60")
    bar.min_price.setText("5")
    idle(wait_until, screen)
    assert bar.price_error is None and not bar.error_label.isVisible()
    assert (screen.model.filters.min_price, screen.model.filters.max_price) == (
        Decimal("5"), Decimal("60"))
    assert shown_ids(wait_until, screen) == expected(
        catalog, lambda row: 5 <= Decimal(row["wholesale_price"]) <= 60)


def test_sort_combo_and_header_sort_by_price(qtbot, catalog, wait_until, screen) -> None:
    prices = {row["id"]: Decimal(row["wholesale_price"]) for row in catalog.products}
    screen.sort_combo.setCurrentIndex(screen.sort_combo.findData("price_asc"))
    idle(wait_until, screen)
    shown = [prices[screen.model.product_id(r)] for r in range(screen.model.rowCount())]
    assert shown == sorted(prices.values())[:200]
    header = screen.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        WHOLESALE_PRICE, Qt.SortOrder.AscendingOrder)
    header.sectionClicked.emit(WHOLESALE_PRICE)  # a second click reverses the order
    idle(wait_until, screen)
    assert screen.sort_combo.currentData() == "price_desc"
    assert prices[screen.model.product_id(0)] == max(prices.values())
    header.sectionClicked.emit(1)  # brand cannot be sorted on: nothing changes
    idle(wait_until, screen)
    assert screen.model.sort_key == "price_desc" and header.sortIndicatorSection() == \
        WHOLESALE_PRICE


def test_scrolling_to_the_end_loads_the_next_page(qtbot, catalog, wait_until, screen) -> None:
    assert screen.model.rowCount() == 200
    bar = screen.table.verticalScrollBar()
    bar.setValue(bar.maximum())
    wait_until(lambda: screen.model.rowCount() == 400 and not screen.model.is_loading)
    bar.setValue(bar.maximum())
    wait_until(lambda: screen.model.rowCount() == 450)
    assert screen.count_label.text() == "450 products"


@pytest.mark.parametrize("text", ['"', "*", "AND (", '"serum', "NOT", "zzzz"])
def test_hostile_text_shows_results_or_the_empty_state(qtbot, catalog, wait_until, screen,
                                                       text) -> None:
    failures: list[str] = []
    screen.model.load_failed.connect(failures.append)
    type_search(qtbot, wait_until, screen, text)
    assert failures == []
    if screen.model.total_count:
        assert screen.results.currentWidget() is screen.table
    else:
        assert screen.results.currentWidget() is screen.empty_page
        assert screen.empty_title.text() == f"No products match “{text}”"
        assert screen.count_label.text() == "0 products"


def test_empty_state_link_clears_the_search(qtbot, catalog, wait_until, screen) -> None:
    type_search(qtbot, wait_until, screen, "zzzz")
    assert screen.results.currentWidget() is screen.empty_page
    assert 'href="clear"' in screen.empty_label.text()
    screen.empty_label.linkActivated.emit("clear")
    idle(wait_until, screen)
    assert screen.search.text() == "" and screen.model.total_count == 450
    assert screen.results.currentWidget() is screen.table


def test_ctrl_l_adds_the_selected_products(qtbot, catalog, wait_until, screen) -> None:
    requests: list[list[str]] = []
    screen.add_to_lineup_requested.connect(requests.append)
    assert not screen.add_action.isEnabled()
    assert screen.add_action.toolTip() == "Select products to add them to a show's lineup"
    selection = screen.table.selectionModel()
    screen.table.selectRow(4)
    selection.select(screen.model.index(2, 0), selection.SelectionFlag.Select
                     | selection.SelectionFlag.Rows)
    screen.table.setFocus()
    assert screen.add_action.isEnabled()
    qtbot.keyClick(screen.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(screen.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    ids = [screen.model.product_id(2), screen.model.product_id(4)]
    assert requests == [ids, ids]
    mime = screen.model.mimeData(selection.selectedIndexes())
    assert json.loads(bytes(mime.data(PRODUCT_IDS_MIME)).decode()) == ids
    assert screen.table.dragEnabled()
    assert screen.table.dragDropMode() == QAbstractItemView.DragDropMode.DragOnly


def test_adding_is_refused_to_someone_who_is_not_a_host(qtbot, fake_context,
                                                        wait_until) -> None:
    catalog = open_catalog(fake_context, roles=frozenset({"wholesaler"}))
    registry = ActionRegistry()
    screen = CatalogScreen(catalog.ctx, registry)
    qtbot.addWidget(screen)
    screen.show()
    screen.activate()
    idle(wait_until, screen)
    # The command does not apply to a wholesaler: no button, no F1 entry, no menu item.
    assert screen.add_button.isHidden()
    assert "catalog.add_to_lineup" not in {spec.action_id for spec in registry.specs()}
    assert not screen.add_action.isVisible()
    requests: list[list[str]] = []
    screen.add_to_lineup_requested.connect(requests.append)
    screen.table.selectRow(0)
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    screen.request_add_to_lineup()
    assert requests == [] and not screen.add_action.isEnabled()
    assert screen.add_button.toolTip().startswith("Only hosts build lineups")


def test_keyboard_esc_clears_down_enters_up_returns(qtbot, catalog, wait_until, screen) -> None:
    screen.focus_search()
    type_search(qtbot, wait_until, screen, "chef")
    assert screen.model.total_count == len(expected(catalog, lambda r: matches_text(r, "chef")))
    qtbot.keyClick(screen.search, Qt.Key.Key_Down)
    assert screen.table.hasFocus() and screen.table.currentIndex().row() == 0
    assert screen.detail.product_id == screen.model.product_id(0)
    qtbot.keyClick(screen.table, Qt.Key.Key_Down)
    assert screen.detail.product_id == screen.model.product_id(1)
    qtbot.keyClick(screen.table, Qt.Key.Key_Up)
    qtbot.keyClick(screen.table, Qt.Key.Key_Up)
    assert screen.search.hasFocus()
    qtbot.keyClick(screen.search, Qt.Key.Key_Escape)
    idle(wait_until, screen)
    assert screen.search.text() == "" and screen.model.total_count == 450


def test_detail_pane_shows_the_current_product(qtbot, catalog, wait_until, screen) -> None:
    screen.table.selectRow(0)
    row = next(p for p in catalog.products if p["id"] == screen.model.product_id(0))
    detail = screen.detail
    wholesale, retail = Decimal(row["wholesale_price"]), Decimal(row["retail_price"])
    assert detail.name_label.text() == row["name"]
    assert detail.field_text("sku") == row["sku"]
    assert detail.field_text("wholesale") == f"${wholesale:,.2f}"
    assert detail.field_text("retail") == f"${retail:,.2f}"
    percent = ((retail - wholesale) * 100 / retail).quantize(Decimal("0.1"))
    assert detail.field_text("margin") == f"${retail - wholesale:,.2f} ({percent}%)"
    names = {wholesaler_id(n): name for n, name in WHOLESALERS}
    assert detail.field_text("wholesaler") == names[row["wholesaler_id"]]
    assert " › " in detail.field_text("category")
    assert detail.image.text == "".join(w[0] for w in row["name"].split()[:2]).upper()
    screen.table.clearSelection()
    assert detail.product_id is None


def test_a_sync_refresh_keeps_the_selected_product_selected(qtbot, catalog, wait_until,
                                                            screen) -> None:
    screen.sort_combo.setCurrentIndex(screen.sort_combo.findData("price_asc"))
    idle(wait_until, screen)
    screen.table.selectRow(10)
    chosen = screen.model.product_id(10)
    row = next(p for p in catalog.products if p["id"] == chosen)
    catalog.upsert_products([{**row, "wholesale_price": "0.01", "stock_quantity": 999}])
    wait_until(lambda: screen.model.product_id(0) == chosen
              and not screen.model.is_loading)
    qtbot.wait(50)
    assert screen.selected_product_ids() == [chosen]
    assert screen.table.currentIndex().row() == 0
    assert screen.detail.field_text("stock") == "999 units"
    assert screen.detail.field_text("wholesale") == "$0.01"


def test_actions_are_registered_with_shortcuts(qtbot, catalog, wait_until) -> None:
    registry = ActionRegistry()
    screen = CatalogScreen(catalog.ctx, registry)
    qtbot.addWidget(screen)
    ids = {spec.action_id: spec for spec in registry.specs()}
    assert {"catalog.search", "catalog.add_to_lineup", "catalog.clear_filters"} <= set(ids)
    shortcuts = [k.toString() for k in registry.action("catalog.add_to_lineup").shortcuts()]
    assert shortcuts == ["Ctrl+L", "Ctrl+Return", "Ctrl+Enter"]
    assert (CatalogScreen.nav_id, CatalogScreen.nav_title) == ("catalog", "Catalog")


def test_narrow_tables_hide_optional_columns_first(qtbot, catalog, wait_until, screen) -> None:
    header = screen.table.horizontalHeader()
    screen.resize(1600, 760)
    wait_until(lambda: not header.isSectionHidden(CATEGORY))
    assert not any(header.isSectionHidden(c) for c in range(screen.model.columnCount()))
    screen.resize(1000, 760)
    wait_until(lambda: header.isSectionHidden(CATEGORY))
    assert not header.isSectionHidden(WHOLESALE_PRICE) and not header.isSectionHidden(STOCK)
    assert header.sectionSize(NAME) >= NAME_MIN_WIDTH
    screen.resize(1600, 760)
    wait_until(lambda: not header.isSectionHidden(CATEGORY))
    assert header.sectionSize(NAME) > NAME_MIN_WIDTH


def test_detail_values_are_one_readable_line_or_elided_with_a_tooltip(
    qtbot, catalog, wait_until, screen
) -> None:
    screen.resize(940, 600)
    screen.table.selectRow(0)
    detail = screen.detail
    wait_until(lambda: detail.field_text("category") != "")
    qtbot.wait(20)
    line = detail.fields["sku"].fontMetrics().height()
    for key, value in detail.fields.items():
        shown = value.displayed_text()
        # Nothing is cut mid-line: the whole text or an elided one fits the label's one line.
        assert value.height() >= line, key
        assert value.fontMetrics().horizontalAdvance(shown) <= value.contentsRect().width(), key
        assert value.toolTip() == (value.text() if shown != value.text() else ""), key
    path = "Sports & Outdoors › Yoga & Pilates › Mats and Blocks"
    detail.show_product(screen.model.data(screen.model.index(0, NAME), ProductRole),
                        wholesaler="Northwind Goods", category_path=path)
    category = detail.fields["category"]
    assert category.text() == path and category.is_elided() and category.toolTip() == path
    assert category.height() < 2 * line  # one line, not a wrapped one cut in half


# The screen in a 1280-wide window, a 1152-wide one and a little less.
@pytest.mark.parametrize("width", [1070, 940, 900])
def test_beside_tree_and_detail_prices_and_stock_fit_without_scrolling(
    qtbot, catalog, wait_until, screen, width: int
) -> None:
    header = screen.table.horizontalHeader()
    screen.resize(width, 600)
    wait_until(lambda: header.isSectionHidden(CATEGORY))
    # Shorter: the rows need the vertical scroll bar, which narrows the viewport only.
    screen.resize(width, 260)
    wait_until(lambda: screen.table.verticalScrollBar().isVisible())
    qtbot.wait(20)
    for column in (NAME, WHOLESALE_PRICE, RETAIL_PRICE, STOCK):
        assert not header.isSectionHidden(column)
    assert header.sectionSize(NAME) >= NAME_FLOOR
    assert screen.table.horizontalScrollBar().maximum() == 0
    visible = sum(header.sectionSize(c) for c in range(screen.model.columnCount())
                  if not header.isSectionHidden(c))
    assert visible <= screen.table.viewport().width()


def test_a_failed_read_shows_a_message_not_a_traceback(qtbot, catalog, wait_until,
                                                      screen) -> None:
    async def broken_read(fn, *args, **kwargs):
        raise CacheDataError("catalog search: the cache file is damaged")

    catalog.ctx.read = broken_read
    type_search(qtbot, wait_until, screen, "serum")
    assert screen.results.currentWidget() is screen.empty_page
    assert screen.empty_title.text() == "The catalog could not be read"
    assert "the cache file is damaged" in screen.empty_label.text()
    assert screen.count_label.text() == "—" and not screen.model.is_loading


def test_an_empty_catalog_says_so_after_its_first_pull(qtbot, fake_context,
                                                      wait_until) -> None:
    ctx = open_catalog(fake_context, count=0).ctx
    # The engine's own record that the first pull finished: the server has no products.
    ctx.writer.call(_finish_first_pull, "products", "")
    screen = open_screen(qtbot, wait_until, ctx)
    assert screen.results.currentWidget() is screen.empty_page
    assert screen.empty_title.text() == "The catalog is empty"
    assert "href" not in screen.empty_label.text()
    assert screen.count_label.text() == "0 products"


def test_synced_wholesalers_and_categories_keep_the_choices(qtbot, catalog, wait_until,
                                                           screen) -> None:
    combo = screen.filter_bar.wholesaler_combo
    combo.setCurrentIndex(combo.findData(wholesaler_id(2)))
    screen.category_tree.select(category_id(2))
    idle(wait_until, screen)
    chosen = screen.model.filters
    assert chosen.category_id == category_id(2) and chosen.wholesaler_id == wholesaler_id(2)
    catalog.ctx.insert("wholesalers", [wholesaler_row(4, "Zephyr Imports")])
    catalog.ctx.insert("categories", [category_row(10, 1, "Haircare")])
    wait_until(lambda: combo.count() == 5 and screen.category_model.index_of(
        category_id(10)).isValid())
    idle(wait_until, screen)
    assert combo.itemText(4) == "Zephyr Imports" and combo.currentData() == wholesaler_id(2)
    assert screen.category_tree.currentIndex() == screen.category_model.index_of(category_id(2))
    assert screen.model.filters == chosen


def test_ctrl_f_and_clear_shortcut(qtbot, catalog, wait_until, screen) -> None:
    type_search(qtbot, wait_until, screen, "chef")
    screen.filter_bar.in_stock.setChecked(True)
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert screen.search.hasFocus() and screen.search.selectedText() == "chef"
    qtbot.keyClick(screen.search, Qt.Key.Key_Backspace,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    idle(wait_until, screen)
    assert screen.search.text() == "" and not screen.filter_bar.in_stock.isChecked()
    assert screen.model.total_count == 450
