"""Realtime into the cache: the engine's live feeds, written in batches, with polling as fallback.

While a workspace is open the link keeps one feed per realtime-published table of the user's
plan (filtered like its scope where realtime can express that) and, for a show being run, its
chat, viewers, order items, lineup and session row, filtered to the show. Changes are gathered
and written to the cache through the pull's own path (scope columns, `upsert_rows`,
`delete_rows`) at most once per `batch_interval`, in one writer job, so listeners hear one change
notice per batch. A change the link cannot place (a row outside every scope it can check, or
missing columns) asks the engine for a pull instead. After every (re)join the engine pulls what
was missed since its cursors; while a feed is down the engine polls more often, and the status
says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from studio.sync.backend import (
    AuthError,
    Backend,
    BackendError,
    Filter,
    RowChange,
    eq,
)
from studio.sync.cache import CacheWriter
from studio.sync.engine.realtime_rows import Batch, columns_of, scope_check, write_batch
from studio.sync.scope import DerivedScope, ScopePlan, TableScope

log = logging.getLogger(__name__)

# The tables in the `supabase_realtime` publication (migrations 20261124000600_realtime.sql
# and 20261203000800_realtime_catalog.sql). Others change through pulls only.
PUBLISHED_TABLES = frozenset({
    "live_stream_chat", "live_stream_viewers", "live_stream_sessions", "live_products",
    "order_items", "influencer_notifications", "influencer_goals", "influencer_earnings",
    "influencer_achievements", "products", "categories", "wholesalers",
})
# What a show being run follows, and the column that ties each table to the show.
SHOW_FEEDS: tuple[tuple[str, str], ...] = (
    ("live_stream_sessions", "id"),
    ("live_products", "session_id"),
    ("live_stream_chat", "session_id"),
    ("live_stream_viewers", "session_id"),
    ("order_items", "session_id"),
)
DEFAULT_BATCH_INTERVAL = 0.05  # seconds: batches at most every 50 ms (the views allow 50–100)
RESUBSCRIBE_DELAYS = (2.0, 5.0, 10.0, 30.0, 60.0)
_UNPLACED_PULL_GAP = 2.0  # at most one pull every this many seconds for changes not placed


@dataclass(frozen=True)
class RealtimeStatus:
    """Whether changes arrive live; when not, why, and how often the engine polls instead."""

    live: bool
    reason: str = ""
    poll_interval: float = 0.0

    @property
    def text(self) -> str:
        """The status bar's words: "Live updates" or "Polling every N s (realtime down: …)"."""
        if self.live:
            return "Live updates"
        return f"Polling every {self.poll_interval:g} s (realtime down: {self.reason})"


@dataclass(frozen=True)
class Feed:
    """One subscription: a table, the realtime filter, and the scopes its rows are checked
    against (a row matching none of them is left to a pull)."""

    table: str
    filter: Filter | None
    scopes: tuple[TableScope, ...]


def workspace_feeds(plan: ScopePlan) -> list[Feed]:
    """A feed per published table the plan pulls through fixed scopes. A table with a single
    scope is filtered by its first equality (e.g. `influencer_id=eq.<host>`); others rely on
    the server's row-level security and are checked here against every scope."""
    feeds: list[Feed] = []
    for table in plan.tables:
        if table not in PUBLISHED_TABLES:
            continue
        fixed = tuple(e for e in plan.entries if isinstance(e, TableScope) and e.table == table)
        derived = any(isinstance(e, DerivedScope) and e.table == table for e in plan.entries)
        if not fixed:
            continue  # derived only (a show's chat): followed per show instead
        realtime_filter = None
        if len(fixed) == 1 and not derived:
            realtime_filter = next(
                (c for c in fixed[0].filters if isinstance(c, Filter) and c.op == "eq"), None
            )
        feeds.append(Feed(table, realtime_filter, fixed))
    return feeds


def show_feeds(show_id: str) -> list[Feed]:
    """The feeds of a show being run, each filtered to the show."""
    feeds = []
    for table, column in SHOW_FEEDS:
        condition = eq(column, show_id)
        feeds.append(Feed(table, condition, (TableScope(table, (condition,), label="show"),)))
    return feeds


def check_show_id(show_id: object) -> str:
    """A show id must be a UUID (refused with ValueError otherwise)."""
    if not isinstance(show_id, str):
        raise ValueError(f"a show id must be a UUID string, got {show_id!r}")
    try:
        return str(uuid.UUID(show_id))
    except ValueError:
        raise ValueError(f"a show id must be a UUID, got {show_id!r}") from None


# ---------------------------------------------------------------------------------------- link


class _FeedChecks:
    """What every change of a feed is checked against, worked out once per feed."""

    def __init__(self, feed: Feed) -> None:
        self.column_order = columns_of(feed.table)
        self.columns = frozenset(self.column_order)
        self.in_scope = scope_check(feed.scopes)


