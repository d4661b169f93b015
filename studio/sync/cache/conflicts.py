"""What the server said about pushed row operations: applied, conflict, gone; kept conflicts.

An applied edit moves the base version of the row's later queued edits to the server's new
version (they were made on top of it). A conflict (another device changed the row first) makes
the server's row the cached one, with this device's later queued edits replayed on it, and
keeps what the user wanted in `sync_conflicts` until they re-apply or discard it. A "gone" row
(deleted on another device) leaves the cache.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from studio.sync.cache.errors import CacheDataError, OutboxStateError
from studio.sync.cache.outbox import OUTBOX, OutboxEntry, OutboxOperations, entry_from_row
from studio.sync.cache.outbox import select_entries as _select_entries
from studio.sync.cache.rows import Image, convert_rows, dump_json, image_from_params, now_text
from studio.sync.cache.tables import table_spec

RESOLUTIONS = ("reapplied", "discarded")


@dataclass(frozen=True)
class FieldChange:
    """One field of a conflict: what this device wanted and what the server has."""

    column: str
    mine: Any
    theirs: Any


@dataclass(frozen=True)
class Conflict:
    """An edit that lost to another device's change, kept until the user decides."""

    id: int
    op_id: str
    batch_id: str | None
    table: str
    row_id: str
    base_version: int | None
    mine: dict[str, Any]  # the fields sent, server-shaped (id included)
    theirs: dict[str, Any] | None  # the server's row, server-shaped; None when not known
    created_at: str
    resolved_at: str | None = None
    resolution: str | None = None

    @property
    def server_version(self) -> int | None:
        version = (self.theirs or {}).get("row_version")
        return int(version) if version is not None else None

    def fields(self) -> list[FieldChange]:
        """Field by field, what this device wanted against what the server has."""
        theirs = self.theirs or {}
        return [FieldChange(k, v, theirs.get(k)) for k, v in self.mine.items() if k != "id"]


_CONFLICT_COLUMNS = (
    "id, op_id, batch_id, table_name, row_id, base_version, mine, theirs, created_at,"
    " resolved_at, resolution"
)


def _conflict(row: Sequence[Any]) -> Conflict:
    values = list(row)
    values[6] = json.loads(values[6])
    values[7] = json.loads(values[7]) if values[7] is not None else None
    return Conflict(*values)


