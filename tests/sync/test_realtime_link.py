"""The realtime link on its own, with a scripted backend: which feeds a plan gets, scope checks,
coalescing a burst into one cache write, falling back and coming back, and refused input."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import pytest_asyncio
from test_engine_support import Cache

from studio.sync.backend import NetworkError, RowChange, eq, in_, refers_to
from studio.sync.cache import CacheDatabase, CacheReader, CacheWriter, cache_path
from studio.sync.engine.realtime_link import RealtimeLink, RealtimeStatus, workspace_feeds
from studio.sync.engine.realtime_rows import Batch, matches, write_batch
from studio.sync.scope import plan_for

HOST = "33333333-3333-4333-8333-333333333333"
SHOW = "11111111-1111-4111-8111-111111111111"
STAMP = "2026-12-03T10:00:00.000Z"


def chat_row(n: int, **values: Any) -> dict:
    return {
        "id": str(uuid.UUID(int=n + 1)), "session_id": SHOW, "user_id": None,
        "display_name": "Ana", "message": f"message {n}", "message_type": "message",
        "is_pinned": False, "is_hidden": False, "created_at": STAMP, "updated_at": STAMP,
        "row_version": 1, **values,
    }


class Feed:
    def __init__(self, table: str, callback: Callable[[RowChange], None]) -> None:
        self.table, self.callback = table, callback
        self.left = False

    async def unsubscribe(self) -> None:
        self.left = True


class ScriptedBackend:
    """subscribe() fails with `error` while it is set, else hands out feeds."""

    def __init__(self) -> None:
        self.error: Exception | None = None
        self.feeds: list[Feed] = []

    async def subscribe(self, table: str, filter: Any, callback: Any) -> Feed:
        if self.error is not None:
            raise self.error
        feed = Feed(table, callback)
        self.feeds.append(feed)
        return feed

    def send(self, table: str, change: RowChange) -> None:
        for feed in [f for f in self.feeds if f.table == table and not f.left]:
            feed.callback(change)


@pytest_asyncio.fixture
async def setup(tmp_path):
    db = CacheDatabase.open(cache_path(tmp_path, "local", "host"))
    notices: list[frozenset[str]] = []
    writer = CacheWriter(db, on_change=notices.append)
    backend = ScriptedBackend()
    pulls: list[int] = []
    statuses: list[RealtimeStatus] = []
    link = RealtimeLink(
        backend, writer, plan_for({"host"}, {"host": HOST}),
        request_pull=lambda: pulls.append(1), on_status=statuses.append, poll_interval=5.0,
        resubscribe_delays=(0.05,),
    )
    yield link, backend, Cache(db, writer, CacheReader(db), tmp_path), notices, pulls, statuses
    await link.stop()
    writer.close()
    db.close()


async def until(check: Callable[[], object]) -> None:
    async with asyncio.timeout(10):
        while not check():
            await asyncio.sleep(0.01)


def test_a_hosts_workspace_feeds_are_the_published_tables_filtered_by_the_host():
    feeds = {f.table: f for f in workspace_feeds(plan_for({"host"}, {"host": HOST}))}
    own = {
        "live_stream_sessions", "live_products", "influencer_goals", "influencer_achievements",
        "influencer_earnings", "influencer_notifications", "order_items",
    }
    assert set(feeds) == own | {"products", "categories", "wholesalers"}
    assert all(feeds[table].filter == eq("influencer_id", HOST) for table in own)
    # The catalog too: the server's RLS decides what is sent, and each change is checked
    # against the host's catalog scope (products also come in through lineups: no filter).
    assert all(feeds[t].filter is None for t in ("products", "categories", "wholesalers"))
    assert [s.label for s in feeds["products"].scopes] == ["catalog"]


def test_scope_checks_only_vouch_for_what_they_can_check():
    row = {"status": "active", "is_live_eligible": True, "session_id": SHOW}
    assert matches(eq("is_live_eligible", True), row)
    assert not matches(eq("is_live_eligible", False), row)
    assert matches(in_("session_id", [SHOW]), row)
    assert not matches(eq("missing", 1), row)
    assert not matches(refers_to("product_id", "products", eq("wholesaler_id", "w")), row)


@pytest.mark.asyncio
async def test_a_burst_lands_as_one_cache_write_and_one_notice(setup):
    link, backend, cache, notices, pulls, _ = setup
    link.follow_show(SHOW)
    link.start()
    await link.wait_first_round(5)
    for n in range(500):
        backend.send("live_stream_chat", RowChange("live_stream_chat", "INSERT", chat_row(n),
                                                   None, STAMP))
    await until(lambda: notices)
    assert cache.count("live_stream_chat") == 500
    assert notices == [frozenset({"live_stream_chat"})] and link.batches_written == 1
    assert pulls == []


@pytest.mark.asyncio
async def test_rows_it_cannot_place_are_pulled_instead(setup):
    link, backend, cache, notices, pulls, _ = setup
    link.follow_show(SHOW)
    link.start()
    await link.wait_first_round(5)
    other_show = str(uuid.uuid4())
    backend.send("live_stream_chat", RowChange(
        "live_stream_chat", "INSERT", chat_row(1, session_id=other_show), None, STAMP))
    await until(lambda: pulls)
    assert cache.count("live_stream_chat") == 0 and notices == []


@pytest.mark.asyncio
async def test_bad_input_is_refused_and_changes_nothing(setup):
    link, *_ = setup
    for bad in ("show-1", 42, ""):
        with pytest.raises(ValueError, match="show id must be a UUID"):
            link.follow_show(bad)
    assert link.show_id is None and all(f.table != "live_stream_chat" for f in link.wanted())
    with pytest.raises(ValueError, match="batch_interval"):
        RealtimeLink(
            ScriptedBackend(), None, plan_for({"host"}, {"host": HOST}),  # type: ignore[arg-type]
            request_pull=print, on_status=print, poll_interval=5, batch_interval=0,
        )


@pytest.mark.asyncio
async def test_down_it_reports_polling_then_live_again_with_a_pull(setup):
    link, backend, _cache, _notices, pulls, statuses = setup
    backend.error = NetworkError("could not reach realtime: connection refused")
    link.start()
    await link.wait_first_round(5)
    assert statuses[-1] == RealtimeStatus(
        False, "could not reach realtime: connection refused", 5.0
    )
    assert statuses[-1].text == (
        "Polling every 5 s (realtime down: could not reach realtime: connection refused)"
    )
    backend.error = None
    await until(lambda: link.status.live)
    assert statuses[-1].text == "Live updates"
    assert pulls == [1]  # the joins came after the first round: what was missed is pulled


def test_a_late_change_never_puts_an_older_version_back(setup):
    _link, _backend, cache, _notices, _pulls, _ = setup
    newer = chat_row(1, message="edited", updated_at="2026-12-03T10:05:00.000Z")
    first = Batch()
    first.upsert("live_stream_chat", newer)
    assert cache.writer.call(write_batch, first) == []
    late = Batch()  # delivered after a pull already brought the edit
    late.upsert("live_stream_chat", chat_row(1, message="original"))
    late.upsert("live_stream_chat", chat_row(2))
    assert cache.writer.call(write_batch, late) == []
    assert cache.reader.get("live_stream_chat", newer["id"])["message"] == "edited"
    assert cache.reader.get("live_stream_chat", chat_row(2)["id"]) is not None


def test_a_batch_the_cache_refuses_changes_nothing_and_says_why(setup):
    _link, _backend, cache, _notices, _pulls, _ = setup
    batch = Batch()
    batch.upsert("live_stream_chat", chat_row(1))
    batch.upsert("live_stream_chat", chat_row(2, is_pinned="maybe"))
    [(table, error)] = cache.writer.call(write_batch, batch)
    assert table == "live_stream_chat" and "is_pinned" in str(error)
    assert cache.count("live_stream_chat") == 0
