"""Margin preview: revenue, cost, commission and margin of items and lineups."""

from __future__ import annotations

from decimal import Decimal

import pytest

from studio.core.margins import (
    commission_of_lines,
    earned_commission,
    item_margin,
    line_commission,
    lineup_margin,
    markup_percent,
)
from studio.core.models import EarningStatus
from studio.core.money import quantize_money

D = Decimal


def test_item_margin(build) -> None:
    product = build.product(wholesale_price=D("12.00"))
    item = build.item(product, live_price=D("24.99"), allocated_quantity=10)
    margin = item_margin(item, product, D("0.1000"))
    assert margin.revenue == D("249.90")
    assert margin.cost == D("120.00")
    assert margin.commission == D("24.99")
    assert margin.gross_margin == D("129.90")
    assert margin.margin_percent == D("52.0")


def test_item_margin_without_source_or_units(build) -> None:
    own = item_margin(build.item(allocated_quantity=2), None, D("0.15"))
    assert (own.revenue, own.cost, own.commission) == (D("49.98"), None, D("7.50"))
    assert own.margin_percent is None
    assert own.gross_margin is None
    product = build.product()
    empty = item_margin(build.item(product, allocated_quantity=0), product, D("0.1"))
    assert (empty.revenue, empty.cost, empty.margin_percent) == (D("0.00"), D("0.00"), None)


def test_lineup_margin_covers_cost_only_where_known(build) -> None:
    product = build.product(wholesale_price=D("10.00"))
    sourced = build.item(product, live_price=D("20.00"), allocated_quantity=5)
    own = build.item(live_price=D("8.00"), allocated_quantity=5)
    total = lineup_margin([sourced, own], {product.id: product}, D("0.2"))
    assert total.revenue == D("140.00")
    assert total.commission == D("28.00")
    assert total.cost == D("50.00")
    assert total.revenue_with_cost == D("100.00")
    assert total.items_without_cost == 1
    assert total.margin_percent == D("50.0")
    assert total.units == 10
    assert [m.item_id for m in total.items] == [sourced.id, own.id]


def test_lineup_margin_of_nothing_known(build) -> None:
    total = lineup_margin([build.item()], {}, D("0.1"))
    assert (total.cost, total.margin_percent, total.items_without_cost) == (D("0.00"), None, 1)
    empty = lineup_margin([], {}, D("0.1"))
    assert (empty.revenue, empty.commission, empty.margin_percent) == (D(0), D(0), None)


@pytest.mark.parametrize("rate", [D("-0.01"), D("1.01"), D("NaN")])
def test_commission_rate_must_be_between_0_and_1(build, rate: Decimal) -> None:
    with pytest.raises(ValueError, match="A commission rate is between 0 and 1"):
        lineup_margin([build.item()], {}, rate)


def test_markup_percent() -> None:
    assert markup_percent(D("24.99"), D("12.00")) == D("108.3")
    assert markup_percent(D("10.00"), D("12.00")) == D("-16.7")
    assert markup_percent(D("5"), D("0")) is None


# ----------------------------------------------------------------------------- rounding


def test_commission_is_rounded_per_line_then_summed_as_the_server_does() -> None:
    # checkout: commission_amount = round(line_total * rate, 2) per order line; earnings are the
    # sum of those amounts. 15 % of 23.90 = 3.585 -> 3.59 on each of four lines.
    rate = Decimal("0.15")
    lines = [Decimal("23.90")] * 4 + [Decimal("1114.00")]
    assert sum(lines) == Decimal("1209.60")
    assert commission_of_lines(lines, rate) == Decimal("181.46")
    assert quantize_money(sum(lines) * rate) == Decimal("181.44")  # not how the server sums
    assert line_commission(Decimal("29.98"), rate) == Decimal("4.50")  # 4.497, as in checkout


def test_the_preview_sums_each_items_rounded_commission(build) -> None:
    rate = Decimal("0.15")
    items = [build.item(live_price=Decimal("23.90"), allocated_quantity=1) for _ in range(4)]
    items.append(build.item(live_price=Decimal("1114.00"), allocated_quantity=1))
    margin = lineup_margin(items, {}, rate)
    assert margin.revenue == Decimal("1209.60")
    assert [m.commission for m in margin.items] == [Decimal("3.59")] * 4 + [Decimal("167.10")]
    assert margin.commission == Decimal("181.46")


def test_earned_commission_sums_the_servers_amounts_without_reversed_ones() -> None:
    earnings = [(Decimal("3.59"), "pending"), (Decimal("4.50"), EarningStatus.AVAILABLE),
                (Decimal("10.00"), "reversed"), (Decimal("1.01"), "paid_out")]
    assert earned_commission(earnings) == Decimal("9.10")
    assert earned_commission([]) == Decimal("0.00")
    with pytest.raises(ValueError, match="'refunded' is not a valid EarningStatus"):
        earned_commission([(Decimal("1"), "refunded")])


@pytest.mark.parametrize("rate", [Decimal("-0.01"), Decimal("1.01"), Decimal("NaN")])
def test_line_commission_refuses_a_rate_outside_0_to_1(rate: Decimal) -> None:
    with pytest.raises(ValueError, match="A commission rate is between 0 and 1"):
        line_commission(Decimal("10.00"), rate)