class ConflictOperations(OutboxOperations):
    """Outcome and conflict methods of CacheStore (see there for the transaction rules)."""

    # ------------------------------------------------------------------ outcomes
    def batch_entries(self, batch_id: str) -> list[OutboxEntry]:
        """The unfinished operations of one batch, in queue order."""
        with self.transaction():
            rows = self._conn.execute(
                _select_entries().where(
                    OUTBOX.c.batch_id == batch_id,
                    OUTBOX.c.status.in_(("pending", "in_flight")),
                ).order_by(OUTBOX.c.id)).all()
        return [entry_from_row(row) for row in rows]

    def mark_applied(self, op_id: str, row_version: int | None) -> None:
        """The server applied the operation (or had already): done, and the row's later
        queued edits are now made against `row_version`."""
        with self.transaction():
            seq, target, row_id = self._locate(op_id)
            self._transition(op_id, ("pending", "in_flight"), "done")
            if row_version is not None and row_id is not None:
                self._conn.exec_driver_sql(
                    "UPDATE outbox SET base_version = ? WHERE target = ? AND row_id = ?"
                    " AND id > ? AND kind = 'upsert' AND status IN ('pending', 'in_flight')",
                    (int(row_version), target, row_id, seq))

    def mark_conflict(self, op_id: str, server_row: Mapping[str, Any] | None) -> Conflict:
        """Another device changed the row first: the server's row (`server_row`, complete and
        server-shaped; None when the server did not say) wins in the cache, and what the user
        wanted is kept as a conflict."""
        with self.transaction():
            seq, target, row_id = self._locate(op_id)
            if row_id is None:
                raise OutboxStateError(f"operation {op_id} is not a row operation")
            spec = table_spec(target)
            entry = self.get_op(op_id)
            assert entry is not None
            base: Image | None
            if server_row is not None:
                try:
                    base = image_from_params(spec, convert_rows(spec, [server_row])[0])
                except CacheDataError:
                    base, server_row = self._before_image(seq), None
            else:
                base = self._before_image(seq)
            self._transition(op_id, ("pending", "in_flight"), "conflict",
                             error="changed on another device first")
            self._conn.exec_driver_sql(
                "UPDATE outbox SET undone_at = ? WHERE id = ?", (now_text(), seq))
            self._conn.exec_driver_sql(
                "INSERT INTO sync_conflicts (op_id, batch_id, table_name, row_id, base_version,"
                " mine, theirs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (op_id, entry.batch_id, target, row_id, entry.base_version,
                 dump_json(entry.payload),
                 dump_json(dict(server_row)) if server_row is not None else None, now_text()))
            self._rebase_row(spec, row_id, base, after_seq=seq)
            self._changed.update((spec.name, "sync_conflicts"))
            conflict = self.conflict_for_op(op_id)
        assert conflict is not None
        return conflict

    def mark_gone(self, op_id: str) -> None:
        """The row was deleted on another device: the operation is dropped and so is the row
        (a replayed create must not bring it back)."""
        with self.transaction():
            seq, target, row_id = self._locate(op_id)
            self._transition(op_id, ("pending", "in_flight"), "gone",
                             error="deleted on another device")
            self._conn.exec_driver_sql(
                "UPDATE outbox SET undone_at = ? WHERE id = ?", (now_text(), seq))
            if row_id is not None:
                spec = table_spec(target)
                self._rebase_row(spec, row_id, None, after_seq=seq)
                self._changed.add(spec.name)

    def _locate(self, op_id: str) -> tuple[int, str, str | None]:
        row = self._conn.exec_driver_sql(
            "SELECT id, target, row_id FROM outbox WHERE op_id = ?", (op_id,)).first()
        if row is None:
            raise OutboxStateError(f"no operation {op_id!r} in the outbox")
        return int(row[0]), str(row[1]), row[2]

    def _before_image(self, seq: int) -> Image | None:
        undo = self._conn.exec_driver_sql(
            "SELECT undo FROM outbox WHERE id = ?", (seq,)).scalar()
        return json.loads(undo)["row"] if undo is not None else None

    # ------------------------------------------------------------------ kept conflicts
    def conflict_for_op(self, op_id: str) -> Conflict | None:
        with self.transaction():
            row = self._conn.exec_driver_sql(
                f"SELECT {_CONFLICT_COLUMNS} FROM sync_conflicts WHERE op_id = ?",  # noqa: S608
                (op_id,)).first()
        return _conflict(row) if row is not None else None

    def get_conflict(self, conflict_id: int) -> Conflict | None:
        with self.transaction():
            row = self._conn.exec_driver_sql(
                f"SELECT {_CONFLICT_COLUMNS} FROM sync_conflicts WHERE id = ?",  # noqa: S608
                (int(conflict_id),)).first()
        return _conflict(row) if row is not None else None

    def open_conflicts(self) -> list[Conflict]:
        """Conflicts the user has not decided yet, oldest first."""
        with self.transaction():
            rows = self._conn.exec_driver_sql(
                f"SELECT {_CONFLICT_COLUMNS} FROM sync_conflicts"  # noqa: S608
                " WHERE resolved_at IS NULL ORDER BY id").all()
        return [_conflict(row) for row in rows]

    def resolve_conflicts(self, conflict_ids: Sequence[int], resolution: str) -> None:
        """Close conflicts as re-applied or discarded (all or none)."""
        if resolution not in RESOLUTIONS:
            raise CacheDataError(f"resolution must be one of {', '.join(RESOLUTIONS)}")
        with self.transaction():
            for conflict_id in conflict_ids:
                conflict = self.get_conflict(conflict_id)
                if conflict is None:
                    raise CacheDataError(f"no conflict {conflict_id!r}")
                if conflict.resolved_at is not None:
                    raise CacheDataError(f"conflict {conflict_id} is already {conflict.resolution}")
                self._conn.exec_driver_sql(
                    "UPDATE sync_conflicts SET resolved_at = ?, resolution = ? WHERE id = ?",
                    (now_text(), resolution, int(conflict_id)))
        self._changed.add("sync_conflicts")


__all__ = ["RESOLUTIONS", "Conflict", "ConflictOperations", "FieldChange"]
