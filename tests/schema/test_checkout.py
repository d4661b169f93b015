"""checkout(): pricing, stock reservation under concurrency, idempotency and order numbers."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import factories as f
import psycopg
import pytest
from test_fn_support import (
    Show,
    assert_refused,
    build_show,
    checkout,
    concurrently,
    connect,
    fill_cart,
    money,
    one,
    refused,
    rpc,
    unchanged,
)

from studio.server.request_context import request_transaction

ORDER_NUMBER = re.compile(r"^SS-\d{6}-\d{6,}$")


def counter(conn: psycopg.Connection, live_id: str) -> tuple[int, Decimal]:
    """A live product's sales counter (all its stripes): the units and revenue sold."""
    return conn.execute("select sum(sold)::int, sum(revenue) from private.live_sales"
                        " where live_product_id = %s", (live_id,)).fetchone()


def published(conn: psycopg.Connection, show: Show) -> tuple[int, str, Decimal]:
    """The live product as clients read it, after the control room's poll has published it."""
    rpc(conn, show.host.user_id, "select public.show_live_stats(%s)", (show.session_id,))
    return conn.execute("select sold_quantity, status, revenue from public.live_products"
                        " where id = %s", (show.live_product_id,)).fetchone()


def set_flash(conn: psycopg.Connection, live_id: str, price: str, start: str, end: str) -> None:
    """Set a flash window directly as the owner, relative to now (e.g. '-1 second')."""
    conn.execute(
        "update public.live_products set flash_price = %s,"
        " flash_starts_at = now() + %s::interval, flash_ends_at = now() + %s::interval"
        " where id = %s", (price, start, end, live_id))


def test_mixed_cart_is_priced_snapshotted_and_reserved(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="19.99", commission_rate="0.1500", stock=50)
    set_flash(conn, show.live_product_id, "14.99", "-1 second", "+1 minute")
    with conn.cursor() as cur:
        direct = f.create_product(cur, show.wholesaler.profile_id, retail_price="25.00", stock=7)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2},
              wholesale={direct: 1})

    result = checkout(conn, show.customer)

    # subtotal at list prices 2 x 19.99 + 25.00; the flash saving is the discount.
    assert result["subtotal"] == Decimal("64.98")
    assert result["discount_amount"] == Decimal("10.00")
    assert result["tax_amount"] == Decimal("4.40")  # 8 % of 54.98 = 4.3984
    assert result["shipping_amount"] == Decimal("0.00")  # 54.98 >= 50.00 threshold
    assert result["total_amount"] == Decimal("59.38")
    assert result["replayed"] is False
    assert ORDER_NUMBER.match(result["order_number"])

    order = conn.execute(
        "select order_number, subtotal, discount_amount, tax_amount, shipping_amount,"
        " total_amount, status, payment_status, shipping_address->>'city', contact_email"
        " from public.orders where id = %s", (result["order_id"],)).fetchone()
    assert order[0] == result["order_number"]
    assert order[1:6] == (Decimal("64.98"), Decimal("10.00"), Decimal("4.40"), Decimal("0.00"),
                          Decimal("59.38"))
    assert order[6:8] == ("pending", "pending")
    assert order[8] == "Springfield"  # the customer's saved address
    assert order[9] == show.customer.email

    items = conn.execute(
        "select live_product_id, product_id, session_id, influencer_id, wholesaler_id,"
        " product_name, sku is not null, list_unit_price, unit_price, is_flash_price, quantity,"
        " line_total, commission_rate, commission_amount from public.order_items"
        " where order_id = %s order by live_product_id nulls last", (result["order_id"],),
    ).fetchall()
    live_name = one(conn, "select name from public.live_products where id = %s",
                    (show.live_product_id,))
    assert [tuple(str(v) if isinstance(v, uuid.UUID) else v for v in r) for r in items] == [
        (show.live_product_id, None, show.session_id, show.host.profile_id,
         show.wholesaler.profile_id, live_name, True, Decimal("19.99"), Decimal("14.99"), True,
         2, Decimal("29.98"), Decimal("0.1500"), Decimal("4.50")),  # 29.98 x 15 % = 4.497
        (None, direct, None, None, show.wholesaler.profile_id,
         one(conn, "select name from public.products where id = %s", (direct,)), True,
         Decimal("25.00"), Decimal("25.00"), False, 1, Decimal("25.00"), Decimal("0.0000"),
         Decimal("0.00")),
    ]
    assert [i["id"] for i in result["items"]] == [
        str(r[0]) for r in conn.execute(
            "select id from public.order_items where order_id = %s"
            " order by live_product_id nulls last", (result["order_id"],))]

    earnings = conn.execute(
        "select influencer_id::text, session_id::text, gross_amount, commission_rate, amount,"
        " status from public.influencer_earnings where order_id = %s", (result["order_id"],),
    ).fetchall()
    assert earnings == [(show.host.profile_id, show.session_id, Decimal("29.98"),
                         Decimal("0.1500"), Decimal("4.50"), "pending")]
    # Stock: the live allocation and the direct product moved. The live item's source gave its
    # 10 allocated units when the host allocated them (50 - 10); a sale does not touch it. The
    # sale is in the live product's counter; the row clients read follows when it is published.
    assert counter(conn, show.live_product_id) == (2, Decimal("29.98"))
    assert one(conn, "select sold_quantity from public.live_products where id = %s",
               (show.live_product_id,)) == 0
    assert published(conn, show) == (2, "active", Decimal("29.98"))
    assert one(conn, "select stock_quantity from public.products where id = %s",
               (show.product_id,)) == 40
    assert one(conn, "select stock_quantity from public.products where id = %s", (direct,)) == 6
    assert one(conn, "select count(*) from public.cart where customer_id = %s",
               (show.customer.profile_id,)) == 0


