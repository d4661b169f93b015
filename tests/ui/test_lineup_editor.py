"""The lineup builder on the Shows screen over a real cache: adding, reordering, editing,
removing, with every change in the cache and the outbox, and bad input sending nothing."""

from __future__ import annotations

import json
import warnings
from decimal import Decimal
from uuid import UUID

import pytest
from lineup_support import (
    HOST,
    STAMP,
    host_context,
    item_id,
    item_row,
    lineup_rows,
    long_lineup_rows,
    positions,
    product_id,
    settle,
    show_id,
    show_row,
)
from PySide6.QtCore import QMimeData, QModelIndex, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from studio.sync.lineup_ops import ITEM_INSERT_COLUMNS
from studio.ui.actions import ActionRegistry
from studio.ui.models.lineup_model import ALLOCATED, COMPARE_AT, LIVE_PRICE, PRODUCT_IDS_MIME
from studio.ui.screens.product_picker import ProductPicker
from studio.ui.screens.shows_screen import ShowsScreen


def open_screen(qtbot, run, ctx, show_n: int = 1) -> ShowsScreen:
    screen = ShowsScreen(ctx, ActionRegistry())
    qtbot.addWidget(screen)
    screen.resize(1400, 800)
    screen.show()
    screen.activate()
    run(screen.wait_idle())
    screen.select_show(show_id(show_n))
    run(screen.wait_idle())
    return screen


THREE_ITEMS = [
    item_row(1, 1, 1, 0, live_price="23.99", compare_at_price="24.00", allocated_quantity=10),
    item_row(2, 1, 2, 1, live_price="49.99", compare_at_price="50.00", allocated_quantity=5),
    item_row(3, 1, 3, 2, live_price="9.99", compare_at_price="9.99", allocated_quantity=10),
]


@pytest.fixture
def empty_show(fake_context):
    return host_context(fake_context, [show_row(1, title="Cozy Sunday")])


@pytest.fixture
def three_items(fake_context):
    return host_context(fake_context, [show_row(1, title="Cozy Sunday")], THREE_ITEMS)


def test_adding_three_products_creates_three_items_with_defaults(
    qtbot, run, empty_show
) -> None:
    screen = open_screen(qtbot, run, empty_show)
    screen.add_products([product_id(1), product_id(2), product_id(3)])
    settle(qtbot, run, screen)

    rows = lineup_rows(empty_show, 1)
    assert [(r["name"], r["position"], r["live_price_cents"], r["compare_at_price_cents"],
             r["allocated_quantity"], r["status"]) for r in rows] == [
        ("Linen Throw", 0, 2399, 2400, 10, "active"),   # retail 24.00 rounded to .99
        ("Soy Candle", 1, 4999, 5000, 5, "active"),     # allocation capped at the stock of 5
        ("Ceramic Mug", 2, 999, 999, 10, "active"),
    ]
    ops = empty_show.outbox()
    assert [(op.kind, op.target) for op in ops] == [("upsert", "live_products")] * 3
    assert all(set(op.payload) == set(ITEM_INSERT_COLUMNS) for op in ops)
    first = ops[0].payload
    assert (first["session_id"], first["influencer_id"], first["product_id"]) == (
        show_id(1), HOST, product_id(1))
    assert screen.lineup.model.rowCount() == 3
    assert screen.lineup.message.text() == "Added 3 of 3 products."


def test_products_that_cannot_be_added_are_named_and_not_sent(
    qtbot, run, three_items
) -> None:
    screen = open_screen(qtbot, run, three_items)
    screen.add_products([product_id(1), product_id(4)])
    settle(qtbot, run, screen)
    assert screen.lineup.message.text() == (
        "Nothing added: “Linen Throw” is already in the lineup; "
        "“Retired Lamp” is discontinued, not active")
    assert three_items.outbox() == []


