"""The cache's write side: server rows, removals, cursors and bulk loads (writer thread only)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from studio.sync.cache.bulk import ConstraintViolation, append_checked
from studio.sync.cache.codec import BadValue, to_cache
from studio.sync.cache.conflicts import ConflictOperations
from studio.sync.cache.errors import CacheDataError
from studio.sync.cache.rows import (
    Columns,
    chunk_ids,
    convert_chunks,
    diagnose,
    image_from_params,
    now_text,
    read_image,
    upsert_sql,
    validate_ids,
)
from studio.sync.cache.search import SEARCH_INDEX_PENDING
from studio.sync.cache.tables import FTS_TABLES, SA_TABLES, TableSpec, table_spec

# A first load of at least this many rows into an empty table skips per-row index and FTS
# maintenance and rebuilds both once, in the same transaction.
BULK_THRESHOLD = 500
CHECKPOINT_PAGES = 1_000  # SQLite's default
BULK_CHECKPOINT_PAGES = 0  # none while loading (see begin_bulk_load)
_FTS_REBUILD = {"products": "INSERT INTO products_fts (products_fts) VALUES ('rebuild')"}
_FTS_HASHSIZE = {
    "products_fts": "INSERT INTO products_fts (products_fts, rank) VALUES ('hashsize', 33554432)"
}
_DEFERRED_INDEXES = "deferred_indexes"
# Errors that mean "these values do not fit", as opposed to I/O or locking trouble.
_DATA_ERRORS = (sa.exc.IntegrityError, sa.exc.InterfaceError, sa.exc.ProgrammingError,
                OverflowError, ConstraintViolation)


_CREATED_NAME = re.compile(
    r'\s*CREATE\s+(?:UNIQUE\s+)?(?:INDEX|TRIGGER)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)


def _is_unique_index(sql: str) -> bool:
    return re.match(r"\s*CREATE\s+UNIQUE\s+INDEX", sql, re.IGNORECASE) is not None


def _is_secondary_index(sql: str) -> bool:
    """A plain CREATE INDEX (not a unique key, not a trigger): only sorts and filters use it."""
    return sql.lstrip().upper().startswith("CREATE INDEX")


@dataclass(frozen=True)
class SyncCursor:
    """How far one table (or one scope of it) has been pulled: every row written by a
    transaction below `cursor_xid` is in the cache (None: nothing pulled yet, or reset)."""

    table: str
    scope: str
    cursor_xid: int | None
    last_full_sync_at: str | None


class CacheStore(ConflictOperations):
    """Synchronous writes on the writer connection; every public method is one transaction.

    Methods nest: called inside `transaction()`, they join the enclosing transaction. Reads
    run in a transaction too, so the connection never idles holding an implicit one.
    """

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn
        self._changed: set[str] = set()

    @property
    def connection(self) -> sa.Connection:
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        if self._conn.in_transaction():
            yield self._conn
            return
        with self._conn.begin():
            yield self._conn

    def take_changes(self) -> frozenset[str]:
        """Names of the tables written since the last call (for views to refresh)."""
        changed, self._changed = frozenset(self._changed), set()
        return changed

    # ------------------------------------------------------------------ server rows
    def upsert_rows(self, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert or update server rows (each exactly `server_columns`); returns the row count.

        Rows with local operations still waiting to be pushed keep their local state: the
        server row becomes the base those operations are replayed on.
        """
        spec = table_spec(table)
        try:
            rows = list(rows)
        except TypeError:
            raise CacheDataError(f"{spec.name}: rows must be a list of mappings") from None
        if not rows:
            return 0
        chunks = convert_chunks(spec, rows)
        try:
            self._upsert_chunks(spec, chunks)
        except _DATA_ERRORS as exc:
            raise diagnose(spec, rows, str(getattr(exc, "orig", exc))) from None
        return len(rows)

    def _upsert_chunks(self, spec: TableSpec, chunks: list[Columns]) -> None:
        with self.transaction():
            ids = chunk_ids(chunks)
            self._retire_refused(spec.name, ids)
            protected = self._protected_ids(spec.name)
            if protected and not protected.isdisjoint(ids):
                params = [p for columns in chunks for p in zip(*columns, strict=True)]
                self._keyed(spec.name)
                for row in (p for p in params if p[0] in protected):
                    self._rebase_row(spec, row[0], image_from_params(spec, row))
                rest = [p for p in params if p[0] not in protected]
                chunks = [[list(values) for values in zip(*rest, strict=True)]] if rest else []
                ids = [p[0] for p in rest]
            if self._keyless(spec.name):
                # Appended; a row read twice keeps its last version when the key is restored.
                append_checked(self._conn, spec.name, chunks)
                self._changed.add(spec.name)
                return
            bulk = (len(ids) >= BULK_THRESHOLD and not self.bulk_loading(spec.name)
                    and self._is_empty(spec))
            if bulk:
                self.begin_bulk_load(spec.name)
            if ids and self._keyless(spec.name):  # this call began a bulk load
                append_checked(self._conn, spec.name, chunks)
            elif ids:
                self._conn.exec_driver_sql(upsert_sql(spec.name), [
                    p for columns in chunks for p in zip(*columns, strict=True)])
            if bulk:
                self.finish_bulk_load(spec.name)
        self._changed.add(spec.name)

    def delete_rows(self, table: str, ids: Iterable[Any]) -> int:
        """Remove rows the server deleted or no longer shows; returns how many were cached."""
        spec = table_spec(table)
        row_ids = validate_ids(spec, list(ids))
        with self.transaction():
            self._keyed(spec.name)
            self._retire_refused(spec.name, row_ids)
            protected = self._protected_ids(spec.name)
            removed = 0
            for row_id in (i for i in row_ids if i in protected):
                existed = read_image(self._conn, spec, row_id) is not None
                gone = self._rebase_row(spec, row_id, None) is None
                removed += int(existed and gone)
            plain = [{"row_id": i} for i in dict.fromkeys(row_ids) if i not in protected]
            if plain:
                t = SA_TABLES[spec.name]
                statement = sa.delete(t).where(t.c.id == sa.bindparam("row_id"))
                removed += self._conn.execute(statement, plain).rowcount
        if removed:
            self._changed.add(spec.name)
        return removed

    def replace_scope(
        self, table: str, ids_present: Iterable[Any], *, scope: Mapping[str, Any] | None = None
    ) -> int:
        """Remove the rows of `scope` (all rows, or those matching column values) whose id is
        not in `ids_present`; rows with unpushed local operations stay. Returns the count."""
        spec = table_spec(table)
        present = validate_ids(spec, list(ids_present))
        sa_table = SA_TABLES[spec.name]
        conditions = [self._scope_condition(spec, sa_table, name, value)
                      for name, value in (scope or {}).items()]
        with self.transaction():
            self._keyed(spec.name)
            self._conn.exec_driver_sql(
                "CREATE TEMP TABLE IF NOT EXISTS present_ids (id TEXT PRIMARY KEY)")
            self._conn.exec_driver_sql("DELETE FROM temp.present_ids")
            if present:
                self._conn.exec_driver_sql(
                    "INSERT OR IGNORE INTO temp.present_ids (id) VALUES (?)",
                    [(row_id,) for row_id in present])
            present_ids = sa.table("present_ids", sa.column("id"), schema="temp")
            statement = sa.delete(sa_table).where(
                *conditions,
                sa_table.c.id.not_in(sa.select(present_ids.c.id)),
                sa_table.c.id.not_in(self._protected_ids_query(spec.name)),
            )
            removed = self._conn.execute(statement).rowcount
        if removed:
            self._changed.add(spec.name)
        return removed

    @staticmethod
    def _scope_condition(
        spec: TableSpec, sa_table: sa.Table, name: str, value: Any
    ) -> sa.ColumnElement[bool]:
        column = spec.by_name.get(name) or spec.by_source.get(name)
        if column is None:
            raise CacheDataError(f"{spec.name}: unknown scope column {name!r}")
        try:
            return sa_table.c[column.name] == to_cache(column, value)
        except BadValue as exc:
            raise CacheDataError(f"{spec.name}: scope {name}: {exc}") from None

    def prune_recent(self, table: str, *, keep_per_session: int | None = None) -> int:
        """Keep only the newest rows of each show in a show-activity table; returns removals."""
        spec = table_spec(table)
        keep = keep_per_session if keep_per_session is not None else spec.retain_per_session
        if keep is None or "session_id" not in spec.by_name:
            raise CacheDataError(f"{spec.name} is not a per-show activity table")
        if keep < 0:
            raise CacheDataError("keep_per_session must not be negative")
        t = SA_TABLES[spec.name]
        ranked = sa.select(
            t.c.id,
            sa.func.row_number().over(
                partition_by=t.c.session_id, order_by=(t.c.created_at.desc(), t.c.id.desc())
            ).label("newest_first"),
        ).subquery()
        statement = sa.delete(t).where(
            t.c.id.in_(sa.select(ranked.c.id).where(ranked.c.newest_first > keep)),
            t.c.id.not_in(self._protected_ids_query(spec.name)),
        )
        with self.transaction():
            removed = self._conn.execute(statement).rowcount
        if removed:
            self._changed.add(spec.name)
        return removed

    def _is_empty(self, spec: TableSpec) -> bool:
        t = SA_TABLES[spec.name]
        return self._conn.execute(sa.select(t.c.id).limit(1)).first() is None

    # ------------------------------------------------------------------ bulk loads
    def bulk_loading(self, table: str) -> bool:
        return self.get_meta(f"bulk_load:{table_spec(table).name}") is not None

    def begin_bulk_load(self, table: str) -> None:
        """Stop per-row maintenance of secondary indexes and FTS for a large first load.

        The dropped definitions are kept in cache_meta, so `finish_bulk_load` (or the next
        start, after a crash) restores them exactly as the schema had them.
        """
        spec = table_spec(table)
        with self.transaction():
            if self.bulk_loading(spec.name):
                return
            objects = self._conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master"
                " WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL"
                " ORDER BY type, name", (spec.name,)).all()
            self.set_meta(f"bulk_load:{spec.name}", json.dumps([sql for _, _, sql in objects]))
            for kind, name, _ in objects:
                keyword = "INDEX" if kind == "index" else "TRIGGER"
                self._conn.exec_driver_sql(f'DROP {keyword} "{name}"')
            # No checkpoints while loading: pages rewritten page after page are copied back to
            # the database file once, at the end (a checkpoint waits for the disk).
            self._conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES:d}")

    def finish_bulk_load(self, table: str, *, search_index: bool = True) -> bool:
        """Recreate what `begin_bulk_load` dropped; False if no bulk load was open.

        The FTS index is rebuilt too unless `search_index` is False: then the table is
        browsable at once (its secondary indexes are deferred too: sorts and filters scan the
        table meanwhile), searches fall back to substring conditions, and
        `build_search_index` (a separate, later write) builds the indexes and the FTS index.
        """
        spec = table_spec(table)
        with self.transaction():
            if self.get_meta(f"bulk_load:{spec.name}") is None:
                return False
            self._restore_keys(spec.name)  # first: removing duplicates must not fire triggers
            deferred: list[str] = []
            for sql in json.loads(self.get_meta(f"bulk_load:{spec.name}") or "[]"):
                if not search_index and spec.name in FTS_TABLES and _is_secondary_index(sql):
                    deferred.append(sql)
                else:
                    self._create(sql)
            if spec.name in FTS_TABLES:
                if search_index:
                    self._rebuild_fts(spec.name)
                else:
                    self._defer_indexes(spec.name, deferred)
                    self.set_meta(SEARCH_INDEX_PENDING, now_text())
            self.delete_meta(f"bulk_load:{spec.name}")
            if search_index or spec.name not in FTS_TABLES:
                self._conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES:d}")
            # Otherwise the log is copied into the database file once the search index is
            # built, not before the table is browsable.
        self._changed.add(spec.name)
        return True

    def _defer_indexes(self, table: str, statements: list[str]) -> None:
        key = f"{_DEFERRED_INDEXES}:{table}"
        earlier = json.loads(self.get_meta(key) or "[]")
        self.set_meta(key, json.dumps(list(dict.fromkeys([*earlier, *statements]))))

    def search_index_pending(self) -> bool:
        """Whether a first sync left the catalog's indexes and search index to build."""
        return self.get_meta(SEARCH_INDEX_PENDING) is not None

    def build_search_index(self, table: str = "products") -> bool:
        """Build the indexes and the FTS index a deferred bulk load left pending; False if
        none was pending."""
        spec = table_spec(table)
        if spec.name not in FTS_TABLES:
            return False
        with self.transaction():
            if self.get_meta(SEARCH_INDEX_PENDING) is None:
                return False
            key = f"{_DEFERRED_INDEXES}:{spec.name}"
            for sql in json.loads(self.get_meta(key) or "[]"):
                self._create(sql)
            self.delete_meta(key)
            self._rebuild_fts(spec.name)
            self.delete_meta(SEARCH_INDEX_PENDING)
            # The commit of this transaction checkpoints what the bulk load wrote.
            self._conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES:d}")
        self._changed.add(spec.name)
        return True

    def _keyless(self, table: str) -> bool:
        """Whether a bulk load dropped the table's unique key index: rows are then appended,
        and anything that looks a row up by id restores the key first (`_keyed`). Read from
        the database, so a rolled-back bulk load leaves nothing behind."""
        saved = self.get_meta(f"bulk_load:{table}")
        if saved is None:
            return False
        return any(_is_unique_index(sql) and not self._exists(sql) for sql in json.loads(saved))

    def _keyed(self, table: str) -> None:
        """Restore the unique key of a table inside a bulk load before a row is looked up by
        id (a local edit, a deletion, a rebase): those need one row per id, found fast."""
        if self._keyless(table):
            self._restore_keys(table)

    def _restore_keys(self, table: str) -> None:
        """Build the unique indexes a bulk load dropped, keeping the last version of a row
        appended twice; they leave the bulk load's list of what to recreate."""
        key = f"bulk_load:{table}"
        saved = json.loads(self.get_meta(key) or "[]")
        keys = [sql for sql in saved if _is_unique_index(sql)]
        for sql in keys:
            if self._exists(sql):
                continue
            try:
                with self._conn.begin_nested():
                    self._conn.exec_driver_sql(sql)
            except sa.exc.IntegrityError:
                # Rows appended in pull order: the newest copy of a row has the largest pk.
                self._conn.exec_driver_sql(
                    f'DELETE FROM "{table}" WHERE pk NOT IN'  # noqa: S608 - a known table
                    f' (SELECT max(pk) FROM "{table}" GROUP BY id)')
                self._conn.exec_driver_sql(sql)
        if keys:
            self.set_meta(key, json.dumps([sql for sql in saved if sql not in keys]))

    def _create(self, sql: str) -> None:
        """Run a saved CREATE INDEX / TRIGGER unless that object exists (a migration may have
        created it again since it was saved)."""
        if not self._exists(sql):
            self._conn.exec_driver_sql(sql)

    def _exists(self, sql: str) -> bool:
        match = _CREATED_NAME.match(sql)
        if match is None:
            return False
        return self._conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (match[1],)).first() is not None

    def _rebuild_fts(self, table: str) -> None:
        self._tune_fts(FTS_TABLES[table])
        self._conn.exec_driver_sql(_FTS_REBUILD[table])

    def _tune_fts(self, fts_table: str) -> None:
        # A larger in-memory term buffer makes fewer, larger segments: about a third faster
        # to build. The option is recent; older SQLite keeps its default.
        with suppress(sa.exc.OperationalError):
            self._conn.exec_driver_sql(_FTS_HASHSIZE[fts_table])

    def repair_interrupted_bulk_loads(self, *, build_search_index: bool = True) -> list[str]:
        """Finish bulk loads a crash left open; returns the tables repaired.

        With `build_search_index` False the catalog's indexes and search index are left
        pending (browsable at once) for `build_search_index` to build later."""
        with self.transaction():
            keys = self._conn.exec_driver_sql(
                "SELECT key FROM cache_meta WHERE key LIKE 'bulk!_load:%' ESCAPE '!'"
            ).scalars().all()
        tables = [key.split(":", 1)[1] for key in keys]
        for table in tables:
            self.finish_bulk_load(table, search_index=build_search_index)
        if build_search_index:
            self.build_search_index()  # a first sync that stopped before its search index
        return tables

    # ------------------------------------------------------------------ cursors and meta
    def get_cursor(self, table: str, scope: str = "") -> SyncCursor | None:
        spec = table_spec(table)
        with self.transaction():
            row = self._conn.exec_driver_sql(
                "SELECT cursor_xid, last_full_sync_at FROM sync_cursors"
                " WHERE table_name = ? AND scope = ?", (spec.name, scope)).first()
        return SyncCursor(spec.name, scope, *row) if row is not None else None

    def set_cursor(
        self,
        table: str,
        *,
        cursor_xid: int | None,
        scope: str = "",
        full_sync: bool = False,
    ) -> SyncCursor:
        """Record the commit-order horizon pulled up to; `full_sync` also stamps a full pass."""
        spec = table_spec(table)
        if cursor_xid is not None and (
            isinstance(cursor_xid, bool) or not isinstance(cursor_xid, int) or cursor_xid < 0
        ):
            raise CacheDataError(f"cursor of {spec.name}: {cursor_xid!r} is not a horizon")
        if not isinstance(scope, str):
            raise CacheDataError("cursor scope must be text")
        with self.transaction():
            self._conn.exec_driver_sql(
                "INSERT INTO sync_cursors (table_name, scope, cursor_xid, last_full_sync_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (table_name, scope) DO UPDATE SET"
                " cursor_xid = excluded.cursor_xid,"
                " last_full_sync_at = coalesce(excluded.last_full_sync_at, last_full_sync_at)",
                (spec.name, scope, cursor_xid, now_text() if full_sync else None))
            cursor = self.get_cursor(spec.name, scope)
        assert cursor is not None
        return cursor

    def get_meta(self, key: str) -> str | None:
        with self.transaction():
            return self._conn.exec_driver_sql(
                "SELECT value FROM cache_meta WHERE key = ?", (key,)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        if not isinstance(key, str) or not isinstance(value, str):
            raise CacheDataError("cache_meta keys and values are text")
        with self.transaction():
            self._conn.exec_driver_sql(
                "INSERT INTO cache_meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def delete_meta(self, key: str) -> None:
        with self.transaction():
            self._conn.exec_driver_sql("DELETE FROM cache_meta WHERE key = ?", (key,))


