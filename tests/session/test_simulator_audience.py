"""The rehearsal audience against the embedded server: real users, real chat, presence, orders."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from test_simulator_support import make_show, sim_user_count, start_flash_sale

from studio.server import db
from studio.session.simulator import Audience, AudienceConfig, actions
from studio.session.simulator.accounts import ensure_accounts, sim_user
from studio.session.simulator.requests import run_one

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def conninfo(fresh_db_module: Callable[..., str]) -> str:
    return fresh_db_module()


def rows(conninfo: str, query: str, *params: object) -> list[tuple]:
    with db.connect(conninfo, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


async def test_viewers_chat_and_presence_are_the_simulated_users_own(conninfo: str) -> None:
    show = make_show(conninfo)
    config = AudienceConfig(viewers=30, chat_rate=10, buy_probability=0, duration_s=2, seed=5)
    progress = await Audience(conninfo, show.id, config).run()

    users = {sim_user(n).user_id: sim_user(n) for n in range(1, 31)}
    chat = rows(conninfo, "select user_id::text, display_name, message from"
                " public.live_stream_chat where session_id = %s", show.id)
    assert len(chat) == progress.messages > 0
    for user_id, display_name, message in chat:
        # The server named the sender from their own profile: the insert ran as that user.
        assert display_name == users[user_id].chat_name
        assert message.strip()
    presence = rows(conninfo, "select user_id::text, left_at from public.live_stream_viewers"
                    " where session_id = %s", show.id)
    assert len(presence) == progress.joins > 0
    assert {u for u, _ in presence} <= set(users)
    assert all(left_at is not None for _, left_at in presence)  # everyone left at the end
    current, unique = rows(conninfo, "select current_viewers, unique_viewers from"
                           " public.live_stream_sessions where id = %s", show.id)[0]
    assert current == 0 and unique == len({u for u, _ in presence})
    emails = rows(conninfo, "select u.email, c.preferences ->> 'simulated' from auth.users u"
                  " join public.customers c on c.user_id = u.id where u.id = any(%s::uuid[])",
                  list(users))
    assert sorted(e for e, _ in emails) == sorted(u.email for u in users.values())
    assert all(flag == "true" for _, flag in emails)


async def test_simulated_users_are_made_once_and_reused(conninfo: str) -> None:
    config = AudienceConfig(viewers=12, chat_rate=2, buy_probability=0, duration_s=0.5)
    await Audience(conninfo, make_show(conninfo).id, config).run()
    with db.connect(conninfo, autocommit=True) as conn:
        before = sim_user_count(conn)
    await Audience(conninfo, make_show(conninfo).id, config).run()
    with db.connect(conninfo, autocommit=True) as conn:
        assert sim_user_count(conn) == before >= 12


async def test_purchases_are_real_orders_that_stop_at_the_allocation(conninfo: str) -> None:
    show = make_show(conninfo, products=(("Flash Tote", 6), ("Linen Shirt", 40)))
    start_flash_sale(conninfo, show, show.products[0])  # buyers rush the flash sale
    config = AudienceConfig(viewers=300, chat_rate=5, buy_probability=1, duration_s=3, seed=2)
    progress = await Audience(conninfo, show.id, config).run()

    sold, allocated, status = rows(conninfo, "select sold_quantity, allocated_quantity,"
                                   " status::text from public.live_products where id = %s",
                                   show.products[0])[0]
    units = rows(conninfo, "select coalesce(sum(oi.quantity), 0), count(distinct o.id),"
                 " bool_and(c.user_id::text like '00000000-0000-4000-9e00-%%')"
                 " from public.order_items oi join public.orders o on o.id = oi.order_id"
                 " join public.customers c on c.id = o.customer_id"
                 " where oi.live_product_id = %s", show.products[0])[0]
    assert units[0] == sold <= allocated  # never oversold
    assert sold == allocated and status == "sold_out"
    assert units[2] is True  # every buyer is a simulated customer
    flash_lines = rows(conninfo, "select count(*) from public.order_items"
                       " where live_product_id = %s and is_flash_price", show.products[0])
    assert flash_lines[0][0] == units[1]  # bought at the flash price
    all_orders = rows(conninfo, "select count(distinct order_id), sum(quantity),"
                      " sum(line_total) from public.order_items where session_id = %s",
                      show.id)[0]
    assert (progress.orders, progress.units, progress.revenue) == all_orders
    # The rush went on after the last unit: the server refused those buyers.
    assert progress.refusals.get(("buy", "sold out"), 0) > 0
    assert progress.buys_tried == progress.orders + progress.refused("buy")


async def test_at_stock_zero_the_server_refuses_every_purchase(conninfo: str) -> None:
    show = make_show(conninfo, products=(("Gone Already", 0),))
    config = AudienceConfig(viewers=200, chat_rate=0, buy_probability=1, duration_s=2, seed=4)
    progress = await Audience(conninfo, show.id, config).run()

    assert progress.buys_tried > 0  # the simulator tried: it does not skip sold-out items
    assert progress.refusals == {("buy", "sold out"): progress.buys_tried}
    assert progress.orders == 0
    assert rows(conninfo, "select count(*) from public.order_items where session_id = %s",
                show.id)[0][0] == 0
    carts = rows(conninfo, "select count(*) from public.cart where live_product_id = %s",
                 show.products[0])
    assert carts[0][0] == 0  # a refused checkout leaves nothing in the cart


async def test_the_same_seed_plays_the_same_audience(fresh_db: Callable[..., str]) -> None:
    async def play(seed: int) -> tuple[list[tuple[str, str, str]], list[str]]:
        # A database each: the server's chat rate limit spans shows, so an earlier run of the
        # same users would change what a later one may say.
        conninfo = fresh_db()
        show = make_show(conninfo)  # the same lineup each time
        config = AudienceConfig(viewers=40, chat_rate=15, buy_probability=0, duration_s=1.5,
                                seed=seed)
        progress = await Audience(conninfo, show.id, config).run()
        assert progress.refusals == {}
        said = rows(conninfo, "select user_id::text, message, message_type::text from"
                    " public.live_stream_chat where session_id = %s", show.id)
        came = rows(conninfo, "select user_id::text from public.live_stream_viewers"
                    " where session_id = %s", show.id)
        return sorted(said), sorted(r[0] for r in came)

    first = await play(11)
    assert first[0] and first[1]
    assert await play(11) == first
    other = await play(12)
    assert other[0] != first[0]


async def test_a_leave_planned_before_a_late_join_landed_still_closes_the_presence(
    conninfo: str,
) -> None:
    """When the server lags, a leave can be planned before the viewer's join has landed."""
    show = make_show(conninfo)
    user, row = sim_user(1), str(uuid.uuid4())
    with db.connect(conninfo, autocommit=True) as conn:
        ensure_accounts(conn, 1)
        goodbye = actions.leave(user, row)  # planned first...
        time.sleep(0.01)
        assert run_one(conn, actions.join(user, show.id, row)) == (None, None)  # ...sent after
        assert run_one(conn, goodbye) == (None, None)
        joined, left = conn.execute("select joined_at, left_at from public.live_stream_viewers"
                                    " where id = %s", (row,)).fetchone()
    assert left is not None and left >= joined


async def test_viewers_left_in_the_show_by_a_crashed_run_leave_before_joining(
    conninfo: str,
) -> None:
    show = make_show(conninfo)
    stale = str(uuid.uuid4())
    with db.connect(conninfo, autocommit=True) as conn:
        ensure_accounts(conn, 5)
        assert run_one(conn, actions.join(sim_user(1), show.id, stale)) == (None, None)
    config = AudienceConfig(viewers=5, chat_rate=1, buy_probability=0, duration_s=1)
    progress = await Audience(conninfo, show.id, config).run()

    assert progress.refusals == {}  # viewer 1 could join again: one open row per viewer
    assert progress.joins >= 5
    assert rows(conninfo, "select left_at is not null from public.live_stream_viewers"
                " where id = %s", stale) == [(True,)]
    assert rows(conninfo, "select count(*) from public.live_stream_viewers"
                " where session_id = %s and left_at is null", show.id) == [(0,)]