def test_alt_down_moves_the_selected_item_and_sends_positions(
    qtbot, run, three_items
) -> None:
    screen = open_screen(qtbot, run, three_items)
    table = screen.lineup.table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    settle(qtbot, run, screen)

    assert positions(three_items) == [("Soy Candle", 0), ("Linen Throw", 1), ("Ceramic Mug", 2)]
    assert [op.payload for op in three_items.outbox()] == [
        {"id": item_id(2), "position": 0}, {"id": item_id(1), "position": 1}]
    assert screen.lineup.selected_ids()[0].hex == item_id(1).replace("-", "")

    qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, run, screen)
    assert positions(three_items) == [("Soy Candle", 0), ("Ceramic Mug", 1), ("Linen Throw", 2)]
    qtbot.keyClick(table, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, run, screen)
    assert positions(three_items) == [("Linen Throw", 0), ("Soy Candle", 1), ("Ceramic Mug", 2)]
    assert len(three_items.outbox()) == 2 + 2 + 3


def test_drag_and_drop_reorders_and_sends_positions(
    qtbot, run, three_items
) -> None:
    screen = open_screen(qtbot, run, three_items)
    model = screen.lineup.model
    mime = model.mimeData([model.index(2, 0)])
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    settle(qtbot, run, screen)
    assert positions(three_items) == [("Ceramic Mug", 0), ("Linen Throw", 1), ("Soy Candle", 2)]
    assert sorted(json.dumps(op.payload, sort_keys=True) for op in three_items.outbox()) == sorted(
        json.dumps(p, sort_keys=True) for p in (
            {"id": item_id(3), "position": 0}, {"id": item_id(1), "position": 1},
            {"id": item_id(2), "position": 2}))


def test_dropping_catalog_products_on_the_table_adds_them_there(
    qtbot, run, three_items
) -> None:
    screen = open_screen(qtbot, run, three_items)
    table = screen.lineup.table
    mime = QMimeData()
    mime.setData(PRODUCT_IDS_MIME, json.dumps([product_id(5)]).encode())
    row_rect = table.visualRect(screen.lineup.model.index(1, 1))
    point = QPoint(row_rect.center().x(), row_rect.top() + 2)  # the top edge of row 2
    drag = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    with warnings.catch_warnings():  # Qt marks the QPoint constructors deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        events = [QDragEnterEvent(point, *drag), QDragMoveEvent(point, *drag),
                  QDropEvent(point.toPointF(), *drag)]
    for event in events:
        QApplication.sendEvent(table.viewport(), event)
        assert event.isAccepted()
    settle(qtbot, run, screen)
    assert positions(three_items) == [
        ("Linen Throw", 0), ("Silk Scarf", 1), ("Soy Candle", 2), ("Ceramic Mug", 3)]


def edit_cell(qtbot, screen: ShowsScreen, row: int, column: int, text: str) -> None:
    """Type into the cell's editor and press Enter, as a user does."""
    table = screen.lineup.table
    index = screen.lineup.model.index(row, column)
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_editing_a_price_sends_only_that_column(qtbot, run, three_items) -> None:
    screen = open_screen(qtbot, run, three_items)
    edit_cell(qtbot, screen, 0, LIVE_PRICE, "19.49")
    settle(qtbot, run, screen)
    assert [op.payload for op in three_items.outbox()] == [
        {"id": item_id(1), "live_price": "19.49"}]
    assert lineup_rows(three_items, 1)[0]["live_price_cents"] == 1949
    assert screen.lineup.model.index(0, LIVE_PRICE).data() == "$19.49"


