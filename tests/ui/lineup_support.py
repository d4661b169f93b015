"""A small marketplace as cache rows, and a host's or wholesaler's screen context over it, for
the shows, lineup and wholesaler preview tests (no tests here)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

STAMP = "2026-11-20T10:00:00.000000+00:00"


def uid(n: int, kind: int) -> str:
    return str(uuid.UUID(int=(kind << 64) | n))


HOST = uid(1, 11)
OTHER_HOST = uid(2, 11)
WHOLESALER = uid(1, 12)
OTHER_WHOLESALER = uid(2, 12)


def product_id(n: int) -> str:
    return uid(n, 13)


def show_id(n: int) -> str:
    return uid(n, 14)


def item_id(n: int) -> str:
    return uid(n, 15)


# n: (name, wholesale, retail, stock, wholesaler, status, live eligible)
PRODUCTS = {
    1: ("Linen Throw", "12.00", "24.00", 40, WHOLESALER, "active", True),
    2: ("Soy Candle", "8.50", "50.00", 5, WHOLESALER, "active", True),
    3: ("Ceramic Mug", "4.00", "9.99", 100, WHOLESALER, "active", True),
    4: ("Retired Lamp", "20.00", "45.00", 10, WHOLESALER, "discontinued", True),
    5: ("Silk Scarf", "15.00", "39.00", 30, OTHER_WHOLESALER, "active", True),
    6: ("Wool Beanie", "6.00", "18.00", 12, OTHER_WHOLESALER, "active", True),
}


def product_row(n: int) -> dict[str, Any]:
    name, wholesale, retail, stock, wholesaler, status, eligible = PRODUCTS[n]
    return {
        "id": product_id(n), "wholesaler_id": wholesaler, "category_id": None,
        "sku": f"SKU-{n:03d}", "name": name, "description": f"{name}, made well.",
        "brand": "Oakhaus", "tags": [], "image_url": None, "wholesale_price": wholesale,
        "retail_price": retail, "stock_quantity": stock, "min_order_quantity": 1,
        "status": status, "is_live_eligible": eligible, "weight_grams": None,
        "created_at": STAMP, "updated_at": STAMP, "row_version": 1,
    }


def wholesaler_row(wholesaler: str, name: str) -> dict[str, Any]:
    return {
        "id": wholesaler, "business_name": name, "description": None, "website": None,
        "logo_url": None, "verification_status": "verified", "created_at": STAMP,
        "updated_at": STAMP,
    }


def host_row(host: str, name: str, handle: str) -> dict[str, Any]:
    return {
        "id": host, "display_name": name, "handle": handle, "bio": None, "avatar_url": None,
        "follower_count": 0, "verification_status": "verified", "created_at": STAMP,
        "updated_at": STAMP,
    }


def show_row(n: int, host: str = HOST, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": show_id(n), "influencer_id": host, "title": f"Show {n}", "description": None,
        "thumbnail_url": None, "session_code": f"CODE{n:04d}", "status": "scheduled",
        "scheduled_start": f"2026-12-{n:02d}T18:00:00+00:00",
        "scheduled_end": f"2026-12-{n:02d}T19:00:00+00:00", "actual_start": None,
        "actual_end": None, "is_rehearsal": False, "chat_enabled": True,
        "featured_live_product_id": None, "current_viewers": 0, "peak_viewers": 0,
        "unique_viewers": 0, "total_orders": 0, "total_units": 0, "total_revenue": "0.00",
        "created_at": STAMP, "updated_at": STAMP, "row_version": 1,
    }
    row.update(overrides)
    return row


def item_row(n: int, show_n: int, product_n: int | None, position: int,
             host: str = HOST, **overrides: Any) -> dict[str, Any]:
    name = PRODUCTS[product_n][0] if product_n is not None else f"Own item {n}"
    row = {
        "id": item_id(n), "session_id": show_id(show_n), "influencer_id": host,
        "product_id": None if product_n is None else product_id(product_n), "name": name,
        "description": None, "image_url": None, "position": position, "live_price": "20.00",
        "compare_at_price": "25.00", "flash_price": None, "flash_starts_at": None,
        "flash_ends_at": None, "allocated_quantity": 4, "sold_quantity": 0, "revenue": "0.00",
        "max_per_buyer": None, "status": "active", "featured_at": None, "created_at": STAMP,
        "updated_at": STAMP, "row_version": 1,
    }
    row.update(overrides)
    return row


def sample_rows(shows: Iterable[dict[str, Any]] = (),
                items: Iterable[dict[str, Any]] = ()) -> dict[str, list[dict[str, Any]]]:
    """The sample marketplace (two wholesalers, two hosts, six products) plus shows and items,
    as `fake_context` rows."""
    return {
        "wholesalers": [wholesaler_row(WHOLESALER, "Harbor Lane Trading Co."),
                        wholesaler_row(OTHER_WHOLESALER, "Northwind Apparel")],
        "influencers": [host_row(HOST, "Maya Chen", "mayalive"),
                        host_row(OTHER_HOST, "Jordan Reyes", "jordan")],
        "products": [product_row(n) for n in PRODUCTS],
        "live_stream_sessions": list(shows),
        "live_products": list(items),
    }


def host_context(fake_context: Callable[..., Any], shows: Iterable[dict[str, Any]] = (),
                 items: Iterable[dict[str, Any]] = ()) -> Any:
    """A signed-in host's screen context over the sample data."""
    return fake_context(sample_rows(shows, items), roles=frozenset({"host"}),
                        profile_ids={"host": HOST})


