"""Contract test: the studio's realtime handling against a local server speaking Supabase
Realtime's Phoenix v1 protocol (see phoenix_server): join frames, changes into cache rows,
heartbeats, reconnecting and pulling the gap, token refresh, and an auth rejection told apart
from a network failure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest
import pytest_asyncio
import respx
from phoenix_server import EXPIRED_TOKEN_REASON, PhoenixServer
from supabase_support import ANON_KEY, session_body, user_token
from test_engine_support import Cache

from studio.sync.cache import CacheDatabase, CacheReader, CacheWriter, cache_path
from studio.sync.engine.realtime_link import RealtimeLink, RealtimeStatus
from studio.sync.scope import plan_for
from studio.sync.session_store import MemorySessionStore
from studio.sync.supabase.backend import SupabaseBackend

pytestmark = pytest.mark.asyncio

HOST_ID = "33333333-3333-4333-8333-333333333333"
SHOW_ID = "11111111-1111-4111-8111-111111111111"
ITEM_ID = "22222222-2222-4222-8222-222222222222"
CHAT_ID = "44444444-4444-4444-8444-444444444444"
STAMP = "2026-12-03T10:00:00.123+00:00"


def lineup_record(**values) -> dict:
    """A live_products row as Realtime's `record` carries it: every column, JSON-typed."""
    return {
        "id": ITEM_ID, "session_id": SHOW_ID, "influencer_id": HOST_ID, "product_id": None,
        "name": "Linen scarf", "description": None, "image_url": None, "position": 1,
        "live_price": 19.99, "compare_at_price": None, "flash_price": None,
        "flash_starts_at": None, "flash_ends_at": None, "allocated_quantity": 5,
        "sold_quantity": 0, "revenue": 0, "max_per_buyer": None, "status": "active",
        "featured_at": None, "created_at": STAMP, "updated_at": STAMP, "row_version": 1,
        "change_xid": 981, **values,
    }


def chat_record(**values) -> dict:
    return {
        "id": CHAT_ID, "session_id": SHOW_ID, "user_id": None, "display_name": "Ana",
        "message": "I'll take the scarf", "message_type": "message", "is_pinned": False,
        "is_hidden": False, "created_at": STAMP, "updated_at": STAMP, "row_version": 1,
        "change_xid": 982, **values,
    }


class Harness:
    """The server, a signed-in Supabase backend on it, a cache, and a link writing into it."""

    def __init__(self, server: PhoenixServer, backend: SupabaseBackend, cache: Cache) -> None:
        self.server = server
        self.backend = backend
        self.cache = cache
        self.pulls = 0
        self.statuses: list[RealtimeStatus] = []
        self.notices: list[frozenset[str]] = []
        self.link = RealtimeLink(
            backend, cache.writer, plan_for({"host"}, {"host": HOST_ID}),
            request_pull=self._pull, on_status=self.statuses.append, poll_interval=10.0,
            resubscribe_delays=(0.1,),
            # Long enough that frames pushed one after another share a batch on a busy machine.
            batch_interval=0.5,
        )

    def _pull(self) -> None:
        self.pulls += 1

    async def until(self, check: Callable[[], object], timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0.01)

    def joined_all(self) -> bool:
        return self.link.status.live and len(self.link._active) == len(self.link.wanted())


@pytest_asyncio.fixture
async def harness(tmp_path):
    server = PhoenixServer()
    url = await server.start()
    store = MemorySessionStore()
    store.save(json.dumps(session_body(1)))
    backend = SupabaseBackend(url, ANON_KEY, store, auto_refresh=False)
    await backend.restore_session()
    db = CacheDatabase.open(cache_path(tmp_path, "supabase", "host"))
    notices: list[frozenset[str]] = []
    writer = CacheWriter(db, on_change=notices.append)
    made = Harness(server, backend, Cache(db, writer, CacheReader(db), tmp_path))
    made.notices = notices
    yield made
    await made.link.stop()
    await backend.close()
    await server.stop()
    made.cache.close()


async def test_joins_with_the_documented_frames_and_heartbeats(harness: Harness):
    harness.link.start()
    await harness.link.wait_first_round(10)
    harness.link.follow_show(SHOW_ID)
    await harness.until(harness.joined_all)
    server = harness.server

    joins = {j["payload"]["config"]["postgres_changes"][0]["table"]
             + ":" + str(j["payload"]["config"]["postgres_changes"][0].get("filter")): j
             for j in server.of("phx_join")}
    # The workspace: the host's own rows, filtered by the host (one scope per table).
    assert f"live_products:influencer_id=eq.{HOST_ID}" in joins
    assert f"live_stream_sessions:influencer_id=eq.{HOST_ID}" in joins
    # The show being run: each table filtered to the show.
    for key in (f"live_stream_chat:session_id=eq.{SHOW_ID}",
                f"live_stream_viewers:session_id=eq.{SHOW_ID}",
                f"order_items:session_id=eq.{SHOW_ID}",
                f"live_products:session_id=eq.{SHOW_ID}",
                f"live_stream_sessions:id=eq.{SHOW_ID}"):
        assert key in joins
    join = joins[f"live_stream_chat:session_id=eq.{SHOW_ID}"]
    assert join["topic"].startswith("realtime:") and join["ref"] == join["join_ref"]
    assert join["payload"]["access_token"] == user_token(1)
    assert join["payload"]["config"]["postgres_changes"] == [
        {"event": "*", "schema": "public", "table": "live_stream_chat",
         "filter": f"session_id=eq.{SHOW_ID}"}
    ]
    assert join["payload"]["config"]["private"] is False
    # The catalog is asked for too (a workspace hears of new products while it is open).
    assert "products:None" in joins and "categories:None" in joins
    # Unpublished tables are not: they come with pulls.
    assert not any(k.startswith(("orders:", "carts:")) for k in joins)

    # The client beats as soon as it connects, then every 25 s (realtime-py's floor is 15 s).
    await server.wait_for(lambda: server.of("heartbeat"))
    beat = server.of("heartbeat")[0]
    assert (beat["topic"], beat["payload"]) == ("phoenix", {})
    assert harness.statuses[-1] == RealtimeStatus(True)
    assert harness.statuses[-1].text == "Live updates"