class _Active:
    """A subscribed feed and whether it is delivering (joined) right now."""

    def __init__(self, feed: Feed, subscription: Any) -> None:
        self.feed = feed
        self.subscription = subscription
        self.state = "joined"
        self.reason = ""


class RealtimeLink:
    """Keeps the feeds subscribed and writes what they deliver into the cache in batches.

    `request_pull()` is called when the engine must pull (after a join or rejoin, or for a
    change the link could not place); `on_status(RealtimeStatus)` hears live / polling.
    `poll_interval` is the fallback polling interval reported while down.
    """

    def __init__(
        self,
        backend: Backend,
        writer: CacheWriter,
        plan: ScopePlan,
        *,
        request_pull: Callable[[], None],
        on_status: Callable[[RealtimeStatus], None],
        poll_interval: float,
        batch_interval: float = DEFAULT_BATCH_INTERVAL,
        resubscribe_delays: tuple[float, ...] = RESUBSCRIBE_DELAYS,
    ) -> None:
        if not 0 < batch_interval <= 1:
            raise ValueError("batch_interval must be more than 0 and at most 1 second")
        if not resubscribe_delays:
            raise ValueError("resubscribe_delays needs at least one delay")
        self._backend = backend
        self._writer = writer
        self._request_pull = request_pull
        self._on_status = on_status
        self._poll_interval = poll_interval
        self._batch_interval = batch_interval
        self._resubscribe_delays = resubscribe_delays
        self._base = workspace_feeds(plan)
        self._show: str | None = None
        self._active: dict[Feed, _Active] = {}
        self._problem = ""  # why the last subscribe failed
        self._failures = 0
        self._status = RealtimeStatus(False, "not connected yet", poll_interval)
        self._batch = Batch()
        self._checks: dict[Feed, _FeedChecks] = {}
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task[None] | None = None
        self._last_flush = float("-inf")
        self._pull_handle: asyncio.TimerHandle | None = None
        self._last_unplaced_pull = float("-inf")
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._first_round = asyncio.Event()
        # The engine's first pull follows the first round of joins; later joins pull.
        self._pull_on_join = False
        self.batches_written = 0

    @property
    def status(self) -> RealtimeStatus:
        return self._status

    @property
    def show_id(self) -> str | None:
        return self._show

    def wanted(self) -> list[Feed]:
        """Every feed that should be subscribed now."""
        feeds = list(self._base)
        if self._show is not None:
            feeds += [f for f in show_feeds(self._show) if f not in feeds]
        return feeds

    def follow_show(self, show_id: str | None) -> None:
        """Follow a show being run (its chat, viewers, sales, lineup and session), or none."""
        show = None if show_id is None else check_show_id(show_id)
        if show != self._show:
            self._show = show
            self._wake.set()

    # --------------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Start keeping the feeds subscribed, in the background on the running loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._maintain(), name="realtime-link")

    async def wait_first_round(self, timeout: float) -> None:
        """Wait (at most `timeout` s) until the first subscribing round is over: a pull made
        after it misses nothing. Every join after this asks for a pull of its own."""
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._first_round.wait()
        finally:
            self._pull_on_join = True

    async def stop(self) -> None:
        """Leave every feed; changes gathered but not written yet are written first."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for handle in (self._flush_handle, self._pull_handle):
            if handle is not None:
                handle.cancel()
        self._flush_handle = self._pull_handle = None
        active, self._active = list(self._active.values()), {}
        for entry in active:
            with contextlib.suppress(Exception):  # leaving a dead feed may fail; it is gone
                await entry.subscription.unsubscribe()
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing
        if len(self._batch):
            with contextlib.suppress(Exception):
                await self._flush()

    async def _maintain(self) -> None:
        while True:
            self._wake.clear()
            await self._resubscribe()
            delay = None
            if self._problem:
                step = min(self._failures, len(self._resubscribe_delays)) - 1
                delay = self._resubscribe_delays[max(step, 0)]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def _resubscribe(self) -> None:
        """Leave feeds no longer wanted or failed; join the missing ones; pull after joins."""
        wanted = self.wanted()
        for feed, entry in list(self._active.items()):
            if feed not in wanted or entry.state in ("failed", "closed"):
                del self._active[feed]
                with contextlib.suppress(Exception):
                    await entry.subscription.unsubscribe()
        joined = False
        self._problem = ""
        for feed in wanted:
            if feed in self._active:
                continue
            try:
                subscription = await self._backend.subscribe(
                    feed.table, feed.filter, self._deliver_for(feed)
                )
            except (BackendError, ValueError) as error:
                message = error.message if isinstance(error, BackendError) else str(error)
                if isinstance(error, AuthError):
                    message = f"sign in again ({message})"
                log.info("realtime feed of %s not available: %s", feed.table, message)
                self._problem = message
                continue
            entry = _Active(feed, subscription)
            self._active[feed] = entry
            status = getattr(subscription, "status", None)
            if status is not None:
                entry.state, entry.reason = str(status.state), str(status.reason or "")
            listen = getattr(subscription, "add_status_listener", None)
            if listen is not None:
                listen(self._status_listener(entry))
            joined = True
        self._failures = self._failures + 1 if self._problem else 0
        self._publish()
        if joined and self._pull_on_join:
            # Whatever changed before the feeds were in place comes with a pull.
            self._request_pull()
        self._first_round.set()

    def _status_listener(self, entry: _Active) -> Callable[[Any], None]:
        def heard(status: Any) -> None:
            was = entry.state
            entry.state, entry.reason = str(status.state), str(status.reason or "")
            if entry.state == "joined" and was != "joined":
                self._request_pull()  # rejoined: the pull brings what was missed meanwhile
            if entry.state in ("failed", "closed") and self._active.get(entry.feed) is entry:
                self._wake.set()  # subscribe it again (with backoff)
            self._publish()

        return heard

    def _publish(self) -> None:
        reason = self._problem
        for entry in self._active.values():
            if not reason and entry.state != "joined":
                reason = entry.reason or entry.state
        status = RealtimeStatus(not reason, reason, 0.0 if not reason else self._poll_interval)
        if status != self._status:
            self._status = status
            self._on_status(status)

    # ----------------------------------------------------------------------------- changes
    def _deliver_for(self, feed: Feed) -> Callable[[RowChange], None]:
        checks = self._checks_of(feed)

        def deliver(change: RowChange) -> None:
            self._accept(feed, checks, change)

        return deliver

    def _checks_of(self, feed: Feed) -> _FeedChecks:
        checks = self._checks.get(feed)
        if checks is None:
            checks = self._checks[feed] = _FeedChecks(feed)
        return checks

    def accept(self, feed: Feed, change: RowChange) -> None:
        """Take one delivered change into the next batch (or ask for a pull)."""
        self._accept(feed, self._checks_of(feed), change)

    def _accept(self, feed: Feed, checks: _FeedChecks, change: RowChange) -> None:
        table = feed.table
        if change.type == "DELETE":
            row_id = (change.old_record or {}).get("id")
            if row_id is None:
                self._pull_for_unplaced(f"a delete on {table} without its id")
            else:
                self._batch.delete(table, str(row_id))
                self._schedule_flush()
            return
        record = change.record or {}
        if not record.keys() >= checks.columns or record.get("id") is None:
            missing = [c for c in checks.column_order if c not in record]
            self._pull_for_unplaced(f"a {table} row without {', '.join(missing) or 'id'}")
            return
        if not checks.in_scope(record):
            self._pull_for_unplaced(f"a {table} row outside the scopes checked here")
            return
        if len(record) != len(checks.columns):  # only the cache's columns are kept
            record = {c: record[c] for c in checks.column_order}
        self._batch.upsert(table, record)
        if self._flush_handle is None:
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_handle is not None or self._flushing is not None:
            return  # already due; a flush in progress schedules the next one itself
        loop = asyncio.get_running_loop()
        # Trailing: a burst's first change waits one interval for the rest of the burst.
        delay = max(self._batch_interval, self._last_flush + self._batch_interval - loop.time())
        self._flush_handle = loop.call_later(delay, self._start_flush)

    def _start_flush(self) -> None:
        self._flush_handle = None
        self._flushing = asyncio.get_running_loop().create_task(self._flush_and_continue())

    async def _flush_and_continue(self) -> None:
        try:
            await self._flush()
        except Exception:
            log.exception("writing realtime changes failed; the next pull brings them")
            self._request_pull()
        finally:
            self._flushing = None
            if len(self._batch):
                self._schedule_flush()

    async def _flush(self) -> None:
        batch, self._batch = self._batch, Batch()
        if not len(batch):
            return
        self._last_flush = asyncio.get_running_loop().time()
        refused = await self._writer.run(write_batch, batch)
        self.batches_written += 1
        for table, error in refused:
            log.warning("realtime rows of %s refused by the cache: %s", table, error)
        if refused:
            self._request_pull()

    def _pull_for_unplaced(self, what: str) -> None:
        log.debug("realtime: %s; pulling instead", what)
        if self._pull_handle is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._last_unplaced_pull + _UNPLACED_PULL_GAP - loop.time())

        def pull() -> None:
            self._pull_handle = None
            self._last_unplaced_pull = loop.time()
            self._request_pull()

        self._pull_handle = loop.call_later(delay, pull)


__all__ = [
    "PUBLISHED_TABLES", "Feed", "RealtimeLink", "RealtimeStatus", "check_show_id", "show_feeds",
    "workspace_feeds",
]
