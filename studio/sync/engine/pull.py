"""Pulling into the cache: first pulls with progress, incremental keyset pulls, reconciliation.

Cursors follow commit order, not the wall clock. A pass first asks the server for its
horizon H (`sync_horizon()`: every transaction below it has finished), then reads each scope's
rows with change_xid >= the scope's cursor, keyset-paged by (change_xid, id), and saves H as the
new cursor with the last page, in one cache transaction. A transaction held open for minutes
keeps H below its id, so its rows are read once it commits; rows at or above H are harmlessly
read again next time. Deletions come from the server's deletions feed (see `tombstones`); rows
that left a scope without being deleted (lost access, a moving time window) are removed by
reconciliation against the server's id lists (rows with local operations waiting to be pushed
stay, as the cache guarantees).

A large first pull into an empty table is a bulk load: pages go to the cache writer in groups,
one transaction each with the cursor; at its end the catalog is browsable (a "browsable"
progress event) and, after the pass, its indexes and search index are built on the writer
("searchable"). A stop in between leaves the build pending for the next open or pull.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from studio.sync.backend import (
    AuthError,
    Backend,
    BackendError,
    Cursor,
    NetworkError,
    Page,
    gte,
    in_,
)
from studio.sync.cache import CacheStore, CacheWriter
from studio.sync.cache.errors import CacheError
from studio.sync.cache.store import BULK_THRESHOLD
from studio.sync.cache.tables import SA_TABLES, table_spec
from studio.sync.engine.events import SyncProgress
from studio.sync.engine.tombstones import TombstonePuller
from studio.sync.scope import (
    IDS_PER_CHUNK,
    DerivedScope,
    ScopePlan,
    TableScope,
    complete_rows,
    readable_columns,
    scopes_by_table,
)

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 1000
# Pages that arrive while the writer stores earlier ones go to it together, in one transaction,
# up to this many rows (then fetching waits for the writer).
MAX_GROUP_ROWS = 20_000


@dataclass
class PullOutcome:
    """What one pass pulled, the scopes it used, and the scopes that failed (and why).

    `horizon` is the server's horizon the pass read at; `needs_reconcile` says the deletions
    feed could not cover the gap since the last pass (a full reconcile must)."""

    rows: int = 0
    scopes: list[TableScope] = field(default_factory=list)
    failures: list[tuple[TableScope, Exception]] = field(default_factory=list)
    horizon: int | None = None
    needs_reconcile: bool = False


def _store_rows(
    store: CacheStore, table: str, rows: list[dict[str, Any]], key: str, cursor_xid: int | None
) -> int:
    """Rows of one or more pages and the scope's cursor, in one transaction (never one
    without the other). The cursor only moves forward.

    Rows are validated and converted here, on the writer thread, not on another thread while
    the writer inserts: the sqlite3 driver takes the GIL back for every row it inserts, so a
    converting thread beside it only makes both wait for each other (measured: three times
    the conversion's CPU, and no time saved)."""
    with store.transaction():
        store.upsert_rows(table, rows)
        if cursor_xid is not None:
            _advance(store, table, key, cursor_xid)
    return len(rows)


def _advance(store: CacheStore, table: str, key: str, cursor_xid: int) -> None:
    saved = store.get_cursor(table, key)
    if saved is None or saved.cursor_xid is None or saved.cursor_xid < cursor_xid:
        store.set_cursor(table, cursor_xid=cursor_xid, scope=key)


def _finish_first_pull(store: CacheStore, table: str, key: str) -> None:
    saved = store.get_cursor(table, key)
    store.set_cursor(
        table, cursor_xid=saved.cursor_xid if saved else None, scope=key, full_sync=True
    )


def _strip_cursor_column(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without change_xid (read for paging; the cache does not keep it)."""
    for row in rows:
        row.pop("change_xid", None)
    return rows


class _GroupWriter:
    """Hands pages to the cache writer, one transaction per group of pages.

    While the writer stores one group, the pages that arrive meanwhile form the next: on a
    fast network groups grow (fewer, larger transactions), on a slow one each page is stored
    as soon as it arrives. At most one group is in flight, so cursors are saved in order.
    """

    def __init__(
        self, writer: CacheWriter, table: str, key: str, on_stored: Callable[[int], None]
    ) -> None:
        self._writer = writer
        self._table = table
        self._key = key
        self._on_stored = on_stored
        self._rows: list[dict[str, Any]] = []
        self._cursor: int | None = None
        self._inflight: asyncio.Future[int] | None = None
        self._failed = False
        self.stored = 0

    def add(self, rows: list[dict[str, Any]], cursor_xid: int | None) -> None:
        self._rows.extend(rows)
        self._cursor = cursor_xid

    async def offer(self, *, last: bool = False) -> None:
        """Start storing the rows gathered so far if the writer is free (or they are many)."""
        if not self._rows or self._failed:
            return
        inflight = self._inflight
        if inflight is not None:
            if not (last or inflight.done() or len(self._rows) >= MAX_GROUP_ROWS):
                return
            await self._settle()
        rows, self._rows = self._rows, []
        self._inflight = asyncio.wrap_future(self._writer.submit(
            _store_rows, self._table, rows, self._key, self._cursor))

    async def flush(self) -> None:
        await self.offer(last=True)
        await self._settle()

    async def salvage(self) -> None:
        """After a failure elsewhere: store what was gathered if storing has not failed."""
        if self._failed:
            return
        try:
            await self.flush()
        except Exception as error:  # the first failure is the one to report
            log.warning("storing the rows fetched before a failure failed: %s", error)

    async def _settle(self) -> None:
        inflight, self._inflight = self._inflight, None
        if inflight is not None:
            try:
                rows = await inflight
            except BaseException:
                # Refused, or not known to be stored: nothing after it may be stored now.
                self._failed = True
                raise
            self.stored += rows
            self._on_stored(rows)


class Puller:
    """Brings the cache up to date with the server, scope by scope."""

    def __init__(
        self,
        backend: Backend,
        writer: CacheWriter,
        on_progress: Callable[[SyncProgress], None],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be positive")
        self._backend = backend
        self._writer = writer
        self._on_progress = on_progress
        self._page_size = page_size
        self.tombstones = TombstonePuller(backend, writer, page_size=page_size)

    # ------------------------------------------------------------------------- cache reads
    def query(self, statement: str, params: Mapping[str, Any]) -> list[Any]:
        """First column of a read-only query on the cache (runs on the calling thread)."""
        with self._writer.database.read() as conn:
            return list(conn.execute(sa.text(statement), dict(params)).scalars().all())

    async def _cached_ids(self, table: str) -> set[str]:
        t = SA_TABLES[table_spec(table).name]

        def read() -> set[str]:
            with self._writer.database.read() as conn:
                return set(conn.execute(sa.select(t.c.id)).scalars().all())

        return await asyncio.to_thread(read)

    async def _is_empty(self, table: str) -> bool:
        t = SA_TABLES[table_spec(table).name]

        def read() -> bool:
            with self._writer.database.read() as conn:
                return conn.execute(sa.select(t.c.id).limit(1)).first() is None

        return await asyncio.to_thread(read)

    # ------------------------------------------------------------------------------ pulls
    async def pull(self, plan: ScopePlan, now: datetime | None = None) -> PullOutcome:
        """One pass over the plan. Network and session failures abort the pass (raised);
        any other failure of a scope is recorded and the other scopes still pull."""
        now = now or datetime.now(UTC)
        # Taken before any read: every row written below it is visible to the reads that
        # follow, so it is the cursor to save once they are stored.
        horizon = await self._backend.sync_horizon()
        outcome = PullOutcome(horizon=horizon)
        progress: dict[str, list[int]] = {}
        fresh = await self.tombstones.fresh_cache(plan.tables, self._is_empty)
        for entry in plan.entries:
            if isinstance(entry, DerivedScope):
                scopes = await asyncio.to_thread(entry.resolve, self.query, now)
            else:
                scopes = [entry]
            for scope in scopes:
                if scope in outcome.scopes:
                    continue
                outcome.scopes.append(scope)
                try:
                    outcome.rows += await self._pull_scope(scope, now, progress, horizon)
                except (NetworkError, AuthError):
                    raise
                except (BackendError, CacheError, ValueError) as error:
                    log.warning("pulling %s (%s) failed: %s", scope.table, scope.key, error)
                    outcome.failures.append((scope, error))
        for table, (done, _total) in progress.items():
            self._on_progress(SyncProgress(table, done, done))
        if not outcome.failures:
            outcome.needs_reconcile = not await self.tombstones.pull(
                plan.tables, horizon, fresh=fresh
            )
        loaded = progress.get("products")
        await self.build_pending_search_index(max(loaded) if loaded else None)
        return outcome

    async def build_pending_search_index(self, rows: int | None = None) -> bool:
        """Build the indexes and search index a first pull (this one, or one cut short before
        them) left pending, then say the catalog is searchable; False if none was pending.

        One job on the cache's writer: local writes queue behind it, nothing else waits.
        """
        if not await self._writer.run(CacheStore.search_index_pending):
            return False
        if not await self._writer.run(CacheStore.build_search_index, "products"):
            return False
        if rows is None:  # not pulled in this pass: say how many rows the cache holds
            (rows,) = await asyncio.to_thread(self.query, "SELECT count(*) FROM products", {})
        self._on_progress(SyncProgress("products", rows, rows, "searchable"))
        return True

    async def _pull_scope(
        self, scope: TableScope, now: datetime, progress: dict[str, list[int]], horizon: int
    ) -> int:
        table = scope.table
        saved = await self._writer.run(CacheStore.get_cursor, table, scope.key)
        # A first pull cut short (the app closed) goes on from its cursor, still as a first
        # pull: with progress, and to the end.
        first = saved is None or saved.last_full_sync_at is None
        since = saved.cursor_xid if saved is not None else None
        filters = scope.filters_at(now)
        bulk = False
        if first:
            remaining = [*filters, gte("change_xid", since)] if since is not None else filters
            total = await self._backend.count(table, remaining)
            counts = progress.setdefault(table, [0, 0])
            counts[1] += total
            self._on_progress(SyncProgress(table, counts[0], counts[1]))
            if total >= BULK_THRESHOLD and await self._is_empty(table):
                # Indexes and the search index are built once at the end, not row by row.
                await self._writer.run(CacheStore.begin_bulk_load, table)
                bulk = True

        def stored(rows: int) -> None:
            if first:
                counts = progress[table]
                counts[0] += rows
                self._on_progress(SyncProgress(table, counts[0], max(counts)))

        groups = _GroupWriter(self._writer, table, scope.key, stored)
        fetch: asyncio.Future[Page] | None = None

        def request(cursor: Cursor | None) -> asyncio.Future[Page]:
            return asyncio.ensure_future(self._backend.pull_page(
                table, scope.columns, cursor, self._page_size, filters, since=since
            ))

        loaded = False
        try:
            fetch = request(None)
            while fetch is not None:
                page = await fetch
                fetch = None
                # Caught up at a short page. A first pull goes on to an empty page instead: a
                # server may cap pages below the size asked for, and a first pull must be
                # complete.
                more = page.next_cursor is not None and (
                    first or len(page.rows) >= self._page_size
                )
                if more:
                    fetch = request(page.next_cursor)  # fetched while this page is stored
                if page.rows:
                    rows = complete_rows(table, _strip_cursor_column(page.rows))
                    # Mid-pass the cursor may only move to a point every transaction below
                    # has finished: the smaller of this page's last change and the horizon.
                    last = page.next_cursor.change_xid if page.next_cursor else horizon
                    groups.add(rows, min(last, horizon))
                await groups.offer(last=fetch is None)
            await groups.flush()
            loaded = True
        except BaseException:
            # Pages already fetched are kept (the next pull goes on after them), unless
            # storing itself failed: later rows must never move the cursor past refused ones.
            await groups.salvage()
            raise
        finally:
            if fetch is not None:
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):  # not needed now
                    await fetch
            if bulk:
                # Browsable now; the indexes and the search index are built after the pass.
                await self._writer.run(CacheStore.finish_bulk_load, table, search_index=False)
        await self._writer.run(_advance, table, scope.key, horizon)
        if first:
            await self._writer.run(_finish_first_pull, table, scope.key)
        if bulk and loaded:
            done = progress[table][0]
            self._on_progress(SyncProgress(table, done, max(progress[table]), "browsable"))
        return groups.stored

    # ----------------------------------------------------------------------- reconciliation
    async def reconcile(
        self, tables: Sequence[str], scopes: Sequence[TableScope], now: datetime | None = None
    ) -> PullOutcome:
        """Make each table hold exactly the rows its scopes see on the server: remove the rest
        (deleted, or no longer visible) and fetch any visible row the cache lacks. A table
        whose id lists cannot all be read is left as it is (and reported in `failures`);
        network and session failures abort (raised). `rows` counts the rows removed."""
        now = now or datetime.now(UTC)
        grouped = scopes_by_table(scopes)
        outcome = PullOutcome(scopes=list(scopes))
        for table in tables:
            try:
                outcome.rows += await self._reconcile_table(table, grouped.get(table, []), now)
            except (NetworkError, AuthError):
                raise
            except (BackendError, CacheError, ValueError) as error:
                log.warning("reconciling %s failed: %s", table, error)
                outcome.failures.extend((scope, error) for scope in grouped.get(table, []))
        return outcome

    async def _reconcile_table(
        self, table: str, scopes: Sequence[TableScope], now: datetime
    ) -> int:
        present: set[str] = set()
        for scope in scopes:
            present |= await self._backend.select_ids(table, scope.filters_at(now))
        removed = await self._writer.run(CacheStore.replace_scope, table, present)
        missing = sorted(present - await self._cached_ids(table))
        columns = readable_columns(table)
        for start in range(0, len(missing), IDS_PER_CHUNK):
            chunk = missing[start : start + IDS_PER_CHUNK]
            rows = await self._backend.select(table, columns, [in_("id", chunk)])
            if rows:
                rows = complete_rows(table, rows)
                await self._writer.run(CacheStore.upsert_rows, table, rows)
        return removed
