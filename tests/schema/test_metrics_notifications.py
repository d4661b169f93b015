"""Live metrics (viewers, orders), goals, achievements and the host's notifications."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import factories as f
import psycopg
import pytest
from test_fn_support import (
    Show,
    build_show,
    checkout,
    concurrently,
    connect,
    fill_cart,
    one,
    rpc,
    unchanged,
)
from test_fn_support import (
    rows as rpc_rows,
)

from studio.server.request_context import request_transaction


def viewers(conn: psycopg.Connection, session_id: str) -> tuple[int, int, int]:
    return conn.execute("select current_viewers, peak_viewers, unique_viewers"
                        " from public.live_stream_sessions where id = %s",
                        (session_id,)).fetchone()


def join(conn: psycopg.Connection, user: f.Account, session_id: str) -> None:
    rpc(conn, user.user_id, "insert into public.live_stream_viewers (session_id, user_id)"
                            " values (%s, %s)", (session_id, user.user_id))


def leave(conn: psycopg.Connection, user: f.Account, session_id: str) -> None:
    rpc(conn, user.user_id, "update public.live_stream_viewers set left_at = now()"
                            " where session_id = %s and user_id = %s and left_at is null",
        (session_id, user.user_id))


def notifications(conn: psycopg.Connection, host: f.Account, kind: str) -> list[tuple]:
    return conn.execute("select title, data from public.influencer_notifications"
                        " where influencer_id = %s and type = %s order by created_at, title",
                        (host.profile_id, kind)).fetchall()


def test_viewers_joining_and_leaving_move_the_counts(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    with conn.cursor() as cur:
        a, b, c, d = (f.create_customer(cur) for _ in range(4))

    for v in (a, b, c):
        join(conn, v, show.session_id)
    assert viewers(conn, show.session_id) == (3, 3, 3)
    leave(conn, a, show.session_id)
    assert viewers(conn, show.session_id) == (2, 3, 3)
    join(conn, a, show.session_id)  # a returning viewer is not a new unique viewer
    assert viewers(conn, show.session_id) == (3, 3, 3)
    join(conn, d, show.session_id)
    assert viewers(conn, show.session_id) == (4, 4, 4)
    for v in (a, b):
        leave(conn, v, show.session_id)
    assert viewers(conn, show.session_id) == (2, 4, 4)


def test_a_burst_of_joins_in_one_statement(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    conn.execute(
        "insert into public.live_stream_viewers (session_id, hms_peer_id, left_at)"
        " select %s, 'peer-' || n, case when n %% 5 = 0 then now() end"
        " from generate_series(1, 50) n", (show.session_id,))
    assert viewers(conn, show.session_id) == (40, 40, 50)
    conn.execute("delete from public.live_stream_viewers where session_id = %s"
                 " and hms_peer_id in ('peer-1', 'peer-2', 'peer-5')", (show.session_id,))
    assert viewers(conn, show.session_id) == (38, 40, 50)


def test_concurrent_joins_count_every_viewer(conninfo: str, conn: psycopg.Connection) -> None:
    show = build_show(conn)
    with conn.cursor() as cur:
        crowd = [f.create_customer(cur) for _ in range(40)]

    results = concurrently(conninfo, [
        lambda c, v=v: join(c, v, show.session_id) for v in crowd])

    assert not [r for r in results if isinstance(r, Exception)]
    assert viewers(conn, show.session_id) == (40, 40, 40)


def build_show_for(conn: psycopg.Connection, show: Show, allocated: int) -> Show:
    """Another live show of the same host, selling the same wholesale product."""
    with conn.cursor() as cur:
        session_id = f.create_session(cur, show.host.profile_id, "live")
        live_id = f.create_live_product(cur, session_id, show.host.profile_id,
                                        product_id=show.product_id, live_price="10.00",
                                        allocated=allocated)
    return Show(show.host, show.wholesaler, show.customer, session_id, show.product_id, live_id)


def order(conn: psycopg.Connection, show: Show, qty: int, buyer: f.Account | None = None) -> dict:
    buyer = buyer or show.customer
    fill_cart(conn, buyer.profile_id, live={show.live_product_id: qty})
    return checkout(conn, buyer)


def live_totals(conn: psycopg.Connection, show: Show) -> tuple[int, int, Decimal]:
    """The show's orders, units and revenue as the control room reads them (show_live_stats)."""
    stats = rpc(conn, show.host.user_id, "select public.show_live_stats(%s)", (show.session_id,))
    return stats["orders"], stats["units"], stats["revenue"]


