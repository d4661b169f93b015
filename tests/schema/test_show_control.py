"""Show control: start/end transitions, featuring, session codes and lineup rules."""

from __future__ import annotations

import re

import factories as f
import psycopg
import pytest
from test_fn_support import (
    assert_refused,
    build_show,
    one,
    refused,
    rpc,
    unchanged,
)

CODE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$")


def test_start_then_end_a_show(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")

    started = rpc(conn, show.host.user_id, "select public.start_show(%s)", (show.session_id,))
    assert started["status"] == "live"
    assert started["actual_start"] is not None
    assert one(conn, "select status from public.live_stream_sessions where id = %s",
               (show.session_id,)) == "live"

    ended = rpc(conn, show.host.user_id, "select public.end_show(%s)", (show.session_id,))
    assert ended["status"] == "ended"
    row = conn.execute(
        "select status, actual_start is not null, actual_end >= actual_start"
        " from public.live_stream_sessions where id = %s", (show.session_id,)).fetchone()
    assert row == ("ended", True, True)
    assert one(conn, "select total_shows from public.influencers where id = %s",
               (show.host.profile_id,)) == 1


@pytest.mark.parametrize(("status", "call", "message"), [
    ("live", "start_show", "already live"),
    ("ended", "start_show", "already ended"),
    ("cancelled", "start_show", "already cancelled"),
    ("scheduled", "end_show", "it is scheduled"),
    ("ended", "end_show", "it is ended"),
])
def test_invalid_transitions_are_refused(
    conn: psycopg.Connection, status: str, call: str, message: str,
) -> None:
    show = build_show(conn, status="scheduled" if status == "cancelled" else status)
    if status == "cancelled":
        conn.execute("update public.live_stream_sessions set status = 'cancelled' where id = %s",
                     (show.session_id,))
    with unchanged(conn):
        err = refused(conn, show.host.user_id, f"select public.{call}(%s)", (show.session_id,))
    assert_refused(err, "55000", message)


@pytest.mark.parametrize("call", ["start_show", "end_show"])
def test_only_the_host_or_an_admin_controls_a_show(conn: psycopg.Connection, call: str) -> None:
    show = build_show(conn, status="scheduled" if call == "start_show" else "live")
    with conn.cursor() as cur:
        other_host = f.create_influencer(cur)
        admin = f.create_admin(cur)
    for intruder in (other_host, show.customer, show.wholesaler):
        with unchanged(conn):
            err = refused(conn, intruder.user_id, f"select public.{call}(%s)", (show.session_id,))
        assert_refused(err, "42501", "Only the host of this show")

    result = rpc(conn, admin.user_id, f"select public.{call}(%s)", (show.session_id,))
    assert result["status"] == ("live" if call == "start_show" else "ended")


def test_direct_status_updates_follow_the_lifecycle(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="ended")
    with unchanged(conn):
        err = refused(conn, None,
                      "update public.live_stream_sessions set status = 'live' where id = %s",
                      (show.session_id,), role="service_role")
    assert_refused(err, "55000", "A show that is ended cannot become live")


def test_ending_a_show_closes_viewers_and_flash_sales(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="live")
    viewers = []
    with conn.cursor() as cur:
        for _ in range(3):
            viewers.append(f.create_customer(cur))
    for v in viewers:
        rpc(conn, v.user_id, "insert into public.live_stream_viewers (session_id, user_id)"
                             " values (%s, %s)", (show.session_id, v.user_id))
    rpc(conn, show.host.user_id, "select public.start_flash_sale(%s, 9.99, 60)",
        (show.live_product_id,))

    rpc(conn, show.host.user_id, "select public.end_show(%s)", (show.session_id,))

    assert one(conn, "select current_viewers from public.live_stream_sessions where id = %s",
               (show.session_id,)) == 0
    assert one(conn, "select count(*) from public.live_stream_viewers where session_id = %s"
                     " and left_at is null", (show.session_id,)) == 0
    price = conn.execute(
        "select public.effective_price(lp), lp.flash_ends_at <= now()"
        " from public.live_products lp where id = %s", (show.live_product_id,)).fetchone()
    assert price == (f.money("19.99"), True)
    kinds = [r[0] for r in conn.execute(
        "select change_kind from private.price_changes where live_product_id = %s order by id",
        (show.live_product_id,))]
    assert kinds == ["flash_start", "flash_cancel"]


def test_feature_and_unfeature_a_product(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    result = rpc(conn, show.host.user_id, "select public.feature_live_product(%s, %s)",
                 (show.session_id, show.live_product_id))
    assert result["featured_live_product_id"] == show.live_product_id
    row = conn.execute(
        "select s.featured_live_product_id::text, lp.featured_at is not null"
        " from public.live_stream_sessions s join public.live_products lp"
        " on lp.id = s.featured_live_product_id where s.id = %s", (show.session_id,)).fetchone()
    assert row == (show.live_product_id, True)

    rpc(conn, show.host.user_id, "select public.feature_live_product(%s, null)",
        (show.session_id,))
    assert one(conn, "select featured_live_product_id from public.live_stream_sessions"
                     " where id = %s", (show.session_id,)) is None


def test_feature_refusals(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    other = build_show(conn)
    scheduled = build_show(conn, status="scheduled")
    with conn.cursor() as cur:
        hidden = f.create_live_product(cur, show.session_id, show.host.profile_id)
    conn.execute("update public.live_products set status = 'hidden' where id = %s", (hidden,))
    cases = [
        (show.host, show.session_id, other.live_product_id, "22023", "belongs to another show"),
        (other.host, show.session_id, show.live_product_id, "42501", "Only the host"),
        (show.host, show.session_id, hidden, "55000", "is hidden and cannot be featured"),
        (scheduled.host, scheduled.session_id, scheduled.live_product_id, "55000",
         "The show is not live"),
    ]
    for user, session_id, live_id, sqlstate, message in cases:
        with unchanged(conn):
            err = refused(conn, user.user_id, "select public.feature_live_product(%s, %s)",
                          (session_id, live_id))
        assert_refused(err, sqlstate, message)


def test_session_codes_are_unambiguous_and_unique(conn: psycopg.Connection) -> None:
    with conn.cursor() as cur:
        host = f.create_influencer(cur)
        ids = [f.create_session(cur, host.profile_id) for _ in range(200)]
    codes = [r[0] for r in conn.execute(
        "select session_code from public.live_stream_sessions where id = any(%s::uuid[])",
        (ids,))]
    assert len(codes) == 200 == len(set(codes))
    assert all(CODE.match(c) for c in codes)


def test_a_live_product_belongs_to_its_shows_host(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    with conn.cursor() as cur:
        other = f.create_influencer(cur)
    with unchanged(conn), pytest.raises(psycopg.Error) as caught:
        conn.execute("insert into public.live_products (session_id, influencer_id, name,"
                     " live_price, allocated_quantity) values (%s, %s, 'x', 5, 1)",
                     (show.session_id, other.profile_id))
    assert_refused(caught.value, "42501", "belongs to the host of its show")


def test_allocation_cannot_exceed_wholesale_stock(conn: psycopg.Connection) -> None:
    show = build_show(conn, stock=12, allocated=10)
    with unchanged(conn):
        err = refused(conn, show.host.user_id,
                      "update public.live_products set allocated_quantity = 15 where id = %s",
                      (show.live_product_id,))
    # The 10 allocated units left wholesale stock when they were allocated: 2 are left.
    assert_refused(err, "23514", "Allocation of 5 more units exceeds the 2 in stock")
    rpc(conn, show.host.user_id,
        "update public.live_products set allocated_quantity = 12 where id = %s",
        (show.live_product_id,))
    assert one(conn, "select allocated_quantity from public.live_products where id = %s",
               (show.live_product_id,)) == 12


def test_inactive_source_product_cannot_go_live(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    conn.execute("update public.products set is_live_eligible = false where id = %s",
                 (show.product_id,))
    with unchanged(conn):
        err = refused(conn, show.host.user_id,
                      "insert into public.live_products (session_id, influencer_id, product_id,"
                      " name, live_price, allocated_quantity) values (%s, %s, %s, 'x', 5, 1)",
                      (show.session_id, show.host.profile_id, show.product_id))
    assert_refused(err, "55000", "is not available for live selling")


def test_lineup_is_frozen_after_the_show_but_metrics_still_move(
    conn: psycopg.Connection,
) -> None:
    show = build_show(conn, status="ended", allocated=5)
    with conn.cursor() as cur:
        admin = f.create_admin(cur)
    for change in ("name = 'Renamed'", "live_price = 1.00", "allocated_quantity = 4",
                   "position = 9", "status = 'hidden'"):
        with unchanged(conn):
            err = refused(conn, admin.user_id,
                          f"update public.live_products set {change} where id = %s",
                          (show.live_product_id,))
        assert_refused(err, "55000", "cannot change")
    # System metric updates (sales, refunds) still apply; status follows the stock.
    conn.execute("update public.live_products set sold_quantity = 5 where id = %s",
                 (show.live_product_id,))
    assert one(conn, "select status from public.live_products where id = %s",
               (show.live_product_id,)) == "sold_out"
    conn.execute("update public.live_products set sold_quantity = 3 where id = %s",
                 (show.live_product_id,))
    assert one(conn, "select status from public.live_products where id = %s",
               (show.live_product_id,)) == "active"
