"""The server's rules for shows and lineups, checked before anything is sent.

Every check returns a `ValidationResult` whose errors are keyed by field (the server's column
names, plus ``flash_duration``, ``product`` and ``show``) so the UI shows each reason next to its
field. The same result type carries the server's refusal when it refuses anyway
(`ValidationResult.from_server_message`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from studio.core.models import LineupItem, Product, ProductStatus, Show, ShowStatus
from studio.core.money import MAX_AMOUNT, format_money
from studio.core.show_schedule import end_error, past_start_error

TITLE_MAX_LENGTH = 200
SHOW_DESCRIPTION_MAX_LENGTH = 5000
ITEM_NAME_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class LineupLimits:
    """Limits the server reads from its commerce settings; these are the shipped defaults."""

    min_flash_seconds: int = 10
    max_flash_seconds: int = 3600


DEFAULT_LIMITS = LineupLimits()


def _frozen(mapping: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """Field-keyed errors (blocking) and warnings (shown, not blocking)."""

    errors: Mapping[str, str] = field(default_factory=dict)
    warnings: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "errors", _frozen(self.errors))
        object.__setattr__(self, "warnings", _frozen(self.warnings))

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_for(self, field_name: str) -> str | None:
        return self.errors.get(field_name)

    def merged(self, other: ValidationResult) -> ValidationResult:
        """Both results' messages; on the same field the first message is kept."""
        return ValidationResult(
            errors={**other.errors, **self.errors}, warnings={**other.warnings, **self.warnings}
        )

    def summary(self) -> str:
        """All errors in one line, for a status bar or a log."""
        return "; ".join(self.errors.values())

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationError(self)

    @classmethod
    def error(cls, field_name: str, message: str) -> ValidationResult:
        return cls(errors={field_name: message})

    @classmethod
    def from_server_message(cls, message: str, *, default_field: str = "") -> ValidationResult:
        """The server's refusal as a field error: the field comes from the violated constraint
        named in the message when there is one, else `default_field`."""
        return cls.error(field_for_server_message(message) or default_field, message)


OK = ValidationResult()


class ValidationError(ValueError):
    """Raised by `ValidationResult.raise_if_invalid`; carries the field-keyed result."""

    def __init__(self, result: ValidationResult) -> None:
        super().__init__(result.summary())
        self.result = result


# --------------------------------------------------------------------------- single values


def money_error(value: Decimal | int | None, label: str) -> str | None:
    """Why an amount cannot be stored as numeric(12, 2) >= 0, or None if it can."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal):
        return f"{label} is not a number"
    if not value.is_finite():
        return f"{label} is not a number"
    if value < 0:
        return f"{label} cannot be negative"
    if value > MAX_AMOUNT:
        return f"{label} is too large (the maximum is {format_money(MAX_AMOUNT)})"
    if value != value.quantize(Decimal("0.01")):
        return f"{label} has more than 2 decimal places"
    return None


def _text_error(value: str | None, label: str, max_length: int, *, required: bool) -> str | None:
    if value is None or not value.strip():
        return f"{label} is required" if required else None
    if len(value) > max_length:
        return f"{label} must be at most {max_length} characters (now {len(value)})"
    return None


def _require_aware(value: datetime, label: str) -> str | None:
    if value.tzinfo is None or value.utcoffset() is None:
        return f"{label} needs a time zone"
    return None


# --------------------------------------------------------------------------- shows


def lineup_locked_reason(show: Show) -> str | None:
    """Why the show's lineup cannot change, or None while it is scheduled or live."""
    if show.status == ShowStatus.ENDED:
        return "This show has ended; its lineup can no longer be changed"
    if show.status == ShowStatus.CANCELLED:
        return "This show was cancelled; its lineup can no longer be changed"
    return None


def check_lineup_editable(show: Show) -> ValidationResult:
    reason = lineup_locked_reason(show)
    return ValidationResult.error("show", reason) if reason else OK


