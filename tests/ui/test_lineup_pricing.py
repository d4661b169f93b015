"""Bulk pricing from the lineup builder: the preview, exact prices from studio.core, and rules
that fail (flash price not below the live price, a bad value) sending nothing."""

from __future__ import annotations

import pytest
from lineup_support import host_context, item_id, item_row, lineup_rows, settle, show_id, show_row
from PySide6.QtCore import Qt

from studio.core.pricing import CompareAtPolicy, PriceTarget, RoundingMode, RuleKind
from studio.ui.actions import ActionRegistry
from studio.ui.screens.pricing_dialog import PricingDialog
from studio.ui.screens.shows_screen import ShowsScreen

ITEMS = [
    item_row(1, 1, 1, 0, live_price="23.99", compare_at_price="24.00", allocated_quantity=10),
    item_row(2, 1, 2, 1, live_price="49.99", compare_at_price="50.00", allocated_quantity=5),
    item_row(3, 1, 3, 2, live_price="9.99", compare_at_price="9.99", allocated_quantity=10),
]


@pytest.fixture
def ctx(fake_context):
    return host_context(fake_context, [show_row(1, title="Cozy Sunday")], ITEMS)


def open_pricing(
    qtbot, run, ctx, select_rows: tuple[int, ...] = ()
) -> tuple[ShowsScreen, PricingDialog]:
    actions = ActionRegistry()
    screen = ShowsScreen(ctx, actions)
    qtbot.addWidget(screen)
    screen.show()
    screen.activate()
    run(screen.wait_idle())
    screen.select_show(show_id(1))
    run(screen.wait_idle())
    screen.lineup.table.clearSelection()
    for row in select_rows:
        screen.lineup.table.selectionModel().select(
            screen.lineup.model.index(row, 0),
            screen.lineup.table.selectionModel().SelectionFlag.Select
            | screen.lineup.table.selectionModel().SelectionFlag.Rows)
    actions.action("lineup.bulk_pricing").trigger()
    dialog = screen.lineup.pricing_dialog
    assert dialog is not None and dialog.isVisible()
    return screen, dialog


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def preview(dialog: PricingDialog) -> list[list[str]]:
    table = dialog.preview
    return [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def test_twenty_percent_off_retail_rounded_to_99(qtbot, run, ctx) -> None:
    screen, dialog = open_pricing(qtbot, run, ctx)
    # The defaults are the common rule: 20% off retail, rounded down to .99.
    assert (dialog.kind.currentData(), dialog.value.text(), dialog.rounding.currentData()) == (
        RuleKind.PERCENT_OFF_RETAIL, "20", RoundingMode.TO_99)
    # 24.00 → 19.20 → 18.99; 50.00 → 40.00 → 39.99; 9.99 → 7.99 (already ends in .99).
    assert preview(dialog) == [
        ["Linen Throw", "$23.99", "$18.99", "$24.00", ""],
        ["Soy Candle", "$49.99", "$39.99", "$50.00", ""],
        ["Ceramic Mug", "$9.99", "$7.99", "$9.99", ""],
    ]
    assert dialog.summary.text() == "20.0% off retail, rounded to .99: changes 3 of 3 prices."
    assert dialog.apply_button.isEnabled()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    settle(qtbot, run, screen)

    assert [r["live_price_cents"] for r in lineup_rows(ctx, 1)] == [1899, 3999, 799]
    assert [r["compare_at_price_cents"] for r in lineup_rows(ctx, 1)] == [2400, 5000, 999]
    assert [op.payload for op in ctx.outbox()] == [
        {"id": item_id(1), "live_price": "18.99"}, {"id": item_id(2), "live_price": "39.99"},
        {"id": item_id(3), "live_price": "7.99"}]
    assert screen.lineup.model.index(0, 2).data() == "$18.99"


def test_only_the_selected_items_are_priced_when_chosen(qtbot, run, ctx) -> None:
    screen, dialog = open_pricing(qtbot, run, ctx, select_rows=(1, 2))
    assert dialog.scope.currentText() == "The 2 selected items"
    dialog.value.setText("10")
    assert preview(dialog) == [["Soy Candle", "$49.99", "$44.99", "$50.00", ""],
                               ["Ceramic Mug", "$9.99", "$8.99", "$9.99", ""]]
    dialog.apply_button.click()
    settle(qtbot, run, screen)
    assert [op.payload for op in ctx.outbox()] == [
        {"id": item_id(2), "live_price": "44.99"}, {"id": item_id(3), "live_price": "8.99"}]


@pytest.mark.parametrize(
    ("kind", "value", "notes"),
    [
        (RuleKind.FIXED_PRICE, "30.00", [
            "Flash price $30.00 must be below the live price $23.99", "",
            "Flash price $30.00 must be below the live price $9.99"]),
        (RuleKind.PERCENT_OFF_LIVE, "0", [
            "Flash price $23.99 must be below the live price $23.99",
            "Flash price $49.99 must be below the live price $49.99",
            "Flash price $9.99 must be below the live price $9.99"]),
    ],
)
def test_a_flash_price_not_below_the_live_price_is_refused(
    qtbot, run, ctx, kind: RuleKind, value: str, notes: list[str]
) -> None:
    screen, dialog = open_pricing(qtbot, run, ctx)
    choose(dialog.target, PriceTarget.FLASH)
    choose(dialog.kind, kind)
    choose(dialog.rounding, RoundingMode.NONE)
    dialog.value.setText(value)
    assert [row[4] for row in preview(dialog)] == notes
    errors = sum(1 for note in notes if note)
    assert dialog.summary.text().startswith(f"{errors} items fail the check. ")
    assert not dialog.apply_button.isEnabled()
    dialog.buttons.accepted.emit()  # even a forced accept sends nothing
    settle(qtbot, run, screen)
    assert ctx.outbox() == []
    assert [r["live_price_cents"] for r in lineup_rows(ctx, 1)] == [2399, 4999, 999]


def test_a_valid_flash_rule_is_a_check_only(qtbot, run, ctx) -> None:
    _screen, dialog = open_pricing(qtbot, run, ctx)
    choose(dialog.target, PriceTarget.FLASH)
    assert [row[2] for row in preview(dialog)] == ["$18.99", "$39.99", "$7.99"]
    assert dialog.summary.text().startswith("Every flash price passes. Flash prices take effect")
    assert not dialog.apply_button.isEnabled()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (RuleKind.PERCENT_OFF_RETAIL, "abc", "Not a percentage: 'abc'"),
        (RuleKind.PERCENT_OFF_RETAIL, "100", "A discount is at least 0% and below 100%"),
        (RuleKind.MARKUP_OVER_WHOLESALE, "-5", "A markup cannot be negative"),
        (RuleKind.FIXED_PRICE, "-1", "Price cannot be negative"),
    ],
)
def test_a_bad_value_is_explained_next_to_the_field(
    qtbot, run, ctx, kind: RuleKind, value: str, message: str
) -> None:
    screen, dialog = open_pricing(qtbot, run, ctx)
    choose(dialog.kind, kind)
    dialog.value.setText(value)
    assert dialog.value_error.text() == message and dialog.value_error.isVisibleTo(dialog)
    assert dialog.preview.rowCount() == 0 and not dialog.apply_button.isEnabled()
    dialog.value.setText("5")  # a value every item can take, whatever the rule
    assert not dialog.value_error.isVisibleTo(dialog) and dialog.apply_button.isEnabled()
    dialog.reject()
    settle(qtbot, run, screen)
    assert ctx.outbox() == []