def wholesaler_context(fake_context: Callable[..., Any], shows: Iterable[dict[str, Any]] = (),
                       items: Iterable[dict[str, Any]] = ()) -> Any:
    """The first wholesaler's screen context over the sample data."""
    return fake_context(sample_rows(shows, items), roles=frozenset({"wholesaler"}),
                        profile_ids={"wholesaler": WHOLESALER})


def lineup_rows(ctx: Any, show_n: int) -> list[dict[str, Any]]:
    """The show's cached live products in lineup order."""
    return ctx.reader.lineup(show_id(show_n))


def positions(ctx: Any, show_n: int = 1) -> list[tuple[str, int]]:
    return [(row["name"], row["position"]) for row in lineup_rows(ctx, show_n)]


def settle(qtbot: Any, run: Callable[..., Any], screen: Any) -> None:
    """Let queued signals, reads and writes finish (twice: a write triggers a reload)."""
    for _ in range(2):
        qtbot.wait(20)
        run(screen.wait_idle())


LONG_NAMES = (
    "Hand-poured Soy Candle, Cedar & Amber, 12 oz", "Linen Throw Blanket — Oatmeal Herringbone",
    "Stoneware Mug Set of 4, Speckled Glaze", "Merino Wool Beanie with Faux Fur Pom",
    "Silk Scarf, Botanical Print, 90 cm", "Bamboo Cutting Board with Juice Groove",
    "Ceramic Pour-Over Coffee Dripper", "Waffle-Knit Bath Towel Set (3 pieces)",
    "Rattan Storage Basket, Large", "Aromatherapy Diffuser with LED Night Light",
    "Cast Iron Skillet 10-inch, Pre-seasoned", "Organic Cotton Pillowcases, Pair, Sage",
    "Glass Meal-Prep Containers (10 pack)", "Leather Card Holder, Tan",
    "Insulated Water Bottle 32 oz, Matte Black", "Wooden Serving Tray with Handles",
    "Knitted Throw Pillow Cover 18x18", "Essential Oil Sampler, 6 Scents",
    "Marble Coaster Set with Gold Rim", "Faux Sheepskin Rug 2x3 ft, Ivory",
)
LONG_TITLE = "Cozy Sunday: home finds under $30 with Maya — the holiday edition"


def long_lineup_rows() -> dict[str, list[dict[str, Any]]]:
    """A show with a long title and a 20-item lineup of long product names (values up to
    $1,000+ of commission), as `fake_context` rows: the layout's worst everyday case."""
    rows = sample_rows([show_row(1, title=LONG_TITLE)])
    for n, name in enumerate(LONG_NAMES):
        product = product_row(1)
        product.update(id=uid(100 + n, 13), sku=f"SKU-{100 + n}", name=name,
                       wholesale_price="11.20", retail_price=f"{24 + 3 * n}.00",
                       stock_quantity=200)
        rows["products"].append(product)
        rows["live_products"].append(item_row(
            100 + n, 1, None, n, name=name, product_id=product["id"],
            live_price=f"{20 + 3 * n}.99", compare_at_price=f"{24 + 3 * n}.00",
            allocated_quantity=10 + 7 * n))
    return rows
