"""Deletions feed (A6): every delete leaves an id-only tombstone that signed-in clients pull."""

from __future__ import annotations

import factories as f
import psycopg
from test_fn_support import assert_refused, build_show, one, refused, rows, rpc
from test_sync_protocol_support import horizon

TOMBSTONE_COLUMNS = ["id", "table_name", "row_id", "change_xid", "deleted_at"]


def _tombstones(conn: psycopg.Connection, user_id: str, since: int) -> set[tuple[str, str]]:
    """The feed as a client pulls it: (table, id) of tombstones with change_xid >= cursor."""
    return {(t, r) for t, r in rows(
        conn, user_id, "select table_name, row_id::text from public.sync_tombstones"
                       " where change_xid >= %s order by change_xid, id", (since,))}


def test_the_feed_holds_ids_only(conn: psycopg.Connection) -> None:
    got = [r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = 'public'"
        " and table_name = 'sync_tombstones' order by ordinal_position").fetchall()]
    assert got == TOMBSTONE_COLUMNS


def test_a_delete_reaches_the_next_pull(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    cursor = horizon(conn, show.customer.user_id)
    rpc(conn, show.host.user_id, "delete from public.live_products where id = %s",
        (show.live_product_id,))

    # Any signed-in user's pull carries it (the customer had it in a cached public lineup).
    assert _tombstones(conn, show.customer.user_id, cursor) == {
        ("live_products", show.live_product_id)}
    stamped = one(conn, "select change_xid from public.sync_tombstones where row_id = %s",
                  (show.live_product_id,))
    assert stamped >= cursor
    later = horizon(conn, show.customer.user_id)
    assert _tombstones(conn, show.customer.user_id, later) == set()


def test_cascades_leave_tombstones_too(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    with conn.cursor() as cur:
        second = f.create_live_product(cur, show.session_id, show.host.profile_id)
    cursor = horizon(conn, show.host.user_id)
    rpc(conn, show.host.user_id, "delete from public.live_stream_sessions where id = %s",
        (show.session_id,))
    assert _tombstones(conn, show.host.user_id, cursor) == {
        ("live_stream_sessions", show.session_id), ("live_products", show.live_product_id),
        ("live_products", second)}


def test_anon_cannot_read_the_feed_and_nobody_writes_it(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    rpc(conn, show.host.user_id, "delete from public.live_products where id = %s",
        (show.live_product_id,))
    err = refused(conn, None, "select row_id from public.sync_tombstones", role="anon")
    assert err.sqlstate == "42501"
    for role, user in (("authenticated", show.host.user_id), ("service_role", None),
                       ("anon", None)):
        err = refused(conn, user, "insert into public.sync_tombstones (table_name, row_id,"
                                  " change_xid) values ('products', gen_random_uuid(), 1)",
                      role=role)
        assert err.sqlstate == "42501", role
        err = refused(conn, user, "delete from public.sync_tombstones", role=role)
        assert err.sqlstate == "42501", role
    assert one(conn, "select count(*) from public.sync_tombstones where row_id = %s",
               (show.live_product_id,)) == 1


def test_pruning_moves_the_floor(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    assert rpc(conn, show.host.user_id, "select public.sync_tombstone_floor()") is None
    conn.execute("insert into public.sync_tombstones (table_name, row_id, change_xid, deleted_at)"
                 " overriding system value"
                 " select 'products', gen_random_uuid(), x, now() - interval '40 days'"
                 " from generate_series(1001, 1003) x")
    rpc(conn, show.host.user_id, "delete from public.live_products where id = %s",
        (show.live_product_id,))
    total = one(conn, "select count(*) from public.sync_tombstones")

    pruned = rpc(conn, None, "select private.prune_sync_tombstones()", role="service_role")

    assert pruned == 3
    assert one(conn, "select count(*) from public.sync_tombstones") == total - 3
    # A client whose cursor is at or below the last pruned deletion must reconcile in full.
    assert rpc(conn, show.host.user_id, "select public.sync_tombstone_floor()") == 1004
    err = refused(conn, None, "select public.sync_tombstone_floor()", role="anon")
    assert err.sqlstate == "42501"
    err = refused(conn, show.host.user_id, "select private.prune_sync_tombstones()")
    assert err.sqlstate == "42501"
    err = refused(conn, None, "select private.prune_sync_tombstones(interval '-1 day')",
                  role="service_role")
    assert_refused(err, "22023", "p_keep")
