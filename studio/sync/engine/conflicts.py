"""Deciding a kept conflict: re-apply the user's change on the server's new version, or drop it.

A conflict that came from a batch (one user action, such as a reorder) is decided as a whole:
its operations go again together, or are dropped together.
"""

from __future__ import annotations

import uuid

from studio.sync.cache import CacheStore, Conflict, Operation
from studio.sync.cache.errors import CacheDataError
from studio.sync.cache.rows import read_image
from studio.sync.cache.tables import table_spec
from studio.sync.engine.push import WRITE_RULES, check_operation


def _group(store: CacheStore, conflict_id: int) -> list[Conflict]:
    if isinstance(conflict_id, bool) or not isinstance(conflict_id, int):
        raise CacheDataError(f"{conflict_id!r} is not a conflict id")
    conflict = store.get_conflict(conflict_id)
    if conflict is None:
        raise CacheDataError(f"no conflict {conflict_id}")
    if conflict.resolved_at is not None:
        raise CacheDataError(f"conflict {conflict_id} is already {conflict.resolution}")
    if conflict.batch_id is None:
        return [conflict]
    return [c for c in store.open_conflicts() if c.batch_id == conflict.batch_id]


def reapply_op(store: CacheStore, conflict: Conflict) -> Operation:
    """The user's change as a new operation: an edit of the row as it is now (its version
    becomes the base), or the create again when the row is no longer cached."""
    spec = table_spec(conflict.table)
    if read_image(store.connection, spec, conflict.row_id) is None:
        return Operation("upsert", conflict.table, dict(conflict.mine))
    changeable = WRITE_RULES[conflict.table].update
    values = {k: v for k, v in conflict.mine.items() if k in changeable}
    return Operation("upsert", conflict.table, {"id": conflict.row_id, **values})


def reapply(store: CacheStore, conflict_id: int) -> list[str]:
    """Queue the conflict's change (and its batch's) again, in one transaction; returns the new
    op ids. ValueError / CacheDataError when there is nothing left to re-apply (nothing stored)."""
    with store.transaction():
        group = _group(store, conflict_id)
        ops = [reapply_op(store, c) for c in group]
        for op in ops:
            check_operation(op)
        batch_id = str(uuid.uuid4()) if len(ops) > 1 else None
        for op in ops:
            store.apply_local(op, batch_id=batch_id)
        store.resolve_conflicts([c.id for c in group], "reapplied")
    return [op.op_id for op in ops]


def discard(store: CacheStore, conflict_id: int) -> int:
    """Keep the server's row: the conflict (and its batch's) is closed. Returns how many."""
    with store.transaction():
        group = _group(store, conflict_id)
        store.resolve_conflicts([c.id for c in group], "discarded")
    return len(group)


__all__ = ["discard", "reapply", "reapply_op"]
