"""First pull of a large catalog: browsable first, searchable once its indexes are built, and
nothing lost when it is cut short at any point."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from test_engine_pull_support import (
    Catalog,
    StageRecorder,
    catalog_rows,
    make_catalog_engine,
    open_at,
)

from studio.sync.cache import CacheStore
from studio.sync.engine.events import SyncProgress
from studio.sync.scope import TableScope

pytestmark = pytest.mark.asyncio

ROWS = 1_200  # above the bulk threshold: loaded in bulk, its indexes built once at the end
LINEN = ROWS // 5  # "Linen apron …" products


def _linen_ids(reader: Any) -> set[str]:
    return {r["id"] for r in reader.search_products("linen apron", sort="name", limit=1000)}


async def test_first_pull_is_browsable_before_it_is_searchable(tmp_path: Path) -> None:
    cache = open_at(tmp_path / "c.sqlite3")
    engine = make_catalog_engine(Catalog(catalog_rows(ROWS)), cache)
    seen: dict[str, Any] = {}

    def at_browsable(event: SyncProgress) -> None:
        # Heard on the engine's loop, before the search index exists.
        seen["event"] = event
        seen["pending"] = cache.pending
        seen["indexed"] = cache.indexed_rows
        seen["listed"] = cache.reader.count_products()
        seen["page"] = [r["name"] for r in cache.reader.search_products(sort="name", limit=5)]
        seen["linen"] = _linen_ids(cache.reader)  # substring fallback
        seen["indexes"] = cache.index_names

    heard = StageRecorder(at_stage={"browsable": at_browsable})
    engine.add_listener(heard)
    status = await engine.sync_now(reconcile=False)

    assert status.state == "online"
    assert heard.stages == ["browsable", "searchable"]
    browsable = seen["event"]
    assert (browsable.table, browsable.done, browsable.total) == ("products", ROWS, ROWS)
    assert seen["pending"] and seen["indexed"] == 0
    assert seen["listed"] == ROWS
    assert seen["page"] == sorted(r["name"] for r in catalog_rows(ROWS))[:5]
    assert len(seen["linen"]) == LINEN
    # Browsable with its unique key; the sort and filter indexes come with the search index.
    assert "products_id_key" in seen["indexes"] and "products_name_idx" not in seen["indexes"]
    # Searchable: the full-text index holds every row and finds the same products.
    searchable = heard.events[-1]
    assert (searchable.stage, searchable.done, searchable.total) == ("searchable", ROWS, ROWS)
    assert not cache.pending and cache.indexed_rows == ROWS
    cache.fts_ok()
    assert _linen_ids(cache.reader) == seen["linen"]
    assert {"products_name_idx", "products_category_id_idx"} <= cache.index_names
    # Loading events come first and only ever grow; the stages come after the last of them.
    loading = [e.done for e in heard.events if e.stage == "loading"]
    assert loading == sorted(loading) and loading[-1] == ROWS
    assert heard.events.index(browsable) > max(
        i for i, e in enumerate(heard.events) if e.stage == "loading" and e.done < ROWS)
    cache.close()


async def _stopped_at_browsable(path: Path) -> None:
    """A first pull whose engine is stopped as soon as the catalog is browsable."""
    cache = open_at(path)
    engine = make_catalog_engine(Catalog(catalog_rows(ROWS)), cache)
    pulling: asyncio.Task[Any] = asyncio.create_task(engine.sync_now(reconcile=False))
    engine.add_listener(StageRecorder(at_stage={"browsable": lambda _e: pulling.cancel()}))
    with pytest.raises(asyncio.CancelledError):
        await pulling
    assert cache.pending and cache.indexed_rows == 0
    assert cache.reader.count_products() == ROWS
    cache.close()


async def test_stopped_between_browsable_and_searchable_the_next_open_builds_the_index(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    await _stopped_at_browsable(path)

    cache = open_at(path)  # opening the cache finishes what the first pull left
    assert not cache.pending and cache.indexed_rows == ROWS
    cache.fts_ok()
    assert len(_linen_ids(cache.reader)) == LINEN
    assert cache.reader.count_products() == ROWS
    assert {"products_name_idx", "products_created_at_idx"} <= cache.index_names
    cache.close()


async def test_stopped_between_browsable_and_searchable_the_next_pull_builds_the_index(
    tmp_path: Path,
) -> None:
    cache = open_at(tmp_path / "c.sqlite3")
    catalog = Catalog(catalog_rows(ROWS))
    engine = make_catalog_engine(catalog, cache)
    pulling: asyncio.Task[Any] = asyncio.create_task(engine.sync_now(reconcile=False))
    engine.add_listener(StageRecorder(at_stage={"browsable": lambda _e: pulling.cancel()}))
    with pytest.raises(asyncio.CancelledError):
        await pulling
    assert cache.pending

    heard = StageRecorder()
    engine.add_listener(heard)
    assert (await engine.sync_now(reconcile=False)).state == "online"
    assert heard.stages == ["searchable"]
    assert (heard.events[-1].done, heard.events[-1].total) == (ROWS, ROWS)
    assert not cache.pending and cache.indexed_rows == ROWS
    cache.fts_ok()
    assert len(_linen_ids(cache.reader)) == LINEN
    cache.close()


async def test_an_interrupted_first_pull_resumes_and_ends_searchable(tmp_path: Path) -> None:
    cache = open_at(tmp_path / "c.sqlite3")
    catalog = Catalog(catalog_rows(ROWS))
    catalog.fail_page(6)  # five pages of 100 arrive, then the connection drops
    engine = make_catalog_engine(catalog, cache)
    heard = StageRecorder()
    engine.add_listener(heard)

    assert (await engine.sync_now(reconcile=False)).state == "offline"
    assert cache.reader.count_products() == 500  # what arrived is kept, and listed
    assert "searchable" not in heard.stages
    requests = catalog.page_requests

    assert (await engine.sync_now(reconcile=False)).state == "online"
    # It went on from where it stopped: pages after the fifth (and the cursor's own change,
    # which every row shares here, is read again), not a second download from nothing.
    assert cache.reader.count_products() == ROWS
    assert cache.scalar("SELECT count(DISTINCT id) FROM products") == ROWS
    assert heard.stages[-1] == "searchable"
    assert not cache.pending and cache.indexed_rows == ROWS
    cache.fts_ok()
    assert len(_linen_ids(cache.reader)) == LINEN
    assert catalog.page_requests > requests
    cache.close()


async def test_a_first_pull_stopped_mid_download_keeps_what_arrived_and_resumes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    cache = open_at(path)
    catalog = Catalog(catalog_rows(ROWS), latency=0.01)  # pages still to come at the stop
    engine = make_catalog_engine(catalog, cache)
    pulling: asyncio.Task[Any] = asyncio.create_task(engine.sync_now(reconcile=False))

    def stop_halfway(event: SyncProgress) -> None:
        if getattr(event, "stage", "loading") == "loading" and event.done >= ROWS // 2:
            pulling.cancel()

    engine.add_listener(type("Stopper", (), {"on_progress": lambda _s, e: stop_halfway(e)})())
    with pytest.raises(asyncio.CancelledError):
        await pulling
    kept = cache.reader.count_products()
    assert ROWS // 2 <= kept < ROWS
    cache.close()

    cache = open_at(path)  # the app restarts
    assert cache.reader.count_products() == kept
    engine = make_catalog_engine(catalog, cache)
    assert (await engine.sync_now(reconcile=False)).state == "online"
    assert cache.scalar("SELECT count(DISTINCT id) FROM products") == ROWS
    assert cache.reader.count_products() == ROWS
    assert not cache.pending and cache.indexed_rows == ROWS
    cache.fts_ok()
    cache.close()


async def test_a_bad_row_fails_the_pull_clearly_and_no_later_row_moves_the_cursor(
    tmp_path: Path,
) -> None:
    rows = catalog_rows(ROWS)
    bad = sorted(rows, key=lambda r: r["id"])[750]
    bad["wholesale_price"] = "12.345"  # more decimals than money has
    cache = open_at(tmp_path / "c.sqlite3")
    engine = make_catalog_engine(Catalog(rows), cache)

    status = await engine.sync_now(reconcile=False)

    assert status.state == "error"
    assert f"id {bad['id']!r}" in status.detail and "wholesale_price" in status.detail
    stored = cache.reader.count_products()
    assert stored <= 700  # nothing of the bad row's page, nor after it
    cursor = cache.writer.call(CacheStore.get_cursor, "products", TableScope("products").key)
    assert cursor is None or cursor.last_full_sync_at is None
    # The server fixes the row: the next pull completes the catalog.
    bad["wholesale_price"] = "12.34"
    engine2 = make_catalog_engine(Catalog(rows), cache)
    assert (await engine2.sync_now(reconcile=False)).state == "online"
    assert cache.reader.count_products() == ROWS
    cache.close()

