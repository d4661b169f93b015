"""Money and quantity parsing, rounding and display."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.money import (
    MAX_AMOUNT,
    UNKNOWN,
    format_money,
    format_percent,
    parse_money,
    parse_percent,
    parse_quantity,
    quantize_money,
    to_money,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.005", "1.01"),
        ("1.004", "1.00"),
        ("-1.005", "-1.01"),
        ("2.5", "2.50"),
        ("0", "0.00"),
    ],
)
def test_quantize_money_rounds_half_up_to_cents(value: str, expected: str) -> None:
    result = quantize_money(Decimal(value))
    assert result == Decimal(expected)
    assert str(result) == expected


def test_quantize_money_refuses_non_finite() -> None:
    with pytest.raises(ValueError, match="Not a finite amount"):
        quantize_money(Decimal("NaN"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("19.999"), "20.00"),
        (7, "7.00"),
        ("  4.5 ", "4.50"),
        (19.99, "19.99"),
        (0.1 + 0.2, "0.30"),
    ],
)
def test_to_money_converts_stored_values(value: object, expected: str) -> None:
    assert str(to_money(value)) == expected  # type: ignore[arg-type]


def test_to_money_refuses_booleans_text_and_other_types() -> None:
    with pytest.raises(TypeError, match="boolean"):
        to_money(True)
    with pytest.raises(ValueError, match="Not an amount: 'abc'"):
        to_money("abc")
    with pytest.raises(TypeError, match="Cannot use list"):
        to_money([1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        to_money(float("inf"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19.99", "19.99"),
        ("$19.99", "19.99"),
        ("  $ 19.99  ", "19.99"),
        ("19", "19.00"),
        ("19.", "19.00"),
        ("19.9", "19.90"),
        (".99", "0.99"),
        ("0", "0.00"),
        ("1,234.50", "1234.50"),
        ("$1,234,567", "1234567.00"),
        ("1234567.89", "1234567.89"),
        ("-5", "-5.00"),
        ("-$5.25", "-5.25"),
        ("$-5.25", "-5.25"),
        ("9999999999.99", "9999999999.99"),
    ],
)
def test_parse_money_accepts_the_documented_format(text: str, expected: str) -> None:
    result = parse_money(text)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a price"),
        ("   ", "Enter a price"),
        ("19,99", "Use a dot for cents, e.g. 19.99"),
        ("$19,9", r"Use a dot for cents, e.g. \$19.9"),
        ("19.999", "Prices have at most 2 decimal places"),
        ("abc", "Not a price: 'abc'"),
        ("$", r"Not a price: '\$'"),
        (".", r"Not a price: '\.'"),
        ("1,23,4", "Not a price: '1,23,4'"),
        ("12,34.5", "Not a price: '12,34.5'"),
        ("--5", "Not a price: '--5'"),
        ("-$-5", r"Not a price: '-\$-5'"),
        ("5$", r"Not a price: '5\$'"),
        ("1e3", "Not a price: '1e3'"),
        ("10000000000", r"Price is too large \(the maximum is \$9,999,999,999.99\)"),
    ],
)
def test_parse_money_refuses_bad_input_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        parse_money(text)


@given(st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2))
def test_formatted_amounts_parse_back_to_the_same_value(amount: Decimal) -> None:
    assert parse_money(format_money(amount)) == amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), (" 0 ", 0), ("1,000", 1000), ("-3", -3), ("2147483647", 2_147_483_647)],
)
def test_parse_quantity_accepts_whole_numbers(text: str, expected: int) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a quantity"),
        ("10.5", "Enter a whole number of units, not '10.5'"),
        ("ten", "Enter a whole number of units, not 'ten'"),
        ("1,00", "Enter a whole number of units, not '1,00'"),
        ("2147483648", "Quantity is too large"),
    ],
)
def test_parse_quantity_refuses_bad_input(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20", "20"), ("20%", "20"), ("12.5 %", "12.5"), (".5", ".5"), ("-5", "-5")],
)
def test_parse_percent(text: str, expected: str) -> None:
    assert parse_percent(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Enter a percentage"), ("twenty", "Not a percentage: 'twenty'"), ("%", "Not a")],
)
def test_parse_percent_refuses_bad_input(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        parse_percent(text)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1234.5"), "$1,234.50"),
        (Decimal("0"), "$0.00"),
        (Decimal("-5"), "-$5.00"),
        (Decimal("-0.001"), "$0.00"),
        (Decimal("0.005"), "$0.01"),
        (12, "$12.00"),
        (None, UNKNOWN),
    ],
)
def test_format_money(amount: Decimal | int | None, text: str) -> None:
    assert format_money(amount) == text


def test_format_money_with_another_symbol() -> None:
    assert format_money(Decimal("3"), symbol="€") == "€3.00"


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Decimal("20"), 1, "20.0%"),
        (Decimal("33.333"), 1, "33.3%"),
        (Decimal("12.25"), 1, "12.3%"),
        (Decimal("-0.01"), 1, "0.0%"),
        (Decimal("1500"), 0, "1,500%"),
        (None, 1, UNKNOWN),
    ],
)
def test_format_percent(value: Decimal | None, places: int, text: str) -> None:
    assert format_percent(value, places=places) == text
