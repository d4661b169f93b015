"""Access holes found by attacking every role: private functions, who may sell, buy and chat."""

from __future__ import annotations

import uuid

import factories as f
import psycopg
import pytest
from test_fn_support import (
    Show,
    assert_refused,
    build_show,
    fill_cart,
    one,
    refused,
    rpc,
    unchanged,
)

# private functions the API roles may execute: those policies call, and those the functions and
# triggers running with the caller's rights call (ACCESS.md, "Functions").
_POLICY_FUNCTIONS = {
    "private.current_customer_id()", "private.current_influencer_id()",
    "private.current_wholesaler_id()", "private.is_admin()", "private.is_super_admin()",
    "private.preview_session_ids()", "private.verified_wholesaler_ids()",
    "private.is_blank(text)", "private.is_api_user()", "private.name_key(text)",
}
_CALLER_RIGHTS = {
    "private.chat_display_name(uuid)", "private.require_host(uuid,boolean,text)",
    "private.require_arg(anyelement,text)", "private.require_influencer()",
    "private.effective_price_at(live_products,timestamp with time zone)",
    "private.show_sales_totals(uuid)",
    # The cart's insert policy (customers only).
    "private.on_sale_to_shoppers(uuid,uuid)",
    # apply_ops (sync protocol) runs as its caller.
    "private.sync_claim_op(uuid)", "private.sync_finish_op(uuid,jsonb)",
    "private.sync_noun(text)", "private.sync_row(text,uuid)", "private.sync_check_ops(jsonb)",
    "private.sync_apply_op(jsonb)",
}
_PUBLIC_EXECUTE = """
  select p.oid::regprocedure::text from pg_proc p
   where p.pronamespace = 'private'::regnamespace
     and (p.proacl is null
          or exists (select 1 from aclexplode(p.proacl) a
                      where a.grantee = 0 and a.privilege_type = 'EXECUTE'))"""


# ------------------------------------------------------------------ B4: private functions
def test_no_private_function_is_executable_by_public(conn: psycopg.Connection) -> None:
    assert [r[0] for r in conn.execute(_PUBLIC_EXECUTE)] == []


def test_private_functions_created_later_start_without_public_execute(
    conn: psycopg.Connection,
) -> None:
    with conn.transaction(force_rollback=True):
        conn.execute("create function private.added_later() returns int"
                     " language sql set search_path = '' as 'select 1'")
        assert "private.added_later()" not in [r[0] for r in conn.execute(_PUBLIC_EXECUTE)]
        assert one(conn, "select has_function_privilege('anon', 'private.added_later()',"
                         " 'execute')") is False


@pytest.mark.parametrize(("role", "allowed"), [
    ("anon", _POLICY_FUNCTIONS), ("authenticated", _POLICY_FUNCTIONS | _CALLER_RIGHTS)])
def test_api_roles_execute_only_the_documented_private_functions(
    conn: psycopg.Connection, role: str, allowed: set[str],
) -> None:
    rows = conn.execute(
        "select replace(p.oid::regprocedure::text, ', ', ',') from pg_proc p"
        " where p.pronamespace = 'private'::regnamespace"
        " and has_function_privilege(%s, p.oid, 'execute')", (role,)).fetchall()
    executable = {r[0] for r in rows}
    assert "private.owned_show(uuid,boolean,text)" not in executable
    assert executable <= allowed, executable - allowed


# ------------------------------------------------------------------ who may sell and buy
def _suspend(conn: psycopg.Connection, table: str, profile_id: str) -> None:
    conn.execute(f"update public.{table} set verification_status = 'pending' where id = %s",
                 (profile_id,))


def _refused_checkout(conn: psycopg.Connection, show: Show, user_id: str | None = None,
                      ) -> psycopg.Error:
    with unchanged(conn):
        return refused(conn, user_id or show.customer.user_id, "select public.checkout(%s)",
                       (str(uuid.uuid4()),))


def test_unvetted_suppliers_products_cannot_be_bought(conn: psycopg.Connection) -> None:
    """B1: the cart was filled while the wholesaler was verified; it is not any more."""
    show = build_show(conn)
    with conn.cursor() as cur:
        direct = f.create_product(cur, show.wholesaler.profile_id)
    fill_cart(conn, show.customer.profile_id, wholesale={direct: 1})
    _suspend(conn, "wholesalers", show.wholesaler.profile_id)

    assert_refused(_refused_checkout(conn, show), "55000", "is no longer available")
    assert rpc(conn, show.customer.user_id,
               "select count(*) from public.products where id = %s", (direct,)) == 0


def test_lineup_items_of_an_unvetted_supplier_are_not_sold(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 1})
    _suspend(conn, "wholesalers", show.wholesaler.profile_id)

    assert_refused(_refused_checkout(conn, show), "55000", "supplier is not verified")


