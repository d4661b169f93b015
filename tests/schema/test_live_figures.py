"""A show's figures as its host reads them: failed payments leave the line figures, buyers are
counted by show_figures() (counts only), and every flash window of the show is listed."""

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

FIGURES = "select public.show_figures(%s)"
EVENT = "select public.record_payment_event(%s, %s, null)"


def buy(conn: psycopg.Connection, show: Show, customer: f.Account, quantity: int) -> str:
    fill_cart(conn, customer.profile_id, live={show.live_product_id: quantity})
    return str(checkout(conn, customer)["order_id"])


def pay(conn: psycopg.Connection, order_id: str, status: str) -> None:
    rpc(conn, None, EVENT, (order_id, status), role="service_role")


def host_lines(conn: psycopg.Connection, show: Show) -> tuple[int, Decimal]:
    """Units and revenue of the show's counted lines, read as the host reads them (RLS)."""
    rows = rpc(conn, show.host.user_id,
               "select json_build_object('units', coalesce(sum(quantity), 0),"
               " 'revenue', coalesce(sum(line_total), 0)) from public.order_items"
               " where session_id = %s and not is_refunded", (show.session_id,))
    return int(rows["units"]), Decimal(str(rows["revenue"]))


def test_a_failed_payment_leaves_the_line_figures_and_the_buyer_count(
        conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=20)
    with conn.cursor() as cur:
        second = f.create_customer(cur)
    paid = buy(conn, show, show.customer, 2)
    failed = buy(conn, show, second, 3)
    pay(conn, paid, "paid")
    assert host_lines(conn, show) == (5, Decimal("50.00"))

    pay(conn, failed, "failed")

    # The host reads the lines (and realtime sends their update): only the paid order counts.
    assert host_lines(conn, show) == (2, Decimal("20.00"))
    assert one(conn, "select bool_and(is_refunded) from public.order_items where order_id = %s",
               (failed,)) is True
    figures = rpc(conn, show.host.user_id, FIGURES, (show.session_id,))
    assert (figures["buyers"], figures["orders"]) == (1, 1)
    # The server's own counters agree with the lines.
    assert conn.execute("select orders, units, revenue from private.show_sales_totals(%s)",
                        (show.session_id,)).fetchone() == (1, 2, Decimal("20.00"))


def test_a_refund_leaves_the_figures_and_a_pending_order_counts(
        conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=20)
    refunded = buy(conn, show, show.customer, 1)
    pay(conn, refunded, "paid")
    with conn.cursor() as cur:
        waiting = f.create_customer(cur)
    buy(conn, show, waiting, 4)  # pending: the units are reserved, as the counters count them

    pay(conn, refunded, "refunded")

    assert host_lines(conn, show) == (4, Decimal("40.00"))
    figures = rpc(conn, show.host.user_id, FIGURES, (show.session_id,))
    assert (figures["buyers"], figures["orders"]) == (1, 1)


def test_buyers_are_distinct_customers_not_orders(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=20)
    with conn.cursor() as cur:
        other = f.create_customer(cur)
    for customer in (show.customer, show.customer, show.customer, other):
        buy(conn, show, customer, 1)

    figures = rpc(conn, show.host.user_id, FIGURES, (show.session_id,))

    assert (figures["buyers"], figures["orders"]) == (2, 4)
    # Counts only: nothing that names or reaches a customer comes back.
    assert set(figures) == {"session_id", "as_of", "buyers", "orders", "flash_windows"}
    assert show.customer.profile_id not in str(figures)
    assert show.customer.user_id not in str(figures)


def test_every_flash_window_of_the_show_is_listed(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="10.00", allocated=20)
    with conn.cursor() as cur:
        second = f.create_live_product(cur, show.session_id, show.host.profile_id,
                                       product_id=f.create_product(
                                           cur, show.wholesaler.profile_id),
                                       live_price="30.00", allocated=5)
    host = show.host.user_id
    start = "select public.start_flash_sale(%s, %s, %s)"
    first = rpc(conn, host, start, (show.live_product_id, "7.00", 60))
    cancelled = rpc(conn, host, "select public.cancel_flash_sale(%s)", (show.live_product_id,))
    again = rpc(conn, host, start, (show.live_product_id, "8.00", 30))
    other = rpc(conn, host, start, (second, "20.00", 45))

    windows = rpc(conn, host, FIGURES, (show.session_id,))["flash_windows"]

    def key(w: dict) -> tuple[str, str, str]:
        return (str(w["live_product_id"]), str(w["starts_at"]), str(w["ends_at"]))

    assert sorted(map(key, windows)) == sorted([
        # the cancelled window ends when it was cancelled, not when it was planned to
        (show.live_product_id, str(first["flash_starts_at"]), str(cancelled["flash_ends_at"])),
        (show.live_product_id, str(again["flash_starts_at"]), str(again["flash_ends_at"])),
        (second, str(other["flash_starts_at"]), str(other["flash_ends_at"])),
    ])
    # The product row keeps only its latest window: the first one is found in the audit trail.
    assert one(conn, "select flash_starts_at::text from public.live_products where id = %s",
               (show.live_product_id,)) != str(first["flash_starts_at"])


def test_show_figures_refusals_change_nothing(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    buy(conn, show, show.customer, 1)
    with conn.cursor() as cur:
        other_host = f.create_influencer(cur)
        admin = f.create_admin(cur)
    assert rpc(conn, admin.user_id, FIGURES, (show.session_id,))["buyers"] == 1
    with unchanged(conn):
        for intruder in (other_host, show.customer):
            err = refused(conn, intruder.user_id, FIGURES, (show.session_id,))
            assert_refused(err, "42501",
                           "Only the host of this show or its co-hosts can see its figures")
        assert_refused(refused(conn, show.host.user_id, FIGURES, (None,)),
                       "22023", "p_session_id is required")
        assert_refused(refused(conn, show.host.user_id, FIGURES,
                               ("00000000-0000-4000-8000-000000000000",)),
                       "P0002", "not found")
        err = refused(conn, None, FIGURES, (show.session_id,), role="anon")
        assert err.sqlstate == "42501"  # anon may not execute it at all


@pytest.mark.parametrize("signature", ["private.show_flash_windows(uuid)",
                                       "private.void_order_lines()"])
def test_the_helpers_are_not_callable_by_api_roles(conn: psycopg.Connection,
                                                   signature: str) -> None:
    for role in ("anon", "authenticated"):
        assert one(conn, "select has_function_privilege(%s, %s, 'execute')",
                   (role, signature)) is False
