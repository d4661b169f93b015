"""LocalBackend reads and errors against the embedded server, answered as PostgREST would.

Every test runs twice: over psycopg's asyncio connections and over blocking connections in
worker threads (what the studio uses on event loops psycopg cannot drive, Windows' Proactor).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from test_local_support import Workspace, f

from studio.server.demo_accounts import (
    DEMO_HOST,
    DEMO_PASSWORD,
)
from studio.sync.backend import (
    Backend,
    NetworkError,
    NotFound,
    Order,
    PermissionDenied,
    eq,
    gte,
    in_,
    is_null,
)
from studio.sync.local.backend import LocalBackend

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_local_support"]

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$")


async def test_is_a_backend(ws: Workspace) -> None:
    assert isinstance(ws.make(), Backend)


# -------------------------------------------------------------------------------------- reads

PRODUCT_COLUMNS = [
    "id",
    "sku",
    "name",
    "tags",
    "wholesale_price",
    "retail_price",
    "stock_quantity",
    "status",
    "is_live_eligible",
    "weight_grams",
    "created_at",
    "updated_at",
]


async def test_select_returns_rows_shaped_as_postgrest_sends_them(ws: Workspace) -> None:
    with ws.cursor() as cur:
        wholesaler = f.create_wholesaler(cur)
        host = f.create_influencer(cur)
        product = f.create_product(cur, wholesaler.profile_id, stock=7, wholesale_price="12.50")
        f.create_product(cur, wholesaler.profile_id, retail_price="5.00")
    ws.owner.execute(
        "update public.products set tags = '{gift,\"eco friendly\"}' where id = %s", (product,)
    )
    sku, created = ws.owner.execute(
        "select sku, created_at from public.products where id = %s", (product,)
    ).fetchone()
    backend = await ws.signed_in(host)

    rows = await backend.select(
        "products",
        PRODUCT_COLUMNS,
        [
            eq("wholesaler_id", wholesaler.profile_id),
            gte("retail_price", Decimal("20")),
            is_null("weight_grams"),
        ],
    )

    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in PRODUCT_COLUMNS if k not in ("created_at", "updated_at")} == {
        "id": product,
        "sku": sku,
        "name": row["name"],
        "tags": ["gift", "eco friendly"],
        "wholesale_price": 12.5,
        "retail_price": 25.0,
        "stock_quantity": 7,
        "status": "active",
        "is_live_eligible": True,
        "weight_grams": None,
    }
    assert type(row["wholesale_price"]) is float and type(row["stock_quantity"]) is int
    assert TIMESTAMP.match(row["created_at"]) and TIMESTAMP.match(row["updated_at"])
    assert datetime.fromisoformat(row["created_at"]) == created


async def test_jsonb_columns_come_back_as_objects(ws: Workspace) -> None:
    with ws.cursor() as cur:
        customer = f.create_customer(cur)
    backend = await ws.signed_in(customer)
    rows = await backend.select("customers", ["id", "shipping_address", "preferences"])
    assert rows == [
        {
            "id": customer.profile_id,
            "shipping_address": {
                "line1": "1 Main St",
                "city": "Springfield",
                "postal_code": "12345",
                "country": "US",
            },
            "preferences": {},
        }
    ]


async def test_select_orders_limits_and_offsets(ws: Workspace) -> None:
    with ws.cursor() as cur:
        wholesaler = f.create_wholesaler(cur)
        for price in ("3.00", "1.00", "2.00", "4.00"):
            f.create_product(cur, wholesaler.profile_id, retail_price=price)
    backend = await ws.signed_in(wholesaler)
    order = [Order("retail_price", descending=True)]

    prices = [
        r["retail_price"]
        for r in await backend.select("products", ["retail_price"], order=order, limit=2, offset=1)
    ]

    assert prices == [3.0, 2.0]
    everything = await backend.select("products", ["retail_price"], order=[Order("retail_price")])
    assert [r["retail_price"] for r in everything] == [1.0, 2.0, 3.0, 4.0]


async def test_computed_columns_are_selectable_as_on_postgrest(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        session = f.create_session(cur, host.profile_id)
        item = f.create_live_product(cur, session, host.profile_id, live_price="19.99")
    backend = await ws.signed_in(host)
    rows = await backend.select("live_products", ["id", "live_price", "effective_price"])
    assert rows == [{"id": item, "live_price": 19.99, "effective_price": 19.99}]


async def test_customer_cannot_see_another_customers_cart(ws: Workspace) -> None:
    with ws.cursor() as cur:
        wholesaler = f.create_wholesaler(cur)
        product = f.create_product(cur, wholesaler.profile_id)
        alice, bob = f.create_customer(cur), f.create_customer(cur)
        alice_line = f.add_to_cart(cur, alice.profile_id, product_id=product, quantity=2)
        bob_line = f.add_to_cart(cur, bob.profile_id, product_id=product, quantity=5)
    backend = await ws.signed_in(alice)

    assert await backend.select("cart", ["id", "quantity"]) == [{"id": alice_line, "quantity": 2}]
    assert await backend.select("cart", ["id"], [eq("id", bob_line)]) == []
    assert await backend.select_ids("cart") == {alice_line}
    # Bob's line is invisible, so an update finds nothing to change.
    assert await backend.update("cart", {"quantity": 1}, [eq("id", bob_line)]) == []
    assert ws.one("select quantity from public.cart where id = %s", (bob_line,)) == 5


async def test_anon_may_not_read_wholesale_prices(ws: Workspace) -> None:
    with ws.cursor() as cur:
        wholesaler = f.create_wholesaler(cur)
        host = f.create_influencer(cur)
        product = f.create_product(cur, wholesaler.profile_id, wholesale_price="9.00")
    anon = ws.make()

    assert await anon.select("products", ["id", "retail_price"]) == [
        {"id": product, "retail_price": 25.0}
    ]
    with pytest.raises(PermissionDenied) as refused:
        await anon.select("products", ["id", "wholesale_price"])
    assert refused.value.sqlstate == "42501" and refused.value.status == 401
    assert not refused.value.retryable

    # The same backend, signed in, may; signed out again, it may not (nothing leaks between
    # requests on a pooled connection).
    await anon.sign_in(ws.with_password(host.user_id), DEMO_PASSWORD)
    assert await anon.select("products", ["wholesale_price"]) == [{"wholesale_price": 9.0}]
    await anon.sign_out()
    with pytest.raises(PermissionDenied):
        await anon.select("products", ["wholesale_price"])


async def test_pull_page_walks_rows_of_one_transaction_in_commit_order(ws: Workspace) -> None:
    with ws.owner.transaction(), ws.cursor() as cur:  # one transaction: one change_xid for all
        wholesaler = f.create_wholesaler(cur)
        ids = [f.create_product(cur, wholesaler.profile_id) for _ in range(7)]
    with ws.owner.transaction(), ws.cursor() as cur:
        later = [f.create_product(cur, wholesaler.profile_id) for _ in range(2)]
    assert ws.one("select count(distinct change_xid) from public.products") == 2
    backend = ws.make()

    seen: list[str] = []
    sizes: list[int] = []
    cursor = None
    while True:
        page = await backend.pull_page("products", ["name"], cursor, limit=3)
        if page.next_cursor is None:
            assert page.rows == []
            break
        assert all(set(r) == {"name", "change_xid", "id"} for r in page.rows)
        seen += [r["id"] for r in page.rows]
        sizes.append(len(page.rows))
        cursor = page.next_cursor

    assert seen == sorted(ids) + sorted(later)
    assert sizes == [3, 3, 3]
    # `since` reads from a transaction on, all of its rows included.
    first_xid = ws.one("select min(change_xid) from public.products")
    again = await backend.pull_page("products", ["id"], None, limit=50, since=first_xid + 1)
    assert [r["id"] for r in again.rows] == sorted(later)
    with pytest.raises(ValueError, match="since"):
        await backend.pull_page("products", ["id"], None, limit=5, since=-1)
    assert await backend.sync_horizon() > ws.one("select max(change_xid) from public.products")


async def test_pages_are_capped_at_max_rows(ws: Workspace) -> None:
    with ws.cursor() as cur:
        wholesaler = f.create_wholesaler(cur)
        ids = {f.create_product(cur, wholesaler.profile_id) for _ in range(5)}
    backend = ws.make(max_rows=2)

    assert len(await backend.select("products", ["id"])) == 2
    walked: list[str] = []
    cursor = None
    while (page := await backend.pull_page("products", ["id"], cursor, limit=10)).next_cursor:
        assert len(page.rows) <= 2
        walked += [r["id"] for r in page.rows]
        cursor = page.next_cursor
    assert sorted(walked) == sorted(ids) and len(walked) == 5
    assert await backend.select_ids("products") == ids  # one snapshot, not capped


async def test_select_ids_applies_the_scope_and_visibility(ws: Workspace) -> None:
    with ws.cursor() as cur:
        mine, other = f.create_wholesaler(cur), f.create_wholesaler(cur)
        active = f.create_product(cur, mine.profile_id)
        draft = f.create_product(cur, mine.profile_id, status="draft")
        theirs = f.create_product(cur, other.profile_id)
    owner_view = await ws.signed_in(mine)
    anon = ws.make()

    assert await owner_view.select_ids("products", [eq("wholesaler_id", mine.profile_id)]) == {
        active,
        draft,
    }
    assert await anon.select_ids("products") == {active, theirs}
    assert await anon.select_ids("products", [in_("id", [draft, theirs])]) == {theirs}
    assert await anon.select_ids("products", [in_("id", [])]) == set()


# ------------------------------------------------------------------------- errors and bad input


async def test_unreachable_server_is_a_retryable_network_error(backends, unreachable: str) -> None:
    backend = backends(unreachable)
    with pytest.raises(NetworkError) as caught:
        await backend.select("products", ["id"])
    assert caught.value.retryable
    with pytest.raises(NetworkError):
        await backend.sign_in(DEMO_HOST.email, DEMO_PASSWORD)
    with pytest.raises(NetworkError):
        await backend.rpc("goal_progress")


async def test_a_dropped_connection_fails_once_then_the_next_request_reconnects(
    ws: Workspace,
) -> None:
    with ws.cursor() as cur:
        wholesaler = f.create_wholesaler(cur)
        product = f.create_product(cur, wholesaler.profile_id)
    backend = ws.make(max_connections=1)
    assert await backend.select_ids("products") == {product}

    ws.owner.execute(
        "select pg_terminate_backend(pid) from pg_stat_activity"
        " where datname = current_database() and pid <> pg_backend_pid()"
    )
    with pytest.raises(NetworkError) as caught:
        await backend.select_ids("products")
    assert caught.value.retryable
    assert await backend.select_ids("products") == {product}


async def test_concurrent_requests_share_a_small_pool(ws: Workspace) -> None:
    with ws.cursor() as cur:
        wholesaler = f.create_wholesaler(cur)
        product = f.create_product(cur, wholesaler.profile_id)
    backend = ws.make(max_connections=2)
    results = await asyncio.gather(*(backend.select_ids("products") for _ in range(10)))
    assert results == [{product}] * 10
    assert (
        ws.one(
            "select count(*) from pg_stat_activity where datname = current_database()"
            " and application_name = 'shopstream-studio' and pid <> pg_backend_pid()"
        )
        <= 2
    )


async def test_unknown_tables_and_columns_are_refused(ws: Workspace) -> None:
    backend = ws.make()
    with pytest.raises(NotFound) as missing:
        await backend.select("no_such_table", ["id"])
    assert missing.value.sqlstate == "42P01"
    with pytest.raises(Exception) as bad_column:  # noqa: PT011 - asserted precisely below
        await backend.select("products", ["no_such_column"])
    assert bad_column.value.sqlstate == "42703" and not bad_column.value.retryable


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: b.select("products", []), "columns"),
        (lambda b: b.select("products", "id"), "columns"),
        (lambda b: b.select("products", ["*"]), "not a valid"),
        (lambda b: b.select("products; drop table x", ["id"]), "not a valid"),
        (lambda b: b.select("products", ["id"], limit=0), "limit"),
        (lambda b: b.select("products", ["id"], offset=-1), "offset"),
        (lambda b: b.pull_page("products", ["id"], None, limit=0), "limit"),
        (lambda b: b.select_ids("products", [eq("id; --", "x")]), "not a valid"),
        (lambda b: b.rpc("checkout()", {}), "not a valid"),
        (lambda b: b.rpc("checkout", {"p key": 1}), "not a valid"),
    ],
)
async def test_malformed_reads_are_refused_before_anything_is_sent(
    backends, unreachable: str, call: Callable[[LocalBackend], Any], message: str
) -> None:
    # Pointed at no server at all: a ValueError (not a NetworkError) proves nothing was sent.
    with pytest.raises(ValueError, match=message):
        await call(backends(unreachable))
