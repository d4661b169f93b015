"""record_payment_event(): the payment provider's webhook (paid, failed, refunded)."""

from __future__ import annotations

from decimal import Decimal

import factories as f
import psycopg
import pytest
from test_fn_support import (
    Show,
    assert_refused,
    build_show,
    checkout,
    fill_cart,
    one,
    refused,
    rpc,
    unchanged,
)

EVENT = "select public.record_payment_event(%s, %s, %s)"


def event(conn: psycopg.Connection, order_id: str, status: str, ref: str | None = None) -> dict:
    return rpc(conn, None, EVENT, (order_id, status, ref), role="service_role")


def sold_show(conn: psycopg.Connection) -> tuple[Show, str, dict]:
    """A show whose only 3 units were bought, with a direct wholesale item in the same order."""
    show = build_show(conn, live_price="10.00", allocated=3, stock=20)
    with conn.cursor() as cur:
        direct = f.create_product(cur, show.wholesaler.profile_id, retail_price="25.00", stock=9)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 3},
              wholesale={direct: 2})
    return show, direct, checkout(conn, show.customer)


def state(conn: psycopg.Connection, show: Show, direct: str, order_id: str) -> dict:
    return {
        "order": conn.execute("select status, payment_status, paid_at is not null,"
                              " refunded_at is not null from public.orders where id = %s",
                              (order_id,)).fetchone(),
        "live": conn.execute("select sold_quantity, status, revenue from public.live_products"
                             " where id = %s", (show.live_product_id,)).fetchone(),
        "source_stock": one(conn, "select stock_quantity from public.products where id = %s",
                            (show.product_id,)),
        "direct_stock": one(conn, "select stock_quantity from public.products where id = %s",
                            (direct,)),
        "earnings": conn.execute("select status, available_at is not null,"
                                 " reversed_at is not null from public.influencer_earnings"
                                 " where order_id = %s", (order_id,)).fetchall(),
        "show": conn.execute("select orders, units, revenue"
                             " from private.show_sales_totals(%s)", (show.session_id,)).fetchone(),
        "host_sales": one(conn, "select total_sales from public.influencers where id = %s",
                          (show.host.profile_id,)),
        "refunded_items": one(conn, "select count(*) filter (where is_refunded)"
                                    " from public.order_items where order_id = %s", (order_id,)),
    }


def test_paid_then_refunded(conn: psycopg.Connection) -> None:
    show, direct, order = sold_show(conn)
    before = state(conn, show, direct, order["order_id"])
    assert before["live"] == (3, "sold_out", Decimal("30.00"))
    # The source gave the 3 allocated units when they were allocated; the direct item when sold.
    assert before["source_stock"] == 17 and before["direct_stock"] == 7
    assert before["show"] == (1, 3, Decimal("30.00"))

    paid = event(conn, order["order_id"], "paid", "pi_123")
    assert paid == {"order_id": order["order_id"], "order_number": order["order_number"],
                    "status": "confirmed", "payment_status": "paid", "changed": True}
    after_paid = state(conn, show, direct, order["order_id"])
    assert after_paid["order"] == ("confirmed", "paid", True, False)
    assert after_paid["earnings"] == [("available", True, False)]
    assert one(conn, "select payment_reference from public.orders where id = %s",
               (order["order_id"],)) == "pi_123"
    assert event(conn, order["order_id"], "paid")["changed"] is False  # webhook retried
    assert state(conn, show, direct, order["order_id"]) == after_paid

    refunded = event(conn, order["order_id"], "refunded")
    assert refunded["status"] == "refunded" and refunded["changed"] is True
    after = state(conn, show, direct, order["order_id"])
    assert after["order"] == ("refunded", "refunded", True, True)
    # The show is still on: the units are back on sale in it, not in the warehouse.
    assert after["live"] == (0, "active", Decimal("0.00"))
    assert after["source_stock"] == 17 and after["direct_stock"] == 9
    assert after["earnings"] == [("reversed", True, True)]
    assert after["show"] == (0, 0, Decimal("0.00"))
    assert after["refunded_items"] == 2
    assert event(conn, order["order_id"], "refunded")["changed"] is False
    assert state(conn, show, direct, order["order_id"]) == after
    # When the show ends, its unsold allocation goes back to wholesale stock.
    rpc(conn, show.host.user_id, "select public.end_show(%s)", (show.session_id,))
    ended = state(conn, show, direct, order["order_id"])
    assert ended["source_stock"] == 20 and ended["host_sales"] == Decimal("0.00")


def test_refund_after_the_show_returns_units_to_wholesale_stock(conn: psycopg.Connection) -> None:
    show, direct, order = sold_show(conn)
    event(conn, order["order_id"], "paid")
    rpc(conn, show.host.user_id, "select public.end_show(%s)", (show.session_id,))
    ended = state(conn, show, direct, order["order_id"])
    # Everything sold: nothing came back when the show ended; the figures are in the rows.
    assert ended["source_stock"] == 17 and ended["host_sales"] == Decimal("30.00")
    assert conn.execute("select total_orders, total_units, total_revenue from"
                        " public.live_stream_sessions where id = %s",
                        (show.session_id,)).fetchone() == (1, 3, Decimal("30.00"))

    event(conn, order["order_id"], "refunded")

    after = state(conn, show, direct, order["order_id"])
    assert after["source_stock"] == 20 and after["direct_stock"] == 9
    assert after["live"] == (0, "active", Decimal("0.00"))
    assert after["host_sales"] == Decimal("0.00")
    assert conn.execute("select total_orders, total_units, total_revenue from"
                        " public.live_stream_sessions where id = %s",
                        (show.session_id,)).fetchone() == (0, 0, Decimal("0.00"))


def test_failed_payment_cancels_and_returns_stock(conn: psycopg.Connection) -> None:
    show, direct, order = sold_show(conn)
    result = event(conn, order["order_id"], "failed")
    assert (result["status"], result["payment_status"]) == ("cancelled", "failed")
    after = state(conn, show, direct, order["order_id"])
    assert after["live"] == (0, "active", Decimal("0.00"))
    assert (after["source_stock"], after["direct_stock"]) == (17, 9)  # back in the show
    assert after["earnings"] == [("reversed", False, True)]
    assert after["refunded_items"] == 2  # its lines no longer count in any figure
    assert event(conn, order["order_id"], "failed")["changed"] is False


@pytest.mark.parametrize(("first", "then", "message"), [
    (None, "refunded", "only a paid order can be refunded"),
    ("failed", "paid", "cannot be marked paid"),
    ("failed", "refunded", "only a paid order can be refunded"),
    ("paid", "failed", "only a pending payment can fail"),
])
def test_impossible_transitions(
    conn: psycopg.Connection, first: str | None, then: str, message: str,
) -> None:
    _, _, order = sold_show(conn)
    if first:
        event(conn, order["order_id"], first)
    with unchanged(conn):
        err = refused(conn, None, EVENT, (order["order_id"], then, None), role="service_role")
    assert_refused(err, "55000", message)


def test_only_the_service_role_reports_payments(conn: psycopg.Connection) -> None:
    show, _, order = sold_show(conn)
    with conn.cursor() as cur:
        admin = f.create_admin(cur)
    for role, user_id in [("authenticated", show.customer.user_id),
                          ("authenticated", show.host.user_id),
                          ("authenticated", admin.user_id), ("anon", None)]:
        with unchanged(conn):
            err = refused(conn, user_id, EVENT, (order["order_id"], "paid", None), role=role)
        assert_refused(err, "42501", "permission denied for function record_payment_event")
