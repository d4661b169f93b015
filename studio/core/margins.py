"""Margin preview of a lineup: revenue if every allocated unit sells, cost, commission, margin.

Revenue is the live price times the allocation; cost is the wholesale price times the allocation
(unknown for an item with no source product); the host's commission is the commission rate times
the revenue (their earning); margin is revenue − cost as a percentage of revenue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from studio.core.models import LineupItem, Product
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
    commission: Decimal
    cost: Decimal
    revenue_with_cost: Decimal
    items_without_cost: int
    margin_percent: Decimal | None


def item_margin(item: LineupItem, product: Product | None, commission_rate: Decimal) -> ItemMargin:
    check_commission_rate(commission_rate)
    units = max(item.allocated_quantity, 0)
    revenue = quantize_money(item.live_price * units)
    cost = None if product is None else quantize_money(product.wholesale_price * units)
    return ItemMargin(
        item_id=item.id,
        revenue=revenue,
        cost=cost,
        commission=quantize_money(revenue * commission_rate),
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
