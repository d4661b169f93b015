"""Pulling the server's deletions feed, so rows deleted elsewhere leave the cache within a pull.

One cursor covers the tables the cache mirrors, with the same horizon rule as rows: tombstones
with change_xid >= the cursor are read, their rows removed and the horizon saved, in one cache
transaction. A cursor older than the server's `sync_tombstone_floor()` (tombstones were pruned
since) or no cursor at all on a cache that already holds rows cannot be trusted to know every
deletion: the engine then runs a full reconcile and saves the horizon after it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from studio.sync.backend import Backend
from studio.sync.cache import CacheStore, CacheWriter
from studio.sync.cache.tables import TABLES
from studio.sync.protocol import Tombstone

log = logging.getLogger(__name__)

TOMBSTONE_CURSOR = "sync:tombstone_xid"


def _saved_cursor(store: CacheStore) -> int | None:
    value = store.get_meta(TOMBSTONE_CURSOR)
    try:
        return int(value) if value is not None else None
    except ValueError:  # unreadable: start again as if there were none
        return None


def save_cursor(store: CacheStore, horizon: int) -> None:
    """Move the tombstone cursor forward to `horizon` (never back)."""
    saved = _saved_cursor(store)
    if saved is None or saved < horizon:
        store.set_meta(TOMBSTONE_CURSOR, str(int(horizon)))


def _apply(store: CacheStore, tombstones: Sequence[Tombstone], horizon: int | None) -> int:
    """Remove deleted rows (and, with the last page, save the horizon) in one transaction."""
    removed = 0
    by_table: dict[str, list[str]] = {}
    for tombstone in tombstones:
        if tombstone.table in TABLES:
            by_table.setdefault(tombstone.table, []).append(tombstone.row_id)
    with store.transaction():
        for table, ids in by_table.items():
            removed += store.delete_rows(table, ids)
        if horizon is not None:
            save_cursor(store, horizon)
    return removed


class TombstonePuller:
    """Reads the deletions feed for one cache."""

    def __init__(self, backend: Backend, writer: CacheWriter, *, page_size: int) -> None:
        self._backend = backend
        self._writer = writer
        self._page_size = page_size

    async def fresh_cache(
        self, tables: Sequence[str], is_empty: Callable[[str], Awaitable[bool]]
    ) -> bool:
        """Whether the cache has no tombstone cursor and no rows yet: a first pull then
        misses no deletion, and the horizon becomes the cursor without a reconcile."""
        if await self._writer.run(_saved_cursor) is not None:
            return False
        for table in tables:
            if not await is_empty(table):
                return False
        return True

    async def pull(self, tables: Sequence[str], horizon: int, *, fresh: bool) -> bool:
        """Apply deletions since the cursor; False when a full reconcile is needed instead."""
        cached = sorted(t for t in dict.fromkeys(tables) if t in TABLES)
        since = await self._writer.run(_saved_cursor)
        if since is None:
            if fresh:
                await self._writer.run(save_cursor, horizon)
                return True
            return False
        floor = await self._backend.tombstone_floor()
        if floor is not None and since < floor:
            log.info("deletions before %s were pruned; reconciling in full", floor)
            return False
        if not cached:
            await self._writer.run(save_cursor, horizon)
            return True
        after: tuple[int, int] | None = None
        removed = 0
        while True:
            page = await self._backend.pull_tombstones(cached, since, after, self._page_size)
            # Caught up at a short page, as incremental row pulls are.
            last = page.next_after is None or len(page.tombstones) < self._page_size
            removed += await self._writer.run(
                _apply, page.tombstones, horizon if last else None
            )
            if last:
                break
            after = page.next_after
        if removed:
            log.info("%d rows deleted on the server left the cache", removed)
        return True

    async def reconciled(self, horizon: int) -> None:
        """A full reconcile read after `horizon` was taken: no deletion before it is missed."""
        await self._writer.run(save_cursor, horizon)


__all__ = ["TOMBSTONE_CURSOR", "TombstonePuller", "save_cursor"]
