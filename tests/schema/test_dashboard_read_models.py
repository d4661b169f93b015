"""The dashboard's own figures equal the server's read models on the same rows: goal values
(`goal_progress`) and commission per period (`earnings_by_period`) and in total, to the cent.
The client side reads only what a host may read (as the host), as its cache does."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factories as f
import psycopg
import pytest
from test_fn_support import Show, build_show, checkout, fill_cart, rows, rpc

from studio.core.earnings import by_period, totals
from studio.core.goal_progress import GoalSources, HostedShow, goal_progress
from studio.core.models import Earning, Goal
from studio.core.rows import from_row
from studio.sync.dashboard_ops import sale_lines

D = Decimal
GOAL_COLUMNS = ("id, influencer_id, title, goal_type, period, period_start, period_end,"
                " target_value, current_value, status")
EARNING_COLUMNS = ("id, influencer_id, order_id, order_item_id, session_id, gross_amount,"
                   " commission_rate, amount, status, earned_at")


def buy(conn: psycopg.Connection, show: Show, qty: int) -> str:
    with conn.cursor() as cur:
        buyer = f.create_customer(cur)
    fill_cart(conn, buyer.profile_id, live={show.live_product_id: qty})
    return checkout(conn, buyer)["order_id"]


def pay(conn: psycopg.Connection, order: str, status: str) -> None:
    rpc(conn, None, "select public.record_payment_event(%s, %s)", (order, status),
        role="service_role")


def backdate(conn: psycopg.Connection, order: str, days: int) -> None:
    """Move an order's lines and commission `days` back, into earlier weeks and months."""
    conn.execute("update public.order_items set created_at = created_at - %s * interval '1 day'"
                 " where order_id = %s", (days, order))
    conn.execute("update public.influencer_earnings set earned_at = earned_at"
                 " - %s * interval '1 day' where order_id = %s", (days, order))


def as_dicts(conn: psycopg.Connection, user: str, query: str, params: tuple = ()) -> list[dict]:
    with conn.cursor() as cur:
        found = rows(conn, user, query, params)
        cur.execute(query.replace("%s", "null") + " limit 0")  # column names only
        names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in found]


@pytest.fixture
def sold(conn: psycopg.Connection) -> Show:
    """A host with sales this week, 9 days ago and 40 days ago; a cancelled order (payment
    failed), a refunded one; paid and pending ones; goals over current and past periods."""
    show = build_show(conn, live_price="12.35", commission_rate="0.1750", allocated=60)
    kept = [buy(conn, show, 3), buy(conn, show, 1), buy(conn, show, 2), buy(conn, show, 4)]
    failed, refunded = buy(conn, show, 2), buy(conn, show, 5)
    pay(conn, failed, "failed")
    pay(conn, kept[0], "paid")
    pay(conn, kept[2], "paid")
    pay(conn, refunded, "paid")
    pay(conn, refunded, "refunded")
    backdate(conn, kept[2], 9)
    backdate(conn, kept[3], 40)
    backdate(conn, refunded, 9)
    conn.execute("update public.influencer_earnings set status = 'paid_out',"
                 " paid_out_at = now() where order_id = %s", (kept[0],))
    today = conn.execute("select current_date").fetchone()[0]
    week = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    conn.execute(
        "insert into public.influencer_goals (influencer_id, title, goal_type, period,"
        " period_start, period_end, target_value) values"
        " (%(h)s, 'Revenue this week', 'revenue', 'weekly', %(w)s, %(w)s + 6, 50),"
        " (%(h)s, 'Units this month', 'units', 'monthly', %(m)s,"
        "  (%(m)s + interval '1 month')::date - 1, 5),"
        " (%(h)s, 'Orders this quarter', 'orders', 'quarterly', %(q)s,"
        "  (%(q)s + interval '3 months')::date - 1, 3),"
        " (%(h)s, 'Shows this month', 'shows', 'monthly', %(m)s,"
        "  (%(m)s + interval '1 month')::date - 1, 2),"
        " (%(h)s, 'Revenue last month', 'revenue', 'monthly', %(l)s, %(m)s - 1, 40)",
        {"h": show.host.profile_id, "w": week, "m": month, "q": quarter, "l": last_month})
    rpc(conn, show.host.user_id, "select public.end_show(%s)", (show.session_id,))
    return show


