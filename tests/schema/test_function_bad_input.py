"""Bad input to every RPC function: a SQLSTATE, a human message, and nothing written."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import factories as f
import psycopg
import pytest
from test_fn_support import Show, assert_refused, build_show, connect, fill_cart, refused, unchanged


@dataclass
class World:
    show: Show
    scheduled: Show
    other: Show
    admin: f.Account
    empty_customer: f.Account
    order_id: str


@pytest.fixture(scope="module")
def world(conninfo: str) -> World:
    conn = connect(conninfo)
    show = build_show(conn)
    scheduled = build_show(conn, status="scheduled")
    other = build_show(conn)
    with conn.cursor() as cur:
        admin = f.create_admin(cur)
        empty_customer = f.create_customer(cur)
        cur.execute("insert into public.orders (customer_id, subtotal, total_amount)"
                    " values (%s, 10, 10) returning id", (other.customer.profile_id,))
        order_id = str(cur.fetchone()[0])
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 1})
    conn.close()
    return World(show, scheduled, other, admin, empty_customer, order_id)


MISSING = str(uuid.UUID(int=1))
KEY = "0b5a3c1e-8f59-4c1e-9d59-2e7f0c1d2a3b"

# (case id, who, sql, params(world), sqlstate, message)
# who: a key of `caller` below
CASES: list[tuple[str, str, str, Callable[[World], tuple], str, str]] = [
    # checkout
    ("checkout null key", "customer", "select public.checkout(null)", lambda w: (),
     "22023", "p_idempotency_key is required"),
    ("checkout key not a uuid", "customer", "select public.checkout('not-a-uuid'::uuid)",
     lambda w: (), "22P02", "invalid input syntax for type uuid"),
    ("checkout address is a JSON string", "customer",
     "select public.checkout(%s, '\"1 Main St\"'::jsonb)", lambda w: (KEY,),
     "22023", "p_shipping_address must be a JSON object, not a JSON string"),
    ("checkout address is an array", "customer", "select public.checkout(%s, '[1]'::jsonb)",
     lambda w: (KEY,), "22023", "p_shipping_address must be a JSON object"),
    ("checkout malformed JSON", "customer", "select public.checkout(%s, '{\"line1\":'::jsonb)",
     lambda w: (KEY,), "22P02", "invalid input syntax for type json"),
    ("checkout address without city", "customer",
     "select public.checkout(%s, '{\"line1\": \"1 Main St\", \"country\": \"US\"}'::jsonb)",
     lambda w: (KEY,), "22023", "p_shipping_address.city is required"),
    ("checkout address city not a string", "customer",
     "select public.checkout(%s, '{\"line1\": \"x\", \"city\": 7, \"country\": \"US\"}')",
     lambda w: (KEY,), "22023", "p_shipping_address.city is required"),
    ("checkout notes too long", "customer", "select public.checkout(%s, null, repeat('x', 1001))",
     lambda w: (KEY,), "22023", "p_notes must be at most 1000 characters"),
    ("checkout empty cart", "empty", "select public.checkout(%s)", lambda w: (KEY,),
     "22023", "The cart is empty"),
    ("checkout as a host", "host", "select public.checkout(%s)", lambda w: (KEY,),
     "42501", "Only customers can check out"),
    ("checkout as an admin", "admin", "select public.checkout(%s)", lambda w: (KEY,),
     "42501", "Only customers can check out"),
    ("checkout as anon", "anon", "select public.checkout(%s)", lambda w: (KEY,),
     "42501", "permission denied for function checkout"),
    # start_show / end_show
    ("start_show null", "host", "select public.start_show(null)", lambda w: (),
     "22023", "p_session_id is required"),
    ("start_show not a uuid", "host", "select public.start_show('42'::uuid)", lambda w: (),
     "22P02", "invalid input syntax for type uuid"),
    ("start_show unknown show", "host", "select public.start_show(%s)", lambda w: (MISSING,),
     "P0002", "not found"),
    ("start_show another host's show", "other_host", "select public.start_show(%s)",
     lambda w: (w.scheduled.session_id,), "42501", "Only the host of this show"),
    ("start_show as anon", "anon", "select public.start_show(%s)",
     lambda w: (w.scheduled.session_id,), "42501", "permission denied for function"),
    ("end_show null", "host", "select public.end_show(null)", lambda w: (),
     "22023", "p_session_id is required"),
    ("end_show unknown show", "host", "select public.end_show(%s)", lambda w: (MISSING,),
     "P0002", "not found"),
    ("end_show another host's show", "other_host", "select public.end_show(%s)",
     lambda w: (w.show.session_id,), "42501", "Only the host of this show"),
    ("end_show scheduled show", "scheduled_host", "select public.end_show(%s)",
     lambda w: (w.scheduled.session_id,), "55000", "Cannot end the show: it is scheduled"),
    # feature_live_product
    ("feature null show", "host", "select public.feature_live_product(null, %s)",
     lambda w: (w.show.live_product_id,), "22023", "p_session_id is required"),
    ("feature unknown product", "host", "select public.feature_live_product(%s, %s)",
     lambda w: (w.show.session_id, MISSING), "P0002", "not found"),
    ("feature another show's product", "host", "select public.feature_live_product(%s, %s)",
     lambda w: (w.show.session_id, w.other.live_product_id), "22023", "belongs to another show"),
    ("feature on another host's show", "other_host",
     "select public.feature_live_product(%s, %s)",
     lambda w: (w.show.session_id, w.show.live_product_id), "42501", "Only the host"),
    # start_flash_sale / cancel_flash_sale
    ("flash null product", "host", "select public.start_flash_sale(null, 5, 60)", lambda w: (),
     "22023", "p_live_product_id is required"),
    ("flash null price", "host", "select public.start_flash_sale(%s, null, 60)",
     lambda w: (w.show.live_product_id,), "22023", "p_flash_price is required"),
    ("flash null duration", "host", "select public.start_flash_sale(%s, 5, null)",
     lambda w: (w.show.live_product_id,), "22023", "p_duration_seconds is required"),
    ("flash price not a number", "host", "select public.start_flash_sale(%s, 'cheap'::numeric, 60)",
     lambda w: (w.show.live_product_id,), "22P02", "invalid input syntax for type numeric"),
    ("flash duration not an integer", "host",
     "select public.start_flash_sale(%s, 5, '1.5'::integer)",
     lambda w: (w.show.live_product_id,), "22P02", "invalid input syntax for type integer"),
    ("flash unknown product", "host", "select public.start_flash_sale(%s, 5, 60)",
     lambda w: (MISSING,), "P0002", "not found"),
    ("flash as anon", "anon", "select public.start_flash_sale(%s, 5, 60)",
     lambda w: (w.show.live_product_id,), "42501", "permission denied for function"),
    ("cancel null", "host", "select public.cancel_flash_sale(null)", lambda w: (),
     "22023", "p_live_product_id is required"),
    ("cancel unknown product", "host", "select public.cancel_flash_sale(%s)",
     lambda w: (MISSING,), "P0002", "not found"),
    ("cancel when none runs", "host", "select public.cancel_flash_sale(%s)",
     lambda w: (w.show.live_product_id,), "55000", "No flash sale is running"),
    # record_payment_event
    ("payment null order", "service", "select public.record_payment_event(null, 'paid')",
     lambda w: (), "22023", "p_order_id is required"),
    ("payment null status", "service", "select public.record_payment_event(%s, null)",
     lambda w: (w.order_id,), "22023", "p_status must be one of paid, failed, refunded"),
    ("payment unknown status", "service", "select public.record_payment_event(%s, 'settled')",
     lambda w: (w.order_id,), "22023", "(got settled)"),
    ("payment unknown order", "service", "select public.record_payment_event(%s, 'paid')",
     lambda w: (MISSING,), "P0002", "not found"),
    ("payment reference too long", "service",
     "select public.record_payment_event(%s, 'paid', repeat('r', 201))",
     lambda w: (w.order_id,), "22023", "p_payment_reference must be at most 200 characters"),
    ("payment by a customer", "customer", "select public.record_payment_event(%s, 'paid')",
     lambda w: (w.order_id,), "42501", "permission denied for function"),
    # read models
    ("goal_progress null date", "host", "select * from public.goal_progress(null)", lambda w: (),
     "22023", "p_at is required"),
    ("goal_progress bad date", "host", "select * from public.goal_progress('2026-02-30')",
     lambda w: (), "22008", "date/time field value out of range"),
    ("goal_progress as a customer", "customer", "select * from public.goal_progress()",
     lambda w: (), "42501", "Only hosts"),
    ("earnings_by_period bad granularity", "host",
     "select * from public.earnings_by_period('year')", lambda w: (),
     "22023", "p_granularity must be week, month or quarter (got year)"),
    ("earnings_by_period null granularity", "host",
     "select * from public.earnings_by_period(null)", lambda w: (),
     "22023", "p_granularity must be week, month or quarter"),
    ("earnings_by_period reversed range", "host",
     "select * from public.earnings_by_period('month', '2026-05-01', '2026-04-01')",
     lambda w: (), "22023", "must not be after p_to"),
    ("earnings_by_period as a customer", "customer", "select * from public.earnings_by_period()",
     lambda w: (), "42501", "Only hosts"),
    ("earnings_by_show reversed range", "host",
     "select * from public.earnings_by_show('2026-05-01', '2026-04-01')", lambda w: (),
     "22023", "must not be after p_to"),
    ("earnings_by_show as anon", "anon", "select * from public.earnings_by_show()", lambda w: (),
     "42501", "permission denied for function"),
    ("show_live_stats null", "host", "select public.show_live_stats(null)", lambda w: (),
     "22023", "p_session_id is required"),
    ("show_live_stats unknown show", "host", "select public.show_live_stats(%s)",
     lambda w: (MISSING,), "P0002", "not found"),
    ("show_live_stats another host's show", "other_host", "select public.show_live_stats(%s)",
     lambda w: (w.show.session_id,), "42501", "Only the host of this show"),
]


def caller(world: World, who: str) -> tuple[str, str | None]:
    return {
        "customer": ("authenticated", world.show.customer.user_id),
        "empty": ("authenticated", world.empty_customer.user_id),
        "host": ("authenticated", world.show.host.user_id),
        "other_host": ("authenticated", world.other.host.user_id),
        "scheduled_host": ("authenticated", world.scheduled.host.user_id),
        "admin": ("authenticated", world.admin.user_id),
        "anon": ("anon", None),
        "service": ("service_role", None),
    }[who]


@pytest.mark.parametrize(("who", "query", "params", "sqlstate", "message"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_changes_nothing(
    conn: psycopg.Connection, world: World, who: str, query: str,
    params: Callable[[World], tuple[Any, ...]], sqlstate: str, message: str,
) -> None:
    role, user_id = caller(world, who)
    with unchanged(conn):
        err = refused(conn, user_id, query, params(world), role=role)
    assert_refused(err, sqlstate, message)


def test_every_api_function_has_bad_input_cases() -> None:
    covered = {q.split("public.")[1].split("(")[0] for _, _, q, *_ in CASES}
    assert covered == {"checkout", "start_show", "end_show", "feature_live_product",
                       "start_flash_sale", "cancel_flash_sale", "record_payment_event",
                       "goal_progress", "earnings_by_period", "earnings_by_show",
                       "show_live_stats"}
