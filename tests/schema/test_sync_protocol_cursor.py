"""Sync cursor (issue 6 A3): change_xid follows commit order, sync_horizon() never skips a row."""

from __future__ import annotations

import factories as f
import psycopg
import pytest
from test_fn_support import build_show, checkout, connect, fill_cart, one, rows, rpc
from test_sync_protocol_support import horizon, pull

from studio.server.request_context import as_role

SYNCED_TABLES = (
    "customers", "wholesalers", "influencers", "admin_users", "categories", "products",
    "live_products", "cart", "orders", "order_items", "queries", "live_stream_sessions",
    "live_stream_viewers", "live_stream_chat", "influencer_achievements", "influencer_goals",
    "influencer_earnings", "influencer_notifications",
)


@pytest.mark.parametrize("table", SYNCED_TABLES)
def test_every_synced_table_has_an_indexed_change_xid(conn: psycopg.Connection,
                                                      table: str) -> None:
    nullable = one(conn, "select is_nullable from information_schema.columns"
                         " where table_schema = 'public' and table_name = %s"
                         " and column_name = 'change_xid'", (table,))
    assert nullable == "NO"
    indexed = one(conn, "select count(*) from pg_index i"
                        " where i.indrelid = %s::regclass"
                        " and i.indkey::text = (select string_agg(a.attnum::text, ' ')"
                        "   from unnest(array['change_xid', 'id']) with ordinality c(name, n)"
                        "   join pg_attribute a on a.attrelid = i.indrelid and a.attname = c.name)",
                  (f"public.{table}",))
    assert indexed == 1
    triggers = one(conn, "select count(*) from pg_trigger where tgrelid = %s::regclass"
                         " and tgname = 'set_change_xid'", (f"public.{table}",))
    assert triggers == 1


def test_change_xid_is_the_writing_transaction(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("update public.live_products set live_price = 18.00 where id = %s",
                    (show.live_product_id,))
        cur.execute("select pg_current_xact_id()::text::bigint,"
                    " (select change_xid from public.live_products where id = %s)",
                    (show.live_product_id,))
        xid, stamped = cur.fetchone()
    assert stamped == xid
    # A client cannot choose it: the trigger overwrites whatever is sent.
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("update public.live_products set change_xid = 1 where id = %s"
                    " returning change_xid, pg_current_xact_id()::text::bigint",
                    (show.live_product_id,))
        stamped, xid = cur.fetchone()
    assert stamped == xid


def test_a_sale_reaches_the_hosts_next_pull(conn: psycopg.Connection) -> None:
    """Rows written by checkout (a SECURITY DEFINER function) are stamped like any other: the
    order lines at once, the live product's figures once the control room's poll publishes them
    from the sales counter (checkout leaves the hot row alone)."""
    show = build_show(conn, status="live")
    _, cursor = pull(conn, show.host.user_id, "live_products", None)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 1})
    order = checkout(conn, show.customer)

    seen, _ = pull(conn, show.host.user_id, "order_items", cursor)
    assert {str(i["id"]) for i in order["items"]} <= seen
    rpc(conn, show.host.user_id, "select public.show_live_stats(%s)", (show.session_id,))
    seen, _ = pull(conn, show.host.user_id, "live_products", cursor)
    assert show.live_product_id in seen


def test_horizon_is_open_to_anon_and_the_cursor_readable_where_the_row_is(
    conn: psycopg.Connection,
) -> None:
    show = build_show(conn, status="scheduled")
    assert horizon(conn, None, role="anon") > 0
    # Column-granted tables: anon reads products and shows without their private columns.
    for table, row_id in (("products", show.product_id), ("live_stream_sessions", show.session_id),
                          ("live_products", show.live_product_id)):
        got = rows(conn, None, f"select change_xid from public.{table} where id = %s", (row_id,),
                   role="anon")
        assert got and got[0][0] > 0


def test_a_transaction_held_open_is_pulled_when_it_commits(conninfo: str,
                                                         conn: psycopg.Connection) -> None:
    """The studio's pull with a real long transaction: nothing is skipped, whatever its stamps."""
    with conn.cursor() as cur:
        supplier = f.create_wholesaler(cur)
    _, cursor = pull(conn, supplier.user_id, "products", None)

    slow = connect(conninfo)
    try:
        with slow.transaction():
            # An import that started first and is still running: its row is written, not committed.
            as_role(slow, "authenticated", supplier.user_id)
            late_id = str(slow.execute(
                "insert into public.products (wholesaler_id, sku, name, wholesale_price,"
                " retail_price) values (%s, 'LATE-1', 'Late import', 5, 9) returning id",
                (supplier.profile_id,)).fetchone()[0])
            slow_xid = int(slow.execute("select pg_current_xact_id()::text::bigint").fetchone()[0])

            # Meanwhile other rows commit, and the studio pulls (twice, to move its cursor on).
            with conn.cursor() as cur:
                quick_id = f.create_product(cur, supplier.profile_id)
            seen, cursor = pull(conn, supplier.user_id, "products", cursor)
            assert quick_id in seen and late_id not in seen
            seen, cursor = pull(conn, supplier.user_id, "products", cursor)
            assert cursor <= slow_xid, "the horizon passed a transaction that has not finished"

            # The late row carries an older wall-clock stamp than rows already pulled: a cursor
            # on updated_at would step over it for good.
            late_stamp = slow.execute("select updated_at from public.products where id = %s",
                                      (late_id,)).fetchone()[0]
            quick_stamp = one(conn, "select updated_at from public.products where id = %s",
                              (quick_id,))
            assert late_stamp < quick_stamp
        # Committed now. The next pull from the saved cursor returns it.
        seen, after = pull(conn, supplier.user_id, "products", cursor)
        assert late_id in seen
        assert after > slow_xid
        seen, _ = pull(conn, supplier.user_id, "products", after)
        assert late_id not in seen
    finally:
        slow.close()


def test_a_rolled_back_transaction_leaves_nothing_to_pull(conninfo: str,
                                                          conn: psycopg.Connection) -> None:
    with conn.cursor() as cur:
        supplier = f.create_wholesaler(cur)
    _, cursor = pull(conn, supplier.user_id, "products", None)
    other = connect(conninfo)
    try:
        other.execute("begin")
        with other.cursor() as cur:
            f.create_product(cur, supplier.profile_id)
        other.execute("rollback")
    finally:
        other.close()
    seen, later = pull(conn, supplier.user_id, "products", cursor)
    assert seen == set()
    assert later >= cursor
