"""The sync engine: pushes the outbox, pulls the user's scopes and publishes connectivity.

One task on the running asyncio loop does all network work, in cycles: push what is pending,
then (when due) pull incrementally and reconcile removals. Local writes never wait for it:
`submit` applies an operation to the cache and the outbox in one transaction and wakes the task.
Listeners hear about connectivity (online / syncing / offline / error), first-sync progress,
tables that changed, writes the server refused and whether realtime is live (`on_realtime`).
Realtime feeds (see `realtime_link`) write changes as they happen; polling stays as the safety
net, more often while realtime is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from studio.sync.backend import AuthError, Backend, BackendError, NetworkError
from studio.sync.cache import CacheStore, CacheWriter, Conflict, Operation
from studio.sync.cache.errors import CacheError
from studio.sync.engine import conflicts as conflict_actions
from studio.sync.engine.events import (
    Listeners,
    OpRejected,
    SyncProgress,
    SyncState,
    SyncStatus,
)
from studio.sync.engine.pull import DEFAULT_PAGE_SIZE, Puller
from studio.sync.engine.push import Pusher, backoff_delay, check_operation
from studio.sync.engine.realtime_link import DEFAULT_BATCH_INTERVAL, RealtimeLink, RealtimeStatus
from studio.sync.scope import ScopePlan, TableScope

log = logging.getLogger(__name__)

_RECONCILED_AT = "sync:last_reconcile_at"
_FIRST_JOIN_WAIT = 5.0  # seconds the first pull waits for realtime feeds to be joined

__all__ = ["OpRejected", "RealtimeStatus", "SyncEngine", "SyncProgress", "SyncStatus"]


class SyncEngine:
    """Moves data between one cache (one user on one backend) and the backend."""

    def __init__(
        self,
        backend: Backend,
        writer: CacheWriter,
        plan: ScopePlan,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        poll_interval: float = 30.0,
        reconcile_interval: float = 300.0,
        retry_base: float = 1.0,
        retry_cap: float = 60.0,
        rng: random.Random | None = None,
        realtime: bool = True,
        fallback_poll_interval: float = 10.0,
        batch_interval: float = DEFAULT_BATCH_INTERVAL,
    ) -> None:
        self.backend = backend
        self.writer = writer
        self.plan = plan
        self._listeners = Listeners()
        self._rng = rng or random.Random()
        self._puller = Puller(backend, writer, self._emit_progress, page_size=page_size)
        self._pusher = Pusher(
            backend, writer, self._emit_rejected, retry_base=retry_base, retry_cap=retry_cap,
            rng=self._rng, on_conflict=self._emit_conflict,
        )
        self._poll_interval = poll_interval
        self._reconcile_interval = reconcile_interval
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._status = SyncStatus("syncing", 0, "Not started")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._index_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._cycle_lock = asyncio.Lock()
        self._waiters: list[asyncio.Future[SyncStatus]] = []
        self._scopes: list[TableScope] = []
        self._failures = 0
        self._pull_requested = True
        self._reconcile_requested = False
        self._force_requested = False
        self._next_pull_at = 0.0
        self._next_reconcile_at = 0.0
        self._synced = asyncio.Event()
        self._stopping = False
        # While realtime is down the engine polls this often instead (never less often).
        self._fallback_poll = min(fallback_poll_interval, poll_interval)
        self._link = (
            RealtimeLink(
                backend, writer, plan, request_pull=self.request_pull,
                on_status=self._realtime_changed, poll_interval=self._fallback_poll,
                batch_interval=batch_interval,
            )
            if realtime else None
        )

    # ------------------------------------------------------------------------- listeners
    def add_listener(self, listener: Any) -> None:
        """Register an object with any of on_status / on_progress / on_tables_changed /
        on_op_rejected; it hears the current status at once."""
        self._listeners.add(listener)
        handler = getattr(listener, "on_status", None)
        if handler is not None:
            handler(self._status)
        handler = getattr(listener, "on_realtime", None)
        if handler is not None:
            handler(self.realtime_status)

    def remove_listener(self, listener: Any) -> None:
        self._listeners.remove(listener)

    @property
    def status(self) -> SyncStatus:
        return self._status

    @property
    def realtime_status(self) -> RealtimeStatus:
        """Live updates, or polling (how often, and why realtime is down)."""
        if self._link is None:
            return RealtimeStatus(False, "realtime is off", self._poll_interval)
        return self._link.status

    def follow_show(self, show_id: str | None) -> None:
        """Receive a show's chat, viewers, sales, lineup and session live while it is run
        (None: no show). Raises ValueError for an id that is not a UUID (nothing changes)."""
        if self._link is not None:
            self._link.follow_show(show_id)

    def request_pull(self) -> None:
        """Pull soon (realtime rejoined, or delivered something only a pull can place)."""
        self._pull_requested = True
        self._wake.set()

    def _realtime_changed(self, status: RealtimeStatus) -> None:
        if not status.live and self._loop is not None:
            # Down: the next poll comes within the fallback interval, not the regular one.
            self._next_pull_at = min(self._next_pull_at, self._loop.time() + self._fallback_poll)
            self._wake.set()
        self._listeners.emit("on_realtime", status)

    def _current_poll_interval(self) -> float:
        live = self._link is not None and self._link.status.live
        return self._poll_interval if live else self._fallback_poll

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def cache_changed(self, tables: frozenset[str]) -> None:
        """Called by the cache writer (on its thread) with the tables it just wrote."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._listeners.emit, "on_tables_changed", tables)

    def _emit_progress(self, progress: SyncProgress) -> None:
        self._listeners.emit("on_progress", progress)

    def _emit_rejected(self, rejection: OpRejected) -> None:
        self._listeners.emit("on_op_rejected", rejection)

    def _emit_conflict(self, conflict: Conflict) -> None:
        self._listeners.emit("on_conflict", conflict)

    async def _publish(self, state: SyncState | None = None, detail: str | None = None) -> None:
        pending = await self.writer.run(CacheStore.pending_count)
        current = self._status
        status = SyncStatus(
            state or current.state,
            pending,
            current.detail if detail is None else detail,
            current.last_synced_at,
        )
        if state == "online":
            status = SyncStatus("online", pending, status.detail, datetime.now(UTC))
        if (status.state, status.pending_ops, status.detail) != (
            current.state, current.pending_ops, current.detail
        ):
            self._status = status
            self._listeners.emit("on_status", status)
        else:
            self._status = status

    # ---------------------------------------------------------------------------- writes
    async def submit(self, op: Operation) -> str:
        """Apply `op` to the cache and queue it for the server; returns its op id.

        Raises ValueError (nothing stored) for an operation the server could never accept.
        """
        return (await self.submit_batch([op]))[0]

    async def submit_batch(self, ops: Sequence[Operation]) -> list[str]:
        """One user action's operations (e.g. a lineup reorder): stored in one cache
        transaction, all or none, and applied on the server in one transaction, all or none."""
        ops = list(ops)
        for op in ops:
            if not isinstance(op, Operation):
                raise ValueError(f"expected an Operation, got {type(op).__name__}")
            check_operation(op)
        batch_id = str(uuid.uuid4()) if len(ops) > 1 else None
        await self.writer.run(_apply_local, ops, batch_id)
        await self._publish()
        if self._status.state != "offline":  # offline, the retry timer decides
            self._wake.set()
        return [op.op_id for op in ops]

    # ------------------------------------------------------------------------- conflicts
    async def conflicts(self) -> list[Conflict]:
        """Edits that lost to another device's change and wait for the user's decision."""
        return await self.writer.run(CacheStore.open_conflicts)

    async def reapply_conflict(self, conflict_id: int) -> list[str]:
        """Send the user's change again, made against the server's current version (a new
        operation; a batch's conflicts go again together). Returns the new op ids."""
        op_ids = await self.writer.run(conflict_actions.reapply, conflict_id)
        await self._publish()
        if self._status.state != "offline":
            self._wake.set()
        return op_ids

    async def discard_conflict(self, conflict_id: int) -> None:
        """Keep the other device's version: the conflict (and its batch's) is closed."""
        await self.writer.run(conflict_actions.discard, conflict_id)

    # ---------------------------------------------------------------------------- cycles
    async def start(self) -> None:
        """Start syncing in the background on the running loop."""
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        await self.writer.run(CacheStore.requeue_in_flight)
        last = await self.writer.run(CacheStore.get_meta, _RECONCILED_AT)
        self._reconcile_requested = last is None or self._reconcile_overdue(last)
        await self._publish("syncing", "Connecting")
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="sync-engine")
        # A search index a first sync left to build, built beside the first cycle, online or
        # not; listeners hear "searchable" when it is done.
        self._index_task = asyncio.create_task(self._build_pending_index(), name="search-index")
        if self._link is not None:
            self._link.start()

    async def _build_pending_index(self) -> None:
        try:
            await self._puller.build_pending_search_index()
        except CacheError as error:  # the next pull tries again
            log.warning("building the search index failed: %s", error)

    async def stop(self) -> None:
        """Stop the background task (an operation cut off in flight is sent again later)."""
        index_task, self._index_task = self._index_task, None
        if index_task is not None and not index_task.done():
            index_task.cancel()  # a build already on the cache writer still finishes there
            await asyncio.wait([index_task])
        task, self._task = self._task, None
        if self._link is not None:
            await self._link.stop()
        if task is not None:
            self._stopping = True
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # the caller itself is being cancelled: do not swallow that
            finally:
                self._stopping = False
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(self._status)

    async def sync_now(self, *, push: bool = True, reconcile: bool = True) -> SyncStatus:
        """Push, pull and reconcile now, ignoring retry waits; returns the resulting status.

        `push=False` / `reconcile=False` leave those parts out (a pull is always made).
        """
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        if not self.running or not push or not reconcile:
            await self._cycle(pull=True, reconcile=reconcile, forced=True, push=push)
            return self._status
        waiter: asyncio.Future[SyncStatus] = self._loop.create_future()
        self._waiters.append(waiter)
        self._force_requested = self._pull_requested = self._reconcile_requested = True
        self._wake.set()
        return await waiter

    async def wait_synced(self) -> None:
        """Wait until a first cycle has pulled successfully."""
        await self._synced.wait()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        if self._link is not None:
            # Feeds first, then the first pull: nothing committed in between is missed.
            await self._link.wait_first_round(_FIRST_JOIN_WAIT)
        while True:
            now = loop.time()
            reconcile = self._reconcile_requested or now >= self._next_reconcile_at > 0
            pull = reconcile or self._pull_requested or now >= self._next_pull_at
            forced = self._force_requested
            self._pull_requested = self._reconcile_requested = self._force_requested = False
            waiters, self._waiters = self._waiters, []
            ok = await self._cycle(pull=pull, reconcile=reconcile, forced=forced)
            if pull and ok:
                self._next_pull_at = loop.time() + self._current_poll_interval()
            if (reconcile and ok) or self._next_reconcile_at == 0:
                self._next_reconcile_at = loop.time() + self._reconcile_interval
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(self._status)
            if ok:
                delay = max(0.0, self._next_pull_at - loop.time())
            else:
                self._pull_requested = True  # the retry probes the connection with a pull
                self._reconcile_requested |= reconcile
                delay = backoff_delay(self._failures, self._retry_base, self._retry_cap,
                                      self._rng)
            if self._waiters:
                delay = 0.0
            if self._stopping:
                return
            # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that arrives
            # just after the event was set, and stop() would then wait for another cycle.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            self._wake.clear()

    async def _cycle(
        self, *, pull: bool, reconcile: bool, forced: bool, push: bool = True
    ) -> bool:
        """One push / pull / reconcile pass; returns whether it reached the server fine."""
        async with self._cycle_lock:
            recovering = self._status.state in ("offline", "error")
            if not recovering:
                await self._publish("syncing", "")
            try:
                if push:
                    pushed = await self._pusher.push(ignore_backoff=forced or recovering)
                    pull = pull or pushed.called_functions or pushed.rejected > 0
                failures = []
                horizon = None
                if pull or reconcile:
                    outcome = await self._puller.pull(self.plan)
                    self._scopes = outcome.scopes
                    failures = outcome.failures
                    horizon = outcome.horizon
                    # The deletions feed cannot cover the gap: a full reconcile does.
                    reconcile = reconcile or outcome.needs_reconcile
                if reconcile and not failures:
                    reconciled = await self._puller.reconcile(self.plan.tables, self._scopes)
                    failures = reconciled.failures
                    if not failures:
                        stamp = datetime.now(UTC).isoformat()
                        await self.writer.run(CacheStore.set_meta, _RECONCILED_AT, stamp)
                        if horizon is not None:
                            await self._puller.tombstones.reconciled(horizon)
            except NetworkError as error:
                self._failures += 1
                await self._publish("offline", f"Offline: {error.message}")
                return False
            except AuthError as error:
                self._failures += 1
                await self._publish("error", f"Sign in again to sync: {error.message}")
                return False
            except (BackendError, CacheError) as error:
                self._failures += 1
                log.warning("sync pass failed: %s", error)
                await self._publish("error", f"Sync problem: {_message(error)}")
                return False
            except Exception as error:  # a bug must not stop syncing for good: retry later
                self._failures += 1
                log.exception("sync pass failed unexpectedly")
                await self._publish("error", f"Sync problem: {error}")
                return False
            self._failures = 0
            if pull or reconcile:
                self._synced.set()
            if failures:
                tables = ", ".join(sorted({scope.table for scope, _ in failures}))
                await self._publish("error", f"Could not sync {tables}: {failures[0][1]}")
                return True
            await self._publish("online", "")
            return True

    def _reconcile_overdue(self, stamp: str) -> bool:
        try:
            last = datetime.fromisoformat(stamp)
        except ValueError:
            return True
        age = (datetime.now(UTC) - last).total_seconds()
        return age >= self._reconcile_interval


def _apply_local(store: CacheStore, ops: list[Operation], batch_id: str | None) -> None:
    """Row operations applied to the cache and every operation queued, in order, all or none
    (function calls have no local effect). Row operations of a batch share its id."""
    with store.transaction():
        for op in ops:
            if op.kind == "rpc":
                store.enqueue(op)
            else:
                store.apply_local(op, batch_id=batch_id)


def _message(error: Exception) -> str:
    return error.message if isinstance(error, BackendError) else str(error)