def row_totals(conn: psycopg.Connection, show: Show) -> tuple[int, int, Decimal]:
    return conn.execute("select total_orders, total_units, total_revenue"
                        " from public.live_stream_sessions where id = %s",
                        (show.session_id,)).fetchone()


def end(conn: psycopg.Connection, show: Show) -> None:
    rpc(conn, show.host.user_id, "select public.end_show(%s)", (show.session_id,))


def test_orders_move_show_product_and_host_metrics(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=10)
    with conn.cursor() as cur:
        second_item = f.create_live_product(cur, show.session_id, show.host.profile_id,
                                            live_price="5.00")
        other_buyer = f.create_customer(cur)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2, second_item: 3})
    checkout(conn, show.customer)
    order(conn, show, 1, other_buyer)

    # During the show the figures are exact in show_live_stats; the show and host rows, which
    # every buyer would otherwise queue on, are not written by a sale.
    assert live_totals(conn, show) == (2, 6, Decimal("45.00"))
    assert row_totals(conn, show) == (0, 0, Decimal("0.00"))
    revenue = dict(conn.execute("select id::text, revenue from public.live_products"
                                " where session_id = %s", (show.session_id,)).fetchall())
    assert revenue == {show.live_product_id: Decimal("30.00"), second_item: Decimal("15.00")}

    end(conn, show)
    assert row_totals(conn, show) == (2, 6, Decimal("45.00"))
    assert live_totals(conn, show) == (2, 6, Decimal("45.00"))
    assert one(conn, "select total_sales from public.influencers where id = %s",
               (show.host.profile_id,)) == Decimal("45.00")


def test_host_is_told_about_orders_and_sell_outs(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=3)
    result = order(conn, show, 2)
    assert notifications(conn, show.host, "sold_out") == []
    [(title, data)] = notifications(conn, show.host, "order")
    name = one(conn, "select name from public.live_products where id = %s",
               (show.live_product_id,))
    assert title == f"New order: 2 x {name}"
    assert data["session_id"] == show.session_id
    assert data["order_id"] == result["order_id"]
    assert data["order_item_ids"] == [result["items"][0]["id"]]
    assert data["amount"] == Decimal("20.00")
    # The notification never carries the customer's personal data.
    assert show.customer.email not in str(data)

    with conn.cursor() as cur:
        last_buyer = f.create_customer(cur)
    order(conn, show, 1, last_buyer)
    [(title, data)] = notifications(conn, show.host, "sold_out")
    assert title == f"Sold out: {name}"
    assert data["live_product_id"] == show.live_product_id
    assert len(notifications(conn, show.host, "order")) == 2


