"""The backend filter language: conditions, ordering, keyset cursors and their SQL compilation."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
NIL_UUID = "00000000-0000-0000-0000-000000000000"

Operator = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in", "is_null", "ilike"]
_COMPARISONS: Mapping[str, str] = {
    "eq": "=",
    "neq": "<>",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
}
Scalar = str | int | float | Decimal | bool | UUID | datetime | date


def check_identifier(name: str) -> str:
    """Return `name` if it is a plain lower-case SQL identifier; refuse anything else."""
    if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a valid table or column name: {name!r}")
    return name


def column_list(columns: Sequence[str]) -> list[str]:
    """Checked column names; an explicit, non-empty list is required (no `*`)."""
    if isinstance(columns, str) or not columns:
        raise ValueError("list the columns explicitly, e.g. ['id', 'name']")
    return [check_identifier(c) for c in columns]


def row_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A row to write, its column names checked."""
    if not isinstance(values, Mapping):
        raise ValueError(f"expected a mapping of column names to values, got {values!r}")
    return {check_identifier(k): v for k, v in values.items()}


@dataclass(frozen=True)
class Filter:
    """One condition on one column. Build them with eq(), in_(), is_null(), ..."""

    column: str
    op: Operator
    value: Any = None

    def __post_init__(self) -> None:
        check_identifier(self.column)
        if self.op in _COMPARISONS or self.op == "ilike":
            if self.value is None:
                raise ValueError(f"{self.op} needs a value; use is_null() to match NULL")
            if not isinstance(self.value, Scalar):
                raise ValueError(f"{self.op} needs a single value, got {self.value!r}")
        elif self.op == "in":
            if isinstance(self.value, str | bytes) or not isinstance(self.value, Collection):
                raise ValueError(f"in_ needs a collection of values, got {self.value!r}")
            if any(v is None or not isinstance(v, Scalar) for v in self.value):
                raise ValueError("in_ values must be non-null single values")
            object.__setattr__(self, "value", tuple(self.value))
        elif self.op == "is_null":
            if not isinstance(self.value, bool):
                raise ValueError("is_null takes True (IS NULL) or False (IS NOT NULL)")
        else:
            raise ValueError(f"unknown filter operator: {self.op!r}")


@dataclass(frozen=True)
class Or:
    """Any of the conditions holds."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class And:
    """All of the conditions hold (useful inside an Or)."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Related:
    """The row's `column` points at a row of `table` (by its id) that meets `conditions`.

    Follows a foreign key instead of listing ids, e.g. the live products whose wholesale
    product belongs to one wholesaler. PostgREST spells it as an empty inner embed
    (`select=…,products!inner()` with `products.wholesaler_id=eq.…`), so `column` must be the
    only foreign key from the filtered table to `table`. It stands at the top level of a filter
    list (never inside or_/and_), and its conditions are plain filters. Build it with
    `refers_to()`.
    """

    column: str
    table: str
    conditions: tuple[Filter, ...]

    def __post_init__(self) -> None:
        check_identifier(self.column)
        check_identifier(self.table)
        if not self.conditions:
            raise ValueError("refers_to needs at least one condition on the referenced table")
        for c in self.conditions:
            if not isinstance(c, Filter):
                raise ValueError(f"refers_to takes plain filters, got {c!r}")


Condition = Filter | Or | And | Related


def refers_to(column: str, table: str, *conditions: Filter) -> Related:
    """Rows whose `column` references a row of `table` matching every condition."""
    return Related(column, table, tuple(conditions))


def eq(column: str, value: Scalar) -> Filter:
    return Filter(column, "eq", value)


def neq(column: str, value: Scalar) -> Filter:
    return Filter(column, "neq", value)


def gt(column: str, value: Scalar) -> Filter:
    return Filter(column, "gt", value)


def gte(column: str, value: Scalar) -> Filter:
    return Filter(column, "gte", value)


def lt(column: str, value: Scalar) -> Filter:
    return Filter(column, "lt", value)


def lte(column: str, value: Scalar) -> Filter:
    return Filter(column, "lte", value)


def in_(column: str, values: Collection[Scalar]) -> Filter:
    return Filter(column, "in", values)


def is_null(column: str, null: bool = True) -> Filter:
    return Filter(column, "is_null", null)


def ilike(column: str, pattern: str) -> Filter:
    """Case-insensitive LIKE; `%` matches any run of characters."""
    return Filter(column, "ilike", pattern)