def client_sources(conn: psycopg.Connection, show: Show) -> tuple[GoalSources, list[Earning]]:
    """What the host's cache holds, read as the host."""
    host, user = show.host.profile_id, show.host.user_id
    earnings = [from_row(Earning, r) for r in as_dicts(
        conn, user, f"select {EARNING_COLUMNS} from public.influencer_earnings"
        " where influencer_id = %s", (host,))]
    lines = as_dicts(conn, user, "select id, order_id, created_at, quantity, line_total,"
                     " is_refunded from public.order_items where influencer_id = %s", (host,))
    shows = rows(conn, user, "select status::text, actual_start from"
                 " public.live_stream_sessions where influencer_id = %s", (host,))
    return GoalSources(sales=tuple(sale_lines(lines, earnings)),
                       shows=tuple(HostedShow(s, start) for s, start in shows)), earnings


def test_goal_values_equal_the_servers_goal_progress(conn: psycopg.Connection,
                                                     sold: Show) -> None:
    user = sold.host.user_id
    today, zone = conn.execute("select current_date, current_setting('TimeZone')").fetchone()
    sources, _earnings = client_sources(conn, sold)
    goals = [from_row(Goal, r) for r in as_dicts(
        conn, user, f"select {GOAL_COLUMNS} from public.influencer_goals")]
    mine = {str(p.goal.id): p for p in goal_progress(goals, sources, today,
                                                     zone=ZoneInfo(zone))}
    last_month = today.replace(day=1) - timedelta(days=1)
    for at in (today, last_month):
        server = rows(conn, user, "select goal_id::text, current_value, percent, achieved"
                      " from public.goal_progress(%s)", (at,))
        covering = {str(g.id) for g in goals if g.period_start <= at <= g.period_end}
        assert {row[0] for row in server} == covering and covering
        for goal_id, current, percent, achieved in server:
            progress = mine[goal_id]
            assert (progress.current, progress.percent, progress.achieved) == (
                current, percent, achieved), progress.goal.title
    # Something was excluded: the cancelled and the refunded orders are in the rows.
    assert any(not line.counted for line in sources.sales)
    assert len({line.order_id for line in sources.sales if not line.counted}) == 2


@pytest.mark.parametrize("granularity", ["week", "month", "quarter"])
def test_commission_per_period_and_in_total_equals_the_database(
        conn: psycopg.Connection, sold: Show, granularity: str) -> None:
    user = sold.host.user_id
    _sources, earnings = client_sources(conn, sold)
    server = rows(conn, user, "select * from public.earnings_by_period(%s)", (granularity,))
    mine = [(start, t.gross_sales, t.commission, t.pending, t.available, t.paid_out,
             t.reversed, t.order_count) for start, t in by_period(earnings, granularity)]
    assert mine == [tuple(row) for row in server]
    total = totals(earnings)
    sums = conn.execute(
        "select sum(amount) filter (where status <> 'reversed'),"
        " sum(amount) filter (where status = 'pending'),"
        " sum(amount) filter (where status = 'available'),"
        " sum(amount) filter (where status = 'paid_out'),"
        " sum(amount) filter (where status = 'reversed'),"
        " sum(gross_amount) filter (where status <> 'reversed')"
        " from public.influencer_earnings where influencer_id = %s",
        (sold.host.profile_id,)).fetchone()
    assert (total.commission, total.pending, total.available, total.paid_out, total.reversed,
            total.gross_sales) == sums
    assert all(value > 0 for value in sums)
