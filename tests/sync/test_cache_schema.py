"""Offline cache: file location, connection settings, schema creation and versioned migrations."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_cache_support import open_cache, product, snapshot, uid

from studio.sync.cache import (
    LATEST_VERSION,
    MIGRATIONS,
    CacheDatabase,
    CacheError,
    CacheStore,
    CacheVersionError,
    Operation,
    cache_path,
)
from studio.sync.cache.ddl_v1 import V1_SCHEMA
from studio.sync.cache.migrations import APPLICATION_ID, migrate, split_statements
from studio.sync.cache.tables import SA_TABLES


def test_cache_path_is_one_file_per_backend_and_user_with_safe_names(tmp_path: Path) -> None:
    path = cache_path(tmp_path, "https://abc.supabase.co", "../../etc/passwd")
    assert path.parent == tmp_path / "cache"
    assert path.suffix == ".sqlite3"
    assert "/" not in path.name and "\\" not in path.name and ".." not in path.name
    assert path.name.startswith("https_abc.supabase.co-etc_passwd-")
    # Distinct pairs never share a file, even when their names sanitise alike.
    assert cache_path(tmp_path, "a/b", "u") != cache_path(tmp_path, "a_b", "u")
    assert cache_path(tmp_path, "local", "u1") != cache_path(tmp_path, "local", "u2")
    assert cache_path(tmp_path, "local", "u1") == cache_path(str(tmp_path), "local", "u1")


@pytest.mark.parametrize(("backend", "user"), [("", "u"), ("local", "  "), ("local", None)])
def test_cache_path_refuses_empty_names(tmp_path: Path, backend: str, user: str) -> None:
    with pytest.raises(ValueError, match="must be a non-empty string"):
        cache_path(tmp_path, backend, user)


def test_new_cache_has_latest_schema_in_wal_mode_with_connection_settings(tmp_path: Path) -> None:
    with open_cache(cache_path(tmp_path, "local", "host")) as (db, writer, _reader):
        assert db.path.exists()
        assert db.schema_version == LATEST_VERSION == MIGRATIONS[-1].version
        with db.read() as conn:
            pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in (
                "journal_mode", "synchronous", "foreign_keys", "busy_timeout", "query_only",
                "application_id")}
        assert pragma == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1,
                          "busy_timeout": 5000, "query_only": 1,
                          "application_id": APPLICATION_ID}

        def writer_pragmas(store: CacheStore) -> tuple[int, int, int]:
            conn = store.connection.connection.driver_connection
            return tuple(conn.execute(f"PRAGMA {name}").fetchone()[0]
                         for name in ("synchronous", "foreign_keys", "query_only"))

        assert writer.call(writer_pragmas) == (1, 1, 0)


def test_schema_matches_the_sqlalchemy_description(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (db, _writer, _reader), db.read() as conn:
        for name, table in SA_TABLES.items():
            info = conn.exec_driver_sql(f"PRAGMA table_info({name})").all()
            assert [(row[1], row[2], bool(row[3])) for row in info] == [
                (c.name, "INTEGER" if str(c.type) == "INTEGER" else "TEXT",
                 not c.nullable and not (c.primary_key and name == "products"))
                for c in table.columns
            ], name
        objects = {row[0] for row in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    assert {"outbox", "sync_cursors", "cache_meta", "products_fts",
            "products_fts_after_insert", "products_fts_after_update",
            "products_fts_after_delete"} <= objects


def test_split_statements_keeps_trigger_bodies_whole() -> None:
    script = """
    -- a comment
    CREATE TABLE t (a);
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN
      INSERT INTO t VALUES (1);
      INSERT INTO t VALUES (2);
    END;
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    with pytest.raises(ValueError, match="incomplete statement"):
        split_statements("CREATE TABLE t (a)")