@pytest.mark.parametrize(
    ("row", "column", "text", "message"),
    [
        (0, LIVE_PRICE, "-3.00", "Linen Throw — Live price: Price cannot be negative"),
        (1, ALLOCATED, "11", "Soy Candle — Allocation: Allocation of 11 needs 6 more units, "
         "more than the wholesaler's stock of 5"),
        (2, COMPARE_AT, "5.00", "Ceramic Mug — Compare-at price: Compare-at price $5.00 must be "
         "at least the live price $9.99"),
    ],
)
def test_bad_input_shows_a_message_at_the_field_and_sends_nothing(
    qtbot, run, three_items, row: int, column: int, text: str, message: str
) -> None:
    screen = open_screen(qtbot, run, three_items)
    before = lineup_rows(three_items, 1)
    edit_cell(qtbot, screen, row, column, text)
    settle(qtbot, run, screen)
    assert three_items.outbox() == []
    assert lineup_rows(three_items, 1) == before
    editor = screen.lineup
    assert editor.message.isVisible() and editor.message.text() == message
    index = editor.model.index(row, column)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == message.split(": ", 1)[1]
    # Moving away and back brings the cell's message back under the table.
    editor.table.setCurrentIndex(editor.model.index(row, 1))
    editor.message.setText("")
    editor.table.setCurrentIndex(index)
    assert editor.message.text() == message


def test_delete_removes_and_ctrl_z_puts_back(qtbot, run, three_items) -> None:
    screen = open_screen(qtbot, run, three_items)
    table = screen.lineup.table
    table.setFocus()
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    settle(qtbot, run, screen)
    assert positions(three_items) == [("Linen Throw", 0), ("Ceramic Mug", 1)]
    assert screen.lineup.message.text() == "Removed 1 item. Ctrl+Z puts it back."
    ops = three_items.outbox()
    assert [(op.kind, op.payload) for op in ops] == [
        ("delete", {"id": item_id(2)}), ("upsert", {"id": item_id(3), "position": 1})]

    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, run, screen)
    assert positions(three_items) == [("Linen Throw", 0), ("Soy Candle", 1), ("Ceramic Mug", 2)]
    restored = three_items.outbox()[2:]
    assert [(op.kind, set(op.payload)) for op in restored] == [
        ("upsert", set(ITEM_INSERT_COLUMNS)), ("upsert", {"id", "position"})]
    assert lineup_rows(three_items, 1)[1]["live_price_cents"] == 4999


def test_an_item_with_sales_cannot_be_removed(qtbot, run, three_items) -> None:
    three_items.insert("live_products", [
        item_row(2, 1, 2, 1, live_price="49.99", compare_at_price="50.00", allocated_quantity=5,
                 sold_quantity=2)])
    screen = open_screen(qtbot, run, three_items)
    screen.lineup.table.selectRow(1)
    screen.lineup.remove_selected()
    settle(qtbot, run, screen)
    assert screen.lineup.message.text() == (
        "“Soy Candle” has 2 sold and cannot be removed; hide it instead")
    assert three_items.outbox() == []
    assert len(lineup_rows(three_items, 1)) == 3


def test_a_server_refusal_appears_next_to_the_field(
    qtbot, run, three_items
) -> None:
    screen = open_screen(qtbot, run, three_items)
    edit_cell(qtbot, screen, 0, ALLOCATED, "30")
    settle(qtbot, run, screen)
    (op,) = three_items.outbox()
    assert op.payload == {"id": item_id(1), "allocated_quantity": 30}
    refusal = "Allocation of 30 exceeds the wholesaler's stock of 20"
    screen.lineup.table.setCurrentIndex(screen.lineup.model.index(2, 1))
    three_items.signals.op_rejected.emit(
        op.op_id, "live_products", refusal, "23514", "allocated_quantity")
    settle(qtbot, run, screen)
    editor = screen.lineup
    index = editor.model.index(0, ALLOCATED)
    assert editor.message.text() == (
        f"Linen Throw — Allocation: The server refused this change: {refusal}")
    assert editor.model.error_at(index) == f"The server refused this change: {refusal}"
    assert editor.table.currentIndex() == index


def test_a_refusal_without_a_field_uses_the_constraint_it_names(
    qtbot, run, three_items
) -> None:
    screen = open_screen(qtbot, run, three_items)
    edit_cell(qtbot, screen, 0, LIVE_PRICE, "20.00")
    settle(qtbot, run, screen)
    (op,) = three_items.outbox()
    refusal = ('new row for relation "live_products" violates check constraint '
               '"live_products_compare_at_not_below_price"')
    three_items.signals.op_rejected.emit(op.op_id, "live_products", refusal, "23514", "")
    settle(qtbot, run, screen)
    model = screen.lineup.model
    assert model.error_at(model.index(0, COMPARE_AT)) == (
        f"The server refused this change: {refusal}")


