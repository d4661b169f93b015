"""The wholesaler's lineup preview: exactly the lineup items selling their products, live price
next to wholesale price, filterable by show, read-only, following the cache, no buyer data."""

from __future__ import annotations

import pytest
from lineup_support import (
    HOST,
    OTHER_HOST,
    host_row,
    item_row,
    product_row,
    show_id,
    show_row,
    wholesaler_context,
)
from PySide6.QtCore import Qt

from studio.ui.actions import ActionRegistry
from studio.ui.models.wholesaler_preview_model import (
    COLUMNS,
    PRODUCT,
    SHOW,
    WholesalerPreviewModel,
)
from studio.ui.models.wholesaler_preview_model import (
    HOST as HOST_COLUMN,
)
from studio.ui.screens.wholesaler_preview_screen import (
    EMPTY,
    MIN_WIDTHS,
    NOT_A_WHOLESALER,
    WholesalerPreviewScreen,
)

SHOWS = [
    show_row(1, title="Cozy Sunday"),
    show_row(2, title="Winter Warmers", status="live"),
    show_row(3, host=OTHER_HOST, title="Jordan's Picks"),
    show_row(4, title="Last month", status="ended", scheduled_start="2026-11-01T18:00:00+00:00"),
]
ITEMS = [
    # Show 1 (Maya): two of our products and one of another wholesaler's.
    item_row(1, 1, 1, 0, live_price="19.99", allocated_quantity=8, sold_quantity=0),
    item_row(2, 1, 5, 1),
    item_row(3, 1, 2, 2, live_price="39.99", compare_at_price="50.00", allocated_quantity=5),
    # Show 2 (Maya, live): ours, sold some; a host's own item.
    item_row(4, 2, 3, 0, live_price="9.99", compare_at_price="9.99", allocated_quantity=20,
             sold_quantity=6),
    item_row(5, 2, None, 1),
    # Show 3 (Jordan): ours, priced below wholesale; another wholesaler's.
    item_row(6, 3, 1, 0, host=OTHER_HOST, live_price="11.00", compare_at_price=None,
             allocated_quantity=3),
    item_row(7, 3, 6, 1, host=OTHER_HOST),
    # Show 4 (Maya, ended last month): ours, sold out.
    item_row(9, 4, 3, 0, live_price="8.00", compare_at_price="9.99", allocated_quantity=10,
             sold_quantity=10),
]


@pytest.fixture
def ctx(fake_context):
    return wholesaler_context(fake_context, SHOWS, ITEMS)


def open_screen(qtbot, run, ctx) -> WholesalerPreviewScreen:
    screen = WholesalerPreviewScreen(ctx, ActionRegistry())
    qtbot.addWidget(screen)
    screen.resize(1400, 600)
    screen.show()
    screen.activate()
    run(screen.wait_idle())
    return screen


def table(model: WholesalerPreviewModel) -> list[list[str]]:
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_exactly_the_items_selling_our_products_with_live_and_wholesale_prices(
    qtbot, run, ctx, qtmodeltester
) -> None:
    screen = open_screen(qtbot, run, ctx)
    model = screen.model
    qtmodeltester.check(model)
    assert list(COLUMNS) == [
        "Show", "Starts", "Status", "Host", "Product", "SKU", "Allocated", "Sold", "Live price",
        "Wholesale", "Difference", "Markup"]
    rows = table(model)
    # The live show first, then upcoming shows soonest first; lineup order within a show.
    assert [[r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]]
            for r in rows] == [
        ["Winter Warmers", "Live", "Maya Chen", "Ceramic Mug", "SKU-003", "20", "6", "$9.99",
         "$4.00", "+$5.99", "149.8%"],
        ["Cozy Sunday", "Scheduled", "Maya Chen", "Linen Throw", "SKU-001", "8", "0", "$19.99",
         "$12.00", "+$7.99", "66.6%"],
        ["Cozy Sunday", "Scheduled", "Maya Chen", "Soy Candle", "SKU-002", "5", "0", "$39.99",
         "$8.50", "+$31.49", "370.5%"],
        ["Jordan's Picks", "Scheduled", "Jordan Reyes", "Linen Throw", "SKU-001", "3", "0",
         "$11.00", "$12.00", "-$1.00", "-8.3%"],
        ["Last month", "Ended", "Maya Chen", "Ceramic Mug", "SKU-003", "10", "10", "$8.00",
         "$4.00", "+$4.00", "100.0%"],
    ]
    assert screen.summary.text() == (
        "5 lineup items in 4 shows · 46 units allocated · 16 sold. "
        "Read-only: hosts set live prices and allocations.")


def test_nothing_in_the_preview_is_about_buyers_and_nothing_is_editable(
    qtbot, run, ctx
) -> None:
    screen = open_screen(qtbot, run, ctx)
    model = screen.model
    words = " ".join(COLUMNS).lower()
    for personal in ("customer", "buyer", "email", "phone", "address", "order", "name "):
        assert personal not in words
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            assert not model.flags(model.index(row, column)) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(0, 8), "1.00")


def test_the_show_filter_narrows_to_one_lineup(qtbot, run, ctx) -> None:
    screen = open_screen(qtbot, run, ctx)
    combo = screen.show_filter
    labels = [combo.itemText(i).split(" · ")[:2] for i in range(1, combo.count())]
    assert combo.itemText(0) == "All shows"
    assert labels == [["Winter Warmers", "Maya Chen"], ["Cozy Sunday", "Maya Chen"],
                      ["Jordan's Picks", "Jordan Reyes"], ["Last month", "Maya Chen"]]
    screen.select_show(show_id(1))
    assert [row[4] for row in table(screen.model)] == ["Linen Throw", "Soy Candle"]
    assert screen.summary.text().startswith("2 lineup items in 1 shows · 13 units allocated")
    screen.select_show(None)
    assert combo.currentIndex() == 0 and screen.model.rowCount() == 5


