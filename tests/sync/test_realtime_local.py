"""Realtime into the engine in local mode (LISTEN/NOTIFY on the embedded server): rows written by
another connection reach the cache in one batched notice, a followed show's chat arrives, and a
lost feed falls back to polling, then pulls the gap once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from test_engine_support import Cache, FaultyBackend, Recorder, f, make_engine

from studio.sync.backend import NetworkError
from studio.sync.cache import CacheDatabase, CacheReader, CacheWriter, cache_path

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_engine_support"]


async def until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def cached(cache, table: str, where: str = "1 = 1", params: dict | None = None) -> int:
    with cache.db.read() as conn:
        return int(conn.exec_driver_sql(
            f"SELECT count(*) FROM {table} WHERE {where}", params or {}
        ).scalar())


@pytest.fixture
def make_cache(tmp_path):
    """A cache whose writer tells the engine what it wrote, as a workspace wires it."""
    opened: list[Cache] = []

    def make() -> Cache:
        db = CacheDatabase.open(cache_path(tmp_path, "local", "user"))
        relay: list = []
        writer = CacheWriter(db, on_change=lambda tables: relay and relay[0](tables))
        cache = Cache(db, writer, CacheReader(db), tmp_path)
        cache.relay = relay  # type: ignore[attr-defined]
        opened.append(cache)
        return cache

    yield make
    for cache in opened:
        cache.close()


async def live_engine(backend, cache, recorder: Recorder, **options):
    engine = await make_engine(backend, cache, **options)
    cache.relay.append(engine.cache_changed)
    engine.add_listener(recorder)
    await engine.start()
    await until(lambda: engine.realtime_status.live)
    await engine.sync_now()  # the pull asked for by the join is over
    return engine


async def test_rows_inserted_elsewhere_reach_the_cache_as_one_batched_notice(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
    backend = await server.backend_for(host)
    cache = make_cache()
    recorder = Recorder()
    engine = await live_engine(backend, cache, recorder)
    try:
        assert engine.realtime_status.text == "Live updates"
        recorder.tables.clear()
        with server.owner.transaction(), server.cursor() as cur:  # one commit, 30 rows
            items = [f.create_live_product(cur, show, host.profile_id) for _ in range(30)]

        await until(lambda: cached(cache, "live_products") == 30)
        await until(lambda: recorder.tables)
        assert recorder.tables == [frozenset({"live_products"})]
        assert {r["id"] for r in cache.reader.lineup(show)} == set(items)
    finally:
        await engine.stop()


async def test_a_followed_show_brings_its_chat_and_not_another_hosts_show(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id, status="live")
        other = f.create_session(cur, f.create_influencer(cur).profile_id, status="live")
    backend = await server.backend_for(host)
    cache = make_cache()
    engine = await live_engine(backend, cache, Recorder())
    try:
        with pytest.raises(ValueError, match="must be a UUID"):
            engine.follow_show("show-1")
        assert engine._link.show_id is None  # the bad id changed nothing
        engine.follow_show(show)
        link = engine._link
        await until(lambda: link.status.live and len(link._active) == len(link.wanted()))
        await engine.sync_now()
        for session, words in ((other, "elsewhere"), (show, "I'll take the scarf")):
            server.run(
                "insert into public.live_stream_chat (session_id, display_name, message)"
                " values (%s, 'Ana', %s)", (session, words),
            )
        await until(lambda: cached(cache, "live_stream_chat") >= 1)
        await asyncio.sleep(0.3)  # would a second (unwanted) row come?
        with cache.db.read() as conn:
            rows = conn.exec_driver_sql("SELECT session_id, message FROM live_stream_chat").all()
        assert [tuple(r) for r in rows] == [(show, "I'll take the scarf")]
    finally:
        await engine.stop()


async def test_a_lost_feed_polls_meanwhile_and_pulls_the_gap_when_back(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
    backend = FaultyBackend(await server.backend_for(host))
    cache = make_cache()
    recorder = Recorder()
    realtime: list = []
    recorder.on_realtime = realtime.append  # type: ignore[attr-defined]
    engine = await live_engine(backend, cache, recorder, fallback_poll_interval=5.0)
    try:
        server.run("select pg_terminate_backend(pid) from pg_stat_activity"
                   " where query ilike 'listen%%' and pid <> pg_backend_pid()")
        await until(lambda: not engine.realtime_status.live)
        down = engine.realtime_status
        assert down.text.startswith("Polling every 5 s (realtime down: the local change feed")
        # Written while nobody listens (the feed waits a second before reconnecting).
        with server.cursor() as cur:
            missed = f.create_live_product(cur, show, host.profile_id)
        backend.calls.clear()

        await until(lambda: engine.realtime_status.live)
        await until(lambda: cache.reader.get("live_products", missed) is not None)
        assert "sync_horizon" in backend.calls  # it came with the pull after the rejoin
        assert [s.live for s in realtime][-2:] == [False, True]
    finally:
        await engine.stop()


async def test_without_realtime_it_polls_at_the_fallback_interval(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
    backend = FaultyBackend(await server.backend_for(host))

    def no_realtime(method: str, args: tuple) -> None:
        if method == "subscribe":
            raise NetworkError("could not reach realtime: refused")

    backend.before = no_realtime
    cache = make_cache()
    engine = await make_engine(backend, cache, fallback_poll_interval=0.2)  # regular: 1 hour
    cache.relay.append(engine.cache_changed)
    await engine.start()
    try:
        async with asyncio.timeout(20):
            await engine.wait_synced()
        await until(lambda: not engine.realtime_status.live
                    and "refused" in engine.realtime_status.reason)
        assert engine.realtime_status.text.startswith("Polling every 0.2 s (realtime down: ")
        with server.cursor() as cur:
            item = f.create_live_product(cur, show, host.profile_id)
        # No feed for the lineup: the row comes with one of the frequent polls.
        await until(lambda: cache.reader.get("live_products", item) is not None)
        pulls = backend.calls.count("sync_horizon")
        await until(lambda: backend.calls.count("sync_horizon") >= pulls + 2)
    finally:
        await engine.stop()


async def test_catalog_changes_reach_an_open_workspace_without_a_pull(server, make_cache):
    """Not only during a show: a wholesaler's new product and its new price arrive live."""
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        wholesaler = f.create_wholesaler(cur)
    backend = await server.backend_for(host)
    cache = make_cache()
    recorder = Recorder()
    engine = await live_engine(backend, cache, recorder)  # no polling: one pull at the join
    try:
        recorder.tables.clear()
        with server.cursor() as cur:
            product = f.create_product(cur, wholesaler.profile_id, stock=7)
        where, params = "id = :id", {"id": product}
        await until(lambda: cached(cache, "products", where, params) == 1)
        assert frozenset({"products"}) in recorder.tables

        server.owner.execute("update public.products set stock_quantity = 3 where id = %s",
                             (product,))
        await until(lambda: cached(cache, "products", "id = :id and stock_quantity = 3",
                                   params) == 1)
    finally:
        await engine.stop()