def _create_v1_cache(path: Path) -> None:
    """A cache exactly as version 1 of the studio left it, holding some data."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    for statement in split_statements(V1_SCHEMA):
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    columns = ("id, wholesaler_id, category_id, sku, name, description, brand, tags, image_url,"
               " wholesale_price_cents, retail_price_cents, stock_quantity, min_order_quantity,"
               " status, is_live_eligible, weight_grams, created_at, updated_at")
    for n, (name, brand, tags) in enumerate([
        ("Crème brûlée torch", "Cuisinière", '["kitchen","crème"]'),
        ("Linen apron", "Atelier", '["kitchen"]'),
    ], start=1):
        conn.execute(
            f"INSERT INTO products ({columns}) VALUES (?, ?, NULL, ?, ?, 'desc', ?, ?, NULL,"
            " 1250, 2999, 4, 1, 'active', 1, NULL, '2026-01-01T00:00:00.000000Z',"
            " '2026-01-02T00:00:00.000000Z')",
            (uid(n, 1), uid(1, 9), f"SKU-{n}", name, brand, tags))
    conn.execute(
        "INSERT INTO outbox (op_id, created_at, kind, target, row_id, payload, status,"
        " attempts, undo, updated_at) VALUES (?, '2026-01-01T00:00:00.000000Z', 'upsert',"
        " 'products', ?, '{}', 'in_flight', 1, '{\"row\":null}', '2026-01-01T00:00:00.000000Z')",
        (uid(7, 8), uid(1, 1)))
    conn.execute("INSERT INTO sync_cursors (table_name, last_updated_at, last_id)"
                 " VALUES ('products', '2026-01-02T00:00:00.000000Z', ?)", (uid(2, 1),))
    conn.execute("COMMIT")
    conn.close()


def test_a_version_1_cache_migrates_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    _create_v1_cache(path)
    with open_cache(path) as (db, writer, reader):
        assert db.schema_version == LATEST_VERSION
        rows = {r["sku"]: r for r in reader.search_products(sort="name")}
        assert set(rows) == {"SKU-1", "SKU-2"}
        assert rows["SKU-1"]["name"] == "Crème brûlée torch"
        assert rows["SKU-1"]["tags"] == ["kitchen", "crème"]
        assert rows["SKU-1"]["wholesale_price_cents"] == 1250
        # The FTS index added by version 2 covers the rows that were already there.
        assert [r["sku"] for r in reader.search_products("creme brulee")] == ["SKU-1"]
        assert reader.count_products("cuisiniere") == 1
        assert reader.count_products("kitchen") == 2
        # Outbox and cursors survive; the op caught in flight is pending again.
        entry = writer.call(CacheStore.get_op, uid(7, 8))
        assert entry is not None and entry.status == "pending" and entry.attempts == 1
        # Timestamp cursors are reset by version 3: the next pull reads the scope whole.
        cursor = writer.call(CacheStore.get_cursor, "products")
        assert cursor is not None and cursor.cursor_xid is None
        # New writes keep the index in step.
        writer.call(CacheStore.upsert_rows, "products", [product(3, name="Whisk")])
        assert reader.count_products("whisk") == 1


def test_a_version_2_cache_upgrades_to_commit_order_cursors(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as sa_conn:
        sa_conn.connection.driver_connection.isolation_level = None
        migrate(sa_conn, target=2)
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO sync_cursors (table_name, scope, last_updated_at, last_id,"
                 " last_full_sync_at) VALUES ('products', 'catalog:x',"
                 " '2026-11-30T00:00:00.000000Z', ?, '2026-11-30T00:00:01.000000Z')", (uid(1, 1),))
    conn.execute(
        "INSERT INTO outbox (op_id, created_at, kind, target, row_id, payload, status,"
        " attempts, undo, updated_at) VALUES (?, '2026-01-01T00:00:00.000000Z', 'upsert',"
        " 'products', ?, '{}', 'pending', 0, '{\"row\":null}', '2026-01-01T00:00:00.000000Z')",
        (uid(7, 8), uid(1, 1)))
    conn.close()
    with open_cache(path) as (db, writer, _reader):
        assert db.schema_version == LATEST_VERSION
        cursor = writer.call(CacheStore.get_cursor, "products", "catalog:x")
        # Reset: the next pull reads the whole scope, without first-sync progress again.
        assert cursor is not None and cursor.cursor_xid is None
        assert cursor.last_full_sync_at == "2026-11-30T00:00:01.000000Z"
        entry = writer.call(CacheStore.get_op, uid(7, 8))
        assert (entry.status, entry.batch_id, entry.base_version) == ("pending", None, None)
        assert writer.call(CacheStore.open_conflicts) == []
        writer.call(CacheStore.upsert_rows, "products", [product(2)])
        with db.read() as read:
            assert read.exec_driver_sql("SELECT row_version FROM products").scalar() == 1


def test_migrating_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with open_cache(path) as (db, writer, _reader):
        writer.call(CacheStore.upsert_rows, "products", [product(1)])
        before = snapshot(db)
    with open_cache(path) as (db, _writer, _reader):
        assert db.schema_version == LATEST_VERSION
        assert snapshot(db) == before


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_cache_from_a_newer_studio_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with open_cache(path) as (_db, writer, _reader):
        writer.call(CacheStore.upsert_rows, "products", [product(1)])
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.commit()
    conn.close()
    digest = _digest(path)
    newer = LATEST_VERSION + 1
    with pytest.raises(CacheVersionError, match=rf"newer ShopStream Studio \(cache schema {newer}"):
        CacheDatabase.open(path)
    assert _digest(path) == digest


def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    digest = _digest(path)
    with pytest.raises(CacheError, match="not a ShopStream Studio cache"):
        CacheDatabase.open(path)
    assert _digest(path) == digest


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(b"this is not a database" * 300)
    with pytest.raises(CacheError, match="not a readable cache database"):
        CacheDatabase.open(path)
    assert path.read_bytes() == b"this is not a database" * 300


def test_local_ops_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    op = Operation("upsert", "products", product(1))
    with open_cache(path) as (_db, writer, _reader):
        writer.call(CacheStore.apply_local, op)
    with open_cache(path) as (_db, writer, reader):
        assert reader.pending_count() == 1
        assert reader.get("products", uid(1, 1))["name"] == "Product 1"