def test_the_preview_follows_hosts_edits(qtbot, run, ctx, wait_until) -> None:
    screen = open_screen(qtbot, run, ctx)
    screen.select_show(show_id(2))
    ctx.insert("live_products", [
        item_row(4, 2, 3, 0, live_price="8.99", compare_at_price="9.99", allocated_quantity=25,
                 sold_quantity=6),
        item_row(8, 2, 2, 2, live_price="45.00", compare_at_price="50.00",
                 allocated_quantity=2)])
    wait_until(lambda: screen.model.rowCount() == 2)
    run(screen.wait_idle())
    assert [(r[4], r[6], r[8]) for r in table(screen.model)] == [
        ("Ceramic Mug", "25", "$8.99"), ("Soy Candle", "2", "$45.00")]
    assert screen.show_filter.currentText().startswith("Winter Warmers")
    ctx.delete("live_products", [item_row(8, 2, 2, 2)["id"]])
    wait_until(lambda: screen.model.rowCount() == 1)


def test_an_empty_preview_and_a_non_wholesaler_say_so(qtbot, run, fake_context) -> None:
    empty = wholesaler_context(fake_context, SHOWS, [])
    assert open_screen(qtbot, run, empty).summary.text() == EMPTY
    host = fake_context({}, roles=frozenset({"host"}), profile_ids={"host": HOST})
    screen = open_screen(qtbot, run, host)
    assert screen.summary.text() == NOT_A_WHOLESALER and screen.model.rowCount() == 0
    assert show_id(1) not in screen.model.shows()


def test_an_item_whose_show_has_not_synced_yet_waits_for_it(qtbot, run, fake_context) -> None:
    early = item_row(10, 9, 2, 0, live_price="45.00", compare_at_price="50.00",
                     allocated_quantity=2)
    ctx = wholesaler_context(fake_context, SHOWS, [*ITEMS, early])
    screen = open_screen(qtbot, run, ctx)
    assert screen.model.rowCount() == 5
    ctx.insert("live_stream_sessions", [show_row(9, title="Pop-up")])
    qtbot.waitUntil(lambda: screen.model.rowCount() == 6)
    run(screen.wait_idle())
    assert "Pop-up" in [row[0] for row in table(screen.model)]


LONG_TITLE = "Cozy Sunday Evening: Candles, Throws and Warm Drinks for the Winter Season"
LONG_PRODUCT = "Hand-thrown Stoneware Ceramic Mug with Speckled Reactive Glaze, 350 ml"
LONG_HOST = "Maya Chen-Okonkwo Livestream Studio"


@pytest.mark.parametrize("width", [1040, 1360])  # the table on a 1280 and a 1600 screen
def test_every_column_stays_readable_and_long_names_elide_in_the_middle(
    qtbot, run, ctx, wait_until, width: int
) -> None:
    ctx.insert("products", [product_row(3) | {"name": LONG_PRODUCT}])
    ctx.insert("influencers", [host_row(HOST, LONG_HOST, "mayalive")])
    ctx.insert("live_stream_sessions", [show_row(1, title=LONG_TITLE)])
    screen = open_screen(qtbot, run, ctx)
    screen.resize(width, 600)
    wait_until(lambda: LONG_TITLE in [row[SHOW] for row in table(screen.model)])
    run(screen.wait_idle())
    qtbot.wait(10)  # the resize reaches the table
    header, view = screen.table.horizontalHeader(), screen.table
    sizes = {column: header.sectionSize(column) for column in range(len(COLUMNS))}
    assert sizes[SHOW] >= MIN_WIDTHS[SHOW] and sizes[PRODUCT] >= MIN_WIDTHS[PRODUCT]
    assert sizes[HOST_COLUMN] >= MIN_WIDTHS[HOST_COLUMN]
    # Every column fits the table at this width: nothing to scroll sideways to.
    assert sum(sizes.values()) <= view.viewport().width()
    metrics = view.fontMetrics()
    for column in range(len(COLUMNS)):  # headings and numbers are never cut
        if column not in (SHOW, HOST_COLUMN, PRODUCT):
            texts = [COLUMNS[column], *(row[column] for row in table(screen.model))]
            assert sizes[column] >= max(metrics.horizontalAdvance(t) for t in texts), column
    # Names that do not fit elide in the middle on one line; the tooltip has them whole.
    assert view.textElideMode() == Qt.TextElideMode.ElideMiddle and not view.wordWrap()
    model = screen.model
    row = [r[SHOW] for r in table(model)].index(LONG_TITLE)
    assert model.index(row, SHOW).data(Qt.ItemDataRole.ToolTipRole).startswith(LONG_TITLE)
    mug = [r[PRODUCT] for r in table(model)].index(LONG_PRODUCT)
    assert model.index(mug, PRODUCT).data(Qt.ItemDataRole.ToolTipRole) == (
        f"{LONG_PRODUCT} (SKU-003)")
    assert model.index(mug, HOST_COLUMN).data(Qt.ItemDataRole.ToolTipRole) == LONG_HOST
    # The show, the widest text, gets the larger share of the spare width.
    assert sizes[SHOW] >= sizes[PRODUCT] >= sizes[HOST_COLUMN]
