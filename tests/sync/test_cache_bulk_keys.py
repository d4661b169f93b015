"""Bulk loads append rows without a unique key and build it once at the end: a row read twice
keeps its last version, and anything that looks a row up by id gets the key back first."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_cache_support import fts_ok, open_cache, product, uid

from studio.sync.cache import CacheDatabase, CacheStore, CacheWriter, Operation
from studio.sync.cache.migrations import migrate
from studio.sync.cache.search import SEARCH_INDEX_PENDING

COLUMNS = ("id, wholesaler_id, category_id, sku, name, description, brand, tags, image_url,"
           " wholesale_price_cents, retail_price_cents, stock_quantity, min_order_quantity,"
           " status, is_live_eligible, weight_grams, created_at, updated_at, row_version")
ROWS = [product(n, name=f"Linen apron {n}") for n in range(1, 801)]


def _count(db: CacheDatabase, sql: str, params: tuple[Any, ...] = ()) -> int:
    with db.read() as conn:
        return int(conn.exec_driver_sql(sql, params).scalar_one())


def _has_key(db: CacheDatabase) -> bool:
    return _count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'products_id_key'") == 1


def _load(writer: CacheWriter, pages: list[list[dict[str, Any]]]) -> None:
    writer.call(CacheStore.begin_bulk_load, "products")
    for page in pages:
        writer.call(CacheStore.upsert_rows, "products", page)


def test_a_row_read_twice_in_a_bulk_load_keeps_its_last_version(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (db, writer, reader):
        changed = product(7, name="Walnut board", stock_quantity=99)  # changed mid-pull
        _load(writer, [ROWS[:400], ROWS[400:], [changed]])
        assert not _has_key(db)  # appended without a key while loading
        assert writer.call(CacheStore.finish_bulk_load, "products", search_index=False)
        assert _has_key(db)
        assert _count(db, "SELECT count(*) FROM products") == len(ROWS)
        assert _count(db, "SELECT count(DISTINCT id) FROM products") == len(ROWS)
        row = reader.search_products("walnut")[0]
        assert (row["id"], row["stock_quantity"]) == (uid(7, 1), 99)
        writer.call(CacheStore.build_search_index)
        fts_ok(writer)
        assert [r["id"] for r in reader.search_products("walnut")] == [uid(7, 1)]
        assert uid(7, 1) not in {r["id"] for r in reader.search_products("linen", limit=1000)}
        # The key is a real one again: an upsert updates in place.
        writer.call(CacheStore.upsert_rows, "products", [product(7, name="Oak board")])
        assert _count(db, "SELECT count(*) FROM products WHERE id = ?", (uid(7, 1),)) == 1


def test_a_local_edit_during_a_bulk_load_restores_the_key_first(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (db, writer, reader):
        _load(writer, [ROWS[:400], [product(3, name="Linen apron 3 (new)")]])
        edit = Operation("upsert", "products", {"id": uid(3, 1), "stock_quantity": 42})
        writer.call(CacheStore.apply_local, edit)
        assert _has_key(db)  # restored for the edit; the rest of the load upserts
        writer.call(CacheStore.upsert_rows, "products", ROWS[400:])
        writer.call(CacheStore.finish_bulk_load, "products")
        assert _count(db, "SELECT count(*) FROM products") == len(ROWS)
        rows = reader.search_products("linen apron 3 new")
        assert [(r["id"], r["stock_quantity"]) for r in rows] == [(uid(3, 1), 42)]
        fts_ok(writer)


def test_a_crash_mid_bulk_load_with_a_row_twice_is_repaired_on_open(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with open_cache(path) as (_db, writer, _reader):
        _load(writer, [ROWS[:500], [product(9, name="Velvet cushion")], ROWS[500:]])
    with open_cache(path) as (db, writer, reader):  # repaired on open
        assert _has_key(db)
        assert _count(db, "SELECT count(*) FROM products") == len(ROWS)
        assert [r["id"] for r in reader.search_products("velvet")] == [uid(9, 1)]
        assert writer.call(CacheStore.get_meta, SEARCH_INDEX_PENDING) is None
        fts_ok(writer)


def test_a_version_3_cache_keeps_its_rows_and_search_and_its_key_is_enforced(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v3.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as sa_conn:
        sa_conn.connection.driver_connection.isolation_level = None
        migrate(sa_conn, target=3)
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    for n, name in ((5, "Linen apron"), (9, "Crème brûlée torch")):
        conn.execute(f"INSERT INTO products (pk, {COLUMNS}) VALUES (?, ?, ?, NULL, ?, ?, 'd',"
                     " 'Acme', '[\"kitchen\"]', NULL, 1250, 2999, 4, 1, 'active', 1, NULL,"
                     " '2026-01-01T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z', 3)",
                     (n * 10, uid(n, 1), uid(1, 9), f"SKU-{n}", name))
    conn.close()
    with open_cache(path) as (db, writer, reader):
        assert db.schema_version == 4 and _has_key(db)
        with db.read() as read:
            assert read.exec_driver_sql("SELECT pk, id, row_version FROM products ORDER BY pk"
                                        ).all() == [(50, uid(5, 1), 3), (90, uid(9, 1), 3)]
        assert [r["id"] for r in reader.search_products("creme")] == [uid(9, 1)]
        fts_ok(writer)
        with pytest.raises(sa.exc.IntegrityError):
            writer.call(lambda store: store.connection.exec_driver_sql(
                f"INSERT INTO products (pk, {COLUMNS}) SELECT pk + 1, {COLUMNS} FROM products"))
        writer.call(CacheStore.upsert_rows, "products", [product(5, name="Oak board")])
        assert [r["id"] for r in reader.search_products("oak")] == [uid(5, 1)]
        assert _count(db, "SELECT count(*) FROM products") == 2


def test_a_bulk_load_rolled_back_leaves_rows_upserted_in_place(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (db, writer, _reader):
        def begin_then_fail(store: CacheStore) -> None:
            with store.transaction():
                store.begin_bulk_load("products")
                raise RuntimeError("the app closed")

        with pytest.raises(RuntimeError):
            writer.call(begin_then_fail)
        assert _has_key(db) and not writer.call(CacheStore.bulk_loading, "products")
        writer.call(CacheStore.upsert_rows, "products", [product(1)])
        writer.call(CacheStore.upsert_rows, "products", [product(1, name="Renamed")])
        assert _count(db, "SELECT count(*) FROM products") == 1
        fts_ok(writer)
