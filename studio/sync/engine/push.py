"""Pushing the outbox: operations sent in order through `apply_ops`, idempotently, versioned.

Row operations go to the server's `apply_ops`: each carries its op id (a resent operation is
answered from the server's ledger, never applied twice) and the row version it was made against
(a stale one is a conflict, not a silent overwrite). The operations of one user action (a batch)
are sent in one call and applied all or none. The server's row comes back with each result and
replaces the local one. Function calls (checkout and the like) are sent as calls, with the op id
as their idempotency key where the function takes one.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from studio.core.lineup_rules import field_for_constraint, field_for_server_message
from studio.sync.backend import AuthError, Backend, BackendError
from studio.sync.cache import CacheStore, CacheWriter, Conflict, Operation, OutboxEntry
from studio.sync.cache.errors import CacheDataError
from studio.sync.engine.events import OpRejected
from studio.sync.scope import complete_rows, readable_columns

log = logging.getLogger(__name__)

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
# The server forgets applied op ids and deletions after SYNC_HISTORY_DAYS (the sync history
# retention migration); a change older than MAX_CHANGE_AGE could no longer be told apart from
# a replay, so it is not sent. The gap covers a device clock running behind.
SYNC_HISTORY_DAYS = 45
MAX_CHANGE_AGE = timedelta(days=30)


def expired_change_error(entry: OutboxEntry, now: datetime) -> ValueError | None:
    """Why a queued change is too old to send (shown, and the change undone), or None."""
    try:
        made = datetime.fromisoformat(entry.created_at.replace("Z", "+00:00"))
    except ValueError:
        return None  # an unreadable stamp: send it; the server's rules still apply
    if made.tzinfo is None:
        made = made.replace(tzinfo=UTC)
    if now - made <= MAX_CHANGE_AGE:
        return None
    return ValueError(
        f"This change was made offline {(now - made).days} days ago, longer than the "
        f"{MAX_CHANGE_AGE.days} days the server keeps its sync history, so it was not sent "
        "and has been undone. Make it again if it still applies."
    )


@dataclass(frozen=True)
class WriteRule:
    """What a signed-in user may write to a table (backend_schema/ACCESS.md)."""

    noun: str
    insert: frozenset[str] = frozenset()
    update: frozenset[str] = frozenset()
    # A payload holding all of these (and insertable) creates the row when it does not exist.
    create_with: frozenset[str] | None = None
    delete: bool = False


def _cols(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LINEUP = _cols(
    "name description image_url position live_price compare_at_price allocated_quantity "
    "max_per_buyer status"
)
_SHOW = _cols("title description thumbnail_url scheduled_start scheduled_end is_rehearsal "
              "chat_enabled")
_GOAL = _cols("title target_value period period_start period_end")
_PRODUCT = _cols(
    "category_id sku name description brand tags image_url wholesale_price retail_price "
    "stock_quantity min_order_quantity status is_live_eligible weight_grams"
)
WRITE_RULES: Mapping[str, WriteRule] = {
    "live_products": WriteRule(
        "lineup item",
        _LINEUP | _cols("id session_id influencer_id product_id"),
        _LINEUP,
        _cols("session_id influencer_id name live_price allocated_quantity"),
        True,
    ),
    "live_stream_sessions": WriteRule(
        "show",
        _SHOW | _cols("id influencer_id"),
        _SHOW,
        _cols("influencer_id title scheduled_start"),
        True,
    ),
    "influencer_goals": WriteRule(
        "goal",
        _GOAL | _cols("id influencer_id goal_type"),
        _GOAL,
        _cols("influencer_id title goal_type period period_start period_end target_value"),
        True,
    ),
    "influencer_notifications": WriteRule("notification", update=_cols("is_read read_at"),
                                          delete=True),
    "products": WriteRule(
        "product",
        _PRODUCT | _cols("id wholesaler_id"),
        _PRODUCT,
        _cols("wholesaler_id sku name wholesale_price retail_price"),
        True,
    ),
    "live_stream_chat": WriteRule(
        "chat message",
        _cols("id session_id user_id message message_type"),
        _cols("is_pinned is_hidden"),
        _cols("session_id user_id message"),
        True,
    ),
}
# Functions whose calls carry an idempotency key: the op id is sent as the key.
IDEMPOTENCY_PARAMS: Mapping[str, str] = {"checkout": "p_idempotency_key"}


def check_operation(op: Operation) -> None:
    """Refuse, before anything is stored, an operation the server could never accept."""
    if op.kind == "rpc":
        return
    rule = WRITE_RULES.get(op.target)
    if rule is None:
        writable = ", ".join(sorted(WRITE_RULES))
        raise ValueError(f"the studio does not write {op.target!r}; it writes {writable}")
    if op.kind == "delete":
        if not rule.delete:
            raise ValueError(f"a {rule.noun} cannot be deleted")
        return
    columns = set(op.payload) - {"id"}
    refused = columns - rule.insert - rule.update
    if refused:
        raise ValueError(
            f"{', '.join(sorted(refused))}: set by the server, not by the studio ({op.target})"
        )
    creates = rule.create_with is not None and rule.create_with <= set(op.payload)
    if not creates and not columns & rule.update:
        raise ValueError(f"nothing to change in this {rule.noun}: {', '.join(sorted(columns))}")


# ------------------------------------------------------------------------------- refusals

_NOT_NULL = re.compile(r'null value in column "(?P<column>[a-z_]+)"')
_ANY_CONSTRAINT = re.compile(r'constraint "(?P<name>[a-z0-9_]+)"')


def is_refusal(error: BaseException) -> bool:
    """Whether the server refused the operation itself (undo it) rather than failing now."""
    if isinstance(error, AuthError):
        return False  # the session needs renewing; the operation is fine
    if isinstance(error, BackendError):
        return not error.retryable
    return isinstance(error, ValueError)


def field_for_error(target: str, error: BaseException) -> str | None:
    """The form field a refusal is about, when the server's message says."""
    if not isinstance(error, BackendError):
        return None
    for text in (error.message, error.detail or ""):
        found = field_for_server_message(text)
        if found:
            return found
    writable = WRITE_RULES[target].insert | WRITE_RULES[target].update if (
        target in WRITE_RULES) else frozenset()
    match = _NOT_NULL.search(error.message)
    if match and match["column"] in writable:
        return match["column"]
    match = _ANY_CONSTRAINT.search(error.message)
    if match:
        name = match["name"]
        column = field_for_constraint(name)
        if column is None and name.startswith(f"{target}_") and name.endswith("_check"):
            column = name[len(target) + 1 : -len("_check")]
        if column in writable or column in ("flash_price", "flash_duration"):
            return column
    # The allocation check of live products is a trigger, not a named constraint.
    if error.sqlstate == "23514" and "allocation" in error.message.lower():
        return "allocated_quantity"
    return None


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: about base·2^(attempt-1), never above `cap`."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


