"""Shared helpers for the sync protocol tests (apply_ops, cursors, tombstones); holds no tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from test_fn_support import one, rows

from studio.server.request_context import request_transaction

# Everything apply_ops may write, plus its ledger and the deletions feed.
SYNC_STATE_TABLES = (
    "public.live_stream_sessions", "public.live_products", "public.influencer_goals",
    "public.products", "public.influencer_notifications", "public.live_stream_chat",
    "private.applied_ops", "public.sync_tombstones", "private.price_changes",
)


def op(
    table: str,
    row_id: str,
    *,
    kind: str = "upsert",
    base: int | None = None,
    values: dict[str, Any] | None = None,
    op_id: str | None = None,
) -> dict[str, Any]:
    """One apply_ops operation in the contract's shape."""
    operation: dict[str, Any] = {
        "op_id": op_id or str(uuid.uuid4()), "table": table, "kind": kind, "id": str(row_id),
        "base_version": base,
    }
    if kind == "upsert":
        operation["values"] = values or {}
    return operation


def apply_ops(conn: psycopg.Connection, user_id: str | None, ops: Any) -> list[dict[str, Any]]:
    """Call public.apply_ops as `user_id` (one request); returns the `results` list."""
    with request_transaction(conn, "authenticated", user_id) as cur:
        cur.execute("select public.apply_ops(%s)", (Jsonb(ops),))
        answer = cur.fetchone()[0]
    assert set(answer) == {"results"}
    for result in answer["results"]:
        assert set(result) == {"op_id", "status", "row"}
    return answer["results"]


def apply_refused(
    conn: psycopg.Connection, user_id: str | None, ops: Any, role: str = "authenticated",
) -> psycopg.Error:
    """Call apply_ops expecting an error; returns it."""
    with pytest.raises(psycopg.Error) as caught, request_transaction(conn, role, user_id) as cur:
        cur.execute("select public.apply_ops(%s)", (Jsonb(ops),))
    return caught.value


def statuses(results: Sequence[dict[str, Any]]) -> list[str]:
    return [r["status"] for r in results]


def sync_state(conn: psycopg.Connection) -> dict[str, str]:
    """A digest of every row apply_ops could write (equal digests: nothing was written)."""
    return {
        table: one(conn, f"select count(*) || ':' || coalesce(md5(string_agg(t::text, ','"
                         f" order by t::text)), '') from {table} t")
        for table in SYNC_STATE_TABLES
    }


@contextmanager
def nothing_written(conn: psycopg.Connection, *, but: Sequence[str] = ()) -> Iterator[None]:
    """Assert that the block leaves every sync table, the ledger and the feed as they were.

    `but`: tables the block may write (say, the ledger recording an op that changed nothing).
    """
    before = sync_state(conn)
    yield
    after = sync_state(conn)
    changed = [t for t in SYNC_STATE_TABLES if before[t] != after[t] and t not in but]
    assert not changed, f"tables changed: {changed}"


def horizon(conn: psycopg.Connection, user_id: str | None, role: str = "authenticated") -> int:
    """sync_horizon() in a request of its own, as a client calls it."""
    return int(rows(conn, user_id, "select public.sync_horizon()", role=role)[0][0])


def pull(
    conn: psycopg.Connection, user_id: str, table: str, cursor: int | None,
) -> tuple[set[str], int]:
    """A client pull of one table by the contract: horizon first, then rows >= cursor.

    Returns the ids read and the cursor to save.
    """
    saved = horizon(conn, user_id)
    found = rows(
        conn, user_id,
        f"select id::text from public.{table} where %s::bigint is null or change_xid >= %s"
        " order by change_xid, id", (cursor, cursor))
    return {r[0] for r in found}, saved


def row_version(conn: psycopg.Connection, table: str, row_id: str) -> int:
    return int(one(conn, f"select row_version from public.{table} where id = %s", (row_id,)))


def ledger_size(conn: psycopg.Connection, user_id: str) -> int:
    return int(one(conn, "select count(*) from private.applied_ops where user_id = %s",
                   (user_id,)))
