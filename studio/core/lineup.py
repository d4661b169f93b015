"""A show's lineup as an immutable value, with the lineup builder's operations.

`Lineup` never mutates: every operation returns a new `Lineup` (or the same object when nothing
changes) and leaves the old one intact, so the UI can keep the previous state for undo and
`diff_lineups` tells the sync layer exactly which items to write. Operations are deterministic;
new item ids come from the `new_id` factory passed in.

User input that breaks a rule comes back as a `ValidationResult` with the lineup unchanged;
requests that cannot make sense (unknown ids, indexes out of range, a finished show) raise
`LineupError` with a message fit for the user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from uuid import UUID, uuid4

from studio.core.lineup_rules import (
    ValidationResult,
    lineup_locked_reason,
    product_addable_reason,
    validate_lineup_item,
)
from studio.core.margins import LineupMargin, lineup_margin
from studio.core.models import LineupItem, LiveProductStatus, Product, Show
from studio.core.pricing import (
    PricingOutcome,
    PricingRule,
    RoundingMode,
    apply_rule,
    reprice,
    round_price,
)

DEFAULT_ALLOCATION = 10
DEFAULT_ROUNDING = RoundingMode.TO_99
#: Fields the lineup builder edits; the rest belong to the server or to the live show.
EDITABLE_FIELDS = frozenset(
    {
        "name",
        "description",
        "image_url",
        "live_price",
        "compare_at_price",
        "allocated_quantity",
        "max_per_buyer",
        "status",
    }
)


class LineupError(ValueError):
    """An operation the lineup cannot perform; the message is meant for the user."""


def new_item_from_product(
    product: Product,
    show: Show,
    *,
    item_id: UUID,
    rounding: RoundingMode = DEFAULT_ROUNDING,
    allocation: int = DEFAULT_ALLOCATION,
) -> LineupItem:
    """A live product offering `product`: live price = retail rounded by `rounding`, compare-at =
    retail, allocation = min(`allocation`, stock), no per-buyer limit."""
    retail = product.retail_price
    return LineupItem(
        id=item_id,
        session_id=show.id,
        influencer_id=show.influencer_id,
        product_id=product.id,
        name=product.name,
        description=product.description,
        image_url=product.image_url,
        live_price=round_price(retail, rounding),
        compare_at_price=retail,
        allocated_quantity=max(min(allocation, product.stock_quantity), 0),
        status=LiveProductStatus.ACTIVE,
    )


@dataclass(frozen=True, slots=True)
class AddResult:
    """The lineup after adding, the new items, and why the other products were not added
    (product id → reason)."""

    lineup: Lineup
    added: tuple[LineupItem, ...]
    rejected: Mapping[UUID, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rejected", MappingProxyType(dict(self.rejected)))


@dataclass(frozen=True, slots=True)
class LineupDiff:
    """What changed between two states of a lineup, in the newer state's order."""

    added: tuple[LineupItem, ...] = ()
    updated: tuple[LineupItem, ...] = ()
    removed: tuple[UUID, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.updated or self.removed)


def _sort_key(item: LineupItem) -> tuple[int, str, str]:
    return (item.position, item.name.casefold(), str(item.id))


def _renumbered(items: Iterable[LineupItem]) -> tuple[LineupItem, ...]:
    # Items already at their index are kept as they are, so diffs only list real changes.
    return tuple(
        item if item.position == index else replace(item, position=index)
        for index, item in enumerate(items)
    )


