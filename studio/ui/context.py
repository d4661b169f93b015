"""What every screen receives from the shell: cache reads, the write path, sync signals, actions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from studio.session.ports import ShowServer
from studio.sync.cache import CacheReader, Operation

T = TypeVar("T")


class SyncSignals(QObject):
    """Qt face of the sync engine. The shell's bridge emits these; screens only listen.

    `tables_changed` carries the cache tables whose rows changed since the last frame tick
    (bursts are coalesced into one emission per tick).
    """

    tables_changed = Signal(frozenset)
    # (state name: "online" | "syncing" | "offline" | "error", pending op count, detail text)
    status_changed = Signal(str, int, str)
    # (table, done rows, total rows or -1 when unknown)
    progress = Signal(str, int, int)
    # (op id, target table or function, human message, sqlstate or "", field name or "")
    op_rejected = Signal(str, str, str, str, str)
    # a kept conflict (studio.sync.cache.Conflict): another device changed the row first
    conflict = Signal(object)
    # (live?, words for the status bar: "Live updates" / "Polling every N s (realtime down: …)")
    realtime_changed = Signal(bool, str)
    # Whether the catalog's search index is being built (after a large first sync): text
    # search is then a slower substring match of names, brands and tags. The latest value is
    # in `search_index_building`, for screens made after it changed.
    search_index = Signal(bool)
    search_index_building = False


@dataclass
class ScreenContext:
    """Everything a screen may use. Screens hold no business rules and never do I/O themselves.

    - `read(fn, *args)` runs a cache read on the reader thread and returns its result to the
      UI thread as an awaitable: `rows = await ctx.read(CacheReader.lineup, show_id)`.
    - `submit(op)` applies a write to the cache and queues it for the server (the outbox);
      the returned awaitable resolves to the op id once it is durable locally.
    - `user_id` / `roles` / `profile_ids` describe who is signed in
      (roles: "host", "wholesaler", "customer", "admin"; profile_ids: role -> profile row id).
    - For the live control room: `show_server` (a `studio.session.ports.ShowServer`; None when
      there is no server to run shows on), `follow_show(show_id | None)` (the engine follows a
      running show live), `workspace_kind` ("local" or "supabase") and `local_conninfo` (the
      local workspace's database, for the rehearsal audience; None on Supabase).
    """

    reader: CacheReader
    submit: Callable[[Operation], Awaitable[str]]
    signals: SyncSignals
    user_id: str | None = None
    roles: frozenset[str] = frozenset()
    profile_ids: dict[str, str] = field(default_factory=dict)
    # One user action's writes, applied locally and on the server all or none (a reorder).
    submit_batch: Callable[[Sequence[Operation]], Awaitable[list[str]]] | None = None
    show_server: ShowServer | None = None
    follow_show: Callable[[str | None], None] | None = None
    workspace_kind: str = "local"
    local_conninfo: str | None = None
    _closed: bool = field(default=False, repr=False)
    _reads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-read")
    )

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reads, lambda: fn(self.reader, *args, **kwargs))

    async def submit_all(self, ops: Sequence[Operation]) -> list[str]:
        """Queue one user action's writes together (one by one without `submit_batch`)."""
        if self.submit_batch is not None:
            return await self.submit_batch(list(ops))
        return [await self.submit(op) for op in ops]

    @property
    def closed(self) -> bool:
        """True once `close()` ran: reads are refused from then on."""
        return self._closed

    def close(self) -> None:
        self._closed = True
        # Wait for a read already running (milliseconds): its result must not be handed to an
        # event loop, or widgets, that are gone by the time it finishes.
        self._reads.shutdown(wait=True, cancel_futures=True)
