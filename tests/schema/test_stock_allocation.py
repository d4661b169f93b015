"""Allocated units leave wholesale stock when allocated; a sale touches only its sales counter."""

from __future__ import annotations

import uuid
from decimal import Decimal

import factories as f
import psycopg
import pytest
from test_fn_support import (
    Show,
    assert_refused,
    build_show,
    checkout,
    connect,
    fill_cart,
    one,
    refused,
    rpc,
    unchanged,
)


def stock(conn: psycopg.Connection, product_id: str) -> int:
    return one(conn, "select stock_quantity from public.products where id = %s", (product_id,))


def as_host(conn: psycopg.Connection, show: Show, query: str, *params: object) -> None:
    rpc(conn, show.host.user_id, query, params)


def test_allocating_reallocating_and_removing_move_wholesale_stock(
    conn: psycopg.Connection,
) -> None:
    show = build_show(conn, status="scheduled", allocated=10, stock=30)
    assert stock(conn, show.product_id) == 20

    as_host(conn, show, "update public.live_products set allocated_quantity = 25 where id = %s",
            show.live_product_id)
    assert stock(conn, show.product_id) == 5
    as_host(conn, show, "update public.live_products set allocated_quantity = 4 where id = %s",
            show.live_product_id)
    assert stock(conn, show.product_id) == 26
    as_host(conn, show, "delete from public.live_products where id = %s", show.live_product_id)
    assert stock(conn, show.product_id) == 30


def test_allocation_beyond_wholesale_stock_is_refused_and_changes_nothing(
    conn: psycopg.Connection,
) -> None:
    show = build_show(conn, status="scheduled", allocated=10, stock=12)
    with conn.cursor() as cur:
        next_show = f.create_session(cur, show.host.profile_id)
    with unchanged(conn):
        err = refused(conn, show.host.user_id,
                      "insert into public.live_products (session_id, influencer_id, product_id,"
                      " name, live_price, allocated_quantity) values (%s, %s, %s, 'x', 5, 3)",
                      (next_show, show.host.profile_id, show.product_id))
    assert_refused(err, "23514", "Allocation of 3 more units exceeds the 2 in stock")


_SHARED_ROWS = (
    "select (select xmin::text from public.products where id = %s),"
    " (select xmin::text from public.live_stream_sessions where id = %s),"
    " (select xmin::text from public.influencers where id = %s),"
    " (select xmin::text from public.live_products where id = %s)")


def test_a_sale_leaves_the_wholesale_product_and_the_show_row_untouched(
    conn: psycopg.Connection,
) -> None:
    """The hot path: the live product's sales counter is the only shared row a checkout
    updates; the live product row follows when its figures are published."""
    show = build_show(conn, allocated=5, stock=5)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2})
    # The wholesaler has no units left for anyone else: the show's are set aside.
    assert stock(conn, show.product_id) == 0
    rows = (show.product_id, show.session_id, show.host.profile_id, show.live_product_id)
    before = conn.execute(_SHARED_ROWS, rows).fetchone()

    checkout(conn, show.customer)

    assert conn.execute(_SHARED_ROWS, rows).fetchone() == before
    assert one(conn, "select sum(sold) from private.live_sales where live_product_id = %s",
               (show.live_product_id,)) == 2
    stats = rpc(conn, show.host.user_id, "select public.show_live_stats(%s)", (show.session_id,))
    assert (stats["orders"], stats["units"]) == (1, 2)
    # The control room's poll published the sale into the row every client reads.
    assert one(conn, "select sold_quantity from public.live_products where id = %s",
               (show.live_product_id,)) == 2


@pytest.mark.parametrize(("how", "returned"), [("end", 7), ("delete", 10)])
def test_unsold_units_return_when_the_show_is_over(
    conn: psycopg.Connection, how: str, returned: int,
) -> None:
    show = build_show(conn, status="live" if how == "end" else "scheduled", allocated=10,
                      stock=40)
    if how == "end":
        fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 3})
        checkout(conn, show.customer)
        as_host(conn, show, "select public.end_show(%s)", show.session_id)
    else:
        as_host(conn, show, "delete from public.live_stream_sessions where id = %s",
                show.session_id)
    assert stock(conn, show.product_id) == 30 + returned


