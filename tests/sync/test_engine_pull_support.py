"""An in-memory catalog server and a stage recorder for first-pull tests (no tests here)."""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from test_cache_support import product

from studio.sync.backend import Cursor, NetworkError, Page
from studio.sync.cache import CacheDatabase, CacheReader, CacheStore, CacheWriter
from studio.sync.engine import SyncEngine
from studio.sync.engine.events import SyncProgress
from studio.sync.protocol import TombstonePage
from studio.sync.scope import ScopePlan, TableScope

__all__ = ["Catalog", "Opened", "StageRecorder", "catalog_rows", "make_catalog_engine", "open_at"]

NAMES = ("Linen apron", "Wool beanie", "Cashmere scarf", "Blue ceramic mug", "Oak board")


def catalog_rows(count: int) -> list[dict[str, Any]]:
    """`count` server-shaped products; one in five is a "Linen apron"."""
    return [product(n, name=f"{NAMES[n % len(NAMES)]} {n}") for n in range(1, count + 1)]


class Catalog:
    """Serves products in (change_xid, id) keyset pages, as the server does.

    `fail_page(n)` makes the n-th page request (1-based, counted from now) raise a
    NetworkError, as a connection dropping mid-pull does.
    """

    def __init__(
        self, rows: list[dict[str, Any]], change_xid: int = 100, latency: float = 0.0
    ) -> None:
        self.latency = latency
        keyed = sorted(((change_xid, r["id"]), {**r, "change_xid": change_xid}) for r in rows)
        self._keys = [k for k, _ in keyed]
        self._rows = [r for _, r in keyed]
        self.horizon = change_xid + 1
        self.page_requests = 0
        self._fail_at: int | None = None

    def fail_page(self, n: int) -> None:
        self._fail_at = self.page_requests + n

    async def count(self, table: str, scope_filters: Sequence[Any] = ()) -> int:
        since = [c for c in scope_filters if getattr(c, "column", None) == "change_xid"]
        if since:
            return sum(1 for key in self._keys if key[0] >= since[0].value)
        return len(self._rows)

    async def pull_page(
        self, table: str, columns: Sequence[str], cursor: Cursor | None, limit: int,
        scope_filters: Sequence[Any] = (), since: int | None = None,
    ) -> Page:
        self.page_requests += 1
        await asyncio.sleep(self.latency)  # a request lets the loop run others meanwhile
        if self._fail_at is not None and self.page_requests >= self._fail_at:
            self._fail_at = None
            raise NetworkError("could not reach the server: connection reset")
        start = 0 if cursor is None else bisect.bisect_right(
            self._keys, (cursor.change_xid, cursor.id))
        if since is not None:
            start = max(start, bisect.bisect_left(self._keys, (since, "")))
        rows = [dict(r) for r in self._rows[start : start + limit]]
        return Page(rows, Cursor.from_row(rows[-1]) if rows else None)

    async def sync_horizon(self) -> int:
        return self.horizon

    async def select_ids(self, table: str, scope_filters: Sequence[Any] = ()) -> set[str]:
        return {r["id"] for r in self._rows}

    async def tombstone_floor(self) -> int | None:
        return None

    async def pull_tombstones(
        self, tables: Collection[str], since: int | None, after: tuple[int, int] | None,
        limit: int,
    ) -> TombstonePage:
        return TombstonePage([], None)


@dataclass
class Opened:
    db: CacheDatabase
    writer: CacheWriter
    reader: CacheReader

    def close(self) -> None:
        self.writer.close()
        self.db.close()

    def scalar(self, sql: str) -> Any:
        with self.db.read() as conn:
            return conn.exec_driver_sql(sql).scalar()

    @property
    def indexed_rows(self) -> int:
        return int(self.scalar("SELECT count(*) FROM products_fts_docsize"))

    @property
    def pending(self) -> bool:
        return bool(self.writer.call(CacheStore.search_index_pending))

    @property
    def index_names(self) -> set[str]:
        with self.db.read() as conn:
            rows = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'products'"
                " AND sql IS NOT NULL")
            return {r[0] for r in rows}

    def fts_ok(self) -> None:
        def check(store: CacheStore) -> None:
            store.connection.exec_driver_sql(
                "INSERT INTO products_fts (products_fts, rank) VALUES ('integrity-check', 1)")

        try:
            self.writer.call(check)
        except Exception as exc:
            raise AssertionError(f"FTS index out of step with products: {exc}") from exc


def open_at(path: Path) -> Opened:
    db = CacheDatabase.open(path)
    return Opened(db, CacheWriter(db), CacheReader(db))


def make_catalog_engine(backend: Any, cache: Opened, *, page_size: int = 100) -> SyncEngine:
    return SyncEngine(backend, cache.writer, ScopePlan((TableScope("products"),)),
                      page_size=page_size, poll_interval=3600.0, retry_base=0.01,
                      retry_cap=0.05)


@dataclass
class StageRecorder:
    """Keeps progress events; `at_stage[stage](event)` runs when a stage is first heard."""

    events: list[SyncProgress] = field(default_factory=list)
    at_stage: dict[str, Callable[[SyncProgress], None]] = field(default_factory=dict)

    def on_progress(self, event: SyncProgress) -> None:
        self.events.append(event)
        stage = getattr(event, "stage", "loading")
        action = self.at_stage.pop(stage, None)
        if action is not None:
            action(event)

    @property
    def stages(self) -> list[str]:
        return [getattr(e, "stage", "loading") for e in self.events
                if getattr(e, "stage", "loading") != "loading"]
