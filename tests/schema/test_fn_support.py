"""Shared helpers for the tests of the server's triggers and RPC functions (holds no tests).

Setup rows are written as the database owner through `factories`; every user action goes
through `request_transaction`, exactly as PostgREST would run it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import factories as f
import psycopg
import pytest
from psycopg.types.json import Jsonb, set_json_loads

from studio.server import db
from studio.server.request_context import request_transaction

# Every table a function may write: the state compared before and after a refused call.
WRITABLE_TABLES = (
    "public.customers", "public.wholesalers", "public.influencers", "public.products",
    "public.live_products", "public.cart", "public.orders", "public.order_items",
    "public.live_stream_sessions", "public.live_stream_viewers", "public.influencer_achievements",
    "public.influencer_goals", "public.influencer_earnings", "public.influencer_notifications",
    "private.price_changes", "private.checkout_requests", "private.commerce_settings",
)


@dataclass
class Show:
    """A host with a show, one live product sourced from a wholesale product, and a customer."""

    host: f.Account
    wholesaler: f.Account
    customer: f.Account
    session_id: str
    product_id: str
    live_product_id: str


def _loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def connect(conninfo: str) -> psycopg.Connection:
    """An autocommit connection (JSON numbers parsed as Decimal); the owner until a request."""
    conn = db.connect(conninfo, autocommit=True)
    set_json_loads(_loads, conn)
    return conn


def build_show(
    conn: psycopg.Connection,
    *,
    status: str = "live",
    allocated: int = 10,
    stock: int = 100,
    live_price: str = "19.99",
    commission_rate: str = "0.1500",
) -> Show:
    """A complete show as the owner (no cart rows yet)."""
    with conn.cursor() as cur:
        host = f.create_influencer(cur, commission_rate)
        wholesaler = f.create_wholesaler(cur)
        customer = f.create_customer(cur)
        product_id = f.create_product(cur, wholesaler.profile_id, stock=stock)
        session_id = f.create_session(cur, host.profile_id, status)
        live_id = f.create_live_product(
            cur, session_id, host.profile_id, product_id=product_id, live_price=live_price,
            allocated=allocated,
        )
    return Show(host, wholesaler, customer, session_id, product_id, live_id)


def rpc(
    conn: psycopg.Connection, user_id: str | None, query: str, params: Sequence[Any] = (),
    role: str = "authenticated",
) -> Any:
    """Run one statement as `user_id` (role `authenticated`) in its own transaction.

    Returns the first column of the first row (or None when there is no row).
    """
    with request_transaction(conn, role, user_id) as cur:
        cur.execute(query, params)
        row = cur.fetchone() if cur.description else None
    return row[0] if row else None


def rows(
    conn: psycopg.Connection, user_id: str | None, query: str, params: Sequence[Any] = (),
    role: str = "authenticated",
) -> list[tuple[Any, ...]]:
    """Like `rpc` but returns every row."""
    with request_transaction(conn, role, user_id) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def refused(
    conn: psycopg.Connection, user_id: str | None, query: str, params: Sequence[Any] = (),
    role: str = "authenticated",
) -> psycopg.Error:
    """Run a statement that must fail; return the error (its sqlstate and message)."""
    with pytest.raises(psycopg.Error) as caught:
        rpc(conn, user_id, query, params, role)
    return caught.value


def assert_refused(
    err: psycopg.Error, sqlstate: str, message: str,
) -> None:
    """The error has this SQLSTATE and its primary message contains `message`."""
    primary = err.diag.message_primary or ""
    assert err.sqlstate == sqlstate, f"expected {sqlstate}, got {err.sqlstate}: {primary}"
    assert message in primary, f"{message!r} not in {primary!r}"


def one(conn: psycopg.Connection, query: str, params: Sequence[Any] = ()) -> Any:
    """First column of the first row, as the owner."""
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def db_state(conn: psycopg.Connection) -> dict[str, str]:
    """A digest of every row of every writable table (equal digests: nothing was written)."""
    state = {}
    for table in WRITABLE_TABLES:
        state[table] = one(
            conn, f"select count(*) || ':' || coalesce(md5(string_agg(t::text, ',' order by"
                  f" t::text)), '') from {table} t")
    return state


@contextmanager
def unchanged(conn: psycopg.Connection) -> Iterator[None]:
    """Assert that the block writes nothing to any writable table."""
    before = db_state(conn)
    yield
    after = db_state(conn)
    changed = [t for t in WRITABLE_TABLES if before[t] != after[t]]
    assert not changed, f"tables changed: {changed}"


def fill_cart(
    conn: psycopg.Connection, customer_id: str, *, live: dict[str, int] | None = None,
    wholesale: dict[str, int] | None = None,
) -> None:
    """Put items in a customer's cart (as the owner)."""
    with conn.cursor() as cur:
        for live_id, qty in (live or {}).items():
            f.add_to_cart(cur, customer_id, live_product_id=live_id, quantity=qty)
        for product_id, qty in (wholesale or {}).items():
            f.add_to_cart(cur, customer_id, product_id=product_id, quantity=qty)


def checkout(conn: psycopg.Connection, customer: f.Account, key: str | None = None,
             address: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check out the customer's cart as that customer; returns the function's jsonb."""
    import uuid

    return rpc(
        conn, customer.user_id, "select public.checkout(%s, %s, %s)",
        (key or str(uuid.uuid4()), Jsonb(address) if address is not None else None, None),
    )


def concurrently(
    conninfo: str, jobs: Sequence[Callable[[psycopg.Connection], Any]],
) -> list[Any]:
    """Run each job on its own connection, all released at once; returns results or errors."""
    conns = [connect(conninfo) for _ in jobs]
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i](conns[i])
        except psycopg.Error as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        for c in conns:
            c.close()
    return results


def money(value: Any) -> Decimal:
    """A value as a two-decimal Decimal."""
    return f.money(value)
