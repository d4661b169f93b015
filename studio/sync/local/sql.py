"""The statements PostgREST would run for each backend request, composed for psycopg."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from psycopg import sql

from studio.server.request_context import API_ROLES
from studio.sync.backend import (
    Condition,
    Order,
    Related,
    check_identifier,
    compile_filters_sql,
    compile_order_sql,
)
from studio.sync.filters import column_list, row_values

# What PostgREST puts on the search_path of every request (config.toml: extra_search_path).
SEARCH_PATH = "public, extensions"

Statement = tuple[sql.Composable, Sequence[Any]]

_TARGET = sql.Identifier("_t")
_VALUES = sql.Identifier("_v")


def json_text(value: Any) -> str:
    """`value` as the JSON text PostgREST would receive (Decimal exact, UUID and dates as text)."""
    try:
        return json.dumps(value, default=_json_default, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise ValueError(f"cannot send this value to the server: {e}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a number the server accepts")
        return format(value, "f")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} values are not supported")


def request_settings(claims: Mapping[str, Any]) -> Statement:
    """What PostgREST sets at the start of a request: the API role, the JWT claims (also as
    the legacy `request.jwt.claim.<name>` settings) and the search_path, all transaction-local.
    """
    role = claims.get("role")
    if role not in API_ROLES:
        raise ValueError(f"role must be one of {sorted(API_ROLES)}, not {role!r}")
    settings: dict[str, str] = {
        "search_path": SEARCH_PATH,
        "role": role,
        "request.jwt.claims": json.dumps(claims, separators=(",", ":")),
    }
    for name, value in claims.items():
        if isinstance(value, str | int | float | bool):
            settings[f"request.jwt.claim.{name}"] = (
                value if isinstance(value, str) else json.dumps(value)
            )
    query = sql.SQL("select ") + sql.SQL(", ").join(
        sql.SQL("set_config(%s, %s, true)") for _ in settings
    )
    return query, [item for pair in settings.items() for item in pair]


def _table(table: str) -> sql.Composable:
    return sql.Identifier("public", check_identifier(table))


def _target_columns(columns: Sequence[str] | None) -> sql.Composable:
    # Qualified with the table alias so that computed columns (functions taking the row, such
    # as effective_price) resolve as PostgREST resolves them.
    if columns is None:
        return sql.SQL("{}.*").format(_TARGET)
    return sql.SQL(", ").join(sql.Identifier("_t", c) for c in column_list(columns))


def as_json_array(statement: sql.Composable) -> sql.Composable:
    """Wrap a row source so that the request returns one JSON array of row objects."""
    return sql.SQL("select coalesce(json_agg(_r), '[]')::text from ({}) as _r").format(statement)


def _where(filters: Sequence[Condition]) -> tuple[sql.Composable, list[Any]]:
    condition, params = compile_filters_sql(filters, table_alias="_t")
    return sql.SQL(condition), params


def check_paging(limit: int | None, offset: int = 0) -> None:
    """Refuse a limit that is not a positive integer or an offset that is negative."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"offset must be a non-negative integer, got {offset!r}")


def select_statement(
    table: str,
    columns: Sequence[str],
    filters: Sequence[Condition] = (),
    order: Sequence[Order] = (),
    limit: int | None = None,
    offset: int = 0,
) -> Statement:
    """`GET /table?select=…&filters&order=…&limit=…&offset=…` as one JSON array."""
    check_paging(limit, offset)
    where, params = _where(filters)
    parts = [
        sql.SQL("select {} from {} as {} where {}").format(
            _target_columns(columns), _table(table), _TARGET, where
        )
    ]
    order_sql = compile_order_sql(order)
    if order_sql:
        parts.append(sql.SQL(" order by " + order_sql))
    if limit is not None:
        parts.append(sql.SQL(" limit %s"))
        params.append(limit)
    if offset:
        parts.append(sql.SQL(" offset %s"))
        params.append(offset)
    return as_json_array(sql.Composed(parts)), params


def ids_statement(table: str, filters: Sequence[Condition] = ()) -> Statement:
    """Every visible id under the filters, as one JSON array of strings."""
    where, params = _where(filters)
    query = sql.SQL(
        "select coalesce(json_agg(_t.id::text), '[]')::text from {} as _t where {}"
    ).format(_table(table), where)
    return query, params


