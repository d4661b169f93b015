"""Co-hosts read a show's live figures (show_live_stats, show_figures) as its host does, and
only while invited; other hosts are still refused."""

from __future__ import annotations

import psycopg
from test_fn_support import checkout, fill_cart, refused, rpc
from test_video_rooms import INVITE, REMOVE, cast

STATS = "select public.show_live_stats(%s)"
FIGURES = "select public.show_figures(%s)"


def test_a_cohost_reads_the_live_figures_the_host_reads(conn: psycopg.Connection) -> None:
    c = cast(conn)
    fill_cart(conn, c.customer.profile_id, live={c.live_product_id: 2})
    checkout(conn, c.customer)
    rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))

    host_stats = rpc(conn, c.host.user_id, STATS, (c.session_id,))
    cohost_stats = rpc(conn, c.cohost.user_id, STATS, (c.session_id,))
    for key in ("orders", "units", "revenue", "products", "viewers"):
        assert cohost_stats[key] == host_stats[key], key
    assert cohost_stats["units"] == 2
    cohost_figures = rpc(conn, c.cohost.user_id, FIGURES, (c.session_id,))
    assert (cohost_figures["buyers"], cohost_figures["orders"]) == (1, 1)
    # Counts only: nothing names a buyer.
    assert str(c.customer.profile_id) not in str(cohost_figures)
    assert str(c.customer.user_id) not in str(cohost_figures)


def test_other_hosts_and_former_cohosts_are_refused(conn: psycopg.Connection) -> None:
    c = cast(conn)
    for query in (STATS, FIGURES):
        err = refused(conn, c.cohost.user_id, query, (c.session_id,))
        assert err.sqlstate == "42501" and "co-hosts" in str(err), query
        err = refused(conn, c.stranger.user_id, query, (c.session_id,))
        assert err.sqlstate == "42501", query
        err = refused(conn, c.customer.user_id, query, (c.session_id,))
        assert err.sqlstate == "42501", query

    rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    rpc(conn, c.cohost.user_id, STATS, (c.session_id,))
    rpc(conn, c.host.user_id, REMOVE, (c.session_id, c.cohost.profile_id))
    for query in (STATS, FIGURES):
        err = refused(conn, c.cohost.user_id, query, (c.session_id,))
        assert err.sqlstate == "42501", query


def test_a_cohost_of_one_show_reads_no_other_show(conn: psycopg.Connection) -> None:
    first, second = cast(conn), cast(conn)
    rpc(conn, first.host.user_id, INVITE, (first.session_id, first.cohost.profile_id))
    rpc(conn, first.cohost.user_id, STATS, (first.session_id,))
    for query in (STATS, FIGURES):
        err = refused(conn, first.cohost.user_id, query, (second.session_id,))
        assert err.sqlstate == "42501", query
