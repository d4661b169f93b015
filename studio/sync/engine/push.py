"""Pushing the outbox: each operation sent once in order, idempotently, refused ones undone.

A row upsert is sent as an insert that ignores duplicates (only when the payload holds what a
new row needs, and only insertable columns), then, if the row already existed, an update by id
of the columns the user may change. Client-generated ids make a replayed create harmless and a
replayed update sets the same values again. The server's row comes back with each write and
replaces the local one, bringing server-computed columns (session codes, stamps, metrics).
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
from studio.sync.backend import AuthError, Backend, BackendError, eq
from studio.sync.cache import CacheStore, CacheWriter, Operation, OutboxEntry
from studio.sync.cache.errors import CacheDataError
from studio.sync.engine.events import OpRejected
from studio.sync.scope import complete_rows, readable_columns

log = logging.getLogger(__name__)

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
_BATCH = 20


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


class Refused(BackendError):
    """A write the server silently did not apply (no visible row matched)."""


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
    ) -> None:
        self._backend = backend
        self._writer = writer
        self._on_rejected = on_rejected
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._rng = rng or random.Random()

    async def push(self, *, ignore_backoff: bool = False) -> PushOutcome:
        """Send what is due (everything pending with `ignore_backoff`). A retryable failure
        leaves its operation pending with a retry time and is raised: nothing behind it is
        sent out of order."""
        outcome = PushOutcome()
        while True:
            due = FAR_FUTURE if ignore_backoff else datetime.now(UTC)
            entries = await self._writer.run(CacheStore.next_pending, _BATCH, now=due)
            if not entries:
                return outcome
            for entry in entries:
                await self._push_one(entry, outcome)

    async def _push_one(self, entry: OutboxEntry, outcome: PushOutcome) -> None:
        await self._writer.run(CacheStore.mark_in_flight, [entry.op_id])
        try:
            rows = await self._send(entry)
        except Exception as error:
            if is_refusal(error):
                await self._reject(entry, error)
                outcome.rejected += 1
                return
            delay = backoff_delay(entry.attempts + 1, self._retry_base, self._retry_cap, self._rng)
            await self._writer.run(
                CacheStore.mark_failed,
                entry.op_id,
                _describe(error),
                sqlstate=getattr(error, "sqlstate", None),
                retry_at=datetime.now(UTC) + timedelta(seconds=delay),
            )
            raise
        table = None if entry.kind == "rpc" else entry.target
        await self._writer.run(_complete, entry.op_id, table, rows)
        outcome.sent += 1
        outcome.called_functions |= entry.kind == "rpc"

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

    # ------------------------------------------------------------------------- requests
    async def _send(self, entry: OutboxEntry) -> list[dict[str, Any]]:
        if entry.kind == "rpc":
            params = dict(entry.payload)
            key = IDEMPOTENCY_PARAMS.get(entry.target)
            if key is not None:
                params.setdefault(key, entry.op_id)
            await self._backend.rpc(entry.target, params)
            return []
        rule = WRITE_RULES.get(entry.target)
        if rule is None:
            raise ValueError(f"the studio does not write {entry.target!r}")
        if entry.row_id is None:
            raise ValueError("a row operation without a row id")
        if entry.kind == "delete":
            await self._delete(entry.target, rule, entry.row_id)
            return []
        return await self._upsert(entry.target, rule, entry.row_id, entry.payload)

    async def _upsert(
        self, table: str, rule: WriteRule, row_id: str, payload: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        columns = readable_columns(table)
        if rule.create_with is not None and rule.create_with <= payload.keys():
            row = _only(payload, rule.insert)
            created = await self._backend.insert(
                table, [row], ignore_duplicates=True, returning=True, columns=columns
            )
            if created:
                return created
        values = _only(payload, rule.update)
        by_id = [eq("id", row_id)]
        if not values:
            return await self._backend.select(table, columns, by_id)
        rows = await self._backend.update(table, values, by_id, returning=True, columns=columns)
        if not rows:
            await self._explain_untouched(table, rule, row_id)
        return rows

    async def _delete(self, table: str, rule: WriteRule, row_id: str) -> None:
        by_id = [eq("id", row_id)]
        gone = await self._backend.delete(table, by_id, returning=True, columns=["id"])
        # Nothing deleted and nothing visible: already gone, which is what was asked.
        if not gone and await self._backend.select(table, ["id"], by_id):
            raise Refused(f"This {rule.noun} can no longer be removed.", sqlstate="42501")

    async def _explain_untouched(self, table: str, rule: WriteRule, row_id: str) -> None:
        """No row matched a write by id: the row is gone, or the user may no longer write it
        (row level security filters writes silently, e.g. the lineup of a show that ended)."""
        if await self._backend.select(table, ["id"], [eq("id", row_id)]):
            raise Refused(f"This {rule.noun} can no longer be changed.", sqlstate="42501")
        raise Refused(f"This {rule.noun} no longer exists on the server.", sqlstate="P0002")


def _only(payload: Mapping[str, Any], columns: Collection[str]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k in columns}


def _describe(error: BaseException) -> str:
    if isinstance(error, BackendError):
        return error.message
    return str(error) or type(error).__name__