def test_the_footer_shows_lineup_totals_and_the_commission_source(
    qtbot, run, three_items
) -> None:
    screen = open_screen(qtbot, run, three_items)
    # 10 × 23.99 + 5 × 49.99 + 10 × 9.99 = 589.75; cost 120 + 42.50 + 40 = 202.50
    assert screen.lineup.totals.text() == (
        "<b>3 items</b> · 25 units · if all sell: revenue $589.75 · cost $202.50 · "
        "margin <b>65.7%</b> · your commission <b>$58.98</b> · earned so far <b>$0.00</b>")
    assert screen.lineup.rate_note.text() == (
        "Commission 10.0%: the server's default rate (your profile's rate is not known yet)")
    screen.set_commission_rate(Decimal("0.15"), "from your host profile")
    assert "your commission <b>$88.47</b>" in screen.lineup.totals.text()
    assert "rounded to the cent on each order line" in screen.lineup.totals.toolTip()
    assert screen.lineup.rate_note.text() == "Commission 15.0%: from your host profile"


def test_the_quick_picker_searches_the_catalog_and_adds_with_enter(
    qtbot, run, three_items
) -> None:
    screen = open_screen(qtbot, run, three_items)
    screen.lineup.pick_products()
    picker = screen.lineup.findChild(ProductPicker)
    assert picker is not None and picker.isVisible()
    run(picker.search_now())
    listed = [picker.results.item(i).text() for i in range(picker.results.count())]
    # Active, live-eligible products only; those already in the lineup cannot be picked again.
    assert [text.split("  ·  ")[0] for text in listed] == [
        "Ceramic Mug", "Linen Throw", "Silk Scarf", "Soy Candle", "Wool Beanie"]
    assert listed[0].endswith("(already in the lineup)")
    qtbot.keyClicks(picker.search, "scarf")
    run(picker.search_now())
    assert [picker.results.item(i).text() for i in range(picker.results.count())] == [
        "Silk Scarf  ·  $39.00 retail  ·  30 in stock"]
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    settle(qtbot, run, screen)
    assert positions(three_items)[-1] == ("Silk Scarf", 3)
    assert screen.lineup.findChild(ProductPicker) is None  # closed and released


def earning_row(n: int, show_n: int, amount: str, status: str = "pending") -> dict:
    return {"id": item_id(900 + n), "influencer_id": HOST, "order_id": item_id(800 + n),
            "order_item_id": item_id(700 + n), "session_id": show_id(show_n),
            "gross_amount": "10.00", "commission_rate": "0.1500", "amount": amount,
            "status": status, "earned_at": STAMP, "available_at": None, "paid_out_at": None,
            "reversed_at": None, "created_at": STAMP, "updated_at": STAMP}


def test_the_footer_separates_if_all_sell_from_earned_so_far(qtbot, run, three_items) -> None:
    three_items.insert("live_stream_sessions", [show_row(2)])
    three_items.insert("influencer_earnings", [
        earning_row(1, 1, "3.59"), earning_row(2, 1, "4.50", "available"),
        earning_row(3, 1, "7.00", "reversed"), earning_row(4, 2, "100.00")])
    screen = open_screen(qtbot, run, three_items)
    # The server's own per-line amounts of this show; the refunded one is left out.
    assert screen.lineup.totals.text().endswith(
        "your commission <b>$58.98</b> · earned so far <b>$8.09</b>")
    # A sale synced while the lineup is open updates it.
    three_items.insert("influencer_earnings", [earning_row(5, 1, "1.01")])
    settle(qtbot, run, screen)
    assert screen.lineup.totals.text().endswith("earned so far <b>$9.10</b>")


