"""Offline cache: the single writer thread, concurrent readers, and the views' read helpers."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from test_cache_support import (
    HOST,
    OTHER_WHOLESALER,
    WHOLESALER,
    chat,
    live_product,
    open_cache,
    product,
    show,
    uid,
)

from studio.sync.cache import (
    CacheDatabase,
    CacheDataError,
    CacheError,
    CacheReader,
    CacheStore,
    CacheWriter,
    Operation,
)


@pytest.mark.asyncio
async def test_writes_run_on_one_thread_in_order_and_are_awaitable(tmp_path: Path) -> None:
    db = CacheDatabase.open(tmp_path / "c.sqlite3")
    changes: list[frozenset[str]] = []
    writer = CacheWriter(db, on_change=changes.append)
    threads: set[str] = set()

    def record(store: CacheStore, n: int) -> int:
        threads.add(threading.current_thread().name)
        store.upsert_rows("products", [product(n, name=f"Item {n}")])
        return n

    try:
        results = await asyncio.gather(*(writer.run(record, n) for n in range(1, 21)))
        assert results == list(range(1, 21))
        assert len(threads) == 1 and threads.pop().startswith("cache-writer")
        assert threading.current_thread().name not in threads
        reader = CacheReader(db)
        assert [r["sku"] for r in reader.search_products(sort="newest", limit=3)] == [
            "SKU-20", "SKU-19", "SKU-18"]  # equal timestamps: later rowid first
        assert changes == [frozenset({"products"})] * 20
        await writer.run(CacheStore.get_cursor, "products")  # reads notify nobody
        assert len(changes) == 20
    finally:
        writer.close()
        db.close()


@pytest.mark.asyncio
async def test_a_failing_job_raises_to_its_caller_and_the_writer_carries_on(
    tmp_path: Path
) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (_db, writer, reader):
        with pytest.raises(CacheDataError, match="status: 'gone' is not one of"):
            await writer.run(CacheStore.upsert_rows, "products", [product(1, status="gone")])

        def half_done(store: CacheStore) -> None:
            with store.transaction():
                store.upsert_rows("products", [product(2)])
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            await writer.run(half_done)
        assert reader.count_products() == 0  # the whole job's transaction was rolled back
        await writer.run(CacheStore.upsert_rows, "products", [product(3)])
        assert reader.count_products() == 1


def test_a_listener_error_does_not_fail_the_write(tmp_path: Path) -> None:
    db = CacheDatabase.open(tmp_path / "c.sqlite3")

    def broken(_tables: frozenset[str]) -> None:
        raise RuntimeError("listener bug")

    writer = CacheWriter(db, on_change=broken)
    try:
        assert writer.call(CacheStore.upsert_rows, "products", [product(1)]) == 1
        assert CacheReader(db).count_products() == 1
    finally:
        writer.close()
        db.close()


def test_readers_see_committed_data_while_the_writer_holds_a_transaction(
    tmp_path: Path
) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (_db, writer, reader):
        writer.call(CacheStore.upsert_rows, "products", [product(1)])
        inside = threading.Event()
        release = threading.Event()

        def long_write(store: CacheStore) -> None:
            with store.transaction():
                store.upsert_rows("products", [product(2)])
                inside.set()
                assert release.wait(10)

        future = writer.submit(long_write)
        assert inside.wait(10)
        # WAL: the reader is not blocked and sees the last committed state.
        assert reader.count_products() == 1
        release.set()
        future.result(10)
        assert reader.count_products() == 2


def test_readers_cannot_write(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (db, _writer, _reader), db.read() as conn, \
            pytest.raises(Exception, match="readonly"):
        conn.exec_driver_sql("DELETE FROM products")


def test_a_closed_writer_refuses_work(tmp_path: Path) -> None:
    db = CacheDatabase.open(tmp_path / "c.sqlite3")
    writer = CacheWriter(db)
    writer.close()
    writer.close()  # closing twice is harmless
    with pytest.raises(CacheError, match="the cache writer is closed"):
        writer.submit(CacheStore.pending_count)
    db.close()


def test_read_helpers_for_shows_lineups_and_the_wholesaler_preview(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (_db, writer, reader):
        writer.call(CacheStore.upsert_rows, "influencers", [{
            "id": HOST, "display_name": "Mia Live", "handle": "mia.live", "bio": None,
            "avatar_url": None, "follower_count": 10, "verification_status": "verified",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}])
        writer.call(CacheStore.upsert_rows, "products", [
            product(1, name="Scarf", wholesale_price="8.00"),
            product(2, name="Mug", wholesaler_id=OTHER_WHOLESALER)])
        writer.call(CacheStore.upsert_rows, "live_stream_sessions",
                    [show(1), show(2, status="ended"), show(3, influencer_id=uid(5, 9))])
        writer.call(CacheStore.upsert_rows, "live_products", [
            live_product(1, 1, position=2), live_product(2, 1, position=1),
            live_product(3, 2, product_id=uid(1, 1), position=0)])
        writer.call(CacheStore.upsert_rows, "live_stream_chat",
                    [chat(n, 1, minute=n) for n in range(1, 6)])

        assert [r["id"] for r in reader.lineup(uid(1, 3))] == [uid(2, 4), uid(1, 4)]
        assert [s["title"] for s in reader.shows_of_host(HOST)] == ["Show 2", "Show 1"]
        assert [s["title"] for s in reader.shows_of_host(HOST, statuses=["scheduled"])] == [
            "Show 1"]
        preview = reader.wholesaler_lineups(WHOLESALER)
        assert [(p["show_title"], p["host_display_name"], p["product_name"],
                 p["allocated_quantity"], p["live_price_cents"], p["wholesale_price_cents"])
                for p in preview] == [("Show 1", "Mia Live", "Scarf", 3, 1500, 800),
                                      ("Show 2", "Mia Live", "Scarf", 3, 1500, 800)]
        assert reader.wholesaler_lineups(uid(42, 9)) == []
        assert [m["message"] for m in reader.recent_chat(uid(1, 3), limit=2)] == [
            "message 4", "message 5"]
        with pytest.raises(CacheDataError, match="session_id: 'x' is not a uuid"):
            reader.lineup("x")


def test_local_show_edits_reach_the_views_before_any_sync(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (_db, writer, reader):
        new_show = {"id": uid(7, 3), "influencer_id": HOST, "title": "Friday drop",
                    "scheduled_start": "2026-12-05T19:00:00+01:00"}
        writer.call(CacheStore.apply_local, Operation("upsert", "live_stream_sessions", new_show))
        [created] = reader.shows_of_host(HOST)
        assert (created["title"], created["status"], created["session_code"],
                created["scheduled_start"], created["chat_enabled"]) == (
            "Friday drop", "scheduled", None, "2026-12-05T18:00:00.000000Z", True)
