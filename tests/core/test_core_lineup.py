"""The lineup builder's operations on an immutable lineup."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal
from uuid import UUID

import pytest

from studio.core.lineup import (
    Lineup,
    LineupError,
    diff_lineups,
    new_item_from_product,
)
from studio.core.models import LineupItem, LiveProductStatus, ProductStatus, ShowStatus
from studio.core.pricing import PricingRule, RoundingMode, RuleKind

D = Decimal


def ids_from(start: int):
    counter = itertools.count(start)
    return lambda: UUID(int=next(counter))


def names(lineup: Lineup) -> list[str]:
    return [item.name for item in lineup]


def positions(lineup: Lineup) -> list[int]:
    return [item.position for item in lineup]


# ----------------------------------------------------------------------------- building


def test_of_orders_by_position_then_name_then_id(build) -> None:
    show = build.show()
    items = [
        build.item(name="b", position=1),
        build.item(name="z", position=0),
        build.item(name="a", position=1),
    ]
    lineup = Lineup.of(show, items)
    assert names(lineup) == ["z", "a", "b"]
    assert positions(lineup) == [0, 1, 1]  # stored positions are kept until the order changes


def test_of_refuses_duplicates_and_items_of_other_shows(build) -> None:
    show = build.show()
    item = build.item()
    with pytest.raises(LineupError, match=r"^The lineup lists the same item twice$"):
        Lineup.of(show, [item, item])
    stranger = build.item(name="Stray", session_id=build.new_id())
    with pytest.raises(LineupError, match=r"^“Stray” belongs to another show$"):
        Lineup.of(show, [stranger])


def test_new_item_defaults_from_the_product(build) -> None:
    show = build.show()
    product = build.product(
        name="Mug",
        retail_price=D("30.00"),
        stock_quantity=4,
        description="Stoneware",
        image_url="https://img.example/mug.png",
    )
    item = new_item_from_product(product, show, item_id=UUID(int=99))
    assert item == LineupItem(
        id=UUID(int=99),
        session_id=show.id,
        influencer_id=show.influencer_id,
        product_id=product.id,
        name="Mug",
        description="Stoneware",
        image_url="https://img.example/mug.png",
        live_price=D("29.99"),
        compare_at_price=D("30.00"),
        allocated_quantity=4,
        status=LiveProductStatus.ACTIVE,
    )
    plenty = build.product(stock_quantity=500)
    assert new_item_from_product(plenty, show, item_id=UUID(int=1)).allocated_quantity == 10
    rounded = new_item_from_product(
        plenty, show, item_id=UUID(int=1), rounding=RoundingMode.WHOLE, allocation=3
    )
    assert (rounded.live_price, rounded.allocated_quantity) == (D("30.00"), 3)


def test_add_products_appends_renumbers_and_reports_rejections(build, three) -> None:
    lineup, _ = three
    fresh = build.product(name="New")
    retired = build.product(name="Old", status=ProductStatus.DISCONTINUED)
    present = lineup.items[0].product_id
    again = build.product(id=present, name="P0")
    result = lineup.add_products([fresh, retired, again, fresh], new_id=ids_from(1000))
    assert names(result.lineup) == ["P0", "P1", "P2", "New"]
    assert positions(result.lineup) == [0, 1, 2, 3]
    assert [item.id for item in result.added] == [UUID(int=1000)]
    assert result.added[0].position == 3
    assert dict(result.rejected) == {
        retired.id: "“Old” is discontinued, not active",
        present: "“P0” is already in the lineup",
        fresh.id: "“New” is already in the lineup",
    }
    assert names(lineup) == ["P0", "P1", "P2"]  # the original is untouched


def test_add_products_at_an_index(build, three) -> None:
    lineup, _ = three
    new = [build.product(name="A"), build.product(name="B")]
    result = lineup.add_products(new, at_index=1, new_id=ids_from(1000))
    assert names(result.lineup) == ["P0", "A", "B", "P1", "P2"]
    assert positions(result.lineup) == [0, 1, 2, 3, 4]
    assert [item.position for item in result.added] == [1, 2]


def test_add_products_is_deterministic(build, three) -> None:
    lineup, _ = three
    new = [build.product(name="A")]
    first = lineup.add_products(new, new_id=ids_from(7))
    second = lineup.add_products(new, new_id=ids_from(7))
    assert first == second


def test_add_nothing_addable_returns_the_same_lineup(build, three) -> None:
    lineup, _ = three
    hidden = build.product(name="H", is_live_eligible=False)
    result = lineup.add_products([hidden])
    assert result.lineup is lineup
    assert result.added == ()
    assert dict(result.rejected) == {hidden.id: "“H” is not available for live selling"}


@pytest.mark.parametrize("index", [-1, 4])
def test_add_products_refuses_an_index_out_of_range(build, three, index: int) -> None:
    lineup, _ = three
    with pytest.raises(LineupError, match=f"^Cannot insert at position {index}: the lineup has 3$"):
        lineup.add_products([build.product()], at_index=index)


def test_add_products_refuses_a_negative_default_allocation(build, three) -> None:
    lineup, _ = three
    with pytest.raises(LineupError, match=r"^The default allocation cannot be negative$"):
        lineup.add_products([build.product()], allocation=-1)


# ----------------------------------------------------------------------------- finished shows


@pytest.mark.parametrize("status", [ShowStatus.ENDED, ShowStatus.CANCELLED])
def test_a_finished_shows_lineup_refuses_every_change(build, three, status: ShowStatus) -> None:
    lineup, products = three
    locked = Lineup(show=replace(lineup.show, status=status), items=lineup.items)
    first = locked.items[0].id
    assert not locked.is_editable
    operations = [
        lambda: locked.add_products([build.product()]),
        lambda: locked.remove([first]),
        lambda: locked.move(first, 2),
        lambda: locked.move_down(first),
        lambda: locked.move_items([first], 3),
        lambda: locked.reorder(list(reversed(locked.ids))),
        lambda: locked.update_item(first, products, live_price=D("1.00")),
        lambda: locked.apply_rule(PricingRule(RuleKind.FIXED_PRICE, D("5")), products),
    ]
    for operation in operations:
        with pytest.raises(LineupError, match=r"its lineup can no longer be changed$"):
            operation()


def test_a_live_shows_lineup_can_change(build, three) -> None:
    lineup, _ = three
    live = Lineup(show=replace(lineup.show, status=ShowStatus.LIVE), items=lineup.items)
    assert live.is_editable
    assert names(live.move(live.items[0].id, 2)) == ["P1", "P2", "P0"]


# ----------------------------------------------------------------------------- removing


def test_remove_renumbers(three) -> None:
    lineup, _ = three
    result = lineup.remove([lineup.items[1].id])
    assert names(result) == ["P0", "P2"]
    assert positions(result) == [0, 1]
    assert lineup.remove([]) is lineup


def test_remove_refuses_unknown_ids_and_items_with_sales(build, three) -> None:
    lineup, _ = three
    with pytest.raises(LineupError, match=r"^That item is not in this lineup$"):
        lineup.remove([lineup.items[0].id, build.new_id()])
    sold = replace(lineup.items[2], sold_quantity=2)
    with_sales = Lineup.of(lineup.show, [*lineup.items[:2], sold])
    with pytest.raises(
        LineupError, match=r"^“P2” has 2 sold and cannot be removed; hide it instead$"
    ):
        with_sales.remove([lineup.items[0].id, sold.id])
    assert names(with_sales) == ["P0", "P1", "P2"]


# ----------------------------------------------------------------------------- editing


def test_update_item_applies_valid_changes(three) -> None:
    lineup, products = three
    target = lineup.ids[1]
    result, validation = lineup.update_item(
        target, products, live_price=D("19.99"), allocated_quantity=20, max_per_buyer=2
    )
    assert validation.ok
    changed = result.item(target)
    assert (changed.live_price, changed.allocated_quantity, changed.max_per_buyer) == (
        D("19.99"),
        20,
        2,
    )
    assert lineup.item(target).live_price == D("24.99")


def test_update_item_with_bad_input_changes_nothing(build) -> None:
    product = build.product(stock_quantity=7)
    lineup = Lineup.of(build.show(), [build.item(product, allocated_quantity=5)])
    item_id = lineup.ids[0]
    products = {product.id: product}
    result, validation = lineup.update_item(item_id, products, live_price=D("-1"))
    assert result is lineup
    assert dict(validation.errors) == {"live_price": "Price cannot be negative"}
    # The item holds 5 already; 7 more are free, so 13 asks for one unit too many.
    result, validation = lineup.update_item(item_id, products, allocated_quantity=13)
    assert result is lineup
    assert dict(validation.errors) == {
        "allocated_quantity": "Allocation of 13 needs 8 more units, more than the wholesaler's "
        "stock of 7"
    }


def test_update_item_counts_the_units_the_item_already_holds(build) -> None:
    product = build.product(stock_quantity=3)  # free units beside the item's 10
    lineup = Lineup.of(build.show(), [build.item(product, allocated_quantity=10)])
    item_id = lineup.ids[0]
    products = {product.id: product}
    repriced, validation = lineup.update_item(item_id, products, live_price=D("19.99"))
    assert validation.ok
    assert repriced.items[0].live_price == D("19.99")
    result, validation = lineup.update_item(item_id, products, allocated_quantity=4)
    assert validation.ok
    assert result.items[0].allocated_quantity == 4
    result, validation = lineup.update_item(item_id, products, allocated_quantity=13)
    assert validation.ok
    result, validation = lineup.update_item(item_id, products, allocated_quantity=14)
    assert result is lineup
    assert not validation.ok


def test_update_item_returns_warnings_with_the_change(build) -> None:
    product = build.product(wholesale_price=D("12.00"))
    lineup = Lineup.of(build.show(), [build.item(product)])
    result, validation = lineup.update_item(
        lineup.ids[0], {product.id: product}, live_price=D("9.99")
    )
    assert result.items[0].live_price == D("9.99")
    assert dict(validation.warnings) == {"live_price": "$9.99 is below the wholesale cost $12.00"}


def test_update_item_without_a_change_returns_the_same_lineup(three) -> None:
    lineup, products = three
    result, validation = lineup.update_item(lineup.ids[0], products, live_price=D("24.99"))
    assert result is lineup
    assert validation.ok


def test_update_item_refuses_fields_the_builder_does_not_edit(three) -> None:
    lineup, products = three
    with pytest.raises(
        LineupError, match=r"^These fields cannot be edited in the lineup: position, sold_quantity$"
    ):
        lineup.update_item(lineup.ids[0], products, sold_quantity=1, position=2)


def test_update_item_status(three) -> None:
    lineup, products = three
    hidden, validation = lineup.update_item(lineup.ids[0], products, status="hidden")
    assert validation.ok
    assert hidden.items[0].status is LiveProductStatus.HIDDEN
    with pytest.raises(LineupError, match=r"^Unknown status 'gone'$"):
        lineup.update_item(lineup.ids[0], products, status="gone")


def test_apply_rule_to_all_or_some_items(three) -> None:
    lineup, products = three
    rule = PricingRule(RuleKind.PERCENT_OFF_RETAIL, D("20"))
    everything, outcome = lineup.apply_rule(rule, products)
    assert [item.live_price for item in everything] == [D("23.99")] * 3
    assert outcome.applied_count == 3
    some, outcome = lineup.apply_rule(rule, products, item_ids=[lineup.ids[2]])
    assert [item.live_price for item in some] == [D("24.99"), D("24.99"), D("23.99")]
    assert len(outcome.proposals) == 1


def test_apply_rule_with_only_errors_returns_the_same_lineup(build) -> None:
    lineup = Lineup.of(build.show(), [build.item()])
    result, outcome = lineup.apply_rule(PricingRule(RuleKind.PERCENT_OFF_RETAIL, D("20")), {})
    assert result is lineup
    assert not outcome.ok


def test_apply_rule_refuses_unknown_items(build, three) -> None:
    lineup, products = three
    with pytest.raises(LineupError, match=r"^That item is not in this lineup$"):
        lineup.apply_rule(PricingRule(RuleKind.FIXED_PRICE, D("5")), products, [build.new_id()])


# ----------------------------------------------------------------------------- checks, totals


def test_validate_lists_only_items_that_break_a_rule(build) -> None:
    # Stock 0: the items' allocations already left it, so they are not reported for stock.
    product = build.product(stock_quantity=0)
    good = build.item(product, allocated_quantity=5)
    bad = build.item(product, allocated_quantity=6, sold_quantity=7, position=1)
    lineup = Lineup.of(build.show(), [good, bad])
    results = lineup.validate({product.id: product})
    assert list(results) == [bad.id]
    assert dict(results[bad.id].errors) == {
        "allocated_quantity": "Allocation of 6 is below the 7 already sold"
    }


def test_margin_of_the_lineup(three) -> None:
    lineup, products = three
    total = lineup.margin(products, D("0.1"))
    assert total.revenue == D("749.70")
    assert total.cost == D("360.00")
    assert total.commission == D("74.97")


def test_diff_lists_added_updated_and_removed(build, three) -> None:
    lineup, products = three
    first, middle, last = lineup.ids
    added = lineup.add_products([build.product(name="N")], at_index=0, new_id=ids_from(500))
    edited, _ = added.lineup.update_item(middle, products, live_price=D("9.99"))
    final = edited.remove([last])
    diff = diff_lineups(lineup, final)
    assert [item.id for item in diff.added] == [UUID(int=500)]
    # first moved from 0 to 1; middle moved and was repriced.
    assert [item.id for item in diff.updated] == [first, middle]
    assert diff.removed == (last,)
    assert not diff.is_empty
    assert diff_lineups(lineup, lineup).is_empty


# ----------------------------------------------------------------------------- one price rule


@pytest.mark.parametrize(
    ("price", "errors", "compare_at"),
    [
        ("26.00", {}, "28.00"),     # not above the compare-at price: it is kept
        ("29.50", {}, "30.00"),     # above it: raised to retail
        ("30.00", {}, "30.00"),     # at retail
        ("30.01", {"live_price": "Price $30.01 is above the retail price $30.00"}, None),
        ("99999999.00", {"live_price": "Price $99,999,999.00 is above the retail price $30.00"},
         None),
        ("-1.00", {"live_price": "Price cannot be negative"}, None),
    ],
)
def test_an_edited_price_and_a_bulk_fixed_price_follow_the_same_rule(
    build, price: str, errors: dict, compare_at: str | None
) -> None:
    product = build.product(retail_price=D("30.00"), wholesale_price=D("12.00"))
    item = build.item(product, live_price=D("24.99"), compare_at_price=D("28.00"))
    lineup = Lineup.of(build.show(), [item])
    products = {product.id: product}
    edited, validation = lineup.update_item(item.id, products, live_price=D(price))
    bulk, outcome = lineup.apply_rule(
        PricingRule(RuleKind.FIXED_PRICE, D(price).copy_abs(), RoundingMode.NONE), products)
    assert dict(validation.errors) == errors
    if errors:
        assert edited is lineup
        if D(price) >= 0:  # a rule's value is never negative: its own refusal
            assert dict(outcome.proposals[0].errors) == errors and bulk is lineup
        return
    # Both raise a compare-at price left below the new price to retail, and say so.
    assert edited.items == bulk.items
    assert edited.items[0].compare_at_price == D(compare_at)
    assert dict(validation.warnings) == dict(outcome.proposals[0].warnings)
