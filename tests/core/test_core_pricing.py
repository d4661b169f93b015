"""Rounding, bulk pricing rules and the effective price."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.models import LineupItem
from studio.core.money import MAX_AMOUNT, format_money
from studio.core.pricing import (
    CompareAtPolicy,
    PriceTarget,
    PricingRule,
    RoundingMode,
    RuleKind,
    apply_rule,
    effective_price,
    flash_active,
    flash_time_left,
    percent_of,
    round_price,
)

D = Decimal
prices = st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2)
modes = st.sampled_from(list(RoundingMode))


# ----------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("price", "mode", "expected"),
    [
        ("24.00", RoundingMode.TO_99, "23.99"),
        ("24.99", RoundingMode.TO_99, "24.99"),
        ("25.50", RoundingMode.TO_99, "24.99"),
        ("25.989", RoundingMode.TO_99, "25.99"),  # cents first: 25.99
        ("25.995", RoundingMode.TO_99, "25.99"),
        ("1.50", RoundingMode.TO_99, "0.99"),
        ("1.00", RoundingMode.TO_99, "0.99"),
        ("0.99", RoundingMode.TO_99, "0.99"),
        ("0.98", RoundingMode.TO_99, "0.98"),
        ("0", RoundingMode.TO_99, "0.00"),
        ("24.00", RoundingMode.TO_95, "23.95"),
        ("24.97", RoundingMode.TO_95, "24.95"),
        ("0.94", RoundingMode.TO_95, "0.94"),
        ("24.99", RoundingMode.WHOLE, "24.00"),
        ("1.00", RoundingMode.WHOLE, "1.00"),
        ("0.50", RoundingMode.WHOLE, "0.50"),
        ("24.995", RoundingMode.NONE, "25.00"),
        ("7", RoundingMode.NONE, "7.00"),
    ],
)
def test_round_price_examples(price: str, mode: RoundingMode, expected: str) -> None:
    assert str(round_price(D(price), mode)) == expected


@pytest.mark.parametrize("bad", [D("-0.01"), D("NaN"), D("Infinity")])
def test_round_price_refuses_negative_and_non_finite(bad: Decimal) -> None:
    with pytest.raises(ValueError, match="must be a non-negative amount"):
        round_price(bad, RoundingMode.TO_99)


@given(prices, modes)
def test_rounding_never_raises_the_price_or_drops_below_zero(price: Decimal, mode) -> None:
    rounded = round_price(price, mode)
    assert D(0) <= rounded <= price
    assert price - rounded < 1
    assert rounded == rounded.quantize(D("0.01"))


@given(prices)
def test_to_99_ends_in_99_from_099_and_keeps_smaller_prices(price: Decimal) -> None:
    rounded = round_price(price, RoundingMode.TO_99)
    if price >= D("0.99"):
        assert rounded % 1 == D("0.99")
        # The largest such amount: the next one up is above the price.
        assert rounded + 1 > price
    else:
        assert rounded == price


@given(prices)
def test_to_95_ends_in_95_from_095(price: Decimal) -> None:
    rounded = round_price(price, RoundingMode.TO_95)
    if price >= D("0.95"):
        assert rounded % 1 == D("0.95")
        assert rounded + 1 > price
    else:
        assert rounded == price


@given(prices)
def test_whole_rounds_down_to_dollars_from_one(price: Decimal) -> None:
    rounded = round_price(price, RoundingMode.WHOLE)
    if price >= 1:
        assert rounded % 1 == 0
        assert rounded + 1 > price
    else:
        assert rounded == price


@given(prices, modes)
def test_rounding_is_idempotent(price: Decimal, mode) -> None:
    once = round_price(price, mode)
    assert round_price(once, mode) == once


def test_percent_of_rounds_half_up() -> None:
    assert percent_of(D("19.99"), D("10")) == D("2.00")
    assert percent_of(D("0.05"), D("50")) == D("0.03")


# ----------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (RuleKind.PERCENT_OFF_RETAIL, D("100"), "A discount is at least 0% and below 100%"),
        (RuleKind.PERCENT_OFF_LIVE, D("-1"), "A discount is at least 0% and below 100%"),
        (RuleKind.MARKUP_OVER_WHOLESALE, D("-5"), "A markup cannot be negative"),
        (RuleKind.MARKUP_OVER_WHOLESALE, D("100001"), "A markup is at most 100,000%"),
        (RuleKind.FIXED_PRICE, D("-1"), "Price cannot be negative"),
        (RuleKind.FIXED_PRICE, D("1.001"), "Price has more than 2 decimal places"),
        (RuleKind.FIXED_PRICE, D("NaN"), "The rule's value is not a number"),
    ],
)
def test_rules_refuse_impossible_values(kind: RuleKind, value: Decimal, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        PricingRule(kind, value)


def test_rules_accept_whole_numbers_as_decimals() -> None:
    rule = PricingRule(RuleKind.PERCENT_OFF_RETAIL, 20)  # type: ignore[arg-type]
    assert rule.value == D(20)
    assert isinstance(rule.value, Decimal)
    with pytest.raises(ValueError, match=r"^The rule's value is not a number$"):
        PricingRule(RuleKind.FIXED_PRICE, "5")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (PricingRule(RuleKind.PERCENT_OFF_RETAIL, D("20")), "20.0% off retail, rounded to .99"),
        (
            PricingRule(RuleKind.MARKUP_OVER_WHOLESALE, D("50.0"), RoundingMode.WHOLE),
            "50.0% over wholesale, rounded to whole dollars",
        ),
        (PricingRule(RuleKind.FIXED_PRICE, D("9.9"), RoundingMode.NONE), "fixed $9.90"),
        (
            PricingRule(
                RuleKind.PERCENT_OFF_LIVE, D("12.5"), RoundingMode.TO_95, PriceTarget.FLASH
            ),
            "flash price: 12.5% off the live price, rounded to .95",
        ),
        (PricingRule(RuleKind.PERCENT_OFF_RETAIL, D("12.25"), RoundingMode.NONE),
         "12.25% off retail"),
    ],
)
def test_rule_descriptions(rule: PricingRule, text: str) -> None:
    assert rule.describe() == text


def test_rule_computations(build) -> None:
    product = build.product(wholesale_price=D("12.00"), retail_price=D("30.00"))
    item = build.item(product, live_price=D("25.00"))
    cases = [
        (RuleKind.PERCENT_OFF_RETAIL, D("20"), RoundingMode.TO_99, D("23.99")),
        (RuleKind.PERCENT_OFF_RETAIL, D("20"), RoundingMode.NONE, D("24.00")),
        (RuleKind.PERCENT_OFF_LIVE, D("10"), RoundingMode.NONE, D("22.50")),
        (RuleKind.MARKUP_OVER_WHOLESALE, D("50"), RoundingMode.NONE, D("18.00")),
        (RuleKind.MARKUP_OVER_WHOLESALE, D("50"), RoundingMode.TO_95, D("17.95")),
        (RuleKind.FIXED_PRICE, D("19.50"), RoundingMode.TO_99, D("18.99")),
    ]
    for kind, value, rounding, expected in cases:
        assert PricingRule(kind, value, rounding).compute(item, product) == expected, kind


def test_retail_and_wholesale_rules_need_a_source_product(build) -> None:
    own = build.item()
    assert PricingRule(RuleKind.PERCENT_OFF_RETAIL, D("20")).compute(own, None) is None
    assert PricingRule(RuleKind.MARKUP_OVER_WHOLESALE, D("20")).compute(own, None) is None
    assert PricingRule(RuleKind.FIXED_PRICE, D("5")).compute(own, None) == D("4.99")


def test_apply_rule_updates_live_prices_and_keeps_compare_at(build) -> None:
    product = build.product(retail_price=D("30.00"))
    item = build.item(product, live_price=D("29.99"), compare_at_price=D("30.00"))
    outcome = apply_rule(
        PricingRule(RuleKind.PERCENT_OFF_RETAIL, D("20")), [item], {product.id: product}
    )
    assert outcome.ok
    assert outcome.applied_count == 1
    (proposal,) = outcome.proposals
    assert (proposal.old_price, proposal.new_price) == (D("29.99"), D("23.99"))
    assert proposal.new_compare_at == D("30.00")
    assert outcome.items[0].live_price == D("23.99")
    assert outcome.items[0].compare_at_price == D("30.00")
    assert item.live_price == D("29.99")  # the input is untouched


def test_raised_price_above_compare_at_sets_compare_at_to_retail(build) -> None:
    product = build.product(wholesale_price=D("20.00"), retail_price=D("40.00"))
    item = build.item(product, live_price=D("19.99"), compare_at_price=D("25.00"))
    rule = PricingRule(RuleKind.MARKUP_OVER_WHOLESALE, D("50"))
    outcome = apply_rule(rule, [item], {product.id: product})
    (proposal,) = outcome.proposals
    assert proposal.ok
    assert (proposal.new_price, proposal.new_compare_at) == (D("29.99"), D("40.00"))
    assert dict(proposal.warnings) == {
        "compare_at_price": "Compare-at price raised to retail $40.00"}
    assert outcome.items[0].compare_at_price == D("40.00")


def test_a_price_above_retail_is_refused_and_the_item_keeps_its_prices(build) -> None:
    product = build.product(wholesale_price=D("20.00"), retail_price=D("25.00"))
    item = build.item(product, live_price=D("19.99"), compare_at_price=D("25.00"))
    for rule in (PricingRule(RuleKind.MARKUP_OVER_WHOLESALE, D("100")),
                 PricingRule(RuleKind.FIXED_PRICE, D("99999999"), RoundingMode.NONE)):
        outcome = apply_rule(rule, [item], {product.id: product})
        (proposal,) = outcome.proposals
        price = format_money(proposal.new_price)
        assert dict(proposal.errors) == {
            "live_price": f"Price {price} is above the retail price $25.00"}
        assert outcome.items == (item,) and outcome.applied_count == 0


def test_an_item_without_a_retail_price_has_its_compare_at_cleared(build) -> None:
    own = build.item(live_price=D("19.99"), compare_at_price=D("25.00"))
    outcome = apply_rule(PricingRule(RuleKind.FIXED_PRICE, D("30"), RoundingMode.NONE), [own], {})
    (proposal,) = outcome.proposals
    assert proposal.ok and proposal.new_compare_at is None
    assert proposal.warnings["compare_at_price"] == (
        "Compare-at price cleared: it was below the new price and the item has no retail price")
    assert outcome.items[0].compare_at_price is None


def test_compare_at_policy_refuse_keeps_the_item(build) -> None:
    product = build.product(wholesale_price=D("20.00"), retail_price=D("40.00"))
    item = build.item(product, live_price=D("19.99"), compare_at_price=D("25.00"))
    rule = PricingRule(RuleKind.MARKUP_OVER_WHOLESALE, D("50"), compare_at=CompareAtPolicy.REFUSE)
    outcome = apply_rule(rule, [item], {product.id: product})
    assert not outcome.ok
    assert dict(outcome.proposals[0].errors) == {
        "compare_at_price": "Compare-at price $25.00 would be below the new price $29.99"
    }
    assert outcome.items == (item,)
    assert outcome.applied_count == 0


def test_price_below_wholesale_cost_is_applied_with_a_warning(build) -> None:
    product = build.product(wholesale_price=D("12.00"))
    item = build.item(product)
    outcome = apply_rule(PricingRule(RuleKind.FIXED_PRICE, D("10")), [item], {product.id: product})
    (proposal,) = outcome.proposals
    assert proposal.ok
    assert dict(proposal.warnings) == {"live_price": "$9.99 is below the wholesale cost $12.00"}
    assert outcome.items[0].live_price == D("9.99")


def test_new_live_price_not_above_an_existing_flash_price_is_refused(build) -> None:
    at = datetime(2026, 12, 1, 18, tzinfo=UTC)
    item = build.item(
        live_price=D("20.00"),
        flash_price=D("15.00"),
        flash_starts_at=at,
        flash_ends_at=at + timedelta(minutes=1),
    )
    outcome = apply_rule(PricingRule(RuleKind.FIXED_PRICE, D("15"), RoundingMode.NONE), [item], {})
    assert dict(outcome.proposals[0].errors) == {
        "flash_price": "The flash price $15.00 would not be below the new price $15.00"
    }
    assert outcome.items == (item,)


def test_items_without_source_get_an_error_and_keep_their_price(build) -> None:
    product = build.product()
    sourced = build.item(product)
    own = build.item()
    missing = build.item(build.product())  # its product is not in the mapping
    outcome = apply_rule(
        PricingRule(RuleKind.PERCENT_OFF_RETAIL, D("20")),
        [sourced, own, missing],
        {product.id: product},
    )
    assert [p.ok for p in outcome.proposals] == [True, False, False]
    assert dict(outcome.proposals[1].errors) == {
        "live_price": "No catalog product: its retail and wholesale prices are unknown"
    }
    assert outcome.proposals[1].new_price is None
    assert outcome.items[1:] == (own, missing)
    assert outcome.applied_count == 1


def test_rule_giving_a_price_over_the_maximum_is_refused(build) -> None:
    product = build.product(wholesale_price=D("9999999999.00"))
    item = build.item(product)
    rule = PricingRule(RuleKind.MARKUP_OVER_WHOLESALE, D("10"), RoundingMode.NONE)
    outcome = apply_rule(rule, [item], {product.id: product})
    assert dict(outcome.proposals[0].errors) == {
        "live_price": "Price is too large (the maximum is $9,999,999,999.99)"
    }
    assert outcome.items == (item,)


def test_flash_rule_proposes_prices_and_leaves_items_unchanged(build) -> None:
    product = build.product(retail_price=D("30.00"))
    item = build.item(product, live_price=D("24.99"))
    rule = PricingRule(RuleKind.PERCENT_OFF_LIVE, D("20"), target=PriceTarget.FLASH)
    outcome = apply_rule(rule, [item], {product.id: product})
    (proposal,) = outcome.proposals
    assert proposal.ok
    assert proposal.target == PriceTarget.FLASH
    assert (proposal.old_price, proposal.new_price) == (None, D("19.99"))
    assert outcome.items == (item,)
    assert outcome.applied_count == 0


def test_flash_rule_giving_a_price_not_below_regular_is_an_error(build) -> None:
    product = build.product(retail_price=D("30.00"))
    item = build.item(product, live_price=D("19.99"))
    rule = PricingRule(RuleKind.PERCENT_OFF_RETAIL, D("10"), target=PriceTarget.FLASH)
    outcome = apply_rule(rule, [item], {product.id: product})
    assert dict(outcome.proposals[0].errors) == {
        "flash_price": "Flash price $26.99 must be below the live price $19.99"
    }
    assert outcome.items == (item,)


@given(prices, st.decimals(min_value=0, max_value=99, places=2))
def test_flash_percent_off_live_is_below_the_live_price_or_refused(
    live: Decimal, percent: Decimal
) -> None:
    item = LineupItem(
        id=UUID(int=1), session_id=UUID(int=2), name="x", live_price=live, allocated_quantity=1
    )
    rule = PricingRule(RuleKind.PERCENT_OFF_LIVE, percent, target=PriceTarget.FLASH)
    (proposal,) = apply_rule(rule, [item], {}).proposals
    assert proposal.new_price is not None
    assert proposal.ok == (proposal.new_price < live)


# ----------------------------------------------------------------------------- effective price

START = datetime(2026, 12, 1, 18, 10, tzinfo=UTC)
END = START + timedelta(seconds=60)


@pytest.mark.parametrize(
    ("at", "price", "active"),
    [
        (START - timedelta(microseconds=1), D("24.99"), False),
        (START, D("14.99"), True),
        (END - timedelta(microseconds=1), D("14.99"), True),
        (END, D("24.99"), False),
    ],
)
def test_effective_price_uses_the_flash_price_inside_start_end(
    build, at: datetime, price: Decimal, active: bool
) -> None:
    item = build.item(flash_price=D("14.99"), flash_starts_at=START, flash_ends_at=END)
    assert effective_price(item, at) == price
    assert flash_active(item, at) is active


def test_effective_price_without_a_flash_window(build) -> None:
    assert effective_price(build.item(), START) == D("24.99")
    assert flash_time_left(build.item(), START) is None


def test_flash_time_left(build) -> None:
    item = build.item(flash_price=D("14.99"), flash_starts_at=START, flash_ends_at=END)
    assert flash_time_left(item, START + timedelta(seconds=15)) == timedelta(seconds=45)
    assert flash_time_left(item, END) is None


def test_effective_price_needs_an_aware_time(build) -> None:
    with pytest.raises(ValueError, match="The time must include a time zone"):
        effective_price(build.item(), datetime(2026, 12, 1, 18, 10))
