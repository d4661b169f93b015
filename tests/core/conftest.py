"""Builders of domain records for the core tests: valid defaults, any field overridable."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from studio.core.lineup import Lineup
from studio.core.models import LineupItem, Product, Show

SHOW_START = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


class Builders:
    """Deterministic ids (UUID(int=n)) so failures are reproducible."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.host_id = self.new_id()
        self.wholesaler_id = self.new_id()
        self.default_show = Show(
            id=self.new_id(),
            influencer_id=self.host_id,
            title="Winter picks",
            scheduled_start=SHOW_START,
            scheduled_end=SHOW_START + timedelta(hours=1),
        )

    def new_id(self) -> UUID:
        return UUID(int=next(self._ids))

    def product(self, **fields: Any) -> Product:
        n = next(self._ids)
        defaults: dict[str, Any] = {
            "id": UUID(int=n),
            "wholesaler_id": self.wholesaler_id,
            "sku": f"SKU-{n}",
            "name": f"Product {n}",
            "wholesale_price": Decimal("12.00"),
            "retail_price": Decimal("30.00"),
            "stock_quantity": 50,
        }
        return Product(**{**defaults, **fields})

    def show(self, **fields: Any) -> Show:
        return replace(self.default_show, **fields)

    def item(self, product: Product | None = None, **fields: Any) -> LineupItem:
        n = next(self._ids)
        defaults: dict[str, Any] = {
            "id": UUID(int=n),
            "session_id": self.default_show.id,
            "influencer_id": self.host_id,
            "product_id": product.id if product else None,
            "name": product.name if product else f"Own item {n}",
            "live_price": Decimal("24.99"),
            "compare_at_price": Decimal("30.00"),
            "allocated_quantity": 10,
        }
        return LineupItem(**{**defaults, **fields})


@pytest.fixture
def build() -> Builders:
    return Builders()


@pytest.fixture
def three(build: Builders) -> tuple[Lineup, dict[UUID, Product]]:
    """A lineup of three sourced items at positions 0..2, and the products by id."""
    products = [build.product(name=f"P{i}") for i in range(3)]
    items = [build.item(p, position=i) for i, p in enumerate(products)]
    return Lineup.of(build.show(), items), {p.id: p for p in products}
