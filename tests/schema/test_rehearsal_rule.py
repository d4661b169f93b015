"""The rehearsal rule (ACCESS.md, "Rehearsals"): a private rehearsal sells to nobody, simulated
customers included; a rehearsal with a simulated audience is a public show of the local
workspace's own server, where the simulated customers buy through the real checkout."""

from __future__ import annotations

import factories as f
import psycopg
import pytest
from test_fn_support import (
    assert_refused,
    build_show,
    checkout,
    fill_cart,
    one,
    refused,
    rpc,
    unchanged,
)

from studio.session.simulator.accounts import ensure_accounts, sim_user
from studio.session.simulator.config import SimulatorError
from studio.session.simulator.show import find_show

CHECKOUT = "select public.checkout(gen_random_uuid(), null, null)"


def simulated(conn: psycopg.Connection) -> f.Account:
    """Simulated viewer 1 of the local workspace, as the rehearsal audience makes it."""
    ensure_accounts(conn, 1)
    user = sim_user(1)
    # The same account in every test of the module: start with an empty cart.
    conn.execute("delete from public.cart where customer_id = %s", (user.customer_id,))
    return f.Account(user_id=user.user_id, profile_id=user.customer_id,
                     email=user.email)


def private_rehearsal(conn: psycopg.Connection):
    show = build_show(conn, status="scheduled")
    conn.execute("update public.live_stream_sessions set is_rehearsal = true where id = %s",
                 (show.session_id,))
    rpc(conn, show.host.user_id, "select public.start_show(%s)", (show.session_id,))
    return show


@pytest.mark.parametrize("buyer", ["customer", "simulated"])
def test_nobody_buys_an_item_of_a_private_rehearsal(conn: psycopg.Connection,
                                                    buyer: str) -> None:
    show = private_rehearsal(conn)
    account = show.customer if buyer == "customer" else simulated(conn)
    # The item id was learned elsewhere and put in the cart directly.
    fill_cart(conn, account.profile_id, live={show.live_product_id: 1})

    with unchanged(conn):
        err = refused(conn, account.user_id, CHECKOUT)
    assert_refused(err, "55000", "part of a rehearsal")


def test_customers_see_nothing_of_a_private_rehearsal(conn: psycopg.Connection) -> None:
    show = private_rehearsal(conn)
    for account in (show.customer, simulated(conn)):
        seen = rpc(conn, account.user_id,
                   "select (select count(*) from public.live_stream_sessions where id = %s)"
                   " + (select count(*) from public.live_products where session_id = %s)",
                   (show.session_id, show.session_id))
        assert seen == 0


def test_the_rehearsal_audience_refuses_a_private_rehearsal(conn: psycopg.Connection) -> None:
    show = private_rehearsal(conn)
    with pytest.raises(SimulatorError, match="private rehearsal"):
        find_show(conn, show.session_id)


def test_simulated_customers_buy_in_a_local_public_show(conn: psycopg.Connection) -> None:
    """What "Rehearse" runs in a local workspace: the show is live in public on the local
    server, and its simulated customers check out through the real function."""
    show = build_show(conn, live_price="10.00", allocated=5)
    assert find_show(conn, show.session_id).is_rehearsal is False
    buyer = simulated(conn)
    fill_cart(conn, buyer.profile_id, live={show.live_product_id: 2})

    order = checkout(conn, buyer)

    assert one(conn, "select sum(quantity) from public.order_items where order_id = %s",
               (order["order_id"],)) == 2
    assert conn.execute("select orders, units from private.show_sales_totals(%s)",
                        (show.session_id,)).fetchone() == (1, 2)
