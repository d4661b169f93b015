"""The sync protocol requests both backends share: the horizon, the deletions feed, apply_ops.

Each helper takes the backend's own `select` / `rpc`, so the local backend and the Supabase one
speak exactly the same requests (server side: the sync protocol migration).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from studio.sync.filters import Order, and_, eq, gt, gte, in_, or_

TOMBSTONES = "sync_tombstones"
TOMBSTONE_COLUMNS = ("id", "table_name", "row_id", "change_xid")
TOMBSTONE_ORDER = (Order("change_xid"), Order("id"))
OP_STATUSES = ("applied", "replayed", "conflict", "gone", "skipped")
OpStatus = Literal["applied", "replayed", "conflict", "gone", "skipped"]

Select = Callable[..., Awaitable[list[dict[str, Any]]]]
Rpc = Callable[..., Awaitable[Any]]


class ProtocolError(Exception):
    """The server answered a sync request in a shape the protocol does not allow (retried
    later, never taken as a refusal of the operation)."""


@dataclass(frozen=True)
class Tombstone:
    """A row deleted on the server: `table`, `row_id`, and where it sits in commit order."""

    id: int
    table: str
    row_id: str
    change_xid: int


@dataclass(frozen=True)
class TombstonePage:
    """One page of the deletions feed; `next_after` ((change_xid, id)) is None at the end."""

    tombstones: list[Tombstone]
    next_after: tuple[int, int] | None


@dataclass(frozen=True)
class OpResult:
    """What apply_ops did with one operation, and the row as the server now has it (or None)."""

    op_id: str
    status: OpStatus
    row: dict[str, Any] | None


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ProtocolError(f"{what} should be an integer, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ProtocolError(f"{what} should be an integer, got {value!r}") from None


async def read_horizon(rpc: Rpc) -> int:
    """`sync_horizon()`: every transaction with an id below it has finished."""
    return _integer(await rpc("sync_horizon"), "sync_horizon()")


async def read_tombstone_floor(rpc: Rpc) -> int | None:
    """`sync_tombstone_floor()`: a tombstone cursor below it may have missed pruned deletions."""
    floor = await rpc("sync_tombstone_floor")
    return None if floor is None else _integer(floor, "sync_tombstone_floor()")


async def tombstone_page(
    select: Select,
    tables: Collection[str],
    since: int | None,
    after: tuple[int, int] | None,
    limit: int,
) -> TombstonePage:
    """Tombstones of `tables` with change_xid >= `since`, after `after`, in (change_xid, id)
    order, at most `limit`."""
    if isinstance(tables, str) or not tables:
        raise ValueError("name the tables whose deletions to read")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    filters: list[Any] = [in_("table_name", sorted(tables))]
    if since is not None:
        filters.append(gte("change_xid", int(since)))
    if after is not None:
        xid, last = (int(part) for part in after)
        filters.append(or_(gt("change_xid", xid), and_(eq("change_xid", xid), gt("id", last))))
    rows = await select(TOMBSTONES, TOMBSTONE_COLUMNS, filters, TOMBSTONE_ORDER, limit=limit)
    found = [
        Tombstone(_integer(r["id"], "tombstone id"), str(r["table_name"]), str(r["row_id"]),
                  _integer(r["change_xid"], "tombstone change_xid"))
        for r in rows
    ]
    last_one = found[-1] if found else None
    return TombstonePage(found, (last_one.change_xid, last_one.id) if last_one else None)


def check_ops(ops: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The apply_ops body, its shape checked before anything is sent (ValueError)."""
    if isinstance(ops, Mapping | str) or not isinstance(ops, Sequence) or not ops:
        raise ValueError("apply_ops takes a non-empty list of operations")
    body: list[dict[str, Any]] = []
    for n, op in enumerate(ops, 1):
        if not isinstance(op, Mapping):
            raise ValueError(f"operation {n}: expected a mapping, got {type(op).__name__}")
        missing = {"op_id", "table", "kind", "id"} - op.keys()
        if missing:
            raise ValueError(f"operation {n}: missing {', '.join(sorted(missing))}")
        if op["kind"] not in ("upsert", "delete"):
            raise ValueError(f"operation {n}: kind must be 'upsert' or 'delete'")
        for key in ("op_id", "id"):
            try:
                uuid.UUID(str(op[key]))
            except ValueError:
                raise ValueError(f"operation {n}: {key} must be a uuid") from None
        values = op.get("values", {})
        if not isinstance(values, Mapping):
            raise ValueError(f"operation {n}: values must be a mapping")
        base = op.get("base_version")
        if base is not None and (isinstance(base, bool) or not isinstance(base, int)):
            raise ValueError(f"operation {n}: base_version must be an integer or None")
        body.append({"op_id": str(op["op_id"]), "table": op["table"], "kind": op["kind"],
                     "id": str(op["id"]), "base_version": base, "values": dict(values)})
    return body


async def send_ops(rpc: Rpc, ops: Sequence[Mapping[str, Any]]) -> list[OpResult]:
    """Call `apply_ops(p_ops)`; one result per operation, in the order sent."""
    body = check_ops(ops)
    reply = await rpc("apply_ops", {"p_ops": body})
    results = reply.get("results") if isinstance(reply, Mapping) else None
    if not isinstance(results, list) or len(results) != len(body):
        raise ProtocolError(f"apply_ops answered {reply!r} for {len(body)} operation(s)")
    parsed: list[OpResult] = []
    for sent, result in zip(body, results, strict=True):
        if not isinstance(result, Mapping) or result.get("status") not in OP_STATUSES:
            raise ProtocolError(f"apply_ops answered {result!r}")
        if str(result.get("op_id")) != sent["op_id"]:
            raise ProtocolError("apply_ops answered for another operation than the one sent")
        row = result.get("row")
        if row is not None and not isinstance(row, Mapping):
            raise ProtocolError(f"apply_ops returned a row that is not an object: {row!r}")
        parsed.append(OpResult(sent["op_id"], result["status"],
                               dict(row) if row is not None else None))
    return parsed


__all__ = [
    "OP_STATUSES", "TOMBSTONES", "OpResult", "OpStatus", "ProtocolError", "Tombstone",
    "TombstonePage", "check_ops", "read_horizon", "read_tombstone_floor", "send_ops",
    "tombstone_page",
]
