"""Bulk appends: converted rows inserted many per statement, the table's CHECKs verified once.

A bulk load appends rows that `convert_chunks` has validated, column by column, against the
same rules the table's CHECK constraints state (enum choices, 0/1 flags). SQLite evaluates a
CHECK with an `IN (...)` list by building a small temporary index for every row, which made
those checks a third of the cost of inserting a row; so an append runs with CHECK
constraints off and then verifies them, read from the table's own definition, with one query
over the rows it appended, inside a savepoint: a row that fails leaves nothing of the append.
NOT NULL and column types are still enforced by SQLite as each row is inserted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from itertools import chain

import sqlalchemy as sa

from studio.sync.cache.rows import Columns, insert_sql
from studio.sync.cache.tables import TABLES

APPEND_ROWS = 50  # rows per INSERT statement: the driver steps once per statement, not per row

_CHECK = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)


class ConstraintViolation(ValueError):
    """A row appended with CHECK constraints deferred fails one of them."""


@cache
def _append_sql(table: str, count: int) -> str:
    """An INSERT of `count` rows whose parameters are numbered column by column: ?1..?count
    are the first column of every row, and so on, so a chunk's converted columns are bound
    as they are, without building a tuple per row."""
    columns = TABLES[table].column_names
    rows = ", ".join(
        "(" + ", ".join(f"?{index * count + row + 1}" for index in range(len(columns))) + ")"
        for row in range(count))
    return f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES {rows}'  # noqa: S608


def append_chunks(conn: sa.Connection, table: str, chunks: Sequence[Columns]) -> None:
    """Insert converted chunks (`convert_chunks`) as they are, APPEND_ROWS rows per statement
    (constraints as the connection enforces them; see `append_checked`)."""
    for columns in chunks:
        count = len(columns[0]) if columns else 0
        whole = count - count % APPEND_ROWS
        if whole:
            conn.exec_driver_sql(_append_sql(table, APPEND_ROWS), [
                tuple(chain.from_iterable([values[start : start + APPEND_ROWS]
                                           for values in columns]))
                for start in range(0, whole, APPEND_ROWS)
            ])
        if whole < count:
            rest = [values[whole:] for values in columns]
            conn.exec_driver_sql(insert_sql(table), list(zip(*rest, strict=True)))


def append_checked(conn: sa.Connection, table: str, chunks: Sequence[Columns]) -> None:
    """Append converted chunks with CHECK constraints verified once for all of them; raises
    ConstraintViolation (nothing appended) if a row fails one. Runs in the open transaction."""
    if table not in TABLES:  # names are spliced into SQL below: only the mirrored tables
        raise ValueError(f"not a cache table: {table!r}")
    checks = table_checks(_table_sql(conn, table))
    with conn.begin_nested():
        before = conn.exec_driver_sql(
            f'SELECT coalesce(max(rowid), 0) FROM "{table}"').scalar_one()  # noqa: S608
        with _checks_deferred(conn, bool(checks)):
            append_chunks(conn, table, chunks)
        if checks:
            failed = conn.exec_driver_sql(
                f'SELECT id FROM "{table}" WHERE rowid > ? AND ('  # noqa: S608
                + " OR ".join(f"NOT ({check})" for check in checks) + ") LIMIT 1",
                (before,)).first()
            if failed is not None:
                raise ConstraintViolation(
                    f"CHECK constraint failed (row id {failed[0]!r}): "
                    + " AND ".join(checks))


@contextmanager
def _checks_deferred(conn: sa.Connection, defer: bool) -> Iterator[None]:
    if not defer:
        yield
        return
    conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")


def _table_sql(conn: sa.Connection, table: str) -> str:
    return conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()


@cache
def table_checks(create_sql: str) -> tuple[str, ...]:
    """The expressions of every CHECK constraint in a CREATE TABLE statement, as written."""
    masked = _masked(create_sql)
    checks = []
    for match in _CHECK.finditer(masked):
        end = _closing(masked, match.end())
        if end is None:
            raise ValueError(f"unbalanced CHECK constraint in {create_sql[:80]!r}")
        checks.append(create_sql[match.end() : end].strip())
    return tuple(checks)


_QUOTED_OR_COMMENT = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|--[^\n]*|/\*.*?(?:\*/|$)",
    re.DOTALL)


def _masked(sql: str) -> str:
    """`sql` with the insides of quoted strings, quoted names and comments blanked (same
    length), so words and parentheses in them are not read as SQL."""
    return _QUOTED_OR_COMMENT.sub(lambda m: m[0][0] + " " * (len(m[0]) - 1), sql)


def _closing(sql: str, start: int) -> int | None:
    """The index of the parenthesis closing the one just before `start` (None: none does)."""
    depth = 1
    for index in range(start, len(sql)):
        if sql[index] == "(":
            depth += 1
        elif sql[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return None