def _group(conditions: tuple[Condition, ...], kind: str) -> tuple[Condition, ...]:
    if not conditions:
        raise ValueError(f"{kind} needs at least one condition")
    for c in conditions:
        if not isinstance(c, Filter | Or | And):  # a Related filter only stands at the top
            raise ValueError(f"{kind} takes filters or groups, got {c!r}")
    return conditions


def or_(*conditions: Condition) -> Or:
    return Or(_group(conditions, "or_"))


def and_(*conditions: Condition) -> And:
    return And(_group(conditions, "and_"))


@dataclass(frozen=True)
class Order:
    """Sort by a column; `nulls_first` None keeps the database default."""

    column: str
    descending: bool = False
    nulls_first: bool | None = None

    def __post_init__(self) -> None:
        check_identifier(self.column)


@dataclass(frozen=True)
class Cursor:
    """A position in a table ordered by (change_xid, id): pages start strictly after it.

    `change_xid` is the id of the transaction that last wrote the row (commit order, not wall
    clock); `id` breaks ties between rows of one transaction.
    """

    change_xid: int
    id: str = NIL_UUID

    def __post_init__(self) -> None:
        if isinstance(self.change_xid, bool) or not isinstance(self.change_xid, int):
            raise ValueError(f"Cursor.change_xid must be an integer, got {self.change_xid!r}")
        if self.change_xid < 0:
            raise ValueError("Cursor.change_xid must not be negative")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Cursor:
        return cls(int(row["change_xid"]), str(row["id"]))


KEYSET_ORDER = (Order("change_xid"), Order("id"))


def after_cursor(cursor: Cursor) -> Or:
    """Rows strictly after `cursor` in (change_xid, id) order."""
    return or_(
        gt("change_xid", cursor.change_xid),
        and_(eq("change_xid", cursor.change_xid), gt("id", cursor.id)),
    )


def compile_filters_sql(
    filters: Sequence[Condition],
    allowed_columns: Collection[str] | None = None,
    *,
    table_alias: str | None = None,
) -> tuple[str, list[Any]]:
    """Compile filters (ANDed) to a SQL condition with `%s` placeholders and its parameters.

    Identifiers are checked again here and double-quoted; when `allowed_columns` is given, any
    other column is refused. An empty list compiles to `true`. Related filters become an
    `exists` over the referenced table in schema public and need `table_alias`, the alias of
    the filtered table in the statement.
    """
    params: list[Any] = []

    def column(name: str, qualifier: str | None = None) -> str:
        check_identifier(name)
        if qualifier is not None:
            return f'"{qualifier}"."{name}"'
        if allowed_columns is not None and name not in allowed_columns:
            raise ValueError(f"column {name!r} is not allowed here")
        return f'"{name}"'

    def compile_related(c: Related) -> str:
        if table_alias is None:
            raise ValueError("a refers_to filter needs the alias of the filtered table")
        outer = column(c.column)
        outer = f'"{check_identifier(table_alias)}".{outer}'
        inner = " and ".join(compile_one(f, "_ref") for f in c.conditions)
        # Every identifier above went through check_identifier; values are placeholders.
        table = check_identifier(c.table)
        return (
            f'exists (select 1 from "public"."{table}" as "_ref"'  # noqa: S608
            f' where "_ref"."id" = {outer} and {inner})'
        )

    def compile_one(c: Condition, qualifier: str | None = None) -> str:
        if isinstance(c, Related):
            if qualifier is not None:
                raise ValueError("refers_to filters cannot be nested")
            return compile_related(c)
        if isinstance(c, Or | And):
            joiner = " or " if isinstance(c, Or) else " and "
            return "(" + joiner.join(compile_one(inner) for inner in c.conditions) + ")"
        if not isinstance(c, Filter):
            raise ValueError(f"not a filter: {c!r}")
        name = column(c.column, qualifier)
        if c.op in _COMPARISONS:
            params.append(c.value)
            return f"{name} {_COMPARISONS[c.op]} %s"
        if c.op == "ilike":
            params.append(c.value)
            return f"{name} ilike %s"
        if c.op == "in":
            if not c.value:
                return "false"
            params.extend(c.value)
            return f"{name} in ({', '.join(['%s'] * len(c.value))})"
        return f"{name} is null" if c.value else f"{name} is not null"

    if not filters:
        return "true", params
    return " and ".join(compile_one(c) for c in filters), params


def compile_order_sql(order: Sequence[Order]) -> str:
    """Compile an ORDER BY list (without the keywords); empty when there is no order."""
    parts = []
    for o in order:
        text = f'"{check_identifier(o.column)}" {"desc" if o.descending else "asc"}'
        if o.nulls_first is not None:
            text += " nulls first" if o.nulls_first else " nulls last"
        parts.append(text)
    return ", ".join(parts)
