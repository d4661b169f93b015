"""checkout_items(): an order from items given in the call, placed as the cart's would be."""

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
from psycopg.types.json import Jsonb
from test_fn_support import (
    Show,
    assert_refused,
    build_show,
    checkout,
    concurrently,
    connect,
    fill_cart,
    one,
    refused,
    rpc,
    unchanged,
)

from studio.server.request_context import request_transaction

ORDER_NUMBER = re.compile(r"^SS-\d{6}-\d{6,}$")
CALL = "select public.checkout_items(%s, %s)"


def buy(conn: psycopg.Connection, customer: f.Account, items: Any,
        key: str | None = None) -> dict[str, Any]:
    """Check out `items` as the customer; returns the function's jsonb."""
    return rpc(conn, customer.user_id, CALL, (key or str(uuid.uuid4()), Jsonb(items)))


def live(live_id: str, quantity: int = 1) -> dict[str, Any]:
    return {"live_product_id": live_id, "quantity": quantity}


def without_ids(order: dict[str, Any]) -> dict[str, Any]:
    """What an order says, without what differs between any two orders (ids, number, time)."""
    skip = {"order_id", "order_number", "placed_at", "replayed", "items"}
    return {**{k: v for k, v in order.items() if k not in skip},
            "items": [{k: v for k, v in i.items() if k != "id"} for i in order["items"]]}


def stored(conn: psycopg.Connection, order_id: str) -> dict[str, Any]:
    """An order's stored rows (lines, commission, the host's notice) without their ids."""
    lines = conn.execute(
        "select live_product_id::text, product_id::text, session_id::text, influencer_id::text,"
        " wholesaler_id::text, product_name, sku, list_unit_price, unit_price, is_flash_price,"
        " quantity, line_total, commission_rate, commission_amount from public.order_items"
        " where order_id = %s order by live_product_id nulls last", (order_id,)).fetchall()
    earnings = conn.execute(
        "select influencer_id::text, session_id::text, gross_amount, commission_rate, amount,"
        " status from public.influencer_earnings where order_id = %s", (order_id,)).fetchall()
    told = conn.execute(
        "select influencer_id::text, type, title, body, data - 'order_id' - 'order_item_ids'"
        " from public.influencer_notifications where data->>'order_id' = %s",
        (order_id,)).fetchall()
    order = conn.execute(
        "select status, payment_status, shipping_address, contact_email is not null"
        " from public.orders where id = %s", (order_id,)).fetchone()
    return {"lines": lines, "earnings": earnings, "told": told, "order": order}


def test_items_are_placed_as_the_cart_places_them(conn: psycopg.Connection) -> None:
    """The same purchase through the cart and through checkout_items gives the same order, the
    same lines, commission and notice to the host, and takes the same units."""
    show = build_show(conn, live_price="19.99", allocated=10)
    conn.execute("update public.live_products set flash_price = 14.99,"
                 " flash_starts_at = now() - interval '1 second',"
                 " flash_ends_at = now() + interval '1 minute' where id = %s",
                 (show.live_product_id,))
    with conn.cursor() as cur:
        direct = f.create_product(cur, show.wholesaler.profile_id, retail_price="25.00", stock=7)
        other = f.create_customer(cur)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2},
              wholesale={direct: 1})
    by_cart = checkout(conn, show.customer)
    # The second buyer has something else in their cart, which checkout_items leaves alone.
    fill_cart(conn, other.profile_id, live={show.live_product_id: 3})

    by_items = buy(conn, other, [{"product_id": direct}, live(show.live_product_id, 2)])

    assert without_ids(by_items) == without_ids(by_cart)
    assert by_items["total_amount"] == Decimal("59.38")  # 64.98 - 10.00 flash + 4.40 tax
    assert ORDER_NUMBER.match(by_items["order_number"])
    assert by_items["order_number"] != by_cart["order_number"]
    assert stored(conn, by_items["order_id"]) == stored(conn, by_cart["order_id"])
    assert one(conn, "select customer_id::text from public.orders where id = %s",
               (by_items["order_id"],)) == other.profile_id
    assert one(conn, "select sum(sold)::int from private.live_sales where live_product_id = %s",
               (show.live_product_id,)) == 4
    assert one(conn, "select stock_quantity from public.products where id = %s", (direct,)) == 5
    assert conn.execute("select live_product_id::text, quantity from public.cart"
                        " where customer_id = %s", (other.profile_id,)).fetchall() == [
        (show.live_product_id, 3)]