def validate_show(
    show: Show, *, now: datetime | None = None, saved: Show | None = None
) -> ValidationResult:
    """Title 1–200 characters (blank refused), description ≤ 5000, end after start.

    With `now`, the start is checked against the clock (studio.core.show_schedule): a new show
    (`saved` is None) cannot start in the past, and an existing show's start can be kept but
    not moved into the past.
    """
    errors: dict[str, str] = {}
    if message := _text_error(show.title, "Title", TITLE_MAX_LENGTH, required=True):
        errors["title"] = message
    if message := _text_error(
        show.description, "Description", SHOW_DESCRIPTION_MAX_LENGTH, required=False
    ):
        errors["description"] = message
    start_unusable = _require_aware(show.scheduled_start, "Start time")
    if start_unusable is None and now is not None:
        previous = saved.scheduled_start if saved is not None else None
        start_message = past_start_error(show.scheduled_start, now, previous_start=previous)
    else:
        start_message = start_unusable
    if start_message:
        errors["scheduled_start"] = start_message
    if show.scheduled_end is not None:
        end_message = _require_aware(show.scheduled_end, "End time")
        if end_message is None and start_unusable is None:
            end_message = end_error(show.scheduled_start, show.scheduled_end)
        if end_message:
            errors["scheduled_end"] = end_message
    return ValidationResult(errors=errors)


# --------------------------------------------------------------------------- products


def product_addable_reason(product: Product) -> str | None:
    """Why a catalog product cannot be added to a lineup, or None if it can."""
    if product.status != ProductStatus.ACTIVE:
        return f"“{product.name}” is {product.status.value}, not active"
    if not product.is_live_eligible:
        return f"“{product.name}” is not available for live selling"
    return None


def validate_product_addable(product: Product) -> ValidationResult:
    reason = product_addable_reason(product)
    if reason:
        return ValidationResult.error("product", reason)
    if not product.in_stock:
        return ValidationResult(warnings={"product": f"“{product.name}” is out of stock"})
    return OK


# --------------------------------------------------------------------------- lineup items


def units_held(item: LineupItem, show: Show | None = None) -> int:
    """Wholesale units an item keeps out of the warehouse, as the server counts them.

    A show that can still sell (scheduled or live, not a rehearsal) holds the whole allocation;
    otherwise only what sold. `show` None means a new show, which is scheduled.
    """
    selling = show is None or (
        show.status in (ShowStatus.SCHEDULED, ShowStatus.LIVE) and not show.is_rehearsal
    )
    return item.allocated_quantity if selling else item.sold_quantity


def stock_error(
    item: LineupItem,
    product: Product,
    *,
    show: Show | None = None,
    previous: LineupItem | None = None,
) -> str | None:
    """Units an edit takes from the wholesaler must be in stock.

    The server moves allocated units out of `product.stock_quantity` when they are allocated, so
    the count the cache holds is what is still free: only the extra units an edit asks for (its
    new hold minus what `previous`, the item before the edit, already holds of the same product)
    are compared with it.
    """
    held_before = (
        units_held(previous, show)
        if previous is not None and previous.product_id == item.product_id
        else 0
    )
    extra = units_held(item, show) - held_before
    if extra <= product.stock_quantity:
        return None
    if held_before == 0 and item.sold_quantity == 0:
        return (
            f"Allocation of {item.allocated_quantity} exceeds the wholesaler's stock "
            f"of {product.stock_quantity}"
        )
    return (
        f"Allocation of {item.allocated_quantity} needs {extra} more units, more than the "
        f"wholesaler's stock of {product.stock_quantity}"
    )


def below_cost_warning(price: Decimal, product: Product) -> str | None:
    """Selling below the wholesale cost is allowed but worth a warning."""
    if price >= product.wholesale_price:
        return None
    return (
        f"{format_money(price)} is below the wholesale cost {format_money(product.wholesale_price)}"
    )


def validate_lineup_item(
    item: LineupItem,
    *,
    product: Product | None = None,
    show: Show | None = None,
    previous: LineupItem | None = None,
) -> ValidationResult:
    """Check a lineup item candidate against the server's rules.

    `product` is its source wholesale product (for the stock check and the below-cost warning);
    `show` its show (an ended or cancelled show's lineup cannot change). With `previous` (the
    item before an edit), the stock check applies only if the allocation or source changes, and
    counts only the units the edit adds to what the item already holds (see `stock_error`);
    without it the item is new and its whole hold must be in stock.
    """
    errors: dict[str, str] = {}
    if show is not None and (reason := lineup_locked_reason(show)):
        errors["show"] = reason
    if message := _text_error(item.name, "Name", ITEM_NAME_MAX_LENGTH, required=True):
        errors["name"] = message
    if item.position < 0:
        errors["position"] = "Position cannot be negative"

    price_error = money_error(item.live_price, "Price")
    if price_error:
        errors["live_price"] = price_error
    if message := money_error(item.compare_at_price, "Compare-at price"):
        errors["compare_at_price"] = message
    elif (
        not price_error
        and item.compare_at_price is not None
        and item.compare_at_price < item.live_price
    ):
        errors["compare_at_price"] = (
            f"Compare-at price {format_money(item.compare_at_price)} must be at least the "
            f"live price {format_money(item.live_price)}"
        )

    if item.allocated_quantity < 0:
        errors["allocated_quantity"] = "Allocation cannot be negative"
    elif item.allocated_quantity < item.sold_quantity:
        errors["allocated_quantity"] = (
            f"Allocation of {item.allocated_quantity} is below the {item.sold_quantity} "
            "already sold"
        )
    elif (
        product is not None
        and _allocation_changed(item, previous)
        and (message := stock_error(item, product, show=show, previous=previous))
    ):
        errors["allocated_quantity"] = message

    warnings: dict[str, str] = {}
    if (
        not price_error
        and product is not None
        and (message := below_cost_warning(item.live_price, product))
    ):
        warnings["live_price"] = message

    if item.max_per_buyer is not None and item.max_per_buyer <= 0:
        errors["max_per_buyer"] = "Limit per buyer must be at least 1"

    errors.update(_flash_field_errors(item, live_price_ok=not price_error))
    return ValidationResult(errors=errors, warnings=warnings)