def test_removing_two_items_says_them(qtbot, run, three_items) -> None:
    screen = open_screen(qtbot, run, three_items)
    screen.lineup.select_ids([UUID(item_id(1)), UUID(item_id(3))])
    screen.lineup.remove_selected()
    assert screen.lineup.message.text() == "Removed 2 items. Ctrl+Z puts them back."


def test_a_fixed_value_clears_its_mark_and_message(qtbot, run, three_items) -> None:
    screen = open_screen(qtbot, run, three_items)
    editor, warning = screen.lineup, Qt.ItemDataRole.DecorationRole
    edit_cell(qtbot, screen, 0, LIVE_PRICE, "-3.00")
    settle(qtbot, run, screen)
    index = editor.model.index(0, LIVE_PRICE)
    assert index.data(warning) is not None and editor.message.isVisible()
    edit_cell(qtbot, screen, 0, LIVE_PRICE, "21.00")
    settle(qtbot, run, screen)
    assert index.data(warning) is None and editor.model.error_at(index) is None
    assert not editor.message.isVisible()
    assert [op.payload for op in three_items.outbox()] == [
        {"id": item_id(1), "live_price": "21.00"}]


def test_undoing_a_refused_change_clears_its_mark_and_message(qtbot, run, three_items) -> None:
    screen = open_screen(qtbot, run, three_items)
    editor, warning = screen.lineup, Qt.ItemDataRole.DecorationRole
    edit_cell(qtbot, screen, 0, ALLOCATED, "30")
    settle(qtbot, run, screen)
    (op,) = three_items.outbox()
    three_items.signals.op_rejected.emit(
        op.op_id, "live_products", "Allocation of 30 exceeds the wholesaler's stock of 20",
        "23514", "allocated_quantity")
    settle(qtbot, run, screen)
    index = editor.model.index(0, ALLOCATED)
    # The refusal survives the reload that follows it...
    assert index.data(warning) is not None and editor.message.isVisible()
    # ...and goes with Ctrl+Z.
    qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, run, screen)
    assert index.data(warning) is None and editor.model.error_at(index) is None
    assert not editor.message.isVisible()


def test_down_and_shift_down_in_the_pickers_search_box_move_through_the_results(
    qtbot, run, empty_show
) -> None:
    screen = open_screen(qtbot, run, empty_show)
    screen.lineup.pick_products()
    picker = screen.lineup.findChild(ProductPicker)
    run(picker.search_now())
    picker.search.setFocus()

    def selected() -> list[str]:
        rows = sorted(picker.results.row(item) for item in picker.results.selectedItems())
        return [picker.results.item(row).text().split("  ·  ")[0] for row in rows]

    assert selected() == ["Ceramic Mug"]
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    assert selected() == ["Linen Throw"]
    qtbot.keyClick(picker.search, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(picker.search, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert selected() == ["Linen Throw", "Silk Scarf", "Soy Candle"]
    qtbot.keyClick(picker.search, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert selected() == ["Linen Throw", "Silk Scarf"]
    assert picker.search.hasFocus() and picker.search.text() == ""  # typing stays in the box
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    settle(qtbot, run, screen)
    assert positions(empty_show) == [("Linen Throw", 0), ("Silk Scarf", 1)]


def test_an_item_added_from_the_catalog_is_scrolled_into_view(qtbot, run, fake_context) -> None:
    ctx = fake_context(long_lineup_rows(), roles=frozenset({"host"}), profile_ids={"host": HOST})
    screen = open_screen(qtbot, run, ctx)
    screen.resize(1280, 600)
    settle(qtbot, run, screen)
    table = screen.lineup.table
    table.scrollToTop()
    screen.add_products([product_id(5)])  # what Ctrl+L in the catalog does
    settle(qtbot, run, screen)
    row = screen.lineup.model.rowCount() - 1
    assert screen.lineup.model.item_at(row).name == "Silk Scarf"
    added = table.visualRect(screen.lineup.model.index(row, 1))
    assert table.viewport().rect().contains(added)