async def test_changes_become_cache_rows_in_one_batched_notice(harness: Harness):
    harness.link.start()
    await harness.link.wait_first_round(10)
    harness.link.follow_show(SHOW_ID)
    await harness.until(harness.joined_all)
    assert harness.pulls == 1  # following the show joined feeds: what came before is pulled
    harness.notices.clear()

    await harness.server.change("live_stream_chat", "INSERT", chat_record())
    await harness.server.change("live_products", "INSERT", lineup_record())
    await harness.server.change("live_products", "UPDATE", lineup_record(sold_quantity=2),
                                {"id": ITEM_ID})
    reader = harness.cache.reader
    await harness.until(lambda: reader.get("live_products", ITEM_ID) is not None
                        and reader.get("live_stream_chat", CHAT_ID) is not None)
    item = reader.get("live_products", ITEM_ID)
    assert (item["sold_quantity"], item["live_price_cents"]) == (2, 1999)
    assert reader.get("live_stream_chat", CHAT_ID)["message"] == "I'll take the scarf"
    assert harness.notices == [frozenset({"live_products", "live_stream_chat"})]

    await harness.server.change("live_stream_chat", "DELETE", None, {"id": CHAT_ID})
    await harness.until(lambda: reader.get("live_stream_chat", CHAT_ID) is None)
    assert harness.pulls == 1  # every change was placed without another pull


async def test_a_row_the_cache_refuses_changes_nothing_and_asks_for_a_pull(harness: Harness):
    harness.link.start()
    await harness.link.wait_first_round(10)
    await harness.until(harness.joined_all)

    await harness.server.change("live_products", "INSERT",
                                lineup_record(allocated_quantity="lots"))
    await harness.until(lambda: harness.pulls == 1)
    assert harness.cache.reader.get("live_products", ITEM_ID) is None
    # Missing columns: not written either, a pull brings the row instead.
    partial = {"id": ITEM_ID, "influencer_id": HOST_ID, "name": "Scarf"}
    await harness.server.change("live_products", "UPDATE", partial)
    await harness.until(lambda: harness.pulls == 2)
    assert harness.cache.reader.get("live_products", ITEM_ID) is None


async def test_after_the_socket_drops_it_polls_rejoins_and_pulls_the_gap(harness: Harness):
    harness.link.start()
    await harness.link.wait_first_round(10)
    await harness.until(harness.joined_all)
    server = harness.server
    first_joins = len(server.of("phx_join"))
    assert harness.pulls == 0

    await server.drop_connections()
    await harness.until(lambda: not harness.link.status.live)
    down = harness.link.status
    assert down.text.startswith("Polling every 10 s (realtime down: ")
    assert "connection" in down.reason

    await harness.until(harness.joined_all)
    assert len(server.of("phx_join")) >= 2 * first_joins  # every channel joined again
    await harness.until(lambda: harness.pulls >= 1)  # the gap is pulled
    await server.change("live_products", "INSERT", lineup_record())
    await harness.until(lambda: harness.cache.reader.get("live_products", ITEM_ID) is not None)


async def test_a_refreshed_token_reaches_every_joined_channel(harness: Harness):
    harness.link.start()
    await harness.link.wait_first_round(10)
    await harness.until(harness.joined_all)
    server = harness.server
    before = len(server.of("access_token"))
    with respx.mock(assert_all_called=True) as mock:
        mock.post(url__regex=r"/auth/v1/token").mock(
            return_value=httpx.Response(200, json=session_body(2))
        )
        await harness.backend.refresh()
    await server.wait_for(
        lambda: {f["topic"] for f in server.of("access_token")[before:]} == set(server.joined)
    )
    frames = server.of("access_token")[before:]
    assert {f["payload"]["access_token"] for f in frames} == {user_token(2)}
    assert all(f["join_ref"] for f in frames)
    assert all(j.access_token == user_token(2) for j in server.joined.values())


async def test_an_auth_rejection_is_reported_apart_from_a_network_failure(harness: Harness):
    harness.server.refused_tokens.add(user_token(1))
    harness.link.start()
    await harness.link.wait_first_round(10)
    status = harness.link.status
    assert not status.live
    assert status.reason.startswith("sign in again (realtime refused the subscription")
    assert EXPIRED_TOKEN_REASON in status.reason

    await harness.server.stop()  # now nothing answers at all
    harness.server.refused_tokens.clear()
    await harness.until(lambda: "sign in again" not in harness.link.status.reason)
    assert "could not reach realtime" in harness.link.status.reason
