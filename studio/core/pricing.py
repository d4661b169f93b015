"""Price rounding, bulk pricing rules for a lineup, and the effective price of a live product.

Rounding modes (all work on the cent-rounded price and never raise it):

- ``none``: the price rounded to cents (halves up).
- ``to_99``: the largest amount ending in .99 that is not above the price (24.00 → 23.99,
  24.99 → 24.99, 1.50 → 0.99). A price below 0.99 has no such amount above zero and is kept.
- ``to_95``: the same with .95 (24.00 → 23.95; below 0.95 kept).
- ``whole``: whole dollars, rounded down (24.99 → 24.00); a price below 1.00 is kept, so rounding
  never turns a paid item into a free one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from studio.core.lineup_rules import below_cost_warning, flash_price_error, money_error
from studio.core.models import LineupItem, Product
from studio.core.money import format_money, format_percent, quantize_money

HUNDRED = Decimal(100)


class RoundingMode(StrEnum):
    NONE = "none"
    TO_99 = "to_99"
    TO_95 = "to_95"
    WHOLE = "whole"


_ENDINGS = {RoundingMode.TO_99: Decimal("0.99"), RoundingMode.TO_95: Decimal("0.95")}


def round_price(price: Decimal, mode: RoundingMode) -> Decimal:
    """Round a non-negative price by `mode` (see the module docstring); never raises it."""
    if not price.is_finite() or price < 0:
        raise ValueError(f"Cannot round the price {price}: it must be a non-negative amount")
    cents = quantize_money(price)
    if mode == RoundingMode.NONE:
        return cents
    if mode == RoundingMode.WHOLE:
        if cents < 1:
            return cents
        return cents.to_integral_value(rounding=ROUND_FLOOR).quantize(Decimal("0.01"))
    ending = _ENDINGS[mode]
    if cents < ending:
        return cents
    return (cents - ending).to_integral_value(rounding=ROUND_FLOOR) + ending


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """`percent` % of `amount`, rounded to cents."""
    return quantize_money(amount * percent / HUNDRED)


# --------------------------------------------------------------------------- bulk rules


class RuleKind(StrEnum):
    PERCENT_OFF_RETAIL = "percent_off_retail"
    PERCENT_OFF_LIVE = "percent_off_live"
    MARKUP_OVER_WHOLESALE = "markup_over_wholesale"
    FIXED_PRICE = "fixed_price"


class PriceTarget(StrEnum):
    """Which price a rule sets: the regular live price, or a flash price for the flash sale."""

    LIVE = "live_price"
    FLASH = "flash_price"


class CompareAtPolicy(StrEnum):
    """What to do when a new live price is above the item's compare-at price."""

    ADJUST = "adjust"  # compare-at becomes the retail price (cleared when there is none)
    REFUSE = "refuse"  # the item keeps its prices and gets an error


