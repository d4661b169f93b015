"""Deletions on the server reach the cache within one pull, through the deletions feed."""

from __future__ import annotations

import pytest
from test_engine_support import FaultyBackend, f, make_engine

from studio.sync.cache import CacheStore
from studio.sync.engine.tombstones import TOMBSTONE_CURSOR

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_engine_support"]


def ids(cache, table: str) -> set[str]:
    with cache.db.read() as conn:
        return set(conn.exec_driver_sql(f"SELECT id FROM {table}").scalars())


async def _host_with_lineup(server, n: int = 3):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
        items = [f.create_live_product(cur, show, host.profile_id) for _ in range(n)]
    return host, show, items


async def test_a_deleted_row_leaves_the_cache_with_the_next_pull(server, make_cache):
    host, _show, items = await _host_with_lineup(server)
    faulty = FaultyBackend(await server.backend_for(host))
    cache = make_cache()
    engine = await make_engine(faulty, cache)
    await engine.sync_now()
    assert ids(cache, "live_products") == set(items)
    server.run("delete from public.live_products where id = %s", (items[0],))

    faulty.calls.clear()
    assert (await engine.sync_now(reconcile=False)).state == "online"

    assert ids(cache, "live_products") == set(items[1:])
    assert "select_ids" not in faulty.calls  # the feed, not a reconcile, removed it
    assert "pull_tombstones" in faulty.calls


async def test_a_cursor_older_than_the_pruned_feed_reconciles_in_full(server, make_cache):
    host, _show, items = await _host_with_lineup(server)
    faulty = FaultyBackend(await server.backend_for(host))
    cache = make_cache()
    engine = await make_engine(faulty, cache)
    await engine.sync_now()
    before = int(cache.writer.call(CacheStore.get_meta, TOMBSTONE_CURSOR))
    server.run("delete from public.live_products where id = %s", (items[1],))
    # The tombstone is pruned before this device pulls: the feed no longer knows.
    server.run("select private.prune_sync_tombstones(interval '0 seconds')")
    assert server.one("select count(*) from public.sync_tombstones") == 0
    assert server.one("select public.sync_tombstone_floor()") > before

    faulty.calls.clear()
    assert (await engine.sync_now(reconcile=False)).state == "online"

    assert ids(cache, "live_products") == {items[0], items[2]}
    assert "select_ids" in faulty.calls  # a full reconcile, although none was asked for
    after = int(cache.writer.call(CacheStore.get_meta, TOMBSTONE_CURSOR))
    assert after > before
    faulty.calls.clear()
    await engine.sync_now(reconcile=False)
    assert "select_ids" not in faulty.calls  # caught up: the feed again


async def test_a_cache_without_a_tombstone_cursor_but_with_rows_reconciles(server, make_cache):
    host, _show, items = await _host_with_lineup(server)
    backend = await server.backend_for(host)
    cache = make_cache()
    engine = await make_engine(backend, cache)
    await engine.sync_now()
    cache.writer.call(CacheStore.delete_meta, TOMBSTONE_CURSOR)  # as after an upgrade
    server.run("delete from public.live_products where id = %s", (items[2],))
    server.run("delete from public.sync_tombstones")  # the feed cannot tell

    assert (await engine.sync_now(reconcile=False)).state == "online"
    assert ids(cache, "live_products") == set(items[:2])
    assert cache.writer.call(CacheStore.get_meta, TOMBSTONE_CURSOR) is not None
