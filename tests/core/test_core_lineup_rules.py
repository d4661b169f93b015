"""The server's rules, checked in the studio with field-keyed messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from studio.core.lineup_rules import (
    OK,
    LineupLimits,
    ValidationError,
    ValidationResult,
    check_lineup_editable,
    field_for_constraint,
    field_for_server_message,
    validate_flash_sale,
    validate_lineup_item,
    validate_product_addable,
    validate_show,
)
from studio.core.models import ProductStatus, ShowStatus

AT = datetime(2026, 12, 1, 18, 10, tzinfo=UTC)


# ----------------------------------------------------------------------------- ValidationResult


def test_validation_result_ok_and_lookup() -> None:
    assert OK.ok
    result = ValidationResult(errors={"live_price": "bad"}, warnings={"x": "w"})
    assert not result.ok
    assert result.error_for("live_price") == "bad"
    assert result.error_for("name") is None
    assert ValidationResult(warnings={"x": "w"}).ok


def test_validation_result_cannot_be_changed_through_its_mappings() -> None:
    source = {"live_price": "bad"}
    result = ValidationResult(errors=source)
    source["name"] = "later"
    assert dict(result.errors) == {"live_price": "bad"}
    with pytest.raises(TypeError):
        result.errors["name"] = "x"  # type: ignore[index]


def test_merged_keeps_the_first_message_per_field() -> None:
    first = ValidationResult(errors={"a": "first"}, warnings={"w": "1"})
    second = ValidationResult(errors={"a": "second", "b": "b"}, warnings={"w": "2", "v": "v"})
    merged = first.merged(second)
    assert dict(merged.errors) == {"a": "first", "b": "b"}
    assert dict(merged.warnings) == {"w": "1", "v": "v"}


def test_raise_if_invalid_carries_the_result() -> None:
    OK.raise_if_invalid()
    result = ValidationResult(errors={"a": "Bad a", "b": "Bad b"})
    with pytest.raises(ValidationError, match=r"^Bad a; Bad b$") as caught:
        result.raise_if_invalid()
    assert caught.value.result is result


# ----------------------------------------------------------------------------- shows


def test_a_valid_show_passes(build) -> None:
    assert validate_show(build.show()) == OK
    assert validate_show(build.show(scheduled_end=None, description="x" * 5000)).ok


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "Title is required"),
        ("   ", "Title is required"),
        ("x" * 201, "Title must be at most 200 characters (now 201)"),
    ],
)
def test_show_title_rules(build, title: str, message: str) -> None:
    assert dict(validate_show(build.show(title=title)).errors) == {"title": message}


def test_show_title_of_200_characters_passes(build) -> None:
    assert validate_show(build.show(title="é" * 200)).ok


def test_show_description_limit(build) -> None:
    result = validate_show(build.show(description="x" * 5001))
    assert dict(result.errors) == {
        "description": "Description must be at most 5000 characters (now 5001)"
    }


@pytest.mark.parametrize("end_offset", [timedelta(0), timedelta(minutes=-5)])
def test_show_end_must_be_after_start(build, end_offset: timedelta) -> None:
    show = build.show()
    result = validate_show(build.show(scheduled_end=show.scheduled_start + end_offset))
    assert dict(result.errors) == {"scheduled_end": "The end must be after the start"}


def test_show_times_need_a_time_zone(build) -> None:
    naive = datetime(2026, 12, 1, 18, 0)
    result = validate_show(build.show(scheduled_start=naive, scheduled_end=None))
    assert dict(result.errors) == {"scheduled_start": "Start time needs a time zone"}
    result = validate_show(build.show(scheduled_end=naive))
    assert dict(result.errors) == {"scheduled_end": "End time needs a time zone"}


def test_show_times_compare_across_time_zones(build) -> None:
    start = build.show().scheduled_start
    earlier_in_other_zone = start.astimezone(timezone(timedelta(hours=-5)))
    assert not validate_show(build.show(scheduled_end=earlier_in_other_zone)).ok


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ShowStatus.ENDED, "This show has ended; its lineup can no longer be changed"),
        (ShowStatus.CANCELLED, "This show was cancelled; its lineup can no longer be changed"),
    ],
)
def test_finished_shows_lock_the_lineup(build, status: ShowStatus, message: str) -> None:
    show = build.show(status=status)
    assert dict(check_lineup_editable(show).errors) == {"show": message}
    result = validate_lineup_item(build.item(), show=show)
    assert dict(result.errors) == {"show": message}


@pytest.mark.parametrize("status", [ShowStatus.SCHEDULED, ShowStatus.LIVE])
def test_scheduled_and_live_shows_can_be_edited(build, status: ShowStatus) -> None:
    assert check_lineup_editable(build.show(status=status)) == OK


# ----------------------------------------------------------------------------- products


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": ProductStatus.DISCONTINUED}, "“Mug” is discontinued, not active"),
        ({"status": ProductStatus.DRAFT}, "“Mug” is draft, not active"),
        ({"status": ProductStatus.INACTIVE}, "“Mug” is inactive, not active"),
        ({"is_live_eligible": False}, "“Mug” is not available for live selling"),
    ],
)
def test_only_active_live_eligible_products_can_be_added(build, fields, message: str) -> None:
    result = validate_product_addable(build.product(name="Mug", **fields))
    assert dict(result.errors) == {"product": message}


def test_out_of_stock_product_is_a_warning_only(build) -> None:
    result = validate_product_addable(build.product(name="Mug", stock_quantity=0))
    assert result.ok
    assert dict(result.warnings) == {"product": "“Mug” is out of stock"}
    assert validate_product_addable(build.product()) == OK


# ----------------------------------------------------------------------------- lineup items


def test_a_valid_item_passes(build) -> None:
    product = build.product()
    assert validate_lineup_item(build.item(product), product=product, show=build.show()) == OK


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"live_price": Decimal("-0.01")}, {"live_price": "Price cannot be negative"}),
        ({"live_price": Decimal("NaN")}, {"live_price": "Price is not a number"}),
        (
            {"live_price": Decimal("10000000000.00"), "compare_at_price": None},
            {"live_price": "Price is too large (the maximum is $9,999,999,999.99)"},
        ),
        ({"live_price": Decimal("1.234")}, {"live_price": "Price has more than 2 decimal places"}),
        (
            {"compare_at_price": Decimal("-1")},
            {"compare_at_price": "Compare-at price cannot be negative"},
        ),
        (
            {"compare_at_price": Decimal("20.00")},
            {"compare_at_price": "Compare-at price $20.00 must be at least the live price $24.99"},
        ),
        ({"allocated_quantity": -1}, {"allocated_quantity": "Allocation cannot be negative"}),
        (
            {"allocated_quantity": 3, "sold_quantity": 5},
            {"allocated_quantity": "Allocation of 3 is below the 5 already sold"},
        ),
        ({"max_per_buyer": 0}, {"max_per_buyer": "Limit per buyer must be at least 1"}),
        ({"max_per_buyer": -2}, {"max_per_buyer": "Limit per buyer must be at least 1"}),
        ({"name": " "}, {"name": "Name is required"}),
        ({"name": "n" * 201}, {"name": "Name must be at most 200 characters (now 201)"}),
        ({"position": -1}, {"position": "Position cannot be negative"}),
    ],
)
def test_item_rules_name_the_field_and_the_reason(build, fields, errors) -> None:
    assert dict(validate_lineup_item(build.item(**fields)).errors) == errors


def test_prices_of_the_wrong_type_are_reported_not_raised(build) -> None:
    result = validate_lineup_item(build.item(live_price="24.99", compare_at_price=30))
    assert dict(result.errors) == {"live_price": "Price is not a number"}


def test_compare_at_is_not_checked_against_an_invalid_live_price(build) -> None:
    result = validate_lineup_item(build.item(live_price=Decimal("-5")))
    assert dict(result.errors) == {"live_price": "Price cannot be negative"}


def test_compare_at_equal_to_live_price_and_absent_pass(build) -> None:
    assert validate_lineup_item(build.item(compare_at_price=Decimal("24.99"))).ok
    assert validate_lineup_item(build.item(compare_at_price=None)).ok
    assert validate_lineup_item(build.item(live_price=Decimal(0), compare_at_price=None)).ok


def test_allocation_must_fit_the_wholesalers_stock(build) -> None:
    product = build.product(stock_quantity=7)
    result = validate_lineup_item(build.item(product, allocated_quantity=15), product=product)
    assert dict(result.errors) == {
        "allocated_quantity": "Allocation of 15 exceeds the wholesaler's stock of 7"
    }
    assert validate_lineup_item(build.item(product, allocated_quantity=7), product=product).ok


def test_an_edit_is_checked_only_for_the_units_it_adds(build) -> None:
    # The server moved the item's 10 units out of stock when they were allocated: the 7 the
    # cache shows are what is still free.
    product = build.product(stock_quantity=7)
    before = build.item(product, allocated_quantity=10)
    raised = replace(before, allocated_quantity=17)
    assert validate_lineup_item(raised, product=product, previous=before).ok
    too_many = replace(before, allocated_quantity=18)
    assert dict(validate_lineup_item(too_many, product=product, previous=before).errors) == {
        "allocated_quantity": (
            "Allocation of 18 needs 8 more units, more than the wholesaler's stock of 7"
        )
    }
    lowered = replace(before, allocated_quantity=9)
    assert validate_lineup_item(lowered, product=product, previous=before).ok


def test_stock_is_checked_on_edits_only_when_allocation_or_source_changes(build) -> None:
    product = build.product(stock_quantity=0)  # every unit allocated, this item's among them
    before = build.item(product, allocated_quantity=10)
    repriced = replace(before, live_price=Decimal("19.99"))
    assert validate_lineup_item(repriced, product=product, previous=before).ok
    other = build.product(stock_quantity=3)
    switched = replace(before, product_id=other.id)
    # A new source gives nothing back to it: the whole allocation must come from its stock.
    assert dict(validate_lineup_item(switched, product=other, previous=before).errors) == {
        "allocated_quantity": "Allocation of 10 exceeds the wholesaler's stock of 3"
    }
    # Without `previous` the item is new: its whole allocation must be free.
    assert not validate_lineup_item(repriced, product=product).ok


def test_sold_units_stay_held_after_the_show_and_in_rehearsals(build) -> None:
    product = build.product(stock_quantity=2)
    before = build.item(product, allocated_quantity=5, sold_quantity=4)
    more = replace(before, allocated_quantity=40)
    rehearsal = build.show(is_rehearsal=True)
    # A rehearsal holds only what sold: its allocation takes nothing from the wholesaler.
    assert validate_lineup_item(more, product=product, show=rehearsal, previous=before).ok
    public = build.show()
    assert dict(validate_lineup_item(more, product=product, show=public,
                                     previous=before).errors) == {
        "allocated_quantity": (
            "Allocation of 40 needs 35 more units, more than the wholesaler's stock of 2"
        )
    }


def test_price_below_wholesale_cost_is_a_warning(build) -> None:
    product = build.product(wholesale_price=Decimal("12.00"))
    item = build.item(product, live_price=Decimal("9.99"), compare_at_price=None)
    result = validate_lineup_item(item, product=product)
    assert result.ok
    assert dict(result.warnings) == {"live_price": "$9.99 is below the wholesale cost $12.00"}


def test_several_errors_are_reported_together(build) -> None:
    item = build.item(
        name="",
        live_price=Decimal("-1"),
        allocated_quantity=-3,
        max_per_buyer=0,
    )
    assert set(validate_lineup_item(item).errors) == {
        "name",
        "live_price",
        "allocated_quantity",
        "max_per_buyer",
    }


def test_flash_fields_go_together(build) -> None:
    result = validate_lineup_item(build.item(flash_price=Decimal("9.99")))
    assert dict(result.errors) == {"flash_price": "A flash sale needs a price, a start and an end"}


@pytest.mark.parametrize(
    ("flash_price", "message"),
    [
        (Decimal("24.99"), "Flash price $24.99 must be below the live price $24.99"),
        (Decimal("30.00"), "Flash price $30.00 must be below the live price $24.99"),
        (Decimal("-1.00"), "Flash price cannot be negative"),
    ],
)
def test_flash_price_below_live_price(build, flash_price: Decimal, message: str) -> None:
    item = build.item(
        flash_price=flash_price, flash_starts_at=AT, flash_ends_at=AT + timedelta(seconds=60)
    )
    assert dict(validate_lineup_item(item).errors) == {"flash_price": message}


def test_flash_window_must_end_after_it_starts(build) -> None:
    item = build.item(flash_price=Decimal("9.99"), flash_starts_at=AT, flash_ends_at=AT)
    assert dict(validate_lineup_item(item).errors) == {
        "flash_duration": "The flash sale must end after it starts"
    }


def test_valid_flash_window_passes(build) -> None:
    item = build.item(
        flash_price=Decimal("0.00"), flash_starts_at=AT, flash_ends_at=AT + timedelta(seconds=1)
    )
    assert validate_lineup_item(item).ok


# ----------------------------------------------------------------------------- flash sales


@pytest.mark.parametrize("seconds", [10, 300, 3600])
def test_flash_sale_durations_within_limits_pass(seconds: int) -> None:
    assert validate_flash_sale(Decimal("20"), Decimal("15"), seconds) == OK


@pytest.mark.parametrize("seconds", [9, 0, -5, 3601])
def test_flash_sale_durations_outside_limits_fail(seconds: int) -> None:
    result = validate_flash_sale(Decimal("20"), Decimal("15"), seconds)
    assert dict(result.errors) == {
        "flash_duration": f"A flash sale lasts between 10 and 3600 seconds (not {seconds})"
    }


def test_flash_sale_limits_are_configurable() -> None:
    limits = LineupLimits(min_flash_seconds=30, max_flash_seconds=300)
    assert not validate_flash_sale(Decimal("20"), Decimal("15"), 20, limits=limits).ok
    assert validate_flash_sale(Decimal("20"), Decimal("15"), 300, limits=limits).ok
    assert not validate_flash_sale(Decimal("20"), Decimal("15"), 301, limits=limits).ok


def test_flash_sale_price_rules() -> None:
    result = validate_flash_sale(Decimal("20.00"), Decimal("25.00"), 60)
    assert dict(result.errors) == {
        "flash_price": "Flash price $25.00 must be below the live price $20.00"
    }
    result = validate_flash_sale(Decimal("20.00"), Decimal("-1"), 5)
    assert set(result.errors) == {"flash_price", "flash_duration"}


# ----------------------------------------------------------------------------- server refusals


@pytest.mark.parametrize(
    ("constraint", "field"),
    [
        ("live_products_sold_within_allocation", "allocated_quantity"),
        ("live_products_compare_at_not_below_price", "compare_at_price"),
        ("live_products_flash_below_live_price", "flash_price"),
        ("live_products_flash_fields_together", "flash_price"),
        ("live_products_flash_window_order", "flash_duration"),
        ("live_products_live_price_check", "live_price"),
        ("live_products_compare_at_price_check", "compare_at_price"),
        ("live_products_allocated_quantity_check", "allocated_quantity"),
        ("live_products_max_per_buyer_check", "max_per_buyer"),
        ("live_stream_sessions_title_check", "title"),
        ("live_stream_sessions_check", "scheduled_end"),
        ("live_stream_sessions_check1", None),
        ("orders_subtotal_check", None),
    ],
)
def test_field_for_constraint(constraint: str, field: str | None) -> None:
    assert field_for_constraint(constraint) == field


def test_server_refusal_becomes_a_field_error() -> None:
    message = (
        'new row for relation "live_products" violates check constraint '
        '"live_products_flash_below_live_price"'
    )
    assert field_for_server_message(message) == "flash_price"
    result = ValidationResult.from_server_message(message)
    assert dict(result.errors) == {"flash_price": message}


def test_server_refusal_without_a_constraint_uses_the_default_field() -> None:
    message = "Allocation exceeds the wholesaler's stock"
    assert field_for_server_message(message) is None
    result = ValidationResult.from_server_message(message, default_field="allocated_quantity")
    assert dict(result.errors) == {"allocated_quantity": message}
    assert dict(ValidationResult.from_server_message(message).errors) == {"": message}