def test_each_host_is_told_once_per_order_with_its_lines(conn: psycopg.Connection) -> None:
    """An order of several live items, from two shows: each host gets one notice naming their
    lines (by name), their units and amount, and the show."""
    first = build_show(conn, live_price="10.00")
    second = build_show(conn, live_price="7.50")
    with conn.cursor() as cur:
        extra = f.create_live_product(cur, first.session_id, first.host.profile_id,
                                      live_price="4.25", allocated=5)

    result = buy(conn, first.customer, [live(first.live_product_id), live(extra, 2),
                                        live(second.live_product_id, 3)])

    def notices(show: Show) -> list[tuple[Any, ...]]:
        return conn.execute(
            "select title, body, data from public.influencer_notifications"
            " where influencer_id = %s and type = 'order'", (show.host.profile_id,)).fetchall()

    def name(live_id: str) -> str:
        return one(conn, "select name from public.live_products where id = %s", (live_id,))

    def title(show: Show) -> str:
        return one(conn, "select title from public.live_stream_sessions where id = %s",
                   (show.session_id,))

    lines = {i["live_product_id"]: i["id"] for i in result["items"]}
    [(heading, body, data)] = notices(first)
    named = sorted([(name(first.live_product_id), 1), (name(extra), 2)])
    assert heading == "New order: " + ", ".join(f"{q} x {n}" for n, q in named)
    assert body == f"USD 18.50 during {title(first)}"
    assert data == {"order_id": result["order_id"], "session_id": first.session_id,
                    "order_item_ids": sorted([lines[first.live_product_id], lines[extra]]),
                    "units": 3, "amount": Decimal("18.50")}
    [(heading, body, data)] = notices(second)
    assert heading == f"New order: 3 x {name(second.live_product_id)}"
    assert body == f"USD 22.50 during {title(second)}"
    assert data == {"order_id": result["order_id"], "session_id": second.session_id,
                    "order_item_ids": [lines[second.live_product_id]], "units": 3,
                    "amount": Decimal("22.50")}


def test_quantity_defaults_to_one_and_the_key_replays_the_order(
    conn: psycopg.Connection,
) -> None:
    show = build_show(conn)
    key = str(uuid.uuid4())

    first = buy(conn, show.customer, [{"live_product_id": show.live_product_id}], key)
    # A retry with the same key returns that order, whatever it asks for now.
    second = buy(conn, show.customer, [live(show.live_product_id, 5)], key)

    assert first["items"][0]["quantity"] == 1
    assert second["replayed"] is True
    assert second["order_id"] == first["order_id"]
    assert one(conn, "select count(*) from public.orders where customer_id = %s",
               (show.customer.profile_id,)) == 1
    assert one(conn, "select sum(sold)::int from private.live_sales where live_product_id = %s",
               (show.live_product_id,)) == 1


