"""The connection drops mid-show and comes back: the control room's chat and orders feed end up
holding every row the database has, each once (local server, realtime over LISTEN/NOTIFY)."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import psycopg
from psycopg import sql
from PySide6.QtCore import Qt
from test_live_rehearsal import WAIT, status
from test_live_support import LiveWorld, f, live_world, open_room

from studio.server.request_context import request_transaction
from studio.ui.screens.live.control_room import LiveScreen

__all__ = ["live_world", "open_room"]
CUSTOMERS = 4


def customers(world: LiveWorld) -> list[f.Account]:
    with world.owner.cursor() as cur:
        return [f.create_customer(cur) for _ in range(CUSTOMERS)]


def chat(world: LiveWorld, people: list[f.Account], start: int, count: int) -> None:
    """`count` messages from the customers, written server-side (one transaction each)."""
    for n in range(start, start + count):
        world.owner.execute(
            "insert into public.live_stream_chat (session_id, user_id, message)"
            " values (%s, %s, %s)",
            (world.session_id, people[n % len(people)].user_id, f"message {n}"))


def order(world: LiveWorld, customer: f.Account, item: str, quantity: int = 1) -> None:
    """The customer checks out through the real function, as themselves (over the test's own
    connection, which the cut leaves open)."""
    with world.owner.cursor() as cur:
        f.add_to_cart(cur, customer.profile_id, live_product_id=item, quantity=quantity)
    with request_transaction(world.owner, "authenticated", customer.user_id) as cur:
        cur.execute("select public.checkout(%s, null, null)", (str(uuid.uuid4()),))


def database(world: LiveWorld) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(world.conninfo)["dbname"])


def allow_connections(world: LiveWorld, allowed: bool) -> None:
    """Set from another database of the server (a database cannot refuse its own sessions)."""
    other = psycopg.conninfo.make_conninfo(world.conninfo, dbname="postgres")
    with psycopg.connect(other, autocommit=True) as admin:
        admin.execute(sql.SQL("alter database {} allow_connections {}").format(
            sql.Identifier(database(world)), sql.SQL("true" if allowed else "false")))


def cut(world: LiveWorld) -> None:
    """No new connection to the show's database, and every other one ended: the studio's
    requests and its change feed are gone until `restore`."""
    allow_connections(world, False)
    world.owner.execute("select pg_terminate_backend(pid) from pg_stat_activity"
                        " where datname = current_database() and pid <> pg_backend_pid()")


def restore(world: LiveWorld) -> None:
    allow_connections(world, True)


def server_ids(world: LiveWorld, table: str) -> list[str]:
    return [str(r[0]) for r in world.owner.execute(
        sql.SQL("select id from public.{} where session_id = %s order by id").format(
            sql.Identifier(table)), (world.session_id,)).fetchall()]


def chat_ids(screen: LiveScreen) -> list[str]:
    return [m.id for m in screen.chat.model.messages()]


def feed_ids(screen: LiveScreen) -> list[str]:
    return [s.order_item_id for s in screen.sales.orders.sales()]


def same_rows(shown: list[str], stored: list[str]) -> bool:
    return sorted(shown) == stored


def test_a_connection_lost_mid_show_loses_no_chat_message_or_order(
        qtbot: Any, run: Any, wait_until: Any, live_world: LiveWorld, open_room: Any) -> None:
    screen: LiveScreen = open_room()
    qtbot.mouseClick(screen.header.go_live, Qt.MouseButton.LeftButton)
    wait_until(lambda: status(live_world) == "live", WAIT)
    run(screen.wait_idle(), timeout=WAIT)
    engine = live_world.workspace.engine
    wait_until(lambda: engine.realtime_status.live, WAIT)
    people = customers(live_world)
    first, second, third = live_world.items

    chat(live_world, people, 0, 10)
    order(live_world, people[0], first)
    wait_until(lambda: len(chat_ids(screen)) == 10 and len(feed_ids(screen)) == 1, WAIT)

    cut(live_world)
    try:
        wait_until(lambda: not engine.realtime_status.live, WAIT)
        # The show goes on without the studio: chat, orders of each product, a sell-out.
        chat(live_world, people, 10, 40)
        order(live_world, people[1], first, 2)
        order(live_world, people[2], second)
        order(live_world, people[3], third, 3)
        chat(live_world, people, 50, 10)
        qtbot.wait(1500)  # long enough for the feed's reconnect attempts to fail
        assert not engine.realtime_status.live
        # Nothing reached the studio meanwhile: what follows is the catch-up.
        assert (len(chat_ids(screen)), len(feed_ids(screen))) == (10, 1)
    finally:
        restore(live_world)

    chats, lines = server_ids(live_world, "live_stream_chat"), server_ids(live_world,
                                                                           "order_items")
    assert (len(chats), len(lines)) == (60, 4)
    wait_until(lambda: engine.realtime_status.live, WAIT)
    wait_until(lambda: same_rows(chat_ids(screen), chats), WAIT)
    wait_until(lambda: same_rows(feed_ids(screen), lines), WAIT)
    # Each row once, in the views and in the figures.
    assert max(Counter(chat_ids(screen)).values()) == 1
    assert max(Counter(feed_ids(screen)).values()) == 1
    units, revenue = live_world.owner.execute(
        "select sum(quantity), sum(line_total) from public.order_items where session_id = %s",
        (live_world.session_id,)).fetchone()
    figures = screen.sales.feed.snapshot
    assert (figures.units, figures.revenue, figures.orders) == (units, revenue, 4)
    metrics = screen.room.metrics
    assert metrics is not None and (metrics.units, metrics.revenue) == (units, revenue)
    # The sell-out that happened while cut off shows in the lineup.
    wait_until(lambda: all(screen.queue.row_for(item).sold_out for item in (first, third)),
               WAIT)
