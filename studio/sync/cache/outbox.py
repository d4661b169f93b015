"""The durable outbox: local operations, their undo images, and the states of their delivery.

An operation applied locally changes the cache row and joins the outbox in one transaction,
recording the row as it was. Operations not yet delivered ("unfinished": pending or in flight)
win locally: when the server's version of the row arrives it becomes the base they are
replayed on, and undoing a refused operation restores its before-image and replays the
operations queued after it on the same row.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from studio.sync.cache.codec import timestamp_text
from studio.sync.cache.errors import CacheDataError, OutboxStateError
from studio.sync.cache.rows import (
    Image,
    dump_json,
    merge_image,
    normalise_payload,
    now_text,
    read_image,
    write_image,
)
from studio.sync.cache.tables import TableSpec, table_spec

OpKind = Literal["upsert", "delete", "rpc"]
OP_KINDS: tuple[str, ...] = ("upsert", "delete", "rpc")
_FUNCTION_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
OUTBOX = sa.table("outbox", *(sa.column(name) for name in (
    "id", "op_id", "kind", "target", "row_id", "payload", "status", "attempts", "created_at",
    "next_attempt_at", "last_error", "sqlstate", "undo", "undone_at", "batch_id", "base_version",
)))


def select_entries() -> sa.Select[Any]:
    """Outbox rows in the shape of OutboxEntry."""
    o = OUTBOX.c
    return sa.select(
        o.id, o.op_id, o.kind, o.target, o.row_id, o.payload, o.status, o.attempts,
        o.created_at, o.next_attempt_at, o.last_error, o.sqlstate,
        o.undo.is_not(None).label("can_undo"), o.undone_at, o.batch_id, o.base_version,
    )


@dataclass(frozen=True)
class Operation:
    """A write for the server: a row upsert or delete (server-shaped), or an RPC call."""

    kind: OpKind
    target: str  # table name, or function name for "rpc"
    payload: Mapping[str, Any]
    op_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class OutboxEntry:
    """An operation as recorded in the outbox. `payload` is what is sent to the server."""

    seq: int
    op_id: str
    kind: str
    target: str
    row_id: str | None
    payload: dict[str, Any]
    status: str
    attempts: int
    created_at: str
    next_attempt_at: str | None
    last_error: str | None
    sqlstate: str | None
    can_undo: bool
    undone_at: str | None
    # The user action the operation belongs to (sent together, all or nothing), if any.
    batch_id: str | None = None
    # The server row_version the edit was made against (None: a create, or an rpc).
    base_version: int | None = None


def entry_from_row(row: Sequence[Any]) -> OutboxEntry:
    values = list(row)
    values[5] = json.loads(values[5])
    values[12] = bool(values[12])
    return OutboxEntry(*values)


@dataclass(frozen=True)
class _Prepared:
    spec: TableSpec | None
    row_id: str | None
    values: Image | None
    payload_json: str


class OutboxOperations:
    """Outbox methods of CacheStore (see there for the transaction rules)."""

    _conn: sa.Connection
    _changed: set[str]

    def transaction(self) -> AbstractContextManager[sa.Connection]:
        raise NotImplementedError

    def _keyed(self, table: str) -> None:
        """Make sure rows of `table` can be looked up by id (see CacheStore)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ adding operations
    def enqueue(self, op: Operation, *, batch_id: str | None = None) -> OutboxEntry:
        """Queue an operation with no local effect. The same op_id again is a no-op."""
        prepared = self._prepare(op)
        with self.transaction():
            existing = self._existing(op, prepared)
            if existing is not None:
                return existing
            return self._insert(op, prepared, undo=None, batch_id=batch_id)

    def apply_local(self, op: Operation, *, batch_id: str | None = None) -> OutboxEntry:
        """Apply a row operation to the cache and queue it, in one transaction. The cached
        row's version becomes the operation's base version (what the edit was made against)."""
        prepared = self._prepare(op)
        if prepared.spec is None or prepared.row_id is None:
            raise CacheDataError("an rpc operation has no row to apply locally; use enqueue")
        with self.transaction():
            existing = self._existing(op, prepared)
            if existing is not None:
                return existing
            self._keyed(prepared.spec.name)
            before = read_image(self._conn, prepared.spec, prepared.row_id)
            after = None
            if op.kind == "upsert":
                assert prepared.values is not None
                after = merge_image(prepared.spec, before, prepared.values)
            write_image(self._conn, prepared.spec, prepared.row_id, after)
            base = before.get("row_version") if before is not None else None
            entry = self._insert(op, prepared, undo=dump_json({"row": before}),
                                 batch_id=batch_id, base_version=base)
        self._changed.add(prepared.spec.name)
        return entry

    def apply_local_batch(
        self, ops: Sequence[Operation], *, batch_id: str | None = None
    ) -> list[OutboxEntry]:
        """Several local operations, all or none (e.g. reordering a lineup); with `batch_id`
        they are also sent together and applied on the server all or none."""
        with self.transaction():
            return [self.apply_local(op, batch_id=batch_id) for op in ops]

    def _prepare(self, op: Operation) -> _Prepared:
        if not isinstance(op, Operation):
            raise CacheDataError(f"expected an Operation, got {type(op).__name__}")
        if op.kind not in OP_KINDS:
            raise CacheDataError(f"operation kind must be one of {', '.join(OP_KINDS)}")
        try:
            if str(uuid.UUID(op.op_id)) != op.op_id:
                raise ValueError
        except (ValueError, TypeError, AttributeError):
            raise CacheDataError(f"op_id {op.op_id!r} is not a lowercase uuid") from None
        if not isinstance(op.payload, Mapping):
            raise CacheDataError("operation payload must be a mapping")
        if op.kind == "rpc":
            if not isinstance(op.target, str) or not _FUNCTION_NAME.fullmatch(op.target):
                raise CacheDataError(f"{op.target!r} is not a function name")
            try:
                return _Prepared(None, None, None, dump_json(dict(op.payload)))
            except (TypeError, ValueError) as exc:
                raise CacheDataError(f"rpc arguments of {op.target}: {exc}") from None
        spec = table_spec(op.target)
        if op.kind == "delete" and set(op.payload) != {"id"}:
            raise CacheDataError(f"{spec.name}: a delete carries only the row's id")
        values, server = normalise_payload(spec, op.payload)
        return _Prepared(spec, values["id"], values, dump_json(server))

    def _existing(self, op: Operation, prepared: _Prepared) -> OutboxEntry | None:
        row = self._conn.exec_driver_sql(
            "SELECT kind, target, payload FROM outbox WHERE op_id = ?", (op.op_id,)).first()
        if row is None:
            return None
        if tuple(row) != (op.kind, op.target, prepared.payload_json):
            raise CacheDataError(f"op_id {op.op_id} is already used by a different operation")
        return self.get_op(op.op_id)

    def _insert(
        self,
        op: Operation,
        prepared: _Prepared,
        *,
        undo: str | None,
        batch_id: str | None = None,
        base_version: int | None = None,
    ) -> OutboxEntry:
        now = now_text()
        self._conn.exec_driver_sql(
            "INSERT INTO outbox (op_id, created_at, kind, target, row_id, payload, status,"
            " attempts, undo, updated_at, batch_id, base_version)"
            " VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)",
            (op.op_id, now, op.kind, op.target, prepared.row_id, prepared.payload_json, undo,
             now, batch_id, base_version))
        self._changed.add("outbox")
        entry = self.get_op(op.op_id)
        assert entry is not None
        return entry

    # ------------------------------------------------------------------ reading
    def get_op(self, op_id: str) -> OutboxEntry | None:
        with self.transaction():
            row = self._conn.execute(select_entries().where(OUTBOX.c.op_id == op_id)).first()
        return entry_from_row(row) if row is not None else None

    def next_pending(self, limit: int = 100, *, now: Any = None) -> list[OutboxEntry]:
        """Pending operations in queue order, stopping at the first not yet due for a retry
        (operations are delivered in order, so a waiting one holds back those behind it)."""
        due_by = now_text() if now is None else timestamp_text(now)
        with self.transaction():
            rows = self._conn.execute(
                select_entries().where(OUTBOX.c.status == "pending")
                .order_by(OUTBOX.c.id).limit(int(limit))).all()
        entries: list[OutboxEntry] = []
        for entry in map(entry_from_row, rows):
            if entry.next_attempt_at is not None and entry.next_attempt_at > due_by:
                break
            entries.append(entry)
        return entries

    def pending_count(self) -> int:
        """Operations not yet delivered (pending or in flight)."""
        with self.transaction():
            return int(self._conn.exec_driver_sql(
                "SELECT count(*) FROM outbox WHERE status IN ('pending', 'in_flight')").scalar())

    def failed_ops(self) -> list[OutboxEntry]:
        """Operations the server refused, oldest first (to show the user)."""
        with self.transaction():
            rows = self._conn.execute(
                select_entries().where(OUTBOX.c.status == "failed").order_by(OUTBOX.c.id)).all()
        return [entry_from_row(row) for row in rows]

    # ------------------------------------------------------------------ delivery states
    def mark_in_flight(self, op_ids: Sequence[str]) -> None:
        """pending → in flight (one more attempt), for all given operations or none."""
        with self.transaction():
            for op_id in op_ids:
                self._transition(op_id, ("pending",), "in_flight", bump=True)

    def mark_done(self, op_id: str) -> None:
        """The server applied the operation."""
        with self.transaction():
            self._transition(op_id, ("pending", "in_flight"), "done")

    def mark_failed(
        self,
        op_id: str,
        error: str,
        *,
        sqlstate: str | None = None,
        retry_at: Any = None,
        undo: bool = False,
    ) -> None:
        """A failed attempt. With `retry_at` the operation waits (pending) until then;
        without, it is refused for good (failed) and, with `undo=True`, undone at once."""
        if retry_at is not None and undo:
            raise ValueError("an operation to be retried cannot be undone")
        retry = None if retry_at is None else timestamp_text(retry_at)
        with self.transaction():
            self._transition(
                op_id, ("pending", "in_flight"), "pending" if retry else "failed",
                error=str(error), sqlstate=sqlstate, retry_at=retry,
            )
            if undo:
                self.undo(op_id)

    def requeue_in_flight(self) -> int:
        """After a restart: operations caught in flight are pending again (they carry their
        idempotency key, so sending one twice is safe). Returns how many."""
        with self.transaction():
            count = self._conn.exec_driver_sql(
                "UPDATE outbox SET status = 'pending', updated_at = ? WHERE status = 'in_flight'",
                (now_text(),)).rowcount
        if count:
            self._changed.add("outbox")
        return count

    def purge_done(self, older_than: Any) -> int:
        """Forget delivered operations last touched before `older_than`."""
        cutoff = timestamp_text(older_than)
        with self.transaction():
            return self._conn.exec_driver_sql(
                "DELETE FROM outbox WHERE status = 'done' AND updated_at < ?", (cutoff,)).rowcount

    def _transition(
        self,
        op_id: str,
        allowed: tuple[str, ...],
        status: str,
        *,
        bump: bool = False,
        error: str | None = None,
        sqlstate: str | None = None,
        retry_at: str | None = None,
    ) -> None:
        current = self._conn.exec_driver_sql(
            "SELECT status FROM outbox WHERE op_id = ?", (op_id,)).scalar()
        if current is None:
            raise OutboxStateError(f"no operation {op_id!r} in the outbox")
        if current not in allowed:
            raise OutboxStateError(f"operation {op_id} is {current}, not {' or '.join(allowed)}")
        self._conn.exec_driver_sql(
            "UPDATE outbox SET status = ?, attempts = attempts + ?, last_error = ?,"
            " sqlstate = ?, next_attempt_at = ?, updated_at = ? WHERE op_id = ?",
            (status, int(bump), error, sqlstate, retry_at, now_text(), op_id))
        self._changed.add("outbox")

    # ------------------------------------------------------------------ undo and replay
    def undo(self, op_id: str) -> bool:
        """Revert the local effect of a refused operation; False if there is nothing (left)
        to revert. Later queued operations on the same row are replayed on the result."""
        with self.transaction():
            row = self._conn.exec_driver_sql(
                "SELECT id, status, target, row_id, undo, undone_at FROM outbox WHERE op_id = ?",
                (op_id,)).first()
            if row is None:
                raise OutboxStateError(f"no operation {op_id!r} in the outbox")
            seq, status, target, row_id, undo, undone_at = row
            if status != "failed":
                raise OutboxStateError(f"operation {op_id} is {status}; only a refused one "
                                       "can be undone")
            if undone_at is not None:
                return False
            self._conn.exec_driver_sql(
                "UPDATE outbox SET undone_at = ? WHERE id = ?", (now_text(), seq))
            if undo is None:
                return False
            spec = table_spec(target)
            self._rebase_row(spec, row_id, json.loads(undo)["row"], after_seq=seq)
        self._changed.add(spec.name)
        return True

    def _rebase_row(
        self, spec: TableSpec, row_id: str, base: Image | None, *, after_seq: int = 0
    ) -> Image | None:
        """Make the row `base` with the unfinished operations after `after_seq` replayed on it;
        each replayed operation's undo image becomes the row as it was before it."""
        ops = self._conn.exec_driver_sql(
            "SELECT id, kind, payload FROM outbox WHERE target = ? AND row_id = ?"
            " AND status IN ('pending', 'in_flight') AND id > ? ORDER BY id",
            (spec.name, row_id, after_seq)).all()
        self._keyed(spec.name)
        image = base
        for seq, kind, payload in ops:
            self._conn.exec_driver_sql(
                "UPDATE outbox SET undo = ? WHERE id = ?", (dump_json({"row": image}), seq))
            if kind == "delete":
                image = None
                continue
            values, _ = normalise_payload(spec, json.loads(payload))
            # A partial update of a row that no longer exists leaves nothing to show.
            with suppress(CacheDataError):
                image = merge_image(spec, image, values)
        write_image(self._conn, spec, row_id, image)
        return image

    def _protected_ids(self, table: str) -> set[str]:
        """Rows of `table` with unfinished local operations."""
        return set(self._conn.execute(self._protected_ids_query(table)).scalars().all())

    def _protected_ids_query(self, table: str) -> sa.Select[Any]:
        o = OUTBOX.c
        return sa.select(o.row_id).where(
            o.target == table, o.status.in_(("pending", "in_flight")), o.row_id.is_not(None))

    def _retire_refused(self, table: str, row_ids: Iterable[str]) -> None:
        """Refused operations on rows the server has just rewritten can no longer be undone
        (their before-image is older than the server's row)."""
        refused = set(self._conn.exec_driver_sql(
            "SELECT row_id FROM outbox WHERE target = ? AND status = 'failed'"
            " AND undone_at IS NULL AND undo IS NOT NULL", (table,)).scalars().all())
        if not refused:
            return
        hit = refused.intersection(row_ids)
        if hit:
            self._conn.exec_driver_sql(
                "UPDATE outbox SET undone_at = ? WHERE target = ? AND row_id = ?"
                " AND status = 'failed' AND undone_at IS NULL",
                [(now_text(), table, row_id) for row_id in hit])


__all__ = ["OP_KINDS", "OUTBOX", "OpKind", "Operation", "OutboxEntry", "OutboxOperations"]