_NOT_ARRAY = ("22023", "p_items must be a non-empty JSON array")
_QUANTITY = ("22023", "Item quantity must be a whole number from 1 to 999")
_NONE = ("P0002", "No such product on sale")
# (case, items built from the show's ids, sqlstate, message)
BAD_ITEMS: list[tuple[str, Callable[[dict[str, str]], Any], str, str]] = [
    ("no items", lambda ids: None, *_NOT_ARRAY),
    ("an object", lambda ids: {"live_product_id": ids["live"]}, *_NOT_ARRAY),
    ("empty", lambda ids: [], *_NOT_ARRAY),
    ("101 items", lambda ids: [live(str(uuid.uuid4())) for _ in range(101)],
     "22023", "at most 100 items"),
    ("not an object", lambda ids: [ids["live"]], "22023", "not a JSON string"),
    ("unknown field", lambda ids: [{"live_product_id": ids["live"], "qty": 2}],
     "22023", "Unknown item field: qty"),
    ("both ids", lambda ids: [{"live_product_id": ids["live"], "product_id": ids["direct"]}],
     "22023", "exactly one of product_id and live_product_id"),
    ("no id", lambda ids: [{"quantity": 1}],
     "22023", "exactly one of product_id and live_product_id"),
    ("id a number", lambda ids: [{"live_product_id": 7}], "22023", "must be UUID strings, not 7"),
    ("id not a uuid", lambda ids: [{"product_id": "abc"}],
     "22P02", 'invalid input syntax for type uuid: "abc"'),
    ("same product twice", lambda ids: [live(ids["live"]), live(ids["live"], 2)],
     "22023", "names " + "{live} twice"),
    ("quantity 0", lambda ids: [live(ids["live"], 0)], *_QUANTITY),
    ("quantity 1000", lambda ids: [live(ids["live"], 1000)], *_QUANTITY),
    ("quantity 1.5", lambda ids: [{"live_product_id": ids["live"], "quantity": 1.5}], *_QUANTITY),
    ("quantity a string", lambda ids: [{"live_product_id": ids["live"], "quantity": "2"}],
     *_QUANTITY),
    ("quantity null", lambda ids: [{"live_product_id": ids["live"], "quantity": None}],
     *_QUANTITY),
    ("unknown live product", lambda ids: [live(ids["unknown"])], *_NONE),
    ("unknown product", lambda ids: [{"product_id": ids["unknown"]}], *_NONE),
    ("draft live product", lambda ids: [live(ids["draft"])], *_NONE),
    ("inactive product", lambda ids: [{"product_id": ids["inactive"]}], *_NONE),
    ("a rehearsal's item", lambda ids: [live(ids["rehearsal"])], *_NONE),
    ("an unvetted supplier's product", lambda ids: [{"product_id": ids["unvetted"]}], *_NONE),
    ("more than allocated", lambda ids: [live(ids["live"], 11)], "23514", "Sold out: "),
    ("more than in stock", lambda ids: [{"product_id": ids["direct"], "quantity": 8}],
     "23514", "(7 left)"),
]


@pytest.fixture
def shop(conn: psycopg.Connection) -> tuple[Show, dict[str, str]]:
    show = build_show(conn, allocated=10)
    with conn.cursor() as cur:
        direct = f.create_product(cur, show.wholesaler.profile_id, stock=7)
        inactive = f.create_product(cur, show.wholesaler.profile_id, status="inactive")
        draft = f.create_live_product(cur, show.session_id, show.host.profile_id)
        rehearsal_show = f.create_session(cur, show.host.profile_id)
        rehearsal = f.create_live_product(cur, rehearsal_show, show.host.profile_id)
        supplier = f.create_wholesaler(cur)
        unvetted = f.create_product(cur, supplier.profile_id)
    conn.execute("update public.live_products set status = 'draft' where id = %s", (draft,))
    conn.execute("update public.live_stream_sessions set is_rehearsal = true where id = %s",
                 (rehearsal_show,))
    conn.execute("update public.wholesalers set verification_status = 'pending' where id = %s",
                 (supplier.profile_id,))
    return show, {"live": show.live_product_id, "direct": direct, "inactive": inactive,
                  "draft": draft, "rehearsal": rehearsal, "unvetted": unvetted,
                  "unknown": str(uuid.uuid4())}


@pytest.mark.parametrize(("items", "sqlstate", "message"), [c[1:] for c in BAD_ITEMS],
                         ids=[c[0] for c in BAD_ITEMS])
def test_bad_items_are_refused_and_change_nothing(
    conn: psycopg.Connection, shop: tuple[Show, dict[str, str]],
    items: Callable[[dict[str, str]], Any], sqlstate: str, message: str,
) -> None:
    show, ids = shop
    value = items(ids)
    with unchanged(conn):
        err = refused(conn, show.customer.user_id, CALL,
                      (str(uuid.uuid4()), None if value is None else Jsonb(value)))
    assert_refused(err, sqlstate, message.format(**ids))


def test_an_item_not_on_sale_is_named_by_its_id_only(
    conn: psycopg.Connection, shop: tuple[Show, dict[str, str]],
) -> None:
    """A draft item's name is not public: the refusal gives back only the id the caller sent."""
    show, ids = shop
    name = one(conn, "select name from public.live_products where id = %s", (ids["draft"],))
    err = refused(conn, show.customer.user_id, CALL,
                  (str(uuid.uuid4()), Jsonb([live(ids["draft"])])))
    assert name not in str(err)
    assert ids["draft"] in str(err)