def test_flash_price_applies_only_inside_the_window(conn: psycopg.Connection) -> None:
    show = build_show(conn, live_price="30.00")
    with conn.cursor() as cur:
        ended = f.create_live_product(cur, show.session_id, show.host.profile_id,
                                      live_price="30.00")
        future = f.create_live_product(cur, show.session_id, show.host.profile_id,
                                       live_price="30.00")
    set_flash(conn, show.live_product_id, "20.00", "-1 second", "+30 seconds")
    set_flash(conn, ended, "20.00", "-1 minute", "-1 second")
    set_flash(conn, future, "20.00", "+30 seconds", "+1 minute")
    fill_cart(conn, show.customer.profile_id,
              live={show.live_product_id: 1, ended: 1, future: 1})

    result = checkout(conn, show.customer)

    prices = {i["live_product_id"]: (i["unit_price"], i["is_flash_price"])
              for i in result["items"]}
    assert prices == {show.live_product_id: (Decimal("20.00"), True),
                      ended: (Decimal("30.00"), False), future: (Decimal("30.00"), False)}
    assert result["subtotal"] == Decimal("90.00")
    assert result["discount_amount"] == Decimal("10.00")


def test_small_order_pays_flat_shipping_and_rounded_tax(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    with conn.cursor() as cur:
        cheap = f.create_product(cur, show.wholesaler.profile_id, retail_price="10.06")
    fill_cart(conn, show.customer.profile_id, wholesale={cheap: 3})

    result = checkout(conn, show.customer, address={
        "line1": "9 Elm Rd", "city": "Shelbyville", "country": "US"})

    assert result["subtotal"] == Decimal("30.18")
    assert result["discount_amount"] == Decimal("0.00")
    assert result["tax_amount"] == Decimal("2.41")  # 8 % of 30.18 = 2.4144
    assert result["shipping_amount"] == Decimal("5.99")
    assert result["total_amount"] == Decimal("38.58")
    assert one(conn, "select shipping_address->>'city' from public.orders where id = %s",
               (result["order_id"],)) == "Shelbyville"
    assert one(conn, "select count(*) from public.influencer_earnings where order_id = %s",
               (result["order_id"],)) == 0


def test_same_key_twice_returns_the_same_order(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 1})
    key = str(uuid.uuid4())

    first = checkout(conn, show.customer, key)
    # The customer fills the cart again: a retry of the first request must not buy it.
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2})
    second = checkout(conn, show.customer, key)

    assert second["replayed"] is True
    assert {k: v for k, v in second.items() if k != "replayed"} == {
        k: v for k, v in first.items() if k != "replayed"}
    assert one(conn, "select count(*) from public.orders where customer_id = %s",
               (show.customer.profile_id,)) == 1
    assert counter(conn, show.live_product_id)[0] == 1
    assert one(conn, "select quantity from public.cart where customer_id = %s",
               (show.customer.profile_id,)) == 2


