"""A search index a first sync left to build: the app's cache opens without building it (the
catalog browsable at once), and the engine builds it as it starts, online or not, then says
"searchable"."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from test_cache_support import product
from test_engine_pull_support import Opened, StageRecorder

from studio.sync.backend import NetworkError
from studio.sync.cache import CacheDatabase, CacheReader, CacheStore, CacheWriter
from studio.sync.engine import SyncEngine
from studio.sync.scope import ScopePlan, TableScope

ROWS = 900  # above the bulk threshold


def _rows() -> list[dict[str, Any]]:
    return [product(n, name=f"{'Linen apron' if n % 3 == 0 else 'Oak board'} {n}")
            for n in range(1, ROWS + 1)]


def _left_pending(path: Path, *, crashed: bool = False) -> None:
    """A cache whose first sync stopped after the catalog was browsable (or, `crashed`, in
    the middle of its bulk load)."""
    db = CacheDatabase.open(path)
    writer = CacheWriter(db)
    writer.call(CacheStore.begin_bulk_load, "products")
    writer.call(CacheStore.upsert_rows, "products", _rows())
    if not crashed:
        writer.call(CacheStore.finish_bulk_load, "products", search_index=False)
    writer.close()
    db.close()


def _open_as_the_app_does(path: Path) -> Opened:
    db = CacheDatabase.open(path)
    return Opened(db, CacheWriter(db, build_search_index=False), CacheReader(db))


class Offline:
    """A backend that cannot be reached."""

    def __getattr__(self, name: str) -> Any:
        async def unreachable(*_args: Any, **_kwargs: Any) -> Any:
            raise NetworkError("could not reach the server: connection refused")

        return unreachable


@pytest.mark.parametrize("crashed", [False, True])
def test_the_app_opens_its_cache_browsable_with_the_build_left_pending(
    tmp_path: Path, crashed: bool
) -> None:
    path = tmp_path / "c.sqlite3"
    _left_pending(path, crashed=crashed)
    cache = _open_as_the_app_does(path)
    try:
        assert cache.writer.repaired_tables == (["products"] if crashed else [])
        assert cache.pending and cache.indexed_rows == 0
        assert cache.reader.count_products() == ROWS
        # Findable already: names are matched as substrings until the index exists.
        assert len(cache.reader.search_products("linen apron", limit=1000)) == ROWS // 3
        assert "products_id_key" in cache.index_names  # the key is back even after a crash
    finally:
        cache.close()


@pytest.mark.asyncio
async def test_an_engine_started_offline_builds_the_pending_index_and_says_so(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    _left_pending(path)
    cache = _open_as_the_app_does(path)
    engine = SyncEngine(Offline(), cache.writer, ScopePlan((TableScope("products"),)),
                        realtime=False, retry_base=0.01, retry_cap=0.05)
    heard = StageRecorder()
    engine.add_listener(heard)
    try:
        await engine.start()
        async with asyncio.timeout(30):
            while heard.stages != ["searchable"]:
                await asyncio.sleep(0.01)
        assert (heard.events[-1].done, heard.events[-1].total) == (ROWS, ROWS)
        assert not cache.pending and cache.indexed_rows == ROWS
        cache.fts_ok()
        assert len(cache.reader.search_products("linen apron", limit=1000)) == ROWS // 3
        assert {"products_name_idx", "products_category_id_idx"} <= cache.index_names
        # Built without the server: the engine, retrying meanwhile, reports being offline.
        async with asyncio.timeout(10):
            while engine.status.state != "offline":
                await asyncio.sleep(0.01)
    finally:
        await engine.stop()
        cache.close()


@pytest.mark.asyncio
async def test_an_engine_stopped_before_the_build_leaves_it_pending_for_next_time(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    _left_pending(path)
    cache = _open_as_the_app_does(path)
    loop = asyncio.get_running_loop()
    release = asyncio.Event()

    def hold_writer(_store: CacheStore) -> None:  # a long write ahead of the build
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result()

    engine = SyncEngine(Offline(), cache.writer, ScopePlan((TableScope("products"),)),
                        realtime=False, retry_base=0.01, retry_cap=0.05)
    heard = StageRecorder()
    engine.add_listener(heard)
    try:
        await engine.start()  # the build is queued behind the long write
        busy = cache.writer.submit(hold_writer)
        await asyncio.sleep(0.05)
        async with asyncio.timeout(5):
            await engine.stop()  # returns at once, the writer still busy
        release.set()
        await asyncio.wrap_future(busy)
        assert heard.stages == []
        assert cache.pending  # the build never ran: the next start does it
    finally:
        release.set()
        cache.close()
