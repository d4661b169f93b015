"""Sales counters: 32 stripes while a show can sell, one row each once it is over (000900)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import factories as f
import psycopg
from test_fn_support import build_show, checkout, connect, fill_cart, one, rpc
from test_legacy_migration import migration_files

from studio.server.migrations import MigrationRunner, schema_dir

STRIPES = "20261203000900_sales_stripes.sql"


def stripes(conn: psycopg.Connection, live_id: str) -> list[tuple[int, int, int]]:
    """(stripe, allocated, sold) of each row of a live product's counter."""
    return conn.execute("select stripe, allocated, sold from private.live_sales"
                        " where live_product_id = %s order by stripe", (live_id,)).fetchall()


def totals(conn: psycopg.Connection, live_id: str) -> tuple[int, int, Decimal, int, int]:
    """A counter's allocated, sold, revenue, and unfolded show orders and units."""
    return conn.execute(
        "select sum(allocated)::int, sum(sold)::int, sum(revenue), sum(show_orders)::int,"
        " sum(show_units)::int from private.live_sales where live_product_id = %s",
        (live_id,)).fetchone()


def buy(conn: psycopg.Connection, live_id: str, quantity: int) -> dict:
    with conn.cursor() as cur:
        buyer = f.create_customer(cur)
    fill_cart(conn, buyer.profile_id, live={live_id: quantity})
    return checkout(conn, buyer)


def test_a_counter_spreads_its_allocation_over_32_stripes(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=100)
    rows = stripes(conn, show.live_product_id)
    assert [r[0] for r in rows] == list(range(32))
    # 100 units: 3 each, and the first 4 stripes one more.
    assert [r[1] for r in rows] == [4] * 4 + [3] * 28
    buy(conn, show.live_product_id, 5)
    assert totals(conn, show.live_product_id) == (100, 5, Decimal("50.00"), 1, 5)


def test_an_order_can_take_the_last_units_spread_over_many_stripes(
    conn: psycopg.Connection,
) -> None:
    """20 units over 32 stripes: no stripe can spare one, so every sale takes them all."""
    show = build_show(conn, live_price="10.00", allocated=20)
    assert sum(1 for r in stripes(conn, show.live_product_id) if r[1]) == 20
    buy(conn, show.live_product_id, 1)
    buy(conn, show.live_product_id, 12)
    buy(conn, show.live_product_id, 7)
    assert totals(conn, show.live_product_id)[:3] == (20, 20, Decimal("200.00"))
    assert conn.execute("select sold_quantity, status from public.live_products where id = %s",
                        (show.live_product_id,)).fetchone() == (20, "sold_out")


def test_reallocating_a_live_item_spreads_the_units_left_again(
    conn: psycopg.Connection,
) -> None:
    show = build_show(conn, live_price="10.00", allocated=40, stock=100)
    buy(conn, show.live_product_id, 9)
    conn.execute("update public.live_products set allocated_quantity = 70 where id = %s",
                 (show.live_product_id,))
    rows = stripes(conn, show.live_product_id)
    assert len(rows) == 32 and sum(r[1] for r in rows) == 70 and sum(r[2] for r in rows) == 9
    assert max(r[1] - r[2] for r in rows) - min(r[1] - r[2] for r in rows) <= 1


def test_ending_a_show_folds_each_counter_into_one_row(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=50, stock=80)
    first = buy(conn, show.live_product_id, 3)
    buy(conn, show.live_product_id, 4)
    assert totals(conn, show.live_product_id) == (50, 7, Decimal("70.00"), 2, 7)
    rpc(conn, show.host.user_id, "select public.end_show(%s)", (show.session_id,))

    # One row with the item's figures; the show's figures went to the show row.
    assert stripes(conn, show.live_product_id) == [(0, 50, 7)]
    assert totals(conn, show.live_product_id) == (50, 7, Decimal("70.00"), 0, 0)
    assert conn.execute("select total_orders, total_units, total_revenue from"
                        " public.live_stream_sessions where id = %s",
                        (show.session_id,)).fetchone() == (2, 7, Decimal("70.00"))
    assert conn.execute("select sold_quantity, revenue from public.live_products where id = %s",
                        (show.live_product_id,)).fetchone() == (7, Decimal("70.00"))

    # A refund after the end takes its units and revenue from that row.
    event = "select public.record_payment_event(%s, %s, null)"
    rpc(conn, None, event, (first["order_id"], "paid"), role="service_role")
    rpc(conn, None, event, (first["order_id"], "refunded"), role="service_role")
    assert stripes(conn, show.live_product_id) == [(0, 50, 4)]
    assert conn.execute("select sold_quantity, revenue from public.live_products where id = %s",
                        (show.live_product_id,)).fetchone() == (4, Decimal("40.00"))
    assert conn.execute("select total_orders, total_units, total_revenue from"
                        " public.live_stream_sessions where id = %s",
                        (show.session_id,)).fetchone() == (1, 4, Decimal("40.00"))


def test_cancelling_a_show_folds_its_counters(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled", allocated=10, stock=40)
    assert len(stripes(conn, show.live_product_id)) == 32
    conn.execute("update public.live_stream_sessions set status = 'cancelled' where id = %s",
                 (show.session_id,))
    assert len(stripes(conn, show.live_product_id)) == 1
    assert totals(conn, show.live_product_id)[1:] == (0, Decimal("0"), 0, 0)


def test_the_migration_restripes_counters_that_exist(
    empty_db: str, make_schema_dir: Callable[..., Path],
) -> None:
    """Counters of 8 stripes: those of a live show spread over 32, an ended show's fold."""
    files = migration_files(upto="20261203000800_realtime_catalog.sql")
    assert STRIPES not in files
    directory = make_schema_dir(files)
    MigrationRunner(empty_db, directory).apply()
    conn = connect(empty_db)
    try:
        live = build_show(conn, live_price="10.00", allocated=30, stock=60)
        buy(conn, live.live_product_id, 5)
        over = build_show(conn, live_price="10.00", allocated=12, stock=60)
        buy(conn, over.live_product_id, 2)
        rpc(conn, over.host.user_id, "select public.end_show(%s)", (over.session_id,))
        assert len(stripes(conn, live.live_product_id)) == 8
        before = {s.live_product_id: totals(conn, s.live_product_id) for s in (live, over)}

        for name in sorted(p.name for p in (schema_dir() / "migrations").glob("*.sql")):
            if name not in files:
                (directory / "migrations" / name).write_text(
                    (schema_dir() / "migrations" / name).read_text(encoding="utf-8"),
                    encoding="utf-8")
        MigrationRunner(empty_db, directory).apply()

        assert {s.live_product_id: totals(conn, s.live_product_id)
                for s in (live, over)} == before
        assert len(stripes(conn, live.live_product_id)) == 32
        assert stripes(conn, over.live_product_id) == [(0, 12, 2)]
        # The live item sells on, to its last unit.
        buy(conn, live.live_product_id, 25)
        assert totals(conn, live.live_product_id)[:2] == (30, 30)
        assert one(conn, "select status from public.live_products where id = %s",
                   (live.live_product_id,)) == "sold_out"
    finally:
        conn.close()
