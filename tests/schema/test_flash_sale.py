"""Flash sales: the server-side price window, its refusals and the price audit trail."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

import factories as f
import psycopg
from test_fn_support import (
    Show,
    assert_refused,
    build_show,
    connect,
    one,
    refused,
    rpc,
    unchanged,
)


def effective(conn: psycopg.Connection, live_id: str) -> Decimal:
    return one(conn, "select public.effective_price(lp) from public.live_products lp"
                     " where lp.id = %s", (live_id,))


def audit(conn: psycopg.Connection, live_id: str) -> list[tuple]:
    return conn.execute(
        "select change_kind, old_price, new_price, changed_by::text from private.price_changes"
        " where live_product_id = %s order by id", (live_id,)).fetchall()


def test_start_and_cancel_a_flash_sale(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="19.99")

    started = rpc(conn, show.host.user_id, "select public.start_flash_sale(%s, %s, %s)",
                  (show.live_product_id, "12.50", 60))

    assert started["flash_price"] == Decimal("12.50")
    window = conn.execute(
        "select extract(epoch from flash_ends_at - flash_starts_at) from public.live_products"
        " where id = %s", (show.live_product_id,)).fetchone()
    assert window == (Decimal("60"),)
    assert effective(conn, show.live_product_id) == Decimal("12.50")
    # Anyone who can read the lineup sees the same price through the computed column.
    assert rpc(conn, None, "select public.effective_price(lp) from public.live_products lp"
                           " where lp.id = %s", (show.live_product_id,), role="anon") == (
        Decimal("12.50"))

    cancelled = rpc(conn, show.host.user_id, "select public.cancel_flash_sale(%s)",
                    (show.live_product_id,))
    assert cancelled["effective_price"] == Decimal("19.99")
    assert effective(conn, show.live_product_id) == Decimal("19.99")
    assert audit(conn, show.live_product_id) == [
        ("flash_start", Decimal("19.99"), Decimal("12.50"), show.host.user_id),
        ("flash_cancel", Decimal("12.50"), Decimal("19.99"), show.host.user_id),
    ]


def test_price_follows_a_window_set_in_the_past_or_future(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="40.00")
    cases = [("-1 second", "+1 minute", Decimal("30.00")),
             ("-1 minute", "-1 second", Decimal("40.00")),
             ("+1 minute", "+2 minutes", Decimal("40.00"))]
    for start, end, expected in cases:
        conn.execute("update public.live_products set flash_price = 30,"
                     " flash_starts_at = now() + %s::interval,"
                     " flash_ends_at = now() + %s::interval where id = %s",
                     (start, end, show.live_product_id))
        assert effective(conn, show.live_product_id) == expected, (start, end)


def test_price_reverts_on_time_with_no_call(fresh_db: Callable[..., str]) -> None:
    conn = connect(fresh_db())
    conn.execute("update private.commerce_settings set min_flash_seconds = 1")
    show = build_show(conn, live_price="19.99")

    rpc(conn, show.host.user_id, "select public.start_flash_sale(%s, 9.99, 1)",
        (show.live_product_id,))
    assert effective(conn, show.live_product_id) == Decimal("9.99")
    ends_at = one(conn, "select flash_ends_at from public.live_products where id = %s",
                  (show.live_product_id,))
    while one(conn, "select clock_timestamp() <= %s", (ends_at,)):
        time.sleep(0.05)

    assert effective(conn, show.live_product_id) == Decimal("19.99")
    # Nothing was written when the price reverted: only the start is in the audit trail.
    assert [r[0] for r in audit(conn, show.live_product_id)] == ["flash_start"]
    conn.close()


def refusal_cases(conn: psycopg.Connection, show: Show) -> list[tuple]:
    with conn.cursor() as cur:
        other_host = f.create_influencer(cur)
        sold_out = f.create_live_product(cur, show.session_id, show.host.profile_id, allocated=1)
    conn.execute("update public.live_products set sold_quantity = 1 where id = %s", (sold_out,))
    ended = build_show(conn, status="ended")
    scheduled = build_show(conn, status="scheduled")
    lp = show.live_product_id
    return [
        ("another host", other_host.user_id, lp, "9.99", 60, "42501", "Only the host"),
        ("a customer", show.customer.user_id, lp, "9.99", 60, "42501", "Only the host"),
        ("price equal to regular", show.host.user_id, lp, "19.99", 60, "22023",
         "flash price must be below the regular live price (19.99)"),
        ("price above regular", show.host.user_id, lp, "25.00", 60, "22023",
         "flash price must be below the regular live price (19.99)"),
        ("negative price", show.host.user_id, lp, "-1.00", 60, "22023", "p_flash_price"),
        ("fractional cents", show.host.user_id, lp, "9.999", 60, "22023", "whole cents"),
        ("zero duration", show.host.user_id, lp, "9.99", 0, "22023",
         "p_duration_seconds must be between 10 and 3600"),
        ("negative duration", show.host.user_id, lp, "9.99", -30, "22023",
         "p_duration_seconds must be between"),
        ("too long", show.host.user_id, lp, "9.99", 3601, "22023",
         "p_duration_seconds must be between"),
        ("ended show", ended.host.user_id, ended.live_product_id, "9.99", 60, "55000",
         "The show is not live (it is ended)"),
        ("scheduled show", scheduled.host.user_id, scheduled.live_product_id, "9.99", 60,
         "55000", "The show is not live (it is scheduled)"),
        ("sold out", show.host.user_id, sold_out, "9.99", 60, "55000", "is sold out"),
    ]


def test_refusals_change_nothing(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="19.99")
    for name, user_id, live_id, price, seconds, sqlstate, message in refusal_cases(conn, show):
        with unchanged(conn):
            err = refused(conn, user_id, "select public.start_flash_sale(%s, %s, %s)",
                          (live_id, price, seconds))
        assert_refused(err, sqlstate, message)
        assert effective(conn, live_id) == one(
            conn, "select live_price from public.live_products where id = %s", (live_id,)), name
    assert audit(conn, show.live_product_id) == []


def test_one_flash_sale_at_a_time(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    rpc(conn, show.host.user_id, "select public.start_flash_sale(%s, 15, 60)",
        (show.live_product_id,))
    with unchanged(conn):
        err = refused(conn, show.host.user_id, "select public.start_flash_sale(%s, 10, 60)",
                      (show.live_product_id,))
    assert_refused(err, "55000", "already running")
    assert effective(conn, show.live_product_id) == Decimal("15.00")


def test_cancel_refusals(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    other = build_show(conn)
    rpc(conn, other.host.user_id, "select public.start_flash_sale(%s, 15, 60)",
        (other.live_product_id,))
    cases = [
        (show.host, show.live_product_id, "55000", "No flash sale is running"),
        (show.host, other.live_product_id, "42501", "Only the host"),
    ]
    for user, live_id, sqlstate, message in cases:
        with unchanged(conn):
            err = refused(conn, user.user_id, "select public.cancel_flash_sale(%s)", (live_id,))
        assert_refused(err, sqlstate, message)


def test_every_price_change_is_audited(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="19.99")
    rpc(conn, show.host.user_id,
        "update public.live_products set live_price = 24.99, compare_at_price = 39.99"
        " where id = %s", (show.live_product_id,))
    rpc(conn, show.host.user_id, "update public.live_products set name = 'Renamed' where id = %s",
        (show.live_product_id,))
    conn.execute("update public.live_products set flash_price = 20, flash_starts_at = now(),"
                 " flash_ends_at = now() + interval '1 minute' where id = %s",
                 (show.live_product_id,))
    conn.execute("update public.live_products set flash_price = 18 where id = %s",
                 (show.live_product_id,))

    assert audit(conn, show.live_product_id) == [
        ("live_price", Decimal("19.99"), Decimal("24.99"), show.host.user_id),
        ("compare_at_price", None, Decimal("39.99"), show.host.user_id),
        ("flash_start", Decimal("24.99"), Decimal("20.00"), None),
        ("flash_update", Decimal("20.00"), Decimal("18.00"), None),
    ]