def test_a_fixed_price_above_retail_is_refused_and_compare_at_is_raised_to_retail(
    qtbot, run, ctx
) -> None:
    ctx.insert("live_products", [item_row(1, 1, 1, 0, live_price="19.99",
                                          compare_at_price="20.00", allocated_quantity=10)])
    screen, dialog = open_pricing(qtbot, run, ctx)
    choose(dialog.kind, RuleKind.FIXED_PRICE)
    choose(dialog.rounding, RoundingMode.NONE)
    dialog.value.setText("99,999,999")
    assert [row[4] for row in preview(dialog)] == [
        "Price $99,999,999.00 is above the retail price $24.00",
        "Price $99,999,999.00 is above the retail price $50.00",
        "Price $99,999,999.00 is above the retail price $9.99"]
    assert not dialog.apply_button.isEnabled()
    assert dialog.summary.text().startswith("3 of 3 items cannot take this rule")
    # 22.00: above the Linen Throw's compare-at price (raised to its retail price, as the
    # option says), below the Soy Candle's, above the Ceramic Mug's retail price (refused).
    dialog.value.setText("22")
    assert preview(dialog) == [
        ["Linen Throw", "$19.99", "$22.00", "$24.00", "Compare-at price raised to retail $24.00"],
        ["Soy Candle", "$49.99", "$22.00", "$50.00", ""],
        ["Ceramic Mug", "$9.99", "$22.00", "$9.99",
         "Price $22.00 is above the retail price $9.99"],
    ]
    assert not dialog.apply_button.isEnabled()
    choose(dialog.compare_at, CompareAtPolicy.REFUSE)
    assert preview(dialog)[0][4] == "Compare-at price $20.00 would be below the new price $22.00"
    dialog.buttons.accepted.emit()  # even a forced accept sends nothing
    settle(qtbot, run, screen)
    assert ctx.outbox() == []
    # On the items it fits, the rule applies with the compare-at price raised.
    dialog.reject()
    screen.lineup.table.selectRow(0)
    dialog = screen.lineup.open_bulk_pricing()
    choose(dialog.scope, "selected")
    choose(dialog.kind, RuleKind.FIXED_PRICE)
    choose(dialog.rounding, RoundingMode.NONE)
    dialog.value.setText("22")
    assert dialog.apply_button.isEnabled()
    dialog.apply_button.click()
    settle(qtbot, run, screen)
    assert [op.payload for op in ctx.outbox()] == [
        {"id": item_id(1), "live_price": "22.00", "compare_at_price": "24.00"}]