def test_goal_reached_is_marked_and_notified(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00")
    today = date.today()
    conn.execute(
        "insert into public.influencer_goals (influencer_id, title, goal_type, period,"
        " period_start, period_end, target_value) values (%s, 'Weekly revenue', 'revenue',"
        " 'weekly', %s, %s, 25), (%s, 'Weekly units', 'units', 'weekly', %s, %s, 100)",
        (show.host.profile_id, today - timedelta(days=today.weekday()),
         today - timedelta(days=today.weekday()) + timedelta(days=6)) * 2)
    order(conn, show, 2)
    with conn.cursor() as cur:
        buyer = f.create_customer(cur)
    order(conn, show, 1, buyer)
    # Reached during the show (goal_progress() says so at once); stored and reported when the
    # show ends, so no sale waits on the host's goal rows.
    assert [r[:2] for r in rpc_rows(conn, show.host.user_id,
                                    "select current_value, achieved from public.goal_progress()"
                                    " where goal_type = 'revenue'")] == [(Decimal("30.00"), True)]
    assert notifications(conn, show.host, "goal_reached") == []

    end(conn, show)
    goal = conn.execute("select current_value, status, achieved_at is not null"
                        " from public.influencer_goals where influencer_id = %s"
                        " and goal_type = 'revenue'", (show.host.profile_id,)).fetchone()
    assert goal == (Decimal("30.00"), "achieved", True)
    [(title, data)] = notifications(conn, show.host, "goal_reached")
    assert title == "Goal reached: Weekly revenue"
    assert data["target_value"] == Decimal("25.00")
    assert one(conn, "select current_value from public.influencer_goals where influencer_id = %s"
                     " and goal_type = 'units'", (show.host.profile_id,)) == Decimal("3.00")


def test_a_new_goal_starts_from_what_already_happened(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00")
    order(conn, show, 4)
    today = date.today()
    rpc(conn, show.host.user_id,
        "insert into public.influencer_goals (influencer_id, title, goal_type, period,"
        " period_start, period_end, target_value) values (%s, 'Units', 'units', 'monthly',"
        " %s, %s, 10)", (show.host.profile_id, today.replace(day=1), today + timedelta(days=1)))
    assert one(conn, "select current_value from public.influencer_goals where influencer_id = %s",
               (show.host.profile_id,)) == Decimal("4.00")


def test_achievements_unlock_and_notify(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=200, stock=500)
    keys = [r[0] for r in conn.execute(
        "select achievement_key from public.influencer_achievements where influencer_id = %s"
        " and unlocked_at is null order by 1", (show.host.profile_id,))]
    assert keys == ["first_sale", "peak_viewers_1k", "revenue_10k", "revenue_1k", "sales_100",
                    "shows_10"]

    order(conn, show, 1)
    end(conn, show)  # achievements catch up with the show's sales when it ends
    progress = dict(conn.execute(
        "select achievement_key, progress from public.influencer_achievements"
        " where influencer_id = %s", (show.host.profile_id,)).fetchall())
    assert progress["first_sale"] == Decimal("1.00")
    assert progress["sales_100"] == Decimal("1.00")
    assert progress["revenue_1k"] == Decimal("10.00")
    assert one(conn, "select unlocked_at is not null from public.influencer_achievements"
                     " where influencer_id = %s and achievement_key = 'first_sale'",
               (show.host.profile_id,)) is True
    [(title, data)] = notifications(conn, show.host, "achievement")
    assert title == "Achievement unlocked: First sale"
    assert data["achievement_key"] == "first_sale"

    second = build_show_for(conn, show, allocated=200)
    with conn.cursor() as cur:
        bulk_buyer = f.create_customer(cur)
    order(conn, second, 99, bulk_buyer)
    end(conn, second)
    unlocked = {r[0] for r in conn.execute(
        "select achievement_key from public.influencer_achievements where influencer_id = %s"
        " and unlocked_at is not null", (show.host.profile_id,))}
    assert unlocked == {"first_sale", "sales_100", "revenue_1k"}
    assert len(notifications(conn, show.host, "achievement")) == 3


def test_viewer_and_show_goals_and_peak_achievement(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    today = date.today()
    conn.execute(
        "insert into public.influencer_goals (influencer_id, title, goal_type, period,"
        " period_start, period_end, target_value) values"
        " (%s, 'Viewers', 'viewers', 'weekly', %s, %s, 100),"
        " (%s, 'Shows', 'shows', 'weekly', %s, %s, 3)",
        (show.host.profile_id, today - timedelta(days=1), today + timedelta(days=5)) * 2)
    conn.execute(
        "insert into public.live_stream_viewers (session_id, hms_peer_id)"
        " select %s, 'peer-' || n from generate_series(1, 7) n", (show.session_id,))
    rpc(conn, show.host.user_id, "select public.end_show(%s)", (show.session_id,))

    goals = dict(conn.execute("select goal_type::text, current_value from public.influencer_goals"
                              " where influencer_id = %s", (show.host.profile_id,)).fetchall())
    assert goals == {"viewers": Decimal("7.00"), "shows": Decimal("1.00")}
    achievements = dict(conn.execute(
        "select achievement_key, progress from public.influencer_achievements"
        " where influencer_id = %s and achievement_key in ('peak_viewers_1k', 'shows_10')",
        (show.host.profile_id,)).fetchall())
    assert achievements == {"peak_viewers_1k": Decimal("7.00"), "shows_10": Decimal("1.00")}


def test_lines_written_outside_checkout_move_the_figures_too(conn: psycopg.Connection) -> None:
    """checkout() records its own sales; lines written any other way (seed, imports) go through
    the insert trigger, even later in the same transaction as a checkout."""
    show = build_show(conn, live_price="10.00")
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 1})
    with request_transaction(conn, "authenticated", show.customer.user_id) as cur:
        cur.execute("select public.checkout(%s)", (str(uuid.uuid4()),))
        order_id = cur.fetchone()[0]["order_id"]
        cur.execute("reset role")
        cur.execute(
            "insert into public.order_items (order_id, live_product_id, session_id, influencer_id,"
            " wholesaler_id, product_name, list_unit_price, unit_price, quantity, line_total)"
            " values (%s, %s, %s, %s, %s, 'Added by hand', 10.00, 10.00, 2, 20.00)",
            (order_id, show.live_product_id, show.session_id, show.host.profile_id,
             show.wholesaler.profile_id))

    assert live_totals(conn, show) == (2, 3, Decimal("30.00"))
    end(conn, show)
    assert row_totals(conn, show) == (2, 3, Decimal("30.00"))
    assert one(conn, "select total_sales from public.influencers where id = %s",
               (show.host.profile_id,)) == Decimal("30.00")
    assert len(notifications(conn, show.host, "order")) == 2


def test_a_line_pointing_at_a_missing_row_fails_at_commit(conn: psycopg.Connection) -> None:
    """The references of order lines to shared rows are checked at commit, still atomically."""
    show = build_show(conn)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 1})
    order_id = checkout(conn, show.customer)["order_id"]

    with unchanged(conn), pytest.raises(psycopg.errors.ForeignKeyViolation), conn.transaction():
        conn.execute(
            "insert into public.order_items (order_id, live_product_id, session_id,"
            " influencer_id, product_name, list_unit_price, unit_price, quantity, line_total)"
            " values (%s, gen_random_uuid(), %s, %s, 'Ghost', 1.00, 1.00, 1, 1.00)",
            (order_id, show.session_id, show.host.profile_id))


