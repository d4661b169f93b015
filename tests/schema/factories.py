"""Builders of test rows for the server schema, written as the database owner (setup only).

Tests then act as real users through `studio.server.request_context`.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


@dataclass(frozen=True)
class Account:
    """A user in auth.users and the id of its profile row (customer, influencer, ...)."""

    user_id: str
    profile_id: str
    email: str


def create_user(cur: Any, email: str | None = None) -> str:
    user_id = str(uuid.uuid4())
    email = email or f"user{_n()}-{user_id[:8]}@example.test"
    cur.execute(
        "insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)"
        " values ('00000000-0000-0000-0000-000000000000', %s, 'authenticated', 'authenticated',"
        " %s, now(), now())",
        (user_id, email),
    )
    return user_id


def create_customer(cur: Any, full_name: str = "Test Customer") -> Account:
    user_id = create_user(cur)
    cur.execute(
        "insert into public.customers (user_id, full_name, email, phone, shipping_address)"
        " values (%s, %s, %s, '+1 555 0100', %s) returning id",
        (user_id, full_name, f"{user_id[:8]}@example.test",
         '{"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}'),
    )
    return Account(user_id, str(cur.fetchone()[0]), f"{user_id[:8]}@example.test")


def create_influencer(cur: Any, commission_rate: str = "0.1500") -> Account:
    user_id = create_user(cur)
    n = _n()
    cur.execute(
        "insert into public.influencers (user_id, display_name, handle, commission_rate,"
        " payout_email, verification_status) values (%s, %s, %s, %s, %s, 'verified') returning id",
        (
            user_id,
            f"Host {n}",
            f"host_{n}_{user_id[:6]}",
            commission_rate,
            f"payout{n}@example.test",
        ),
    )
    return Account(user_id, str(cur.fetchone()[0]), "")


def create_wholesaler(cur: Any) -> Account:
    user_id = create_user(cur)
    n = _n()
    cur.execute(
        "insert into public.wholesalers (user_id, business_name, contact_email, tax_id,"
        " verification_status) values (%s, %s, %s, %s, 'verified') returning id",
        (user_id, f"Wholesale Co {n}", f"sales{n}@example.test", f"TAX-{n:06d}"),
    )
    return Account(user_id, str(cur.fetchone()[0]), "")


def create_admin(cur: Any, role: str = "admin") -> Account:
    user_id = create_user(cur)
    cur.execute(
        "insert into public.admin_users (user_id, role) values (%s, %s) returning id",
        (user_id, role),
    )
    return Account(user_id, str(cur.fetchone()[0]), "")


def create_category(cur: Any, parent_id: str | None = None) -> str:
    n = _n()
    cur.execute(
        "insert into public.categories (parent_id, name, slug) values (%s, %s, %s) returning id",
        (parent_id, f"Category {n}", f"category-{n}-{uuid.uuid4().hex[:6]}"),
    )
    return str(cur.fetchone()[0])


def create_product(
    cur: Any,
    wholesaler_id: str,
    *,
    stock: int = 100,
    wholesale_price: str = "10.00",
    retail_price: str = "25.00",
    category_id: str | None = None,
    status: str = "active",
) -> str:
    n = _n()
    cur.execute(
        "insert into public.products (wholesaler_id, category_id, sku, name, brand,"
        " wholesale_price, retail_price, stock_quantity, status)"
        " values (%s, %s, %s, %s, 'Acme', %s, %s, %s, %s) returning id",
        (
            wholesaler_id,
            category_id,
            f"SKU-{n:06d}",
            f"Product {n}",
            wholesale_price,
            retail_price,
            stock,
            status,
        ),
    )
    return str(cur.fetchone()[0])


def create_session(cur: Any, influencer_id: str, status: str = "scheduled") -> str:
    """A show; `live` and `ended` shows get consistent actual start/end times."""
    now = datetime.now(UTC)
    actual_start = now - timedelta(minutes=5) if status in ("live", "ended") else None
    actual_end = now - timedelta(minutes=1) if status == "ended" else None
    cur.execute(
        "insert into public.live_stream_sessions (influencer_id, title, status, scheduled_start,"
        " actual_start, actual_end, stream_key, hms_room_id, hms_host_room_code)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s) returning id",
        (
            influencer_id,
            f"Show {_n()}",
            status,
            now - timedelta(minutes=10),
            actual_start,
            actual_end,
            f"sk_{uuid.uuid4().hex}",
            f"room_{uuid.uuid4().hex[:12]}",
            f"host-{uuid.uuid4().hex[:8]}",
        ),
    )
    return str(cur.fetchone()[0])


def create_live_product(
    cur: Any,
    session_id: str,
    influencer_id: str,
    *,
    product_id: str | None = None,
    live_price: str = "19.99",
    allocated: int = 10,
    compare_at_price: str | None = None,
) -> str:
    cur.execute(
        "insert into public.live_products (session_id, influencer_id, product_id, name,"
        " live_price, compare_at_price, allocated_quantity) values (%s, %s, %s, %s, %s, %s, %s)"
        " returning id",
        (
            session_id,
            influencer_id,
            product_id,
            f"Live item {_n()}",
            live_price,
            compare_at_price,
            allocated,
        ),
    )
    return str(cur.fetchone()[0])


def add_to_cart(
    cur: Any,
    customer_id: str,
    *,
    product_id: str | None = None,
    live_product_id: str | None = None,
    quantity: int = 1,
) -> str:
    cur.execute(
        "insert into public.cart (customer_id, product_id, live_product_id, quantity)"
        " values (%s, %s, %s, %s) returning id",
        (customer_id, product_id, live_product_id, quantity),
    )
    return str(cur.fetchone()[0])


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))