def count_statement(table: str, filters: Sequence[Condition] = ()) -> Statement:
    """`HEAD /table?filters` with `Prefer: count=exact`: how many rows are visible."""
    where, params = _where(filters)
    query = sql.SQL("select count(*) from {} as _t where {}").format(_table(table), where)
    return query, params


def _with_returning(
    mutation: sql.Composable, returning: bool, columns: Sequence[str] | None
) -> sql.Composable:
    if not returning:
        return mutation
    return sql.SQL(
        "with _m as ({} returning {}) select coalesce(json_agg(_m), '[]')::text from _m"
    ).format(mutation, _target_columns(columns))


def upsert_statement(
    table: str,
    rows: Sequence[Mapping[str, Any]],
    on_conflict: str = "id",
    returning: bool = True,
    columns: Sequence[str] | None = None,
    resolution: Literal["merge", "ignore"] | None = "merge",
) -> Statement:
    """`POST /table?on_conflict=…`, with `Prefer: resolution=merge-duplicates` (merge),
    `resolution=ignore-duplicates` (ignore) or neither (None: a plain insert).

    Like PostgREST, a merge sets every column of the payload (the conflict columns too), so the
    user needs the update privilege on all of them; ignoring needs only the insert privilege.
    """
    body = [row_values(r) for r in rows]
    if not body:
        raise ValueError("nothing to write: no rows given")
    keys = list(body[0])
    if not keys:
        raise ValueError("a row to write needs at least one column")
    if any(set(r) != set(keys) for r in body):
        raise ValueError("every row of one upsert must have the same columns")
    names = sql.SQL(", ").join(sql.Identifier(k) for k in keys)
    values = sql.SQL(", ").join(sql.Identifier("_v", k) for k in keys)
    insert = sql.SQL(
        "insert into {table} as {t} ({names}) select {values}"
        " from json_populate_recordset(null::{table}, %s::json) as {v}"
    ).format(table=_table(table), t=_TARGET, names=names, values=values, v=_VALUES)
    if resolution is not None:
        if not isinstance(on_conflict, str) or not on_conflict.strip():
            raise ValueError("on_conflict names the unique column(s), e.g. 'id'")
        conflict = sql.SQL(", ").join(
            sql.Identifier(check_identifier(c.strip())) for c in on_conflict.split(",")
        )
        if resolution == "merge":
            assignments = sql.SQL(", ").join(
                sql.SQL("{0} = excluded.{0}").format(sql.Identifier(k)) for k in keys
            )
            insert = sql.SQL("{} on conflict ({}) do update set {}").format(
                insert, conflict, assignments
            )
        elif resolution == "ignore":
            insert = sql.SQL("{} on conflict ({}) do nothing").format(insert, conflict)
        else:
            raise ValueError(f"resolution must be 'merge', 'ignore' or None, not {resolution!r}")
    return _with_returning(insert, returning, columns), [json_text(body)]


def update_statement(
    table: str,
    values: Mapping[str, Any],
    filters: Sequence[Condition],
    returning: bool = True,
    columns: Sequence[str] | None = None,
) -> Statement:
    """`PATCH /table?filters` with the JSON body `values`."""
    body = row_values(values)
    if not body:
        raise ValueError("an update needs at least one column to set")
    require_filters(filters, "update")
    where, params = _where(filters)
    update = sql.SQL(
        "update {table} as {t} set ({names}) = (select {values}"
        " from json_populate_record(null::{table}, %s::json) as {v}) where {where}"
    ).format(
        table=_table(table),
        t=_TARGET,
        names=sql.SQL(", ").join(sql.Identifier(k) for k in body),
        values=sql.SQL(", ").join(sql.Identifier("_v", k) for k in body),
        v=_VALUES,
        where=where,
    )
    return _with_returning(update, returning, columns), [json_text(body), *params]


def delete_statement(
    table: str,
    filters: Sequence[Condition],
    returning: bool = False,
    columns: Sequence[str] | None = None,
) -> Statement:
    """`DELETE /table?filters`."""
    require_filters(filters, "delete")
    where, params = _where(filters)
    delete = sql.SQL("delete from {} as {} where {}").format(_table(table), _TARGET, where)
    return _with_returning(delete, returning, columns), params


def require_filters(filters: Sequence[Condition], action: str) -> None:
    if not filters:
        raise ValueError(f"refusing to {action} without filters: that would touch every row")
    if any(isinstance(f, Related) for f in filters):
        # PostgREST cannot filter a write through an embed; keep the two backends alike.
        raise ValueError(f"refers_to filters select rows to read; an {action} names rows by id")