def test_same_key_sent_concurrently_waits_and_returns_one_order(conninfo: str) -> None:
    owner = connect(conninfo)
    show = build_show(owner)
    fill_cart(owner, show.customer.profile_id, live={show.live_product_id: 1})
    key = str(uuid.uuid4())
    first_conn, second_conn = connect(conninfo), connect(conninfo)
    second: dict[str, Any] = {}

    def retry() -> None:
        second["result"] = checkout(second_conn, show.customer, key)

    with request_transaction(first_conn, "authenticated", show.customer.user_id) as cur:
        cur.execute("select public.checkout(%s)", (key,))
        first = cur.fetchone()[0]
        thread = threading.Thread(target=retry)
        thread.start()
        deadline = time.monotonic() + 10
        while one(owner, "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                         " and query like %s", ("%checkout%",)) == 0:
            assert time.monotonic() < deadline, "the retry never waited for the first request"
            time.sleep(0.02)
        assert thread.is_alive()
    thread.join(10)

    assert second["result"]["replayed"] is True
    assert second["result"]["order_id"] == first["order_id"]
    assert one(owner, "select count(*) from public.orders where customer_id = %s",
               (show.customer.profile_id,)) == 1
    for c in (owner, first_conn, second_conn):
        c.close()


def test_hundred_buyers_race_for_ten_units(conninfo: str) -> None:
    owner = connect(conninfo)
    show = build_show(owner, allocated=10, stock=500)
    buyers = []
    with owner.cursor() as cur:
        for _ in range(110):
            buyer = f.create_customer(cur)
            f.add_to_cart(cur, buyer.profile_id, live_product_id=show.live_product_id)
            buyers.append(buyer)

    def buy(buyer: f.Account) -> Callable[[psycopg.Connection], Any]:
        return lambda c: checkout(c, buyer)

    results = concurrently(conninfo, [buy(b) for b in buyers])

    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, psycopg.Error)]
    assert len(won) == 10
    assert len(lost) == 100
    for err in lost:
        assert_refused(err, "23514", "Sold out")
    assert counter(owner, show.live_product_id) == (10, Decimal("199.90"))
    # The sale of the last unit published the row at once: clients see it sold out.
    live = owner.execute(
        "select sold_quantity, status, revenue from public.live_products where id = %s",
        (show.live_product_id,)).fetchone()
    assert live == (10, "sold_out", Decimal("199.90"))
    assert one(owner, "select stock_quantity from public.products where id = %s",
               (show.product_id,)) == 490
    assert one(owner, "select count(*) from public.orders") >= 10
    assert one(owner, "select count(*) from public.order_items where live_product_id = %s",
               (show.live_product_id,)) == 10
    assert one(owner, "select count(*) from public.influencer_earnings where session_id = %s",
               (show.session_id,)) == 10
    # The losers keep their carts; the winners' carts are empty.
    assert one(owner, "select count(*) from public.cart where live_product_id = %s",
               (show.live_product_id,)) == 100
    owner.close()


def test_order_numbers_are_unique_under_concurrency(conninfo: str) -> None:
    owner = connect(conninfo)
    show = build_show(owner)
    buyers = []
    with owner.cursor() as cur:
        for _ in range(50):
            buyer = f.create_customer(cur)
            product = f.create_product(cur, show.wholesaler.profile_id, stock=5)
            f.add_to_cart(cur, buyer.profile_id, product_id=product, quantity=2)
            buyers.append(buyer)

    results = concurrently(conninfo, [lambda c, b=b: checkout(c, b) for b in buyers])

    failures = [r for r in results if not isinstance(r, dict)]
    assert not failures
    numbers = [r["order_number"] for r in results]
    assert len(set(numbers)) == 50
    assert all(ORDER_NUMBER.match(n) for n in numbers)
    owner.close()