@dataclass(frozen=True, slots=True)
class PricingRule:
    """A rule computing one price per item. `value` is a percentage, or a price for FIXED_PRICE.

    Construction refuses values no price could come from (ValueError with a user message).
    """

    kind: RuleKind
    value: Decimal
    rounding: RoundingMode = RoundingMode.TO_99
    target: PriceTarget = PriceTarget.LIVE
    compare_at: CompareAtPolicy = CompareAtPolicy.ADJUST

    def __post_init__(self) -> None:
        value = self.value
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
            object.__setattr__(self, "value", value)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError("The rule's value is not a number")
        if self.kind in (RuleKind.PERCENT_OFF_RETAIL, RuleKind.PERCENT_OFF_LIVE):
            if not 0 <= value < HUNDRED:
                raise ValueError("A discount is at least 0% and below 100%")
        elif self.kind == RuleKind.MARKUP_OVER_WHOLESALE:
            if value < 0:
                raise ValueError("A markup cannot be negative")
            if value > 100_000:
                raise ValueError("A markup is at most 100,000%")
        elif message := money_error(value, "Price"):
            raise ValueError(message)

    def describe(self) -> str:
        """Short text for the rule, e.g. ``20.0% off retail, rounded to .99`` (percentages as
        everywhere in the studio: `format_percent`)."""
        exponent = self.value.normalize().as_tuple().exponent
        places = max(1, -exponent) if isinstance(exponent, int) else 1
        value = format_percent(self.value, places=places)  # all the digits typed, none lost
        base = {
            RuleKind.PERCENT_OFF_RETAIL: f"{value} off retail",
            RuleKind.PERCENT_OFF_LIVE: f"{value} off the live price",
            RuleKind.MARKUP_OVER_WHOLESALE: f"{value} over wholesale",
            RuleKind.FIXED_PRICE: f"fixed {format_money(self.value)}",
        }[self.kind]
        if self.target == PriceTarget.FLASH:
            base = f"flash price: {base}"
        rounding = {
            RoundingMode.NONE: "",
            RoundingMode.TO_99: ", rounded to .99",
            RoundingMode.TO_95: ", rounded to .95",
            RoundingMode.WHOLE: ", rounded to whole dollars",
        }[self.rounding]
        return base + rounding

    def compute(self, item: LineupItem, product: Product | None) -> Decimal | None:
        """The rule's price for `item`, or None when its basis is unknown (no source product)."""
        if self.kind == RuleKind.FIXED_PRICE:
            raw = self.value
        elif self.kind == RuleKind.PERCENT_OFF_LIVE:
            raw = item.live_price * (HUNDRED - self.value) / HUNDRED
        elif product is None:
            return None
        elif self.kind == RuleKind.PERCENT_OFF_RETAIL:
            raw = product.retail_price * (HUNDRED - self.value) / HUNDRED
        else:
            raw = product.wholesale_price * (HUNDRED + self.value) / HUNDRED
        return round_price(quantize_money(raw), self.rounding)


@dataclass(frozen=True, slots=True)
class PriceProposal:
    """A rule's outcome for one item. With errors the item keeps its prices."""

    item_id: UUID
    target: PriceTarget
    old_price: Decimal | None
    new_price: Decimal | None
    new_compare_at: Decimal | None = None
    errors: Mapping[str, str] = field(default_factory=dict)
    warnings: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "errors", MappingProxyType(dict(self.errors)))
        object.__setattr__(self, "warnings", MappingProxyType(dict(self.warnings)))

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class PricingOutcome:
    """Proposals in item order, and the items with every valid live-price proposal applied.

    A flash-price rule leaves the items unchanged: a flash price takes effect when the flash sale
    is started on the server, with its duration.
    """

    proposals: tuple[PriceProposal, ...]
    items: tuple[LineupItem, ...]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.proposals)

    @property
    def applied_count(self) -> int:
        return sum(1 for p in self.proposals if p.ok and p.target == PriceTarget.LIVE)


def live_price_error(price: Decimal, product: Product | None) -> str | None:
    """The one rule for a new live price, shared by bulk pricing and an edited price cell: a
    storable amount (numeric(12, 2), not negative) and, for a catalog product, not above its
    retail price (the compare-at price viewers see is the retail price: a live price above it
    would be a mark-up, never a deal)."""
    if message := money_error(price, "Price"):
        return message
    if product is not None and price > product.retail_price:
        return (f"Price {format_money(price)} is above the retail price "
                f"{format_money(product.retail_price)}")
    return None


