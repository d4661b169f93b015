"""Money and quantity values: parsing what the user types, rounding to cents, display text.

Amounts are `Decimal` everywhere, never float. The server stores prices as numeric(12, 2), so an
amount has at most two decimal places and at most ten digits before the point.

Input format (decided for the studio's single currency, US dollars):

- an optional minus sign and an optional ``$``, in either order, spaces allowed around them;
- digits, optionally grouped in thousands with commas (``1,234.50``); the grouping must be exact;
- an optional dot followed by at most two digits (``19.``, ``19.9``, ``.99`` are accepted).

A comma is never a decimal separator: ``19,99`` is refused with a message suggesting ``19.99``
rather than guessed, because ``1,234`` (one thousand two hundred thirty-four) would then mean
something else than ``1,23``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: Largest value of numeric(12, 2).
MAX_AMOUNT = Decimal("9999999999.99")
#: Placeholder shown for an unknown amount (for example the cost of an item with no source).
UNKNOWN = "—"

_MONEY_RE = re.compile(
    r"""^(?P<sign1>-)?\s*(?P<dollar>\$)?\s*(?P<sign2>-)?\s*
        (?P<whole>\d{1,3}(?:,\d{3})+|\d*)
        (?:\.(?P<frac>\d*))?$""",
    re.VERBOSE,
)
_DECIMAL_COMMA_RE = re.compile(r"^-?\s*\$?\s*-?\s*\d+,\d{1,2}$")
_QUANTITY_RE = re.compile(r"^(?P<sign>-)?\s*(?P<digits>\d{1,3}(?:,\d{3})+|\d+)$")
_PERCENT_RE = re.compile(r"^(?P<number>-?\d+(?:\.\d+)?|-?\.\d+)\s*%?$")


def quantize_money(amount: Decimal) -> Decimal:
    """Round to cents, halves away from zero (as PostgreSQL rounds numeric)."""
    if not amount.is_finite():
        raise ValueError(f"Not a finite amount: {amount}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_money(value: Decimal | int | str | float) -> Decimal:
    """Convert a value read from storage or code into a cent-rounded Decimal.

    Floats are converted through their shortest text form (19.99 stays 19.99). Booleans and
    non-finite values are refused.
    """
    if isinstance(value, bool):
        raise TypeError("A boolean is not an amount")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"Not an amount: {value!r}") from None
    else:
        raise TypeError(f"Cannot use {type(value).__name__} as an amount")
    return quantize_money(amount)


def parse_money(text: str) -> Decimal:
    """Parse a price typed by the user (see the module docstring for the format).

    Negative amounts parse (the validation rules then say why they are refused next to the
    field). Raises ValueError with a message meant for the user.
    """
    stripped = text.strip()
    if not stripped:
        raise ValueError("Enter a price")
    if _DECIMAL_COMMA_RE.match(stripped):
        suggestion = stripped.replace(",", ".").replace(" ", "")
        raise ValueError(f"Use a dot for cents, e.g. {suggestion}")
    match = _MONEY_RE.match(stripped)
    if match is None or not (match["whole"] or match["frac"]):
        raise ValueError(f"Not a price: {stripped!r}")
    if match["sign1"] and match["sign2"]:
        raise ValueError(f"Not a price: {stripped!r}")
    frac = match["frac"] or ""
    if len(frac) > 2:
        raise ValueError("Prices have at most 2 decimal places")
    whole = (match["whole"] or "0").replace(",", "")
    amount = Decimal(f"{whole}.{frac or '0'}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"Price is too large (the maximum is {format_money(MAX_AMOUNT)})")
    if match["sign1"] or match["sign2"]:
        amount = -amount
    return quantize_money(amount)


def parse_quantity(text: str) -> int:
    """Parse a whole number of units typed by the user (``12``, ``1,000``, ``-3``).

    Negative numbers parse; the validation rules refuse them with a field message.
    """
    stripped = text.strip()
    if not stripped:
        raise ValueError("Enter a quantity")
    match = _QUANTITY_RE.match(stripped)
    if match is None:
        raise ValueError(f"Enter a whole number of units, not {stripped!r}")
    number = int(match["digits"].replace(",", ""))
    # PostgreSQL integer columns hold at most 2**31 - 1.
    if number > 2_147_483_647:
        raise ValueError("Quantity is too large")
    return -number if match["sign"] else number


def parse_percent(text: str) -> Decimal:
    """Parse a percentage typed by the user (``20``, ``20%``, ``12.5 %``) into Decimal('20')."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("Enter a percentage")
    match = _PERCENT_RE.match(stripped)
    if match is None:
        raise ValueError(f"Not a percentage: {stripped!r}")
    return Decimal(match["number"])


def format_money(amount: Decimal | int | None, *, symbol: str = "$") -> str:
    """Display text of an amount: ``$1,234.50``, ``-$5.00``; None gives the unknown mark."""
    if amount is None:
        return UNKNOWN
    cents = quantize_money(Decimal(amount))
    sign = "-" if cents < 0 else ""
    return f"{sign}{symbol}{abs(cents):,.2f}"


def format_percent(value: Decimal | int | None, *, places: int = 1) -> str:
    """Display text of a percentage (20 means 20%): ``20.0%``; None gives the unknown mark.

    The studio's one percent format: the number, then "%" without a space (margins, rates,
    pricing rules and their messages alike)."""
    if value is None:
        return UNKNOWN
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.0%"
    return f"{rounded:,.{places}f}%"