def test_per_buyer_limit(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    conn.execute("update public.live_products set max_per_buyer = 2 where id = %s",
                 (show.live_product_id,))
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2})
    checkout(conn, show.customer)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 1})

    with unchanged(conn):
        err = refused(conn, show.customer.user_id, "select public.checkout(%s)",
                      (str(uuid.uuid4()),))
    assert_refused(err, "23514", "Limit of 2 per buyer")


@pytest.mark.parametrize(("setup", "sqlstate", "message"), [
    ("update public.live_products set allocated_quantity = 1 where id = %(live)s",
     "23514", "Sold out: "),
    ("update public.products set stock_quantity = 0 where id = %(direct)s",
     "23514", "(0 left)"),
    ("update public.live_products set status = 'hidden' where id = %(live)s",
     "55000", "is not on sale"),
    ("update public.live_stream_sessions set status = 'ended' where id = %(session)s",
     "55000", "can only be bought during its live show"),
    ("update public.products set status = 'inactive' where id = %(direct)s",
     "55000", "is no longer available"),
])
def test_unavailable_items_refuse_the_whole_order(
    conn: psycopg.Connection, setup: str, sqlstate: str, message: str,
) -> None:
    show: Show = build_show(conn)
    with conn.cursor() as cur:
        direct = f.create_product(cur, show.wholesaler.profile_id)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2},
              wholesale={direct: 1})
    conn.execute(setup, {"live": show.live_product_id, "product": show.product_id,
                         "session": show.session_id, "direct": direct})

    with unchanged(conn):
        err = refused(conn, show.customer.user_id, "select public.checkout(%s)",
                      (str(uuid.uuid4()),))
    assert_refused(err, sqlstate, message)


def test_result_matches_what_was_stored(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 3})
    result = checkout(conn, show.customer)
    stored = rpc(conn, show.customer.user_id,
                 "select to_jsonb(o) from public.orders o where o.id = %s", (result["order_id"],))
    assert stored["order_number"] == result["order_number"]
    for field in ("subtotal", "discount_amount", "tax_amount", "shipping_amount", "total_amount"):
        assert money(stored[field]) == money(result[field]), field
    assert result["items"][0]["line_total"] == Decimal("59.97")


def _wait_for_lock_waiters(owner: psycopg.Connection, count: int) -> None:
    deadline = time.monotonic() + 10
    while one(owner, "select count(*) from pg_stat_activity"
                     " where wait_event_type = 'Lock' and datname = current_database()") < count:
        assert time.monotonic() < deadline, f"never {count} waiting on the counter"
        time.sleep(0.02)


