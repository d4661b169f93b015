"""Server-shaped rows of a live show for the monitor panel tests (this module holds no tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

SHOW = "5e000000-0000-4000-a000-000000000001"
OTHER_SHOW = "5e000000-0000-4000-a000-000000000002"
HOST = "00000000-0000-4000-b000-000000000101"
T0 = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)


def uid(kind: int, n: int) -> str:
    return f"{kind:08x}-0000-4000-8000-{n:012x}"


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def chat_row(n: int, text: str = "hello everyone", *, seconds: float | None = None,
             session: str = SHOW, name: str | None = None, **overrides: Any) -> dict[str, Any]:
    stamp = at(n / 100 if seconds is None else seconds)
    row = {"id": uid(0xC4A7, n), "session_id": session, "user_id": None,
           "display_name": name or f"viewer{n}", "message": text, "message_type": "message",
           "is_pinned": False, "is_hidden": False, "created_at": stamp, "updated_at": stamp,
           "row_version": 1}
    row.update(overrides)
    return row


def chat_rows(first: int, count: int, **kwargs: Any) -> list[dict[str, Any]]:
    return [chat_row(n, f"message number {n}", **kwargs) for n in range(first, first + count)]


def show_row(**overrides: Any) -> dict[str, Any]:
    row = {"id": SHOW, "influencer_id": HOST, "title": "Friday drop", "description": None,
           "thumbnail_url": None, "session_code": "FRI-1", "status": "live",
           "scheduled_start": at(0), "scheduled_end": None, "actual_start": at(0),
           "actual_end": None, "is_rehearsal": True, "chat_enabled": True,
           "featured_live_product_id": None, "current_viewers": 0, "peak_viewers": 0,
           "unique_viewers": 0, "total_orders": 0, "total_units": 0, "total_revenue": "0.00",
           "created_at": at(0), "updated_at": at(0), "row_version": 1}
    row.update(overrides)
    return row


def viewer_row(n: int, joined: float, left: float | None = None, *,
               session: str = SHOW) -> dict[str, Any]:
    last = joined if left is None else left
    return {"id": uid(0x7137, n), "session_id": session, "joined_at": at(joined),
            "left_at": None if left is None else at(left), "created_at": at(joined),
            "updated_at": at(last)}


def product_row(n: int, price: str = "20.00", *, allocated: int = 10, sold: int = 0,
                status: str = "active") -> dict[str, Any]:
    return {"id": uid(0x11FE, n), "session_id": SHOW, "influencer_id": HOST,
            "product_id": uid(0x9D, n), "name": f"Product {n}", "description": None,
            "image_url": None, "position": n, "live_price": price, "compare_at_price": None,
            "flash_price": None, "flash_starts_at": None, "flash_ends_at": None,
            "allocated_quantity": allocated, "sold_quantity": sold, "revenue": "0.00",
            "max_per_buyer": None, "status": status, "featured_at": None,
            "created_at": at(0), "updated_at": at(0), "row_version": 1}


def line_row(n: int, order: int, product: int, quantity: int, total: str, *,
             seconds: float = 60, refunded: bool = False, session: str = SHOW,
             updated: float | None = None) -> dict[str, Any]:
    unit = f"{float(total) / quantity:.2f}"
    return {"id": uid(0x11AE, n), "order_id": uid(0x0D, order), "product_id": uid(0x9D, product),
            "live_product_id": uid(0x11FE, product), "session_id": session,
            "influencer_id": HOST, "wholesaler_id": None, "product_name": f"Product {product}",
            "sku": None, "list_unit_price": unit, "unit_price": unit, "is_flash_price": False,
            "quantity": quantity, "line_total": total, "commission_rate": "0.10",
            "commission_amount": "0.00", "is_refunded": refunded, "created_at": at(seconds),
            "updated_at": at(seconds if updated is None else updated)}
