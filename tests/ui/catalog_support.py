"""A generated wholesale catalog for the catalog tests, loaded into a real cache (no tests)."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

STAMP = "2026-11-20T10:00:00.000000+00:00"
# (n, parent n, name): Beauty > Skincare > Serums, Beauty > Makeup, Home > Kitchen, ...
CATEGORY_TREE = [
    (1, None, "Beauty"), (2, 1, "Skincare"), (3, 2, "Serums"), (4, 1, "Makeup"),
    (5, None, "Home"), (6, 5, "Kitchen"), (7, 5, "Decor"),
    (8, None, "Fashion"), (9, 8, "Accessories"),
]
WHOLESALERS = [(1, "Glow Supply Co."), (2, "Hearth & Home Wholesale"), (3, "Northwind Goods")]
# Product names per leaf category; "serum" also appears in other categories' text below.
NAMES = {
    3: ["Vitamin C Serum", "Hyaluronic Serum", "Retinol Night Serum", "Niacinamide Serum"],
    2: ["Gentle Cleanser", "Rose Toner", "Daily Moisturiser", "Clay Mask"],
    4: ["Matte Lipstick", "Volume Mascara", "Brow Pencil", "Setting Powder"],
    6: ["Chef Knife", "Cast Iron Pan", "Olive Wood Spoon", "Pour-over Kettle"],
    7: ["Linen Cushion", "Soy Candle", "Ceramic Vase", "Wall Clock"],
    9: ["Silk Scarf", "Leather Belt", "Canvas Tote", "Wool Beanie"],
}
BRANDS = ["Lumen", "Oakhaus", "Serene", "Atelier Nord", "Kobo"]
_TOKEN = re.compile(r"[^\W_]+")


def uid(n: int, kind: int) -> str:
    return str(uuid.UUID(int=(kind << 64) | n))


def category_id(n: int) -> str:
    return uid(n, 2)


def wholesaler_id(n: int) -> str:
    return uid(n, 7)


def category_row(n: int, parent: int | None, name: str) -> dict[str, Any]:
    return {
        "id": category_id(n), "parent_id": None if parent is None else category_id(parent),
        "name": name, "slug": name.lower(), "description": None, "sort_order": n,
        "is_active": True, "created_at": STAMP, "updated_at": STAMP,
    }


def wholesaler_row(n: int, name: str) -> dict[str, Any]:
    return {
        "id": wholesaler_id(n), "business_name": name, "description": None, "website": None,
        "logo_url": None, "verification_status": "verified", "created_at": STAMP,
        "updated_at": STAMP,
    }


def generate_products(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` server-shaped product rows spread over the leaf categories and wholesalers."""
    rng = random.Random(seed)
    leaves = list(NAMES)
    rows = []
    for n in range(1, count + 1):
        leaf = leaves[n % len(leaves)]
        base = NAMES[leaf][(n // len(leaves)) % len(NAMES[leaf])]
        wholesale = Decimal(rng.randrange(200, 9000)) / 100
        description = "Lightweight and everyday."
        if leaf == 2 and n % 4 == 1:
            description = "Apply before your serum, morning and night."
        rows.append({
            "id": uid(n, 1),
            "wholesaler_id": wholesaler_id(1 + n % len(WHOLESALERS)),
            "category_id": category_id(leaf),
            "sku": f"SKU-{n:05d}",
            "name": f"{base} {n}",
            "description": description,
            "brand": BRANDS[n % len(BRANDS)],
            "tags": ["bestseller"] if n % 11 == 0 else ["new"] if n % 7 == 0 else [],
            "image_url": None,
            "wholesale_price": str(wholesale),
            "retail_price": str((wholesale * Decimal("1.8")).quantize(Decimal("0.01"))),
            "stock_quantity": 0 if n % 5 == 0 else rng.randrange(1, 400),
            "min_order_quantity": 1,
            "status": "active",
            "is_live_eligible": n % 4 != 0,
            "weight_grams": None,
            "created_at": f"2026-10-{1 + n % 28:02d}T{n % 24:02d}:00:00+00:00",
            "updated_at": STAMP,
            "row_version": 1,
        })
    return rows


def matches_text(row: dict[str, Any], word: str) -> bool:
    """What the cache's FTS search matches for one word: a token starting with it (prefix)."""
    text = " ".join([row["name"], row["brand"] or "", " ".join(row["tags"]),
                     row["description"] or ""])
    return any(token.lower().startswith(word.lower()) for token in _TOKEN.findall(text))


def category_path(category: str) -> str:
    """"Beauty › Skincare › Serums" for a generated category id."""
    by_id = {category_id(n): (parent, name) for n, parent, name in CATEGORY_TREE}
    names: list[str] = []
    current: str | None = category
    while current is not None:
        parent, name = by_id[current]
        names.append(name)
        current = None if parent is None else category_id(parent)
    return " › ".join(reversed(names))


def descendants(n: int) -> set[str]:
    """A category and all its descendants, as ids."""
    found = {n}
    changed = True
    while changed:
        children = {c for c, parent, _name in CATEGORY_TREE if parent in found}
        changed = not children <= found
        found |= children
    return {category_id(c) for c in found}


@dataclass
class Catalog:
    """A host's screen context over a cache holding the generated catalog."""

    ctx: Any  # the shared fixtures' FakeScreenContext
    products: list[dict[str, Any]]

    def upsert_products(self, rows: list[dict[str, Any]]) -> None:
        """Write product rows as a sync pull would; tables_changed follows through the bridge."""
        self.ctx.insert("products", rows)


def open_catalog(fake_context: Callable[..., Any], *, count: int = 450,
                 roles: frozenset[str] = frozenset({"host"})) -> Catalog:
    """A fresh cache (through the shared `fake_context` fixture) holding `count` products."""
    products = generate_products(count)
    ctx = fake_context({
        "categories": [category_row(*c) for c in CATEGORY_TREE],
        "wholesalers": [wholesaler_row(*w) for w in WHOLESALERS],
        "products": products,
    }, roles=roles)
    return Catalog(ctx, products)
