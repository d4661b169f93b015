"""Builders of server-shaped rows and helpers shared by the offline-cache tests (no tests here)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from studio.sync.cache import CacheDatabase, CacheReader, CacheStore, CacheWriter
from studio.sync.cache.tables import TABLES

WHOLESALER = "00000000-0000-4000-8000-0000000000a1"
OTHER_WHOLESALER = "00000000-0000-4000-8000-0000000000a2"
HOST = "00000000-0000-4000-8000-0000000000b1"
STAMP = "2026-11-20T10:00:00.123456+00:00"


def uid(n: int, kind: int = 0) -> str:
    """A deterministic lowercase uuid; `kind` keeps families of ids apart."""
    return str(uuid.UUID(int=(kind << 64) | n))


def product(n: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": uid(n, 1),
        "wholesaler_id": WHOLESALER,
        "category_id": None,
        "sku": f"SKU-{n}",
        "name": f"Product {n}",
        "description": "Plain description",
        "brand": "Acme",
        "tags": ["basic"],
        "image_url": None,
        "wholesale_price": "10.00",
        "retail_price": "20.00",
        "stock_quantity": 5,
        "min_order_quantity": 1,
        "status": "active",
        "is_live_eligible": True,
        "weight_grams": None,
        "created_at": STAMP,
        "updated_at": STAMP,
        "row_version": 1,
    }
    row.update(overrides)
    return row


def category(n: int, parent: int | None = None, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": uid(n, 2),
        "parent_id": None if parent is None else uid(parent, 2),
        "name": f"Category {n}",
        "slug": f"category-{n}",
        "description": None,
        "sort_order": n,
        "is_active": True,
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    row.update(overrides)
    return row


def show(n: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": uid(n, 3),
        "influencer_id": HOST,
        "title": f"Show {n}",
        "description": None,
        "thumbnail_url": None,
        "session_code": f"ABCDEF{n % 10}{n % 10}",
        "status": "scheduled",
        "scheduled_start": f"2026-12-{n:02d}T18:00:00+00:00",
        "scheduled_end": None,
        "actual_start": None,
        "actual_end": None,
        "is_rehearsal": False,
        "chat_enabled": True,
        "featured_live_product_id": None,
        "current_viewers": 0,
        "peak_viewers": 0,
        "unique_viewers": 0,
        "total_orders": 0,
        "total_units": 0,
        "total_revenue": "0.00",
        "created_at": STAMP,
        "updated_at": STAMP,
        "row_version": 1,
    }
    row.update(overrides)
    return row


def live_product(n: int, show_n: int = 1, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": uid(n, 4),
        "session_id": uid(show_n, 3),
        "influencer_id": HOST,
        "product_id": uid(n, 1),
        "name": f"Live item {n}",
        "description": None,
        "image_url": None,
        "position": n,
        "live_price": "15.00",
        "compare_at_price": "20.00",
        "flash_price": None,
        "flash_starts_at": None,
        "flash_ends_at": None,
        "allocated_quantity": 3,
        "sold_quantity": 0,
        "revenue": "0.00",
        "max_per_buyer": None,
        "status": "active",
        "featured_at": None,
        "created_at": STAMP,
        "updated_at": STAMP,
        "row_version": 1,
    }
    row.update(overrides)
    return row


def chat(n: int, show_n: int = 1, minute: int = 0, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": uid(n, 5),
        "session_id": uid(show_n, 3),
        "user_id": None,
        "display_name": "viewer",
        "message": f"message {n}",
        "message_type": "message",
        "is_pinned": False,
        "is_hidden": False,
        "created_at": f"2026-12-01T18:{minute:02d}:00+00:00",
        "updated_at": f"2026-12-01T18:{minute:02d}:00+00:00",
        "row_version": 1,
    }
    row.update(overrides)
    return row


@contextmanager
def open_cache(path: Path) -> Iterator[tuple[CacheDatabase, CacheWriter, CacheReader]]:
    db = CacheDatabase.open(path)
    writer = CacheWriter(db)
    try:
        yield db, writer, CacheReader(db)
    finally:
        writer.close()
        db.close()


def snapshot(db: CacheDatabase) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every cache table (mirrored, outbox, cursors, meta), for "unchanged" checks."""
    names = [*TABLES, "outbox", "sync_cursors", "cache_meta"]
    with db.read() as conn:
        return {
            name: [tuple(row) for row in conn.exec_driver_sql(f"SELECT * FROM {name} ORDER BY 1")]
            for name in names
        }


def fts_ok(writer: CacheWriter) -> None:
    """Raise unless the FTS index agrees exactly with the products table."""

    def check(store: CacheStore) -> None:
        with store.transaction() as conn:
            conn.exec_driver_sql(
                "INSERT INTO products_fts (products_fts, rank) VALUES ('integrity-check', 1)")

    writer.call(check)