def test_cancelled_show_returns_its_allocation(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled", allocated=10, stock=40)
    conn.execute("update public.live_stream_sessions set status = 'cancelled' where id = %s",
                 (show.session_id,))
    assert stock(conn, show.product_id) == 40


def test_a_rehearsal_holds_no_wholesale_stock(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled", allocated=10, stock=40)
    as_host(conn, show, "update public.live_stream_sessions set is_rehearsal = true"
                        " where id = %s", show.session_id)
    assert stock(conn, show.product_id) == 40
    as_host(conn, show, "update public.live_stream_sessions set is_rehearsal = false"
                        " where id = %s", show.session_id)
    assert stock(conn, show.product_id) == 30


def test_making_a_show_public_needs_its_allocation_in_stock(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled", allocated=10, stock=10)
    as_host(conn, show, "update public.live_stream_sessions set is_rehearsal = true"
                        " where id = %s", show.session_id)
    conn.execute("update public.products set stock_quantity = 4 where id = %s",
                 (show.product_id,))
    with unchanged(conn):
        err = refused(conn, show.host.user_id, "update public.live_stream_sessions"
                      " set is_rehearsal = false where id = %s", (show.session_id,))
    assert_refused(err, "23514", "Allocation of 10 more units exceeds the 4 in stock")


def test_show_figures_wait_in_the_counters_until_the_show_ends(
    conninfo: str, conn: psycopg.Connection,
) -> None:
    """Buyers on two connections: each order counts once per show, on its first item; the
    figures stay in the counters (exact in show_live_stats) and fold into the show row at the
    end, leaving the counters empty."""
    show = build_show(conn, live_price="10.00", allocated=20)
    with conn.cursor() as cur:
        second = f.create_customer(cur)
        other_item = f.create_live_product(cur, show.session_id, show.host.profile_id,
                                           live_price="5.00")
    other_conn = connect(conninfo)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2, other_item: 1})
    rpc(conn, show.customer.user_id, "select public.checkout(%s)", (str(uuid.uuid4()),))
    fill_cart(conn, second.profile_id, live={show.live_product_id: 2})
    rpc(other_conn, second.user_id, "select public.checkout(%s)", (str(uuid.uuid4()),))
    other_conn.close()

    pending = "select sum(c.show_orders), sum(c.show_units), sum(c.show_revenue)" \
              " from private.live_sales c join public.live_products lp" \
              " on lp.id = c.live_product_id where lp.session_id = %s"
    assert conn.execute(pending, (show.session_id,)).fetchone() == (2, 5, Decimal("45.00"))
    assert conn.execute("select total_orders, total_units from public.live_stream_sessions"
                        " where id = %s", (show.session_id,)).fetchone() == (0, 0)
    stats = rpc(conn, show.host.user_id, "select public.show_live_stats(%s)", (show.session_id,))
    assert (stats["orders"], stats["units"], str(stats["revenue"])) == (2, 5, "45.00")
    as_host(conn, show, "select public.end_show(%s)", show.session_id)
    assert conn.execute(pending, (show.session_id,)).fetchone() == (0, 0, Decimal("0.00"))
    assert conn.execute("select total_orders, total_units, total_revenue"
                        " from public.live_stream_sessions where id = %s",
                        (show.session_id,)).fetchone() == (2, 5, Decimal("45.00"))


def test_an_edit_uses_the_counter_not_the_published_row(conn: psycopg.Connection) -> None:
    """Sales not yet published still count: an allocation below them is refused and changes
    nothing; an accepted edit leaves the row with the counter's figures (here: sold out)."""
    show = build_show(conn, live_price="10.00", allocated=10)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 3})
    checkout(conn, show.customer)
    assert one(conn, "select sold_quantity from public.live_products where id = %s",
               (show.live_product_id,)) == 0  # not published yet

    with unchanged(conn):
        err = refused(conn, show.host.user_id, "update public.live_products"
                      " set allocated_quantity = 2 where id = %s", (show.live_product_id,))
    assert_refused(err, "23514", "live_products_sold_within_allocation")
    as_host(conn, show, "update public.live_products set allocated_quantity = 3 where id = %s",
            show.live_product_id)
    assert conn.execute("select sold_quantity, revenue, status from public.live_products"
                        " where id = %s", (show.live_product_id,)).fetchone() == (
                            3, Decimal("30.00"), "sold_out")


def test_a_sold_count_set_directly_becomes_the_counter(conn: psycopg.Connection) -> None:
    """An administrator's correction of sold_quantity is what checkout sells against."""
    show = build_show(conn, allocated=5)
    conn.execute("update public.live_products set sold_quantity = 4 where id = %s",
                 (show.live_product_id,))
    assert one(conn, "select sum(sold) from private.live_sales where live_product_id = %s",
               (show.live_product_id,)) == 4
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2})
    with unchanged(conn):
        err = refused(conn, show.customer.user_id, "select public.checkout(%s)",
                      (str(uuid.uuid4()),))
    assert_refused(err, "23514", "Sold out")
