"""seed.sql: sizes, determinism, consistent money and metrics, and demo accounts that sign in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import bcrypt
import psycopg
import pytest

from studio.server import db
from studio.server.demo_accounts import (
    ALL_DEMO_ACCOUNTS,
    DEMO_DRAFT_SHOW_ID,
    DEMO_HOST,
    DEMO_HOST_COMMISSION_RATE,
    DEMO_HOST_HANDLE,
    DEMO_PASSWORD,
    DEMO_PASSWORD_BCRYPT,
    DEMO_WHOLESALER,
    by_email,
)
from studio.server.migrations import MigrationRunner, schema_dir
from studio.server.request_context import request_transaction

PROFILE_TABLES = {
    "influencer": "influencers",
    "wholesaler": "wholesalers",
    "customer": "customers",
    "admin": "admin_users",
}

# Columns that do not depend on when the seed ran (timestamps, and order numbers, which carry
# the order's date, are relative to now()).
FINGERPRINTS = {
    "products": "select md5(string_agg(concat_ws('|', id, wholesaler_id, category_id, sku, name,"
    " description, brand, tags, wholesale_price, retail_price, stock_quantity,"
    " min_order_quantity, status, is_live_eligible, weight_grams), ',' order by id))"
    " from public.products",
    "live_products": "select md5(string_agg(concat_ws('|', id, session_id, product_id, name,"
    " position, live_price, compare_at_price, flash_price, allocated_quantity, sold_quantity,"
    " revenue, status), ',' order by id)) from public.live_products",
    "orders": "select md5(string_agg(concat_ws('|', id, customer_id, payment_status, subtotal,"
    " discount_amount, tax_amount, shipping_amount, total_amount), ',' order by id))"
    " from public.orders",
    "order_items": "select md5(string_agg(concat_ws('|', id, order_id, product_id,"
    " live_product_id, session_id, product_name, unit_price, quantity, line_total,"
    " commission_amount, is_refunded), ',' order by id)) from public.order_items",
    "sessions": "select md5(string_agg(concat_ws('|', id, title, session_code, status,"
    " peak_viewers, unique_viewers, total_orders, total_units, total_revenue), ',' order by id))"
    " from public.live_stream_sessions",
}


@pytest.fixture(scope="module")
def conn(seeded_db: str) -> Iterator[psycopg.Connection]:
    c = db.connect(seeded_db, autocommit=True)
    yield c
    c.close()


def one(conn: psycopg.Connection, query: str, *params: object) -> object:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def seeded_copy(fresh_db: Callable[..., str]) -> str:
    conninfo = fresh_db()
    MigrationRunner(conninfo, schema_dir()).apply(seed=True)
    return conninfo


def fingerprints(conninfo: str) -> dict[str, str]:
    with db.connect(conninfo, autocommit=True) as c:
        return {name: str(one(c, query)) for name, query in FINGERPRINTS.items()}


def test_sizes(conn: psycopg.Connection) -> None:
    assert one(conn, "select count(*) from public.wholesalers") >= 3
    assert (
        one(conn, "select count(*) from public.wholesalers where verification_status = 'verified'")
        >= 3
    )
    assert one(conn, "select count(*) from public.influencers") >= 2
    assert one(conn, "select count(*) from public.customers") >= 10
    assert one(conn, "select count(*) from public.admin_users") >= 1
    assert 3000 <= one(conn, "select count(*) from public.products") <= 20000
    active = one(conn, "select count(*) from public.products where status = 'active'"
                       " and is_live_eligible and stock_quantity > 0")
    assert active >= 3000
    assert one(conn, "select count(*) from public.products where stock_quantity = 0") > 0
    assert one(conn, "select count(*) from public.products where status = 'draft'") > 0
    assert one(conn, "select count(distinct name) from public.products") == one(
        conn, "select count(*) from public.products"
    )
    assert one(conn, "select count(*) from public.products where wholesale_price >= retail_price"
                     " or wholesale_price <= 0") == 0


def test_category_tree_has_two_levels(conn: psycopg.Connection) -> None:
    tops = one(conn, "select count(*) from public.categories where parent_id is null")
    assert 6 <= tops <= 12
    # Every child hangs off a top-level category: depth is exactly 2.
    assert one(
        conn,
        "select count(*) from public.categories c join public.categories p on p.id = c.parent_id"
        " where p.parent_id is not null",
    ) == 0
    children = conn.execute(
        "select count(c.id) from public.categories p left join public.categories c"
        " on c.parent_id = p.id where p.parent_id is null group by p.id"
    ).fetchall()
    assert all(3 <= n <= 6 for (n,) in children)
    # Products sit in the leaves.
    assert one(
        conn,
        "select count(*) from public.products p join public.categories c on c.id = p.category_id"
        " where c.parent_id is null",
    ) == 0


def test_seed_is_deterministic_and_a_second_run_changes_nothing(
    fresh_db: Callable[..., str],
) -> None:
    first, second = seeded_copy(fresh_db), seeded_copy(fresh_db)
    assert fingerprints(first) == fingerprints(second)

    counts = "select (select count(*) from public.products), (select count(*) from public.orders),"
    counts += " (select count(*) from public.live_stream_viewers),"
    counts += " (select count(*) from public.influencer_notifications),"
    counts += " (select count(*) from public.influencer_goals)"
    with db.connect(second, autocommit=True) as c:
        before = c.execute(counts).fetchone()
        c.execute(schema_dir().joinpath("seed.sql").read_text(encoding="utf-8"))
        assert c.execute(counts).fetchone() == before
    assert fingerprints(second) == fingerprints(first)


def test_every_order_adds_up(conn: psycopg.Connection) -> None:
    bad = conn.execute(
        """
        select o.order_number
          from public.orders o
          cross join private.commerce_settings cs
          join (select oi.order_id, sum(oi.list_unit_price * oi.quantity) as list_total,
                       sum(oi.line_total) as paid_total, count(*) as n
                  from public.order_items oi group by oi.order_id) t on t.order_id = o.id
         where o.subtotal <> t.list_total
            or o.subtotal - o.discount_amount <> t.paid_total
            or o.tax_amount <> round(t.paid_total * cs.tax_rate, 2)
            or o.shipping_amount <> case when t.paid_total >= cs.free_shipping_threshold
                                         then 0 else cs.flat_shipping end
            or o.total_amount <> o.subtotal - o.discount_amount + o.tax_amount + o.shipping_amount
        """
    ).fetchall()
    assert bad == []
    assert one(conn, "select count(*) from public.orders o where not exists"
                     " (select 1 from public.order_items oi where oi.order_id = o.id)") == 0
    # Live lines: the host's rate and the commission on what was paid; flash lines cheaper.
    assert one(
        conn,
        """
        select count(*) from public.order_items oi
          left join public.influencers i on i.id = oi.influencer_id
         where oi.line_total <> oi.unit_price * oi.quantity
            or oi.commission_amount <> round(oi.line_total * oi.commission_rate, 2)
            or (oi.live_product_id is not null and oi.commission_rate <> i.commission_rate)
            or (oi.live_product_id is null and oi.commission_amount <> 0)
            or oi.is_flash_price <> (oi.unit_price < oi.list_unit_price)
        """,
    ) == 0
    assert one(conn, "select count(*) from public.order_items where is_flash_price") > 0
    statuses = {s for (s,) in conn.execute("select distinct status::text from public.orders")}
    assert {"delivered", "shipped", "refunded", "cancelled", "pending"} <= statuses


def test_demo_host_shows_and_their_metrics(conn: psycopg.Connection) -> None:
    ended = conn.execute(
        "select id, total_orders, total_units, total_revenue, peak_viewers, unique_viewers"
        " from public.live_stream_sessions where influencer_id = %s and status = 'ended'",
        (DEMO_HOST.profile_id,),
    ).fetchall()
    assert len(ended) >= 8
    for session_id, orders, units, revenue, peak, unique in ended:
        expected = conn.execute(
            "select count(distinct oi.order_id), coalesce(sum(oi.quantity), 0),"
            " coalesce(sum(oi.line_total), 0) from public.order_items oi"
            " join public.orders o on o.id = oi.order_id"
            " where oi.session_id = %s and o.status not in ('cancelled', 'refunded')",
            (session_id,),
        ).fetchone()
        assert (orders, units, revenue) == expected
        assert revenue > 0
        assert 0 < peak <= unique
    # Live products' figures and the host's total agree with the order lines too (refunded and
    # failed orders were taken back out).
    assert one(
        conn,
        """
        select count(*) from public.live_products lp
          left join (select oi.live_product_id, sum(oi.quantity) as units,
                            sum(oi.line_total) as revenue
                       from public.order_items oi join public.orders o on o.id = oi.order_id
                      where o.status not in ('cancelled', 'refunded')
                      group by oi.live_product_id) s on s.live_product_id = lp.id
         where lp.sold_quantity <> coalesce(s.units, 0) or lp.revenue <> coalesce(s.revenue, 0)
        """,
    ) == 0
    assert one(
        conn,
        "select i.total_sales = (select sum(oi.line_total) from public.order_items oi"
        " join public.orders o on o.id = oi.order_id where oi.influencer_id = i.id"
        " and o.status not in ('cancelled', 'refunded')) and i.total_shows = %s"
        " from public.influencers i where i.id = %s",
        len(ended),
        DEMO_HOST.profile_id,
    )
    assert one(conn, "select count(*) from public.live_products where status = 'sold_out'") > 0
    assert one(conn, "select count(*) from public.live_stream_chat c join"
                     " public.live_stream_sessions s on s.id = c.session_id"
                     " where s.influencer_id = %s", DEMO_HOST.profile_id) >= 300


def test_draft_show_has_a_lineup_and_no_orders(conn: psycopg.Connection) -> None:
    show = conn.execute(
        "select influencer_id::text, status, scheduled_start > now()"
        " from public.live_stream_sessions"
        " where id = %s",
        (DEMO_DRAFT_SHOW_ID,),
    ).fetchone()
    assert show == (DEMO_HOST.profile_id, "scheduled", True)
    lineup = conn.execute(
        "select lp.position, lp.live_price, lp.compare_at_price, lp.allocated_quantity,"
        " p.stock_quantity, p.wholesaler_id from public.live_products lp"
        " join public.products p on p.id = lp.product_id where lp.session_id = %s"
        " order by lp.position",
        (DEMO_DRAFT_SHOW_ID,),
    ).fetchall()
    assert len(lineup) >= 8
    assert [row[0] for row in lineup] == list(range(len(lineup)))
    assert all(price <= compare for _, price, compare, *_ in lineup)
    assert all(0 < allocated <= stock for *_, allocated, stock, _ in lineup)
    assert any(str(w) == DEMO_WHOLESALER.profile_id for *_, w in lineup)
    assert one(conn, "select count(*) from public.order_items where session_id = %s",
               DEMO_DRAFT_SHOW_ID) == 0


def test_goals_earnings_notifications(conn: psycopg.Connection) -> None:
    host = DEMO_HOST.profile_id
    periods = {p for (p,) in conn.execute(
        "select distinct period::text from public.influencer_goals where influencer_id = %s",
        (host,))}
    assert periods == {"weekly", "monthly", "quarterly"}
    goal_statuses = {s for (s,) in conn.execute(
        "select distinct status::text from public.influencer_goals where influencer_id = %s",
        (host,))}
    assert goal_statuses == {"active", "achieved", "missed"}
    assert one(conn, "select count(*) from public.influencer_goals where influencer_id = %s"
                     " and current_date between period_start and period_end", host) >= 5
    earnings = dict(conn.execute(
        "select status::text, count(*) from public.influencer_earnings where influencer_id = %s"
        " group by 1", (host,)).fetchall())
    assert set(earnings) == {"pending", "available", "paid_out", "reversed"}
    assert earnings["paid_out"] + earnings["available"] > 10 * earnings["pending"]
    # One earning per live line, for its commission; reversed exactly when the order was
    # refunded or its payment failed, pending exactly while the payment is.
    assert one(
        conn,
        """
        select count(*) from public.order_items oi
          join public.orders o on o.id = oi.order_id
          left join public.influencer_earnings e on e.order_item_id = oi.id
         where oi.influencer_id is not null
           and (e.id is null or e.amount <> oi.commission_amount
                or (e.status = 'reversed') <> (o.status in ('refunded', 'cancelled'))
                or (e.status = 'pending') <> (o.payment_status = 'pending'))
        """,
    ) == 0
    notes = dict(conn.execute(
        "select is_read, count(*) from public.influencer_notifications where influencer_id = %s"
        " group by 1", (host,)).fetchall())
    assert notes[True] > 0 and notes[False] > 0
    kinds = {k for (k,) in conn.execute(
        "select distinct type::text from public.influencer_notifications"
        " where influencer_id = %s", (host,))}
    assert {"order", "sold_out", "goal_reached", "achievement", "show", "system"} <= kinds
    assert one(conn, "select count(*) from public.influencer_notifications"
                     " where created_at > now()") == 0
    assert one(conn, "select count(*) from public.influencer_achievements"
                     " where influencer_id = %s and unlocked_at is not null", host) >= 3


def test_demo_accounts_match_and_sign_in(conn: psycopg.Connection) -> None:
    users = dict(conn.execute(
        "select email, encrypted_password from auth.users where email like '%%@demo.shopstream.app'"
    ).fetchall())
    assert set(users) == {a.email for a in ALL_DEMO_ACCOUNTS}
    assert set(users.values()) == {DEMO_PASSWORD_BCRYPT}
    assert bcrypt.checkpw(DEMO_PASSWORD.encode(), DEMO_PASSWORD_BCRYPT.encode())
    assert not bcrypt.checkpw(b"wrong-password", DEMO_PASSWORD_BCRYPT.encode())
    for account in ALL_DEMO_ACCOUNTS:
        assert by_email(account.email.upper()) == account
        table = PROFILE_TABLES[account.kind]
        row = conn.execute(
            f"select p.user_id::text, u.email from public.{table} p"
            " join auth.users u on u.id = p.user_id where p.id = %s",
            (account.profile_id,),
        ).fetchone()
        assert row == (account.user_id, account.email), account
    assert one(conn, "select count(*) from auth.users where email_confirmed_at is null"
                     " or confirmation_token is null or recovery_token is null") == 0
    host = conn.execute(
        "select handle, commission_rate, display_name from public.influencers where id = %s",
        (DEMO_HOST.profile_id,),
    ).fetchone()
    assert host == (DEMO_HOST_HANDLE, Decimal(DEMO_HOST_COMMISSION_RATE), DEMO_HOST.display_name)


def test_demo_users_see_their_workspace(seeded_db: str) -> None:
    with db.connect(seeded_db) as c:
        with request_transaction(c, "authenticated", DEMO_HOST.user_id) as cur:
            cur.execute("select count(*) from public.goal_progress()")
            assert cur.fetchone()[0] >= 5
            cur.execute("select count(*), sum(gross_sales) from public.earnings_by_show()")
            shows, gross = cur.fetchone()
            assert shows >= 8 and gross > 0
            cur.execute("select count(*) from public.live_products where session_id = %s",
                        (DEMO_DRAFT_SHOW_ID,))
            assert cur.fetchone()[0] >= 8
        with request_transaction(c, "authenticated", DEMO_WHOLESALER.user_id) as cur:
            cur.execute("select count(*) from public.live_products where session_id = %s",
                        (DEMO_DRAFT_SHOW_ID,))
            assert cur.fetchone()[0] >= 1
