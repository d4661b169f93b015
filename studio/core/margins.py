"""Margin preview of a lineup: revenue if every allocated unit sells, cost, commission, margin.

Revenue is the live price times the allocation; cost is the wholesale price times the allocation
(unknown for an item with no source product); margin is revenue − cost as a percentage of
revenue. The host's commission "if all sell" is a preview; what they have earned so far is the
server's own amounts (`earned_commission`).

Commission is rounded per line, as the server does. `checkout` sets each order line's
``commission_amount = round(line_total * commission_rate, 2)`` (PostgreSQL rounds numeric halves
away from zero, as `quantize_money`), and a host's earnings are the sum of those rounded line
amounts (``influencer_earnings.amount``, summed by ``earnings_by_period`` and
``earnings_by_show``). So a total commission is the sum of rounded line amounts, never the rate
times the total revenue: lines of $23.90 × 4 and $1,114.00 at 15% earn 4 × $3.59 + $167.10 =
$181.46, where 15% of their $1,209.60 would be $181.44. The preview counts each item's whole
allocation as one line; real orders split the units over several lines, so the amount earned
can differ from the preview by up to half a cent per order line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from studio.core.models import EarningStatus, LineupItem, Product
from studio.core.money import ZERO, quantize_money

HUNDRED = Decimal(100)


def check_commission_rate(rate: Decimal) -> None:
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise ValueError(f"A commission rate is between 0 and 1, not {rate}")


def _margin_percent(revenue: Decimal, cost: Decimal | None) -> Decimal | None:
    if cost is None or revenue == 0:
        return None
    return ((revenue - cost) * HUNDRED / revenue).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class ItemMargin:
    """If every allocated unit sells at the live price: revenue, wholesale cost, the host's
    commission, and margin = revenue − cost as a percentage of revenue. Cost and margin are None
    for an item with no known source product."""

    item_id: UUID
    revenue: Decimal
    cost: Decimal | None
    commission: Decimal
    margin_percent: Decimal | None

    @property
    def gross_margin(self) -> Decimal | None:
        return None if self.cost is None else self.revenue - self.cost


@dataclass(frozen=True, slots=True)
class LineupMargin:
    """Totals of a lineup's item margins; `units` is the allocated units.

    `cost` and `margin_percent` cover only the items whose cost is known (`revenue_with_cost` is
    their revenue); `items_without_cost` counts the rest.
    """

    items: tuple[ItemMargin, ...]
    units: int
    revenue: Decimal
    commission: Decimal  # if all sell: the items' rounded commissions summed
    cost: Decimal
    revenue_with_cost: Decimal
    items_without_cost: int
    margin_percent: Decimal | None


def line_commission(line_total: Decimal, commission_rate: Decimal) -> Decimal:
    """The host's commission on one order line, as checkout computes `commission_amount`:
    the line total times the rate, rounded to cents (halves away from zero)."""
    check_commission_rate(commission_rate)
    return quantize_money(line_total * commission_rate)


def commission_of_lines(line_totals: Iterable[Decimal], commission_rate: Decimal) -> Decimal:
    """The commission on several order lines: each line rounded, then summed (the server's
    earnings total; see the module docstring)."""
    return sum((line_commission(total, commission_rate) for total in line_totals), ZERO)


def earned_commission(earnings: Iterable[tuple[Decimal, EarningStatus | str]]) -> Decimal:
    """What a host has earned so far: the server's per-line amounts (amount, status) summed,
    reversed ones (refunded orders) left out, as `earnings_by_show` sums them."""
    return sum((amount for amount, status in earnings
                if EarningStatus(status) != EarningStatus.REVERSED), ZERO)


def item_margin(item: LineupItem, product: Product | None, commission_rate: Decimal) -> ItemMargin:
    units = max(item.allocated_quantity, 0)
    revenue = quantize_money(item.live_price * units)
    cost = None if product is None else quantize_money(product.wholesale_price * units)
    return ItemMargin(
        item_id=item.id,
        revenue=revenue,
        cost=cost,
        commission=line_commission(revenue, commission_rate),  # the allocation as one line
        margin_percent=_margin_percent(revenue, cost),
    )


def lineup_margin(
    items: Sequence[LineupItem], products: Mapping[UUID, Product], commission_rate: Decimal
) -> LineupMargin:
    """Margin preview of a whole lineup (see LineupMargin)."""
    check_commission_rate(commission_rate)
    margins = tuple(
        item_margin(
            item,
            products.get(item.product_id) if item.product_id is not None else None,
            commission_rate,
        )
        for item in items
    )
    known = [m for m in margins if m.cost is not None]
    cost = sum((m.cost for m in known if m.cost is not None), ZERO)
    revenue_with_cost = sum((m.revenue for m in known), ZERO)
    return LineupMargin(
        items=margins,
        units=sum(max(item.allocated_quantity, 0) for item in items),
        revenue=sum((m.revenue for m in margins), ZERO),
        commission=sum((m.commission for m in margins), ZERO),
        cost=cost,
        revenue_with_cost=revenue_with_cost,
        items_without_cost=len(margins) - len(known),
        margin_percent=_margin_percent(revenue_with_cost, cost if known else None),
    )


def markup_percent(price: Decimal, cost: Decimal) -> Decimal | None:
    """How far `price` is above `cost`, in percent of cost (None when cost is 0)."""
    if cost == 0:
        return None
    return ((price - cost) * HUNDRED / cost).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