def test_unvetted_host_sells_nothing(conn: psycopg.Connection) -> None:
    """B2: a host whose verification lapsed mid-show earns no commission from then on."""
    show = build_show(conn)
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 1})
    _suspend(conn, "influencers", show.host.profile_id)

    assert_refused(_refused_checkout(conn, show), "55000", "host is not verified")


def test_unvetted_host_may_rehearse(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    conn.execute("update public.live_stream_sessions set is_rehearsal = true where id = %s",
                 (show.session_id,))
    _suspend(conn, "influencers", show.host.profile_id)

    state = rpc(conn, show.host.user_id, "select public.start_show(%s)", (show.session_id,))

    assert state["status"] == "live"


def test_rehearsal_items_are_sold_to_nobody(conn: psycopg.Connection) -> None:
    """B5: an item id of a live rehearsal, learned elsewhere and put in a cart."""
    show = build_show(conn, status="scheduled")
    conn.execute("update public.live_stream_sessions set is_rehearsal = true where id = %s",
                 (show.session_id,))
    rpc(conn, show.host.user_id, "select public.start_show(%s)", (show.session_id,))
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 1})

    assert_refused(_refused_checkout(conn, show), "55000", "part of a rehearsal")


def _as_customer(conn: psycopg.Connection, user_id: str) -> str:
    """A customer profile for an account that already has another role."""
    conn.execute("insert into public.customers (user_id, shipping_address) values (%s,"
                 " '{\"line1\": \"3 Own St\", \"city\": \"Springfield\", \"country\": \"US\"}')",
                 (user_id,))
    return one(conn, "select id from public.customers where user_id = %s", (user_id,))


_ADD = ("insert into public.cart (customer_id, product_id, live_product_id, quantity)"
        " values (%s, %s, %s, 1)")


def test_a_cart_takes_only_what_is_on_sale_to_shoppers_even_from_its_seller(
    conn: psycopg.Connection,
) -> None:
    """Sellers see their own unlisted items; their carts take only what shoppers can buy."""
    show = build_show(conn, status="scheduled")
    conn.execute("update public.live_stream_sessions set is_rehearsal = true where id = %s",
                 (show.session_id,))
    host_cart = _as_customer(conn, show.host.user_id)
    with unchanged(conn):
        err = refused(conn, show.host.user_id, _ADD, (host_cart, None, show.live_product_id))
    assert_refused(err, "42501", "row-level security")

    conn.execute("update public.wholesalers set verification_status = 'pending' where id = %s",
                 (show.wholesaler.profile_id,))
    supplier_cart = _as_customer(conn, show.wholesaler.user_id)
    with unchanged(conn):
        err = refused(conn, show.wholesaler.user_id, _ADD, (supplier_cart, show.product_id, None))
    assert_refused(err, "42501", "row-level security")

    # Once vetted and in a public show, the same items go into the same carts.
    conn.execute("update public.wholesalers set verification_status = 'verified' where id = %s",
                 (show.wholesaler.profile_id,))
    conn.execute("update public.live_stream_sessions set is_rehearsal = false where id = %s",
                 (show.session_id,))
    rpc(conn, show.host.user_id, _ADD, (host_cart, None, show.live_product_id))
    rpc(conn, show.wholesaler.user_id, _ADD, (supplier_cart, show.product_id, None))
    assert one(conn, "select count(*) from public.cart where customer_id in (%s, %s)",
               (host_cart, supplier_cart)) == 2


def test_host_cannot_buy_from_own_show(conn: psycopg.Connection) -> None:
    """B6: self-dealing. The host also shops (a customer profile of the same user)."""
    show = build_show(conn)
    host_as_customer = _as_customer(conn, show.host.user_id)
    fill_cart(conn, host_as_customer, live={show.live_product_id: 1})

    assert_refused(_refused_checkout(conn, show, show.host.user_id), "42501", "You host this show")

    # Another host buying from this show is an ordinary customer: the sale earns commission.
    other = build_show(conn)
    other_as_customer = _as_customer(conn, other.host.user_id)
    fill_cart(conn, other_as_customer, live={show.live_product_id: 1})
    rpc(conn, other.host.user_id, "select public.checkout(%s)", (str(uuid.uuid4()),))
    assert one(conn, "select count(*) from public.influencer_earnings where influencer_id = %s",
               (show.host.profile_id,)) == 1


