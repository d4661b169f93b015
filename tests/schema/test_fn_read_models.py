"""Read models: goal progress, earnings by period and by show, a show's live stats."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factories as f
import psycopg
from test_fn_support import (
    Show,
    assert_refused,
    build_show,
    checkout,
    fill_cart,
    refused,
    rows,
    rpc,
)


def buy(conn: psycopg.Connection, show: Show, qty: int) -> dict:
    with conn.cursor() as cur:
        buyer = f.create_customer(cur)
    fill_cart(conn, buyer.profile_id, live={show.live_product_id: qty})
    return checkout(conn, buyer)


def test_goal_progress_is_computed_from_sales(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", commission_rate="0.2000")
    today = date.today()
    start, end = today - timedelta(days=2), today + timedelta(days=4)
    conn.execute(
        "insert into public.influencer_goals (influencer_id, title, goal_type, period,"
        " period_start, period_end, target_value) values"
        " (%s, 'Revenue', 'revenue', 'weekly', %s, %s, 80),"
        " (%s, 'Orders', 'orders', 'weekly', %s, %s, 2),"
        " (%s, 'Last month', 'units', 'monthly', %s, %s, 5)",
        (show.host.profile_id, start, end) * 2
        + (show.host.profile_id, today - timedelta(days=60), today - timedelta(days=31)))
    buy(conn, show, 3)
    refunded = buy(conn, show, 1)
    rpc(conn, None, "select public.record_payment_event(%s, 'failed')", (refunded["order_id"],),
        role="service_role")
    buy(conn, show, 2)

    progress = rows(conn, show.host.user_id,
                    "select title, period_start, period_end, target_value, current_value,"
                    " percent, achieved from public.goal_progress()")
    assert progress == [
        ("Revenue", start, end, Decimal("80.00"), Decimal("50.00"), Decimal("62.5"), False),
        ("Orders", start, end, Decimal("2.00"), Decimal("2.00"), Decimal("100.0"), True),
    ]
    # Once the show is over, the stored value agrees with the one computed from the sources.
    rpc(conn, show.host.user_id, "select public.end_show(%s)", (show.session_id,))
    assert conn.execute("select current_value from public.influencer_goals"
                        " where influencer_id = %s and goal_type = 'revenue'",
                        (show.host.profile_id,)).fetchone() == (Decimal("50.00"),)
    # Another date picks other periods; another user sees none of these goals.
    assert [r[0] for r in rows(conn, show.host.user_id, "select title from"
                               " public.goal_progress(%s)", (today - timedelta(days=40),))] == [
        "Last month"]
    other = build_show(conn)
    assert rows(conn, other.host.user_id, "select * from public.goal_progress()") == []


def test_earnings_by_period_and_by_show(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", commission_rate="0.1000")
    paid = buy(conn, show, 2)
    buy(conn, show, 3)
    reversed_order = buy(conn, show, 1)
    rpc(conn, None, "select public.record_payment_event(%s, 'paid')", (paid["order_id"],),
        role="service_role")
    rpc(conn, None, "select public.record_payment_event(%s, 'failed')",
        (reversed_order["order_id"],), role="service_role")
    month_start = date.today().replace(day=1)

    by_period = rows(conn, show.host.user_id, "select * from public.earnings_by_period()")
    assert by_period == [(month_start, Decimal("50.00"), Decimal("5.00"), Decimal("3.00"),
                          Decimal("2.00"), Decimal("0"), Decimal("1.00"), 2)]
    weekly = rows(conn, show.host.user_id,
                  "select period_start from public.earnings_by_period('week')")
    assert weekly == [(date.today() - timedelta(days=date.today().weekday()),)]
    assert rows(conn, show.host.user_id, "select * from public.earnings_by_period('month', %s)",
                (date.today() + timedelta(days=1),)) == []

    by_show = rows(conn, show.host.user_id,
                   "select session_id::text, gross_sales, commission, units, order_count"
                   " from public.earnings_by_show()")
    assert by_show == [(show.session_id, Decimal("50.00"), Decimal("5.00"), 5, 2)]
    other = build_show(conn)
    assert rows(conn, other.host.user_id, "select gross_sales from public.earnings_by_show()") == [
        (Decimal("0"),)]


def test_show_live_stats(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=10)
    buy(conn, show, 4)
    rpc(conn, show.host.user_id, "select public.start_flash_sale(%s, 7.50, 120)",
        (show.live_product_id,))
    rpc(conn, show.host.user_id, "select public.feature_live_product(%s, %s)",
        (show.session_id, show.live_product_id))
    with conn.cursor() as cur:
        viewer = f.create_customer(cur)
        admin = f.create_admin(cur)
        other_host = f.create_influencer(cur)
    rpc(conn, viewer.user_id, "insert into public.live_stream_viewers (session_id, user_id)"
                              " values (%s, %s)", (show.session_id, viewer.user_id))

    stats = rpc(conn, show.host.user_id, "select public.show_live_stats(%s)", (show.session_id,))

    assert stats["status"] == "live"
    assert stats["viewers"] == {"current": 1, "peak": 1, "unique": 1}
    assert (stats["orders"], stats["units"], stats["revenue"]) == (1, 4, Decimal("40.00"))
    assert stats["featured_live_product_id"] == show.live_product_id
    assert stats["flash_sale"]["live_product_id"] == show.live_product_id
    assert stats["flash_sale"]["flash_price"] == Decimal("7.50")
    [product] = stats["products"]
    assert (product["units"], product["remaining"], product["revenue"],
            product["effective_price"]) == (4, 6, Decimal("40.00"), Decimal("7.50"))
    assert rpc(conn, admin.user_id, "select public.show_live_stats(%s)",
               (show.session_id,))["orders"] == 1
    for intruder in (other_host, viewer):
        err = refused(conn, intruder.user_id, "select public.show_live_stats(%s)",
                      (show.session_id,))
        assert_refused(err, "42501", "Only the host of this show")