@dataclass(frozen=True, slots=True)
class Lineup:
    """The ordered items of one show. Build it with `Lineup.of` from cached items."""

    show: Show
    items: tuple[LineupItem, ...] = ()

    @classmethod
    def of(cls, show: Show, items: Iterable[LineupItem] = ()) -> Lineup:
        """A lineup ordered by position (ties by name, then id), positions kept as stored."""
        ordered = sorted(items, key=_sort_key)
        ids = [item.id for item in ordered]
        if len(set(ids)) != len(ids):
            raise LineupError("The lineup lists the same item twice")
        foreign = [item.name for item in ordered if item.session_id != show.id]
        if foreign:
            raise LineupError(f"“{foreign[0]}” belongs to another show")
        return cls(show=show, items=tuple(ordered))

    # ----------------------------------------------------------------- reading

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[LineupItem]:
        return iter(self.items)

    @property
    def ids(self) -> tuple[UUID, ...]:
        return tuple(item.id for item in self.items)

    @property
    def product_ids(self) -> frozenset[UUID]:
        return frozenset(item.product_id for item in self.items if item.product_id is not None)

    @property
    def is_editable(self) -> bool:
        return lineup_locked_reason(self.show) is None

    def index_of(self, item_id: UUID) -> int:
        for index, item in enumerate(self.items):
            if item.id == item_id:
                return index
        raise LineupError("That item is not in this lineup")

    def item(self, item_id: UUID) -> LineupItem:
        return self.items[self.index_of(item_id)]

    def _check_editable(self) -> None:
        if reason := lineup_locked_reason(self.show):
            raise LineupError(reason)

    def _with_items(self, items: Iterable[LineupItem]) -> Lineup:
        return Lineup(show=self.show, items=_renumbered(items))

    # ----------------------------------------------------------------- adding and removing

    def add_products(
        self,
        products: Sequence[Product],
        *,
        at_index: int | None = None,
        new_id: Callable[[], UUID] = uuid4,
        rounding: RoundingMode = DEFAULT_ROUNDING,
        allocation: int = DEFAULT_ALLOCATION,
    ) -> AddResult:
        """Add catalog products as new items at `at_index` (0..len, default: the end).

        Products that are not active or not live-eligible, or already in the lineup, are
        rejected with a reason; the others are added in the order given.
        """
        self._check_editable()
        index = len(self.items) if at_index is None else at_index
        if not 0 <= index <= len(self.items):
            raise LineupError(f"Cannot insert at position {index}: the lineup has {len(self)}")
        if allocation < 0:
            raise LineupError("The default allocation cannot be negative")
        present = set(self.product_ids)
        added: list[LineupItem] = []
        rejected: dict[UUID, str] = {}
        for product in products:
            if product.id in present:
                rejected[product.id] = f"“{product.name}” is already in the lineup"
                continue
            if reason := product_addable_reason(product):
                rejected[product.id] = reason
                continue
            present.add(product.id)
            added.append(
                new_item_from_product(
                    product, self.show, item_id=new_id(), rounding=rounding, allocation=allocation
                )
            )
        if not added:
            return AddResult(lineup=self, added=(), rejected=rejected)
        lineup = self._with_items((*self.items[:index], *added, *self.items[index:]))
        placed = tuple(lineup.items[index : index + len(added)])
        return AddResult(lineup=lineup, added=placed, rejected=rejected)

    def remove(self, item_ids: Iterable[UUID]) -> Lineup:
        """Remove items. Items with sales cannot be removed (the server keeps them for the
        orders that reference them): hide them instead. Nothing is removed if one fails."""
        self._check_editable()
        doomed = set(item_ids)
        if not doomed:
            return self
        for item_id in doomed:
            self.index_of(item_id)
        for item in self.items:
            if item.id in doomed and item.sold_quantity > 0:
                raise LineupError(
                    f"“{item.name}” has {item.sold_quantity} sold and cannot be removed; "
                    "hide it instead"
                )
        return self._with_items(item for item in self.items if item.id not in doomed)

    # ----------------------------------------------------------------- ordering

    def move(self, item_id: UUID, to_index: int) -> Lineup:
        """Move one item so that it ends up at `to_index` (0..len − 1)."""
        self._check_editable()
        current = self.index_of(item_id)
        if not 0 <= to_index < len(self.items):
            raise LineupError(f"Cannot move to position {to_index}: the lineup has {len(self)}")
        if current == to_index:
            return self
        rest = [item for item in self.items if item.id != item_id]
        rest.insert(to_index, self.items[current])
        return self._with_items(rest)

    def move_up(self, item_id: UUID) -> Lineup:
        """One place earlier; the first item stays where it is."""
        return self.move(item_id, max(self.index_of(item_id) - 1, 0))

    def move_down(self, item_id: UUID) -> Lineup:
        """One place later; the last item stays where it is."""
        return self.move(item_id, min(self.index_of(item_id) + 1, len(self.items) - 1))

    def move_items(self, item_ids: Sequence[UUID], drop_row: int) -> Lineup:
        """Move several items, keeping their relative order, before the item now at `drop_row`
        (0..len; len drops at the end) — the drop semantics of a list view."""
        self._check_editable()
        if not 0 <= drop_row <= len(self.items):
            raise LineupError(f"Cannot drop at position {drop_row}: the lineup has {len(self)}")
        moving = set(item_ids)
        for item_id in moving:
            self.index_of(item_id)
        picked = [item for item in self.items if item.id in moving]
        before = sum(1 for item in self.items[:drop_row] if item.id in moving)
        rest = [item for item in self.items if item.id not in moving]
        insert_at = drop_row - before
        result = self._with_items((*rest[:insert_at], *picked, *rest[insert_at:]))
        return self if result.items == self.items else result

    def reorder(self, item_ids: Sequence[UUID]) -> Lineup:
        """Put the items in the given order, which must list every item exactly once."""
        self._check_editable()
        if len(item_ids) != len(self.items) or set(item_ids) != set(self.ids):
            raise LineupError("The new order must list every item of the lineup exactly once")
        by_id = {item.id: item for item in self.items}
        result = self._with_items(by_id[item_id] for item_id in item_ids)
        return self if result.items == self.items else result

    # ----------------------------------------------------------------- editing and pricing

    def update_item(
        self, item_id: UUID, products: Mapping[UUID, Product], **changes: Any
    ) -> tuple[Lineup, ValidationResult]:
        """Change an item's editable fields (EDITABLE_FIELDS) if the result passes the rules.

        Returns the new lineup and the validation result; with errors, the lineup is `self`.
        """
        unknown = sorted(set(changes) - EDITABLE_FIELDS)
        if unknown:
            raise LineupError(f"These fields cannot be edited in the lineup: {', '.join(unknown)}")
        if "status" in changes:
            try:
                changes["status"] = LiveProductStatus(changes["status"])
            except ValueError:
                raise LineupError(f"Unknown status {changes['status']!r}") from None
        self._check_editable()
        index = self.index_of(item_id)
        current = self.items[index]
        product = products.get(current.product_id) if current.product_id is not None else None
        priced = ValidationResult()
        new_price = changes.get("live_price", current.live_price)
        if new_price != current.live_price and isinstance(new_price, Decimal):
            # The same rule as bulk pricing: refusals, and a compare-at price left below the
            # new price raised to retail (unless the compare-at price is being set too).
            proposal = reprice(current, product, new_price)
            priced = ValidationResult(errors=proposal.errors, warnings=proposal.warnings)
            if not proposal.ok:
                return self, priced
            changes.setdefault("compare_at_price", proposal.new_compare_at)
        candidate = replace(current, **changes)
        result = validate_lineup_item(candidate, product=product, show=self.show, previous=current)
        result = priced.merged(result)
        if not result.ok or candidate == current:
            return self, result
        items = list(self.items)
        items[index] = candidate
        return Lineup(show=self.show, items=tuple(items)), result

    def apply_rule(
        self,
        rule: PricingRule,
        products: Mapping[UUID, Product],
        item_ids: Iterable[UUID] | None = None,
    ) -> tuple[Lineup, PricingOutcome]:
        """Apply a bulk pricing rule to the given items (default: all). Items whose proposal has
        errors keep their prices; the outcome lists every proposal."""
        self._check_editable()
        chosen = set(self.ids if item_ids is None else item_ids)
        for item_id in chosen:
            self.index_of(item_id)
        targets = [item for item in self.items if item.id in chosen]
        outcome = apply_rule(rule, targets, products)
        updated = {item.id: item for item in outcome.items}
        items = tuple(updated.get(item.id, item) for item in self.items)
        lineup = self if items == self.items else Lineup(show=self.show, items=items)
        return lineup, outcome

    # ----------------------------------------------------------------- checks and totals

    def validate(self, products: Mapping[UUID, Product]) -> dict[UUID, ValidationResult]:
        """The results of items that break a rule (empty when the whole lineup is valid).

        Items already in the lineup already hold their units (the server took them out of the
        wholesaler's stock when they were allocated), so stock is checked only on edits.
        """
        results: dict[UUID, ValidationResult] = {}
        for item in self.items:
            product = products.get(item.product_id) if item.product_id is not None else None
            result = validate_lineup_item(item, product=product, show=self.show, previous=item)
            if not result.ok:
                results[item.id] = result
        return results

    def margin(self, products: Mapping[UUID, Product], commission_rate: Decimal) -> LineupMargin:
        return lineup_margin(self.items, products, commission_rate)


def diff_lineups(before: Lineup, after: Lineup) -> LineupDiff:
    """Items added, changed (any field, position included) and removed from `before` to `after`."""
    old = {item.id: item for item in before.items}
    new_ids = set(after.ids)
    return LineupDiff(
        added=tuple(item for item in after.items if item.id not in old),
        updated=tuple(item for item in after.items if item.id in old and old[item.id] != item),
        removed=tuple(item.id for item in before.items if item.id not in new_ids),
    )
