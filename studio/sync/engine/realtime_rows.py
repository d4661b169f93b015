"""Realtime rows into the cache: scope checks, batches, and the writer job that stores them.

A batch keeps the last state of each row it heard about; `write_batch` stores a batch in one
writer job through the cache's own path (`upsert_rows` / `delete_rows`: the same validation and
conversion as pulls), a table per transaction, and leaves out rows older than the cached copy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from studio.sync.backend import And, Condition, Filter, Or
from studio.sync.cache import CacheStore
from studio.sync.cache.codec import BadValue, timestamp_text
from studio.sync.cache.errors import CacheError
from studio.sync.cache.tables import SA_TABLES, table_spec
from studio.sync.scope import TableScope, complete_rows, readable_columns

_OPERATORS = {"eq", "neq", "gt", "gte", "lt", "lte", "in"}


# ------------------------------------------------------------------------------ row matching


@functools.cache
def columns_of(table: str) -> tuple[str, ...]:
    return readable_columns(table)  # asked for every change of a burst: worked out once


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare(op: str, have: Any, want: Any) -> bool:
    try:
        if op == "gt":
            return bool(have > want)
        if op == "gte":
            return bool(have >= want)
        if op == "lt":
            return bool(have < want)
        return bool(have <= want)
    except TypeError:
        return False


def matches(condition: Condition, row: Mapping[str, Any]) -> bool:
    """Whether a row provably meets a scope condition (anything not checkable here: False)."""
    if isinstance(condition, And):
        return all(matches(c, row) for c in condition.conditions)
    if isinstance(condition, Or):
        return any(matches(c, row) for c in condition.conditions)
    if not isinstance(condition, Filter) or condition.op not in _OPERATORS:
        return False
    if condition.column not in row:
        return False
    have = row[condition.column]
    if condition.op == "eq":
        return have is not None and _text(have) == _text(condition.value)
    if condition.op == "neq":
        return have is not None and _text(have) != _text(condition.value)
    if condition.op == "in":
        return have is not None and _text(have) in {_text(v) for v in condition.value}
    return have is not None and _compare(condition.op, have, condition.value)


def in_scope(row: Mapping[str, Any], scopes: Iterable[TableScope]) -> bool:
    # The time window of a scope is left out: a change that just happened is recent.
    return any(all(matches(c, row) for c in scope.filters) for scope in scopes)


RowCheck = Callable[[Mapping[str, Any]], bool]


def _condition_check(condition: Condition) -> RowCheck:
    """`matches(condition, row)` for one condition; an equality on a text value (a show's or a
    host's id, the common case) compares directly and falls back to `matches` otherwise."""
    if isinstance(condition, Filter) and condition.op == "eq" and isinstance(condition.value, str):
        column, want = condition.column, condition.value

        def equal(row: Mapping[str, Any]) -> bool:
            have = row.get(column)
            if type(have) is str:
                return have == want
            return matches(condition, row)

        return equal
    return functools.partial(matches, condition)


def scope_check(scopes: Iterable[TableScope]) -> RowCheck:
    """`in_scope(row, scopes)` worked out once for a feed: every change of a burst is checked
    with it."""
    checks = [[_condition_check(c) for c in scope.filters] for scope in scopes]
    if len(checks) == 1 and len(checks[0]) == 1:
        return checks[0][0]
    return lambda row: any(all(check(row) for check in scope) for scope in checks)


# ------------------------------------------------------------------------------------- batches


class Batch:
    """Changes gathered between two writes: the last state of each row, per table."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self.deleted: dict[str, dict[str, None]] = {}

    def __len__(self) -> int:
        return sum(map(len, self.rows.values())) + sum(map(len, self.deleted.values()))

    def upsert(self, table: str, row: dict[str, Any]) -> None:
        row_id = str(row["id"])
        deleted = self.deleted.get(table)
        if deleted:
            deleted.pop(row_id, None)
        rows = self.rows.get(table)
        if rows is None:
            rows = self.rows[table] = {}
        rows[row_id] = row

    def delete(self, table: str, row_id: str) -> None:
        self.rows.get(table, {}).pop(row_id, None)
        self.deleted.setdefault(table, {})[row_id] = None


def _newer_than_cached(store: CacheStore, table: str, rows: list[dict[str, Any]]
                       ) -> list[dict[str, Any]]:
    """The rows not older than the cache's copy: a change delivered late (after a pull already
    brought a later version) must not put the older version back."""
    t = SA_TABLES[table_spec(table).name]
    if "updated_at" not in t.c:
        return rows
    ids = [str(r["id"]) for r in rows]
    query = sa.select(t.c.id, t.c.updated_at).where(t.c.id.in_(ids))
    cached = {str(i): stamp for i, stamp in store.connection.execute(query)}
    if not cached:
        return rows
    kept = []
    for row in rows:
        have = cached.get(str(row["id"]))
        try:
            if have is not None and timestamp_text(row["updated_at"]) < have:
                continue
        except BadValue:
            pass  # the cache's own validation refuses the row below, with its message
        kept.append(row)
    return kept


def write_batch(store: CacheStore, batch: Batch) -> list[tuple[str, CacheError]]:
    """One writer job: each table's rows and removals in a transaction of its own, so a table
    whose rows the cache refuses changes nothing and keeps no other table from landing.
    Returns the refused tables (with why): their rows come with the next pull."""
    refused: list[tuple[str, CacheError]] = []
    for table in sorted(set(batch.rows) | set(batch.deleted)):
        rows = list(batch.rows.get(table, {}).values())
        ids = list(batch.deleted.get(table, {}))
        try:
            with store.transaction():
                rows = _newer_than_cached(store, table, rows)
                if rows:
                    store.upsert_rows(table, complete_rows(table, rows))
                if ids:
                    store.delete_rows(table, ids)
        except CacheError as error:
            refused.append((table, error))
    return refused


__all__ = ["Batch", "columns_of", "in_scope", "matches", "scope_check", "write_batch"]