# --------------------------------------------------------------------------------- pusher


@dataclass
class PushOutcome:
    sent: int = 0
    rejected: int = 0
    called_functions: bool = False


def _complete(store: CacheStore, op_id: str, table: str | None, rows: list[dict]) -> None:
    store.mark_done(op_id)
    if table is None or not rows:
        return
    try:
        store.upsert_rows(table, complete_rows(table, rows))
    except CacheDataError:  # the next pull brings the row instead
        log.exception("could not store the server's %s row after a push", table)


def server_row(table: str, row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A row from apply_ops as the cache takes it, or None when it lacks a mirrored column."""
    if row is None:
        return None
    columns = readable_columns(table)
    if any(c not in row for c in columns):
        return None
    return complete_rows(table, [{c: row[c] for c in columns}])[0]


def _applied(store: CacheStore, op_id: str, table: str, row: dict[str, Any] | None) -> None:
    with store.transaction():
        version = row.get("row_version") if row is not None else None
        store.mark_applied(op_id, int(version) if version is not None else None)
        if row is not None:
            try:
                store.upsert_rows(table, [row])
            except CacheDataError:  # the next pull brings the row instead
                log.exception("could not store the server's %s row after a push", table)


def wire_op(entry: OutboxEntry) -> dict[str, Any]:
    """An outbox row operation as apply_ops takes it: a create sends the insertable columns,
    an edit the columns the user may change, with the version it was made against."""
    rule = WRITE_RULES.get(entry.target)
    if rule is None:
        raise ValueError(f"the studio does not write {entry.target!r}")
    if entry.row_id is None:
        raise ValueError("a row operation without a row id")
    values: dict[str, Any] = {}
    if entry.kind == "upsert":
        allowed = rule.insert if entry.base_version is None else rule.update
        values = _only(entry.payload, allowed - {"id"})
    return {"op_id": entry.op_id, "table": entry.target, "kind": entry.kind,
            "id": entry.row_id, "base_version": entry.base_version, "values": values}


class Pusher:
    """Sends pending outbox operations in queue order until none is due or one must wait."""

    def __init__(
        self,
        backend: Backend,
        writer: CacheWriter,
        on_rejected: Callable[[OpRejected], None],
        *,
        retry_base: float,
        retry_cap: float,
        rng: random.Random | None = None,
        on_conflict: Callable[[Conflict], None] | None = None,
    ) -> None:
        self._backend = backend
        self._writer = writer
        self._on_rejected = on_rejected
        self._on_conflict = on_conflict or (lambda _conflict: None)
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._rng = rng or random.Random()

    async def push(self, *, ignore_backoff: bool = False) -> PushOutcome:
        """Send what is due (everything pending with `ignore_backoff`). A retryable failure
        leaves its operations pending with a retry time and is raised: nothing behind them is
        sent out of order."""
        outcome = PushOutcome()
        while True:
            due = FAR_FUTURE if ignore_backoff else datetime.now(UTC)
            # One group at a time, read afresh: an applied edit moves the base version of the
            # row's later edits, so entries read before it was sent would carry a stale one.
            entries = await self._writer.run(CacheStore.next_pending, 1, now=due)
            if not entries:
                return outcome
            entry = entries[0]
            if await self._drop_if_expired(entry, outcome):
                continue
            if entry.kind == "rpc":
                await self._attempt([entry], self._call, outcome)
                continue
            group = [entry]
            if entry.batch_id is not None:
                group = await self._writer.run(CacheStore.batch_entries, entry.batch_id)
            await self._attempt(group, self._apply, outcome)

    async def _drop_if_expired(self, entry: OutboxEntry, outcome: PushOutcome) -> bool:
        """A change (or user action) too old to send is refused here, all of it, and undone."""
        group = [entry]
        if entry.batch_id is not None:
            group = await self._writer.run(CacheStore.batch_entries, entry.batch_id)
        now = datetime.now(UTC)
        error = next((e for e in (expired_change_error(g, now) for g in group) if e), None)
        if error is None:
            return False
        await self._writer.run(CacheStore.mark_in_flight, [e.op_id for e in group])
        for member in reversed(group):  # undone last first: each restores its before
            await self._reject(member, error)
        outcome.rejected += len(group)
        return True

    async def _attempt(
        self,
        group: list[OutboxEntry],
        send: Callable[[list[OutboxEntry], PushOutcome], Any],
        outcome: PushOutcome,
    ) -> None:
        await self._writer.run(CacheStore.mark_in_flight, [e.op_id for e in group])
        try:
            await send(group, outcome)
        except Exception as error:
            if is_refusal(error):
                for entry in reversed(group):  # undone last first: each restores its before
                    await self._reject(entry, error)
                outcome.rejected += len(group)
                return
            attempts = max(e.attempts for e in group) + 1
            delay = backoff_delay(attempts, self._retry_base, self._retry_cap, self._rng)
            for entry in group:
                await self._writer.run(
                    CacheStore.mark_failed,
                    entry.op_id,
                    _describe(error),
                    sqlstate=getattr(error, "sqlstate", None),
                    retry_at=datetime.now(UTC) + timedelta(seconds=delay),
                )
            raise

    async def _call(self, group: list[OutboxEntry], outcome: PushOutcome) -> None:
        [entry] = group
        params = dict(entry.payload)
        key = IDEMPOTENCY_PARAMS.get(entry.target)
        if key is not None:
            params.setdefault(key, entry.op_id)
        await self._backend.rpc(entry.target, params)
        await self._writer.run(_complete, entry.op_id, None, [])
        outcome.sent += 1
        outcome.called_functions = True

    async def _apply(self, group: list[OutboxEntry], outcome: PushOutcome) -> None:
        results = await self._backend.apply_ops([wire_op(e) for e in group])
        for entry, result in zip(group, results, strict=True):
            row = server_row(entry.target, result.row)
            if result.status in ("applied", "replayed"):
                await self._writer.run(_applied, entry.op_id, entry.target, row)
                outcome.sent += 1
            elif result.status == "gone":
                await self._writer.run(CacheStore.mark_gone, entry.op_id)
                outcome.rejected += 1
                noun = WRITE_RULES[entry.target].noun
                self._on_rejected(OpRejected(
                    entry.op_id, entry.target,
                    f"This {noun} was deleted on another device; your change to it was dropped.",
                    None, None))
            else:  # a conflict, or skipped because another op of its batch conflicted
                conflict = await self._writer.run(CacheStore.mark_conflict, entry.op_id, row)
                outcome.rejected += 1
                log.info("%s on %s %s: changed on another device first", entry.kind,
                         entry.target, entry.row_id)
                self._on_conflict(conflict)

    async def _reject(self, entry: OutboxEntry, error: BaseException) -> None:
        message = _describe(error)
        sqlstate = getattr(error, "sqlstate", None)
        log.info("the server refused %s on %s: %s (%s)", entry.kind, entry.target, message,
                 sqlstate)
        await self._writer.run(
            CacheStore.mark_failed, entry.op_id, message, sqlstate=sqlstate, undo=True
        )
        field = field_for_error(entry.target, error) if entry.kind != "rpc" else None
        self._on_rejected(OpRejected(entry.op_id, entry.target, message, sqlstate, field))


def _only(payload: Mapping[str, Any], columns: Collection[str]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k in columns}


def _describe(error: BaseException) -> str:
    if isinstance(error, BackendError):
        return error.message
    return str(error) or type(error).__name__