def reprice(
    item: LineupItem,
    product: Product | None,
    price: Decimal,
    policy: CompareAtPolicy = CompareAtPolicy.ADJUST,
) -> PriceProposal:
    """What setting the live price of `item` to `price` does, checked by the one rule for live
    prices (`live_price_error`); the bulk dialog and an edited price cell both come here.

    A compare-at price left below the new price is raised to the retail price (ADJUST; cleared
    when the item has no catalog product) or refused (REFUSE); a flash price must stay below the
    new price; a price under the wholesale cost is a warning."""
    errors: dict[str, str] = {}
    warnings: dict[str, str] = {}
    if message := live_price_error(price, product):
        return PriceProposal(item.id, PriceTarget.LIVE, item.live_price, price,
                             new_compare_at=item.compare_at_price,
                             errors={"live_price": message})
    compare_at = item.compare_at_price
    if compare_at is not None and compare_at < price:
        if policy == CompareAtPolicy.REFUSE:
            errors["compare_at_price"] = (
                f"Compare-at price {format_money(compare_at)} would be below the new price "
                f"{format_money(price)}"
            )
        elif product is not None:  # the retail price is not below the price (checked above)
            compare_at = product.retail_price
            warnings["compare_at_price"] = (
                f"Compare-at price raised to retail {format_money(compare_at)}")
        else:
            compare_at = None
            warnings["compare_at_price"] = (
                "Compare-at price cleared: it was below the new price and the item has no "
                "retail price")
    if item.flash_price is not None and item.flash_price >= price:
        errors["flash_price"] = (
            f"The flash price {format_money(item.flash_price)} would not be below the new price "
            f"{format_money(price)}"
        )
    if product is not None and (message := below_cost_warning(price, product)):
        warnings["live_price"] = message
    return PriceProposal(
        item_id=item.id,
        target=PriceTarget.LIVE,
        old_price=item.live_price,
        new_price=price,
        new_compare_at=compare_at,
        errors=errors,
        warnings=warnings,
    )


def propose_price(rule: PricingRule, item: LineupItem, product: Product | None) -> PriceProposal:
    """What `rule` would do to one item, with the reasons it cannot or should not."""
    field_name = rule.target.value
    old = item.live_price if rule.target == PriceTarget.LIVE else item.flash_price
    price = rule.compute(item, product)
    if price is None:
        return PriceProposal(
            item_id=item.id,
            target=rule.target,
            old_price=old,
            new_price=None,
            errors={field_name: "No catalog product: its retail and wholesale prices are unknown"},
        )
    if rule.target == PriceTarget.FLASH:
        errors = {}
        if message := flash_price_error(price, item.live_price):
            errors[field_name] = message
        return PriceProposal(
            item.id, rule.target, old, price, new_compare_at=item.compare_at_price, errors=errors
        )
    return reprice(item, product, price, rule.compare_at)


def apply_rule(
    rule: PricingRule, items: Sequence[LineupItem], products: Mapping[UUID, Product]
) -> PricingOutcome:
    """Apply `rule` to each item; `products` maps source product ids to catalog products."""
    proposals: list[PriceProposal] = []
    updated: list[LineupItem] = []
    for item in items:
        product = products.get(item.product_id) if item.product_id is not None else None
        proposal = propose_price(rule, item, product)
        proposals.append(proposal)
        if proposal.ok and rule.target == PriceTarget.LIVE and proposal.new_price is not None:
            item = replace(
                item, live_price=proposal.new_price, compare_at_price=proposal.new_compare_at
            )
        updated.append(item)
    return PricingOutcome(proposals=tuple(proposals), items=tuple(updated))


# --------------------------------------------------------------------------- effective price


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("The time must include a time zone")


def flash_active(item: LineupItem, at: datetime) -> bool:
    """Whether the item's flash window covers `at`: starts ≤ at < ends (as the server)."""
    _require_aware(at)
    if not item.has_flash_window:
        return False
    assert item.flash_starts_at is not None and item.flash_ends_at is not None
    return item.flash_starts_at <= at < item.flash_ends_at


def effective_price(item: LineupItem, at: datetime) -> Decimal:
    """The price a buyer pays at `at`: the flash price inside its window, else the live price."""
    if flash_active(item, at):
        assert item.flash_price is not None
        return item.flash_price
    return item.live_price


def flash_time_left(item: LineupItem, at: datetime) -> timedelta | None:
    """Time until the flash price ends, or None when no flash window covers `at`."""
    if not flash_active(item, at):
        return None
    assert item.flash_ends_at is not None
    return item.flash_ends_at - at