def test_ending_a_show_waits_for_the_sales_in_flight(conninfo: str) -> None:
    """A buyer whose checkout holds the product's counter when the host ends the show still
    buys (the show ends right after its commit); a buyer who comes after the end is refused,
    and nothing is oversold. (A buyer still waiting for a counter is not in flight: row locks
    are not handed over in order, so the host's end may come first and refuse it.)"""
    owner, first_conn, ender_conn, late_conn = (connect(conninfo) for _ in range(4))
    for c in (first_conn, ender_conn, late_conn):
        # A lock that is never released fails the test instead of hanging it.
        c.execute("set statement_timeout = '20s'")
    show = build_show(owner)
    with owner.cursor() as cur:
        late = f.create_customer(cur)
    fill_cart(owner, show.customer.profile_id, live={show.live_product_id: 1})
    fill_cart(owner, late.profile_id, live={show.live_product_id: 1})
    outcome: dict[str, Any] = {}

    def end() -> None:
        try:
            outcome["end"] = rpc(ender_conn, show.host.user_id, "select public.end_show(%s)",
                                 (show.session_id,))
        except psycopg.Error as exc:
            outcome["end"] = exc

    with request_transaction(first_conn, "authenticated", show.customer.user_id) as cur:
        cur.execute("select public.checkout(%s)", (str(uuid.uuid4()),))
        first = cur.fetchone()[0]
        ender = threading.Thread(target=end, daemon=True)
        ender.start()
        _wait_for_lock_waiters(owner, 1)  # the host's end waits for this sale
        assert "end" not in outcome
    ender.join(30)
    assert not ender.is_alive()

    assert outcome["end"]["status"] == "ended", outcome["end"]
    assert one(owner, "select count(*) from public.orders where id = %s",
               (first["order_id"],)) == 1
    with unchanged(owner):
        err = refused(late_conn, late.user_id, "select public.checkout(%s)",
                      (str(uuid.uuid4()),))
    assert_refused(err, "55000", "can only be bought during its live show")
    assert one(owner, "select sold_quantity from public.live_products where id = %s",
               (show.live_product_id,)) == 1
    # The show is over: the 9 unsold units of its allocation of 10 are back in wholesale stock.
    assert one(owner, "select stock_quantity from public.products where id = %s",
               (show.product_id,)) == 99
    for c in (owner, first_conn, ender_conn, late_conn):
        c.close()


def test_an_order_larger_than_a_stripe_takes_units_from_several(conn: psycopg.Connection) -> None:
    """The counter is striped (8 rows of 2 units here); an order may need more than a stripe
    holds, and the item still sells exactly its allocation, no unit more."""
    show = build_show(conn, live_price="10.00", allocated=16)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 10})
    checkout(conn, show.customer)
    assert counter(conn, show.live_product_id) == (10, Decimal("100.00"))
    with conn.cursor() as cur:
        second = f.create_customer(cur)
    fill_cart(conn, second.profile_id, live={show.live_product_id: 7})
    with unchanged(conn):
        err = refused(conn, second.user_id, "select public.checkout(%s)", (str(uuid.uuid4()),))
    assert_refused(err, "23514", "(6 left)")
    conn.execute("update public.cart set quantity = 6 where customer_id = %s",
                 (second.profile_id,))
    checkout(conn, second)
    assert counter(conn, show.live_product_id) == (16, Decimal("160.00"))
    # The buyer of the last unit published the row: sold out at once.
    assert conn.execute("select sold_quantity, status from public.live_products where id = %s",
                        (show.live_product_id,)).fetchone() == (16, "sold_out")


def test_concurrent_buyers_of_several_units_never_oversell(conninfo: str) -> None:
    """40 buyers on their own connections, 25 units over 8 stripes."""
    owner = connect(conninfo)
    show = build_show(owner, live_price="10.00", allocated=25, stock=100)
    wanted = {}
    with owner.cursor() as cur:
        for n in range(40):
            buyer = f.create_customer(cur)
            f.add_to_cart(cur, buyer.profile_id, live_product_id=show.live_product_id,
                          quantity=1 + n % 3)
            wanted[buyer.user_id] = (buyer, 1 + n % 3)

    results = concurrently(conninfo, [lambda c, b=b: checkout(c, b)
                                      for b, _ in wanted.values()])

    won = [r for r in results if isinstance(r, dict)]
    for err in (r for r in results if not isinstance(r, dict)):
        assert_refused(err, "23514", "Sold out")
    units = sum(r["items"][0]["quantity"] for r in won)
    left = 25 - units
    # 79 units were wanted, 1 to 3 at a time: the item sold out, and no buyer was refused while
    # what they wanted was still there (units only go, so at most 2 can be left).
    assert 0 <= left < 3
    assert counter(owner, show.live_product_id) == (units, Decimal("10.00") * units)
    assert one(owner, "select sum(quantity) from public.order_items where live_product_id = %s",
               (show.live_product_id,)) == units
    assert one(owner, "select count(*) from private.live_sales where live_product_id = %s"
                      " and sold > allocated", (show.live_product_id,)) == 0
    assert published(owner, show)[:2] == (units, "sold_out" if left == 0 else "active")
    owner.close()
