"""LineupModel: display, validated edits, moves and drops over an in-memory lineup."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, Qt

from studio.core.lineup import Lineup
from studio.core.models import LineupItem, Product, Show, ShowStatus
from studio.ui.models.lineup_model import (
    ALLOCATED,
    COLUMNS,
    COMMISSION,
    COMPARE_AT,
    COST,
    ITEM_IDS_MIME,
    LIVE_PRICE,
    MARGIN,
    POSITION,
    PRODUCT,
    PRODUCT_IDS_MIME,
    STOCK,
    LineupModel,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHOW = Show(id=UUID(int=1), influencer_id=UUID(int=2), title="Cozy Sunday",
            scheduled_start=datetime(2026, 12, 6, 18, tzinfo=UTC))
PRODUCTS = {
    UUID(int=10 + n): Product(id=UUID(int=10 + n), wholesaler_id=UUID(int=3), sku=f"SKU-{n}",
                              name=name, wholesale_price=Decimal(cost),
                              retail_price=Decimal(retail), stock_quantity=stock)
    for n, (name, cost, retail, stock) in enumerate(
        [("Linen Throw", "12.00", "24.00", 40), ("Soy Candle", "8.50", "50.00", 5),
         ("Ceramic Mug", "4.00", "9.99", 100)])
}


def item(n: int, product: int | None, price: str, allocated: int, sold: int = 0) -> LineupItem:
    return LineupItem(id=UUID(int=100 + n), session_id=SHOW.id, influencer_id=SHOW.influencer_id,
                      product_id=None if product is None else UUID(int=10 + product),
                      name=f"Item {n}", live_price=Decimal(price), position=n,
                      compare_at_price=Decimal("30.00"), allocated_quantity=allocated,
                      sold_quantity=sold)


def make_model(show: Show = SHOW) -> LineupModel:
    model = LineupModel()
    model.set_lineup(
        Lineup.of(show, [item(0, 0, "20.00", 10), item(1, 1, "25.00", 5, sold=2),
                         item(2, None, "9.00", 3)]),
        PRODUCTS)
    model.set_commission_rate(Decimal("0.15"))
    return model


def texts(model: LineupModel, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def ids(model: LineupModel) -> list[int]:
    assert model.lineup is not None
    return [item.id.int - 100 for item in model.lineup.items]


def test_the_model_passes_the_model_tester(qtmodeltester) -> None:
    model = make_model()
    qtmodeltester.check(model)
    model.move_by([UUID(int=100)], 1)
    qtmodeltester.check(model)


def test_columns_show_prices_stock_margin_and_commission() -> None:
    model = make_model()
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [
        "#", "Product", "Live price", "Compare-at", "Allocated", "Stock", "Cost", "Margin %",
        "Commission"]
    assert texts(model, POSITION) == ["1", "2", "3"]
    assert texts(model, PRODUCT) == ["Item 0", "Item 1", "Item 2"]
    assert texts(model, LIVE_PRICE) == ["$20.00", "$25.00", "$9.00"]
    assert texts(model, COMPARE_AT) == ["$30.00", "$30.00", "$30.00"]
    assert texts(model, ALLOCATED) == ["10", "5 (2 sold)", "3"]
    assert texts(model, STOCK) == ["40", "5", "—"]
    assert texts(model, COST) == ["$12.00", "$8.50", "—"]
    # (200 − 120) / 200 = 40 %; (125 − 42.50) / 125 = 66 %; no cost for a host's own item.
    assert texts(model, MARGIN) == ["40.0%", "66.0%", "—"]
    # 15 % of revenue if every allocated unit sells.
    assert texts(model, COMMISSION) == ["$30.00", "$18.75", "$4.05"]
    totals = model.totals
    assert totals is not None
    assert (totals.units, totals.revenue, totals.commission) == (
        18, Decimal("352.00"), Decimal("52.80"))
    assert model.index(0, LIVE_PRICE).data(Qt.ItemDataRole.EditRole) == "20.00"


def test_only_prices_and_allocation_are_editable() -> None:
    model = make_model()
    editable = [c for c in range(len(COLUMNS))
                if model.flags(model.index(0, c)) & Qt.ItemFlag.ItemIsEditable]
    assert editable == [LIVE_PRICE, COMPARE_AT, ALLOCATED]


def test_a_valid_edit_replaces_the_lineup_and_announces_it(qtbot) -> None:
    model = make_model()
    with qtbot.waitSignal(model.lineup_changed) as blocker:
        assert model.setData(model.index(0, LIVE_PRICE), "$18.50")
    before, after = blocker.args
    assert before.items[0].live_price == Decimal("20.00")
    assert after.items[0].live_price == Decimal("18.50")
    assert model.index(0, LIVE_PRICE).data() == "$18.50"
    assert model.error_at(model.index(0, LIVE_PRICE)) is None


@pytest.mark.parametrize(
    ("row", "column", "text", "message"),
    [
        (0, LIVE_PRICE, "-5", "Price cannot be negative"),
        (0, LIVE_PRICE, "19,99", "Use a dot for cents, e.g. 19.99"),
        (0, LIVE_PRICE, "31.00", "Price $31.00 is above the retail price $24.00"),
        (0, COMPARE_AT, "15.00",
         "Compare-at price $15.00 must be at least the live price $20.00"),
        # The item holds its allocation already; only the units added must be free.
        (1, ALLOCATED, "11",
         "Allocation of 11 needs 6 more units, more than the wholesaler's stock of 5"),
        (0, ALLOCATED, "51",
         "Allocation of 51 needs 41 more units, more than the wholesaler's stock of 40"),
        (1, ALLOCATED, "1", "Allocation of 1 is below the 2 already sold"),
        (0, ALLOCATED, "ten", "Enter a whole number of units, not 'ten'"),
    ],
)
def test_an_invalid_edit_is_refused_with_its_message_at_the_cell(
    qtbot, row: int, column: int, text: str, message: str
) -> None:
    model = make_model()
    before = model.lineup
    changes: list[object] = []
    model.lineup_changed.connect(lambda *args: changes.append(args))
    with qtbot.waitSignal(model.field_message) as blocker:
        assert model.setData(model.index(row, column), text) is False
    assert blocker.args[2] == message and blocker.args[3] is True
    assert model.lineup is before and changes == []
    index = model.index(row, column)
    assert model.error_at(index) == message
    assert index.data(Qt.ItemDataRole.ToolTipRole) == message
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.error_at(model.index(row, PRODUCT)) is None


def test_a_later_valid_edit_clears_the_cell_error() -> None:
    model = make_model()
    assert not model.setData(model.index(0, LIVE_PRICE), "-1")
    assert model.setData(model.index(0, LIVE_PRICE), "19.00")
    assert model.error_at(model.index(0, LIVE_PRICE)) is None


def test_selling_below_cost_is_allowed_with_a_warning(qtbot) -> None:
    model = make_model()
    with qtbot.waitSignal(model.field_message) as blocker:
        assert model.setData(model.index(0, LIVE_PRICE), "10.00")
    assert blocker.args[1:] == ["live_price", "$10.00 is below the wholesale cost $12.00", False]


def test_moving_up_and_down_keeps_positions_dense(qtbot) -> None:
    model = make_model()
    with qtbot.waitSignal(model.lineup_changed):
        assert model.move_by([UUID(int=100)], 1)
    assert ids(model) == [1, 0, 2]
    assert [i.position for i in model.lineup.items] == [0, 1, 2]
    assert model.move_by([UUID(int=100), UUID(int=102)], -1)  # 0 is blocked at the top
    assert ids(model) == [0, 2, 1]
    assert not model.move_by([UUID(int=100)], -1)


def test_an_internal_drop_moves_the_dragged_rows(qtbot) -> None:
    model = make_model()
    mime = model.mimeData([model.index(0, 0), model.index(0, 3), model.index(1, 0)])
    assert json.loads(bytes(mime.data(ITEM_IDS_MIME).data())) == [
        str(UUID(int=100)), str(UUID(int=101))]
    with qtbot.waitSignal(model.lineup_changed):
        assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 3, 0, QModelIndex())
    assert ids(model) == [2, 0, 1]
    # Dropped onto a row: before that row.
    mime = model.mimeData([model.index(2, 0)])
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, model.index(0, 0))
    assert ids(model) == [1, 2, 0]


def test_a_catalog_drop_asks_for_the_products(qtbot) -> None:
    model = make_model()
    mime = QMimeData()
    mime.setData(PRODUCT_IDS_MIME, json.dumps([str(UUID(int=77))]).encode())
    assert model.canDropMimeData(mime, Qt.DropAction.CopyAction, 1, 0, QModelIndex())
    with qtbot.waitSignal(model.products_dropped) as blocker:
        assert model.dropMimeData(mime, Qt.DropAction.CopyAction, 1, 0, QModelIndex())
    assert blocker.args == [[str(UUID(int=77))], 1]
    broken = QMimeData()
    broken.setData(PRODUCT_IDS_MIME, b"not json")
    assert not model.dropMimeData(broken, Qt.DropAction.CopyAction, 1, 0, QModelIndex())


def test_a_finished_show_is_read_only() -> None:
    from dataclasses import replace

    model = make_model(replace(SHOW, status=ShowStatus.ENDED))
    assert not model.flags(model.index(0, LIVE_PRICE)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(QModelIndex()) & Qt.ItemFlag.ItemIsDropEnabled
    assert not model.setData(model.index(0, LIVE_PRICE), "10.00")
    assert model.error_at(model.index(0, LIVE_PRICE)) == (
        "This show has ended; its lineup can no longer be changed")


def test_an_edited_price_follows_the_bulk_pricing_rule(qtbot) -> None:
    """Above the compare-at price but not above retail: accepted, compare-at raised to retail,
    as bulk pricing does (studio.core.pricing.reprice is the one rule)."""
    model = make_model()
    with qtbot.waitSignal(model.field_message) as blocker:
        assert model.setData(model.index(1, LIVE_PRICE), "35.00") is True
    assert blocker.args[1:] == ["compare_at_price", "Compare-at price raised to retail $50.00",
                                False]
    assert (texts(model, LIVE_PRICE)[1], texts(model, COMPARE_AT)[1]) == ("$35.00", "$50.00")


def test_errors_clear_when_the_value_is_fixed_changed_or_undone(qtbot, qtmodeltester) -> None:
    model = make_model()
    price, allocation = model.index(0, LIVE_PRICE), model.index(0, ALLOCATED)
    warning = Qt.ItemDataRole.DecorationRole
    assert not model.setData(price, "-5") and not model.setData(allocation, "51")
    assert price.data(warning) is not None and allocation.data(warning) is not None
    cleared: list[tuple[str, str]] = []
    model.error_cleared.connect(lambda *args: cleared.append(args))
    # Fixed: the cell takes a good value; its ⚠ and tooltip go, the other cell keeps its own.
    assert model.setData(price, "19.00")
    assert price.data(warning) is None and model.error_at(price) is None
    assert price.data(Qt.ItemDataRole.ToolTipRole) is None
    assert allocation.data(warning) is not None
    assert cleared == [(str(UUID(int=100)), "live_price")]
    # Undone: going back clears every mark shown since.
    before = model.lineup
    model.undo_to(before)
    assert allocation.data(warning) is None and model.error_at(allocation) is None
    qtmodeltester.check(model)