def test_new_show_cannot_start_in_the_past_but_existing_ones_keep_their_dates(
    conn: psycopg.Connection,
) -> None:
    """D3 (server half)."""
    show = build_show(conn, status="scheduled")
    with unchanged(conn):
        err = refused(conn, show.host.user_id,
                      "insert into public.live_stream_sessions (influencer_id, title,"
                      " scheduled_start) values (%s, 'Late', now() - interval '1 day')",
                      (show.host.profile_id,))
    assert_refused(err, "22023", "scheduled_start")
    assert "in the past" in (err.diag.message_primary or "")
    rpc(conn, show.host.user_id, "insert into public.live_stream_sessions (influencer_id,"
        " title, scheduled_start) values (%s, 'Soon', now() + interval '1 hour')",
        (show.host.profile_id,))


# ------------------------------------------------------------------ B9: chat names, rate limits
_CHAT = ("insert into public.live_stream_chat (session_id, message) values (%s, %s)"
         " returning display_name")


def _chat_name(conn: psycopg.Connection, customer: f.Account, name: str) -> None:
    conn.execute("update public.customers set preferences ="
                 " jsonb_build_object('chat_name', %s::text) where id = %s",
                 (name, customer.profile_id))


@pytest.mark.parametrize("spoof", [
    "{name}", "  {name}  ", "{upper}", "{name}\u00a0", "\u3000{name}", "{spaced}", "{dotted}",
    "{fullwidth}", "{handle}", "@{handle}", "ShopStream", "Admin", "\u200b",
])
def test_customer_cannot_chat_under_a_host_name(conn: psycopg.Connection, spoof: str) -> None:
    show = build_show(conn)
    name, handle = conn.execute("select display_name, handle from public.influencers"
                                " where id = %s", (show.host.profile_id,)).fetchone()
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in name)
    _chat_name(conn, show.customer, spoof.format(
        name=name, upper=name.upper(), spaced=" ".join(name), dotted=".".join(name),
        fullwidth=fullwidth, handle=handle))

    shown = rpc(conn, show.customer.user_id, _CHAT, (show.session_id, "I am the host"))

    assert shown.startswith("viewer-"), shown


def test_customer_keeps_an_ordinary_chat_name(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    _chat_name(conn, show.customer, "  hostess_with_the_mostess ")

    shown = rpc(conn, show.customer.user_id, _CHAT, (show.session_id, "hello"))

    assert shown == "hostess_with_the_mostess"


@pytest.fixture
def slow_window(conn: psycopg.Connection) -> None:
    """A one-hour window, so the test does not depend on how fast it runs."""
    conn.execute("update private.rate_limits set per = interval '1 hour'")


def _messages(conn: psycopg.Connection, user_id: str) -> int:
    return one(conn, "select count(*) from public.live_stream_chat where user_id = %s",
               (user_id,))


@pytest.mark.usefixtures("slow_window")
def test_chat_is_rate_limited_per_user(conn: psycopg.Connection) -> None:
    show = build_show(conn)
    limit = one(conn, "select max_events from private.rate_limits where action = 'chat'")
    for n in range(limit):
        rpc(conn, show.customer.user_id, _CHAT, (show.session_id, f"message {n}"))

    with unchanged(conn):
        err = refused(conn, show.customer.user_id, _CHAT, (show.session_id, "one more"))
    assert_refused(err, "PT429", "Too many chat messages")
    assert "Try again in" in (err.diag.message_detail or "")

    # Deleting one's messages frees nothing; another user is not affected.
    rpc(conn, show.customer.user_id, "delete from public.live_stream_chat where user_id = %s",
        (show.customer.user_id,))
    assert_refused(refused(conn, show.customer.user_id, _CHAT, (show.session_id, "again")),
                   "PT429", "Too many chat messages")
    with conn.cursor() as cur:
        other = f.create_customer(cur)
    rpc(conn, other.user_id, _CHAT, (show.session_id, "hi"))

    # The window rolls: once the oldest messages are older than it, the user may post again.
    conn.execute("update private.rate_events set at = at - interval '2 hours' where user_id = %s",
                 (show.customer.user_id,))
    rpc(conn, show.customer.user_id, _CHAT, (show.session_id, "back"))
    assert _messages(conn, show.customer.user_id) == 1


@pytest.mark.usefixtures("slow_window")
def test_support_queries_are_rate_limited_per_user(conn: psycopg.Connection) -> None:
    with conn.cursor() as cur:
        customer = f.create_customer(cur)
    insert = ("insert into public.queries (customer_id, subject, message)"
              " values (%s, 'Help', 'Where is it?')")
    limit = one(conn, "select max_events from private.rate_limits where action = 'query'")
    for _ in range(limit):
        rpc(conn, customer.user_id, insert, (customer.profile_id,))

    with unchanged(conn):
        err = refused(conn, customer.user_id, insert, (customer.profile_id,))
    assert_refused(err, "PT429", "Too many query messages")
    assert one(conn, "select count(*) from public.queries where customer_id = %s",
               (customer.profile_id,)) == limit