def test_concurrent_buyers_keep_every_figure_consistent(conninfo: str) -> None:
    """Lines are written before the stock is reserved and the shared figures move last, and the
    figures clients read are published afterwards: under concurrency every figure still adds up
    to exactly what was sold."""
    owner = connect(conninfo)
    show = build_show(owner, live_price="10.00", allocated=500, stock=1000)
    owner.execute(
        "insert into public.influencer_goals (influencer_id, title, goal_type, period,"
        " period_start, period_end, target_value) values (%s, 'Units', 'units', 'monthly',"
        " current_date - 1, current_date + 1, 1000)", (show.host.profile_id,))
    buyers = []
    with owner.cursor() as cur:
        for n in range(40):
            buyer = f.create_customer(cur)
            f.add_to_cart(cur, buyer.profile_id, live_product_id=show.live_product_id,
                          quantity=1 + n % 3)
            buyers.append(buyer)

    results = concurrently(conninfo, [lambda c, b=b: checkout(c, b) for b in buyers])

    assert [r for r in results if not isinstance(r, dict)] == []
    units = sum(1 + n % 3 for n in range(40))
    revenue = Decimal("10.00") * units
    live_row = "select sold_quantity, revenue from public.live_products where id = %s"
    assert owner.execute(
        "select sum(sold), sum(revenue) from private.live_sales where live_product_id = %s",
        (show.live_product_id,)).fetchone() == (units, revenue)
    # Not published yet: the control room's next poll publishes it.
    assert owner.execute(live_row, (show.live_product_id,)).fetchone() == (0, Decimal("0.00"))
    # The allocation of 500 left wholesale stock when it was made; sales do not touch it.
    assert one(owner, "select stock_quantity from public.products where id = %s",
               (show.product_id,)) == 500
    assert live_totals(owner, show) == (40, units, revenue)
    assert owner.execute(live_row, (show.live_product_id,)).fetchone() == (units, revenue)
    assert one(owner, "select sum(oi.quantity) from public.order_items oi"
                      " where oi.live_product_id = %s", (show.live_product_id,)) == units
    end(owner, show)
    assert row_totals(owner, show) == (40, units, revenue)
    assert one(owner, "select stock_quantity from public.products where id = %s",
               (show.product_id,)) == 1000 - units
    assert one(owner, "select total_sales from public.influencers where id = %s",
               (show.host.profile_id,)) == revenue
    assert one(owner, "select current_value from public.influencer_goals where influencer_id = %s",
               (show.host.profile_id,)) == units
    progress = dict(owner.execute(
        "select achievement_key, progress from public.influencer_achievements"
        " where influencer_id = %s", (show.host.profile_id,)).fetchall())
    assert (progress["sales_100"], progress["revenue_1k"]) == (units, revenue)
    assert owner.execute(
        "select count(*), sum(gross_amount) from public.influencer_earnings where session_id = %s",
        (show.session_id,)).fetchone() == (40, revenue)
    assert one(owner, "select count(*) from public.influencer_notifications"
                      " where influencer_id = %s and type = 'order'", (show.host.profile_id,)) == 40
    owner.close()