@pytest.mark.parametrize(("who", "sqlstate", "message"), [
    ("anon", "42501", "permission denied for function checkout_items"),
    ("host", "42501", "Only customers can check out"),
    ("own host", "42501", "You host this show"),
])
def test_only_customers_buy_and_never_from_their_own_show(
    conn: psycopg.Connection, shop: tuple[Show, dict[str, str]], who: str, sqlstate: str,
    message: str,
) -> None:
    show, ids = shop
    user, role = {"anon": (None, "anon"), "host": (show.host.user_id, "authenticated"),
                  "own host": (None, "authenticated")}[who]
    if who == "own host":
        # The show's host also has a customer profile: still not a buyer of their own show.
        with conn.cursor() as cur:
            cur.execute("insert into public.customers (user_id, shipping_address) values (%s,"
                        " '{\"line1\": \"1 Main St\", \"city\": \"X\", \"country\": \"US\"}')",
                        (show.host.user_id,))
        user = show.host.user_id
    with unchanged(conn):
        err = refused(conn, user, CALL, (str(uuid.uuid4()), Jsonb([live(ids["live"])])),
                      role=role)
    assert_refused(err, sqlstate, message)


def test_buyers_racing_for_the_last_units_never_oversell(conninfo: str) -> None:
    owner = connect(conninfo)
    show = build_show(owner, allocated=10, live_price="19.99")
    with owner.cursor() as cur:
        buyers = [f.create_customer(cur) for _ in range(60)]

    results = concurrently(
        conninfo, [lambda c, b=b: buy(c, b, [live(show.live_product_id)]) for b in buyers])

    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if not isinstance(r, dict)]
    assert len(won) == 10
    assert len(lost) == 50
    for err in lost:
        assert_refused(err, "23514", "Sold out")
    assert owner.execute(
        "select sold_quantity, status, revenue from public.live_products where id = %s",
        (show.live_product_id,)).fetchone() == (10, "sold_out", Decimal("199.90"))
    assert one(owner, "select count(*) from public.order_items where live_product_id = %s",
               (show.live_product_id,)) == 10
    assert one(owner, "select count(*) from public.cart where live_product_id = %s",
               (show.live_product_id,)) == 0
    owner.close()


def _wait_for_a_lock_waiter(owner: psycopg.Connection) -> None:
    deadline = time.monotonic() + 10
    while one(owner, "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                     " and datname = current_database() and query like %s",
              ("%checkout_items%",)) == 0:
        assert time.monotonic() < deadline, "the second order never waited for the first"
        time.sleep(0.02)


def test_per_buyer_limit_holds_across_the_cart_and_items(conninfo: str) -> None:
    """A buyer's cart checkout and their direct order of a limited item, at the same time: the
    second waits for the first and counts it, so the limit of 1 is not exceeded."""
    owner, cart_conn, items_conn = connect(conninfo), connect(conninfo), connect(conninfo)
    items_conn.execute("set statement_timeout = '20s'")
    show = build_show(owner)
    owner.execute("update public.live_products set max_per_buyer = 1 where id = %s",
                  (show.live_product_id,))
    fill_cart(owner, show.customer.profile_id, live={show.live_product_id: 1})
    outcome: dict[str, Any] = {}

    def order_directly() -> None:
        try:
            outcome["items"] = buy(items_conn, show.customer, [live(show.live_product_id)])
        except psycopg.Error as exc:
            outcome["items"] = exc

    with request_transaction(cart_conn, "authenticated", show.customer.user_id) as cur:
        cur.execute("select public.checkout(%s)", (str(uuid.uuid4()),))
        thread = threading.Thread(target=order_directly, daemon=True)
        thread.start()
        _wait_for_a_lock_waiter(owner)
        assert "items" not in outcome
    thread.join(20)

    assert isinstance(outcome["items"], psycopg.Error), outcome["items"]
    assert_refused(outcome["items"], "23514", "Limit of 1 per buyer")
    assert one(owner, "select count(*) from public.orders where customer_id = %s",
               (show.customer.profile_id,)) == 1
    for c in (owner, cart_conn, items_conn):
        c.close()