def _allocation_changed(item: LineupItem, previous: LineupItem | None) -> bool:
    return (
        previous is None
        or previous.allocated_quantity != item.allocated_quantity
        or previous.product_id != item.product_id
    )


def _flash_field_errors(item: LineupItem, *, live_price_ok: bool) -> dict[str, str]:
    flash_fields = (item.flash_price, item.flash_starts_at, item.flash_ends_at)
    if all(value is None for value in flash_fields):
        return {}
    if any(value is None for value in flash_fields):
        return {"flash_price": "A flash sale needs a price, a start and an end"}
    assert item.flash_price is not None and item.flash_starts_at is not None
    assert item.flash_ends_at is not None
    errors: dict[str, str] = {}
    if message := flash_price_error(item.flash_price, item.live_price if live_price_ok else None):
        errors["flash_price"] = message
    if item.flash_ends_at <= item.flash_starts_at:
        errors["flash_duration"] = "The flash sale must end after it starts"
    return errors


# --------------------------------------------------------------------------- flash sales


def flash_price_error(flash_price: Decimal, live_price: Decimal | None) -> str | None:
    """A flash price is ≥ 0 and strictly below the live price (when that is known)."""
    if message := money_error(flash_price, "Flash price"):
        return message
    if live_price is not None and flash_price >= live_price:
        return (
            f"Flash price {format_money(flash_price)} must be below the live price "
            f"{format_money(live_price)}"
        )
    return None


def validate_flash_sale(
    live_price: Decimal,
    flash_price: Decimal,
    duration_seconds: int,
    *,
    limits: LineupLimits = DEFAULT_LIMITS,
) -> ValidationResult:
    """The checks the server's flash-sale start makes on its price and duration."""
    errors: dict[str, str] = {}
    if message := flash_price_error(flash_price, live_price):
        errors["flash_price"] = message
    if not limits.min_flash_seconds <= duration_seconds <= limits.max_flash_seconds:
        errors["flash_duration"] = (
            f"A flash sale lasts between {limits.min_flash_seconds} and "
            f"{limits.max_flash_seconds} seconds (not {duration_seconds})"
        )
    return ValidationResult(errors=errors)


# --------------------------------------------------------------------------- server refusals

# Named table constraints (see the core-tables migration) and the field each one is about.
_CONSTRAINT_FIELDS = {
    "live_products_sold_within_allocation": "allocated_quantity",
    "live_products_compare_at_not_below_price": "compare_at_price",
    "live_products_flash_fields_together": "flash_price",
    "live_products_flash_below_live_price": "flash_price",
    "live_products_flash_window_order": "flash_duration",
    "live_stream_sessions_check": "scheduled_end",
}
_CONSTRAINT_IN_MESSAGE = re.compile(r'constraint "(?P<name>[a-z0-9_]+)"')
_COLUMN_CHECK = re.compile(r"^(?:live_products|live_stream_sessions)_(?P<column>[a-z_]+?)_check$")


def field_for_constraint(constraint: str) -> str | None:
    """The field a constraint of live_products / live_stream_sessions is about, if known."""
    if constraint in _CONSTRAINT_FIELDS:
        return _CONSTRAINT_FIELDS[constraint]
    # Column checks get PostgreSQL's default name: <table>_<column>_check.
    match = _COLUMN_CHECK.match(constraint)
    return match["column"] if match else None


def field_for_server_message(message: str) -> str | None:
    """The field of the constraint a server error message names (PostgreSQL's wording)."""
    match = _CONSTRAINT_IN_MESSAGE.search(message)
    return field_for_constraint(match["name"]) if match else None
