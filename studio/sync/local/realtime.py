"""Row changes of the local workspace as Supabase Realtime delivers them, over LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from studio.sync.backend import (
    BackendError,
    ChangeCallback,
    Filter,
    PermissionDenied,
    RowChange,
    check_identifier,
    in_,
)
from studio.sync.local.driver import Driver, error_from_psycopg
from studio.sync.local.sql import Statement, select_statement

log = logging.getLogger(__name__)

CHANNEL = "studio_local_changes"
PUBLICATION = "supabase_realtime"
_FILTER_OPS = frozenset({"eq", "neq", "gt", "gte", "lt", "lte", "in"})
_MAX_RECONNECT_DELAY_S = 30.0
# Notices read together: one query per subscription for a burst, not one per changed row;
# small enough that handling one run keeps the event loop (the UI thread, under Qt) responsive.
_MAX_NOTICES_PER_READ = 200

# Installed on first subscription, in the local database only (never part of the Supabase
# schema): every published table tells listeners which row changed once the change commits.
# Only the id travels; each subscriber re-reads the row as itself, so RLS and column grants
# decide what it sees, as Realtime does.
INSTALL = sql.SQL(
    """
do $install$
declare
  t record;
begin
  perform pg_advisory_xact_lock(hashtext('studio_local.realtime'));
  create schema if not exists studio_local;
  revoke all on schema studio_local from public;
  create or replace function studio_local.notify_change() returns trigger
  language plpgsql security definer set search_path = ''
  as $fn$
  begin
    perform pg_notify('studio_local_changes', json_build_object(
      'table', tg_table_name, 'type', tg_op,
      'id', case when tg_op = 'DELETE' then old.id else new.id end,
      'at', to_char(clock_timestamp() at time zone 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text);
    return null;
  end
  $fn$;
  revoke all on function studio_local.notify_change() from public;
  for t in
    select c.relname::text as name
      from pg_catalog.pg_publication_tables p
      join pg_catalog.pg_namespace n on n.nspname = p.schemaname
      join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = p.tablename
     where p.pubname = 'supabase_realtime' and p.schemaname = 'public'
       and exists (select from pg_catalog.pg_attribute a
                    where a.attrelid = c.oid and a.attname = 'id' and not a.attisdropped)
       and not exists (select from pg_catalog.pg_trigger g
                        where g.tgrelid = c.oid and g.tgname = 'studio_local_notify')
  loop
    execute format('create trigger studio_local_notify after insert or update or delete'
                   ' on public.%I for each row execute function studio_local.notify_change()',
                   t.name);
  end loop;
end
$install$
"""
)

PUBLISHED_TABLES = sql.SQL(
    "select coalesce(json_agg(tablename::text), '[]')::text from pg_catalog.pg_publication_tables"
    " where pubname = %s and schemaname = 'public'"
)

READABLE_COLUMNS = sql.SQL(
    """
select coalesce(json_agg(a.attname::text order by a.attnum), '[]')::text
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on c.oid = a.attrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where n.nspname = 'public' and c.relname = %s and a.attnum > 0 and not a.attisdropped
   and has_column_privilege(%s, a.attrelid, a.attnum, 'SELECT')
"""
)

# Runs statements as the given JWT claims (None: as the database owner).
RunAs = Callable[[Mapping[str, Any] | None, Sequence[Statement]], Awaitable[Any]]


def check_realtime_filter(f: Filter | None) -> Filter | None:
    """Realtime filters one column with eq/neq/gt/gte/lt/lte/in, like the hosted service."""
    if f is None:
        return None
    if not isinstance(f, Filter) or f.op not in _FILTER_OPS:
        raise ValueError(
            "realtime filters support one eq/neq/gt/gte/lt/lte/in condition, got " + repr(f)
        )
    return f


def _commit_timestamp(text: Any) -> str | None:
    if isinstance(text, str) and len(text) == 24 and text[-1] == "Z" and text[10] == "T":
        return text  # already as Realtime writes it (the trigger formats it so)
    try:
        stamp = datetime.fromisoformat(str(text)).astimezone(UTC)
    except ValueError:
        return None
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


Event = tuple[str, str, str, Any]  # table, INSERT/UPDATE/DELETE, row id, commit time


def _event(notice: Any) -> Event:
    return (notice["table"], notice["type"], str(notice["id"]), notice.get("at"))


def _decode_notices(payloads: list[str]) -> list[Event]:
    """A run of notices decoded in one go (one JSON document for the run, not one per notice);
    when that fails, notice by notice, leaving out only the malformed ones."""
    try:
        decoded = json.loads("[" + ",".join(payloads) + "]")
        if len(decoded) == len(payloads):  # else a payload was not one JSON value
            return [_event(n) for n in decoded]
    except (ValueError, KeyError, TypeError):
        pass
    events = []
    for payload in payloads:
        try:
            events.append(_event(json.loads(payload)))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed local change notice")
    return events


@dataclass(frozen=True)
class LocalFeedStatus:
    """A feed's state, named as the Supabase feeds name theirs: "joined" while listening,
    "reconnecting" (with the reason) after the connection was lost, "closed" once left."""

    state: str
    reason: str = ""


StatusListener = Callable[[LocalFeedStatus], None]


class LocalSubscription:
    """One table's changes (matching a filter) for one callback, seen as one user.

    `status` says whether changes are flowing; `add_status_listener` hears each change of it.
    """

    def __init__(
        self,
        feed: LocalRealtime,
        table: str,
        filter: Filter | None,
        columns: list[str],
        claims: Mapping[str, Any],
        callback: ChangeCallback,
    ) -> None:
        self._feed = feed
        self.table = table
        self.filter = filter
        self.columns = columns
        self.claims = claims
        self.callback = callback
        self.status = LocalFeedStatus("joined")
        self._listeners: list[StatusListener] = []

    def add_status_listener(self, listener: StatusListener) -> None:
        self._listeners.append(listener)

    def _set(self, status: LocalFeedStatus) -> None:
        if status == self.status or self.status.state == "closed":
            return
        self.status = status
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:
                log.exception("local feed status listener failed on %s", self.table)

    async def unsubscribe(self) -> None:
        await self._feed.remove(self)
        self._set(LocalFeedStatus("closed", "unsubscribed"))


class LocalRealtime:
    """Listens on one connection and hands each committed change to the subscriptions."""

    def __init__(self, driver: Driver, run_as: RunAs, authenticated: Callable[[], bool]) -> None:
        self._driver = driver
        self._run_as = run_as
        self._authenticated = authenticated
        self._published: frozenset[str] | None = None
        self._subscriptions: list[LocalSubscription] = []
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._ready = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._reconnecting = False
        self._lost_reason = ""

    def _set_all(self, status: LocalFeedStatus) -> None:
        for subscription in list(self._subscriptions):
            subscription._set(status)

    async def subscribe(
        self,
        table: str,
        filter: Filter | None,
        callback: ChangeCallback,
        claims: Mapping[str, Any],
    ) -> LocalSubscription:
        check_identifier(table)
        check_realtime_filter(filter)
        if not callable(callback):
            raise ValueError("subscribe needs a callback taking a RowChange")
        published = await self._install()
        if table not in published:
            raise ValueError(f"{table} is not published for realtime ({PUBLICATION})")
        raw = await self._run_as(None, [(READABLE_COLUMNS, [table, claims["role"]])])
        columns = json.loads(raw)
        if not columns:
            raise PermissionDenied(
                f"permission denied for table {table}", sqlstate="42501", status=403
            )
        await self._listen()
        subscription = LocalSubscription(self, table, filter, columns, dict(claims), callback)
        if self._reconnecting and not self._ready.is_set():
            subscription.status = LocalFeedStatus("reconnecting", self._lost_reason)
        self._subscriptions.append(subscription)
        return subscription

    async def remove(self, subscription: LocalSubscription) -> None:
        with contextlib.suppress(ValueError):
            self._subscriptions.remove(subscription)
        if not self._subscriptions:
            await self.close()

    async def close(self) -> None:
        self._subscriptions.clear()
        tasks = [t for t in (self._listener, self._dispatcher) if t is not None]
        self._listener = self._dispatcher = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._ready.clear()
        self._reconnecting = False

    async def _install(self) -> frozenset[str]:
        if self._published is None:
            raw = await self._run_as(None, [(INSTALL, []), (PUBLISHED_TABLES, [PUBLICATION])])
            self._published = frozenset(json.loads(raw))
        return self._published

    async def _listen(self) -> None:
        """Start listening (once) and return when LISTEN is in effect."""
        if self._listener is None or self._listener.done():
            self._ready.clear()
            self._listener = asyncio.create_task(self._listen_forever())
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch_forever())
        if self._ready.is_set() or self._reconnecting:
            return  # a reconnecting feed delivers to new subscriptions once it is back
        waiting = asyncio.create_task(self._ready.wait())
        await asyncio.wait({waiting, self._listener}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if not self._ready.is_set():
            listener, self._listener = self._listener, None
            done = listener.done() and not listener.cancelled()
            error = listener.exception() if done else None
            if isinstance(error, psycopg.Error):
                raise error_from_psycopg(error, self._authenticated()) from error
            raise BackendError(f"the local change feed did not start: {error!r}")

    async def _listen_forever(self) -> None:
        """Keep a LISTEN open; after a lost connection, reconnect with backoff (changes made
        meanwhile are not replayed: the next pull brings them)."""
        delay = 1.0
        while True:
            # Feeds are joined again once LISTEN is back; their owners then pull the gap.
            rejoined = asyncio.create_task(self._report_joined())
            try:
                await self._driver.listen(CHANNEL, self._queue.put_nowait, self._ready)
                error: Exception | None = None
            except psycopg.Error as e:
                if not self._ready.is_set() and not self._reconnecting:
                    raise  # the first connection failed: subscribe() reports it
                error = e
            finally:
                rejoined.cancel()
            if self._ready.is_set():
                delay = 1.0
            self._ready.clear()
            self._reconnecting = True
            self._lost_reason = f"the local change feed was lost: {error or 'connection closed'}"
            self._set_all(LocalFeedStatus("reconnecting", self._lost_reason))
            log.warning("local change feed lost (%s); reconnecting in %.0f s", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, _MAX_RECONNECT_DELAY_S)

    async def _report_joined(self) -> None:
        await self._ready.wait()
        if self._reconnecting:
            self._reconnecting = False
            self._set_all(LocalFeedStatus("joined"))

    async def _dispatch_forever(self) -> None:
        while True:
            notices = [await self._queue.get()]
            while len(notices) < _MAX_NOTICES_PER_READ and not self._queue.empty():
                notices.append(self._queue.get_nowait())
            events = _decode_notices(notices)
            for subscription in list(self._subscriptions):
                mine = [e for e in events if e[0] == subscription.table]
                if not mine:
                    continue
                for change in await self._changes_for(subscription, mine):
                    try:
                        subscription.callback(change)
                    except Exception:
                        # A failing consumer must not stop the feed for the changes after it.
                        log.exception("change handler failed on %s", subscription.table)

    async def _changes_for(
        self, subscription: LocalSubscription, events: list[Event]
    ) -> list[RowChange]:
        """The subscriber's view of a run of notices, in commit order, read in one query."""
        table = subscription.table
        wanted = sorted({row_id for _, kind, row_id, _ in events if kind in ("INSERT", "UPDATE")})
        rows: dict[str, dict[str, Any]] = {}
        if wanted:
            filters = [in_("id", wanted)]
            if subscription.filter is not None:
                filters.append(subscription.filter)
            statement = select_statement(table, subscription.columns, filters, limit=len(wanted))
            try:
                found = json.loads(await self._run_as(subscription.claims, [statement]))
            except BackendError as e:
                log.warning("could not read changed %s rows: %s", table, e.message)
                found = []
            rows = {str(row["id"]): row for row in found}
        changes: list[RowChange] = []
        for _, kind, row_id, at in events:
            if kind == "DELETE":
                # Like Realtime with replica identity default: only the key, and no filtering.
                changes.append(
                    RowChange(table, "DELETE", None, {"id": row_id}, _commit_timestamp(at))
                )
            elif kind in ("INSERT", "UPDATE") and row_id in rows:
                # Not found: not visible to this subscriber, outside its filter, or deleted
                # since (its delete follows). Rows are read as they are now (a row changed
                # twice in one run: both changes carry that one dict).
                changes.append(RowChange(table, kind, rows[row_id], None, _commit_timestamp(at)))
        return changes
