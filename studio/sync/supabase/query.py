"""Translation of backend filters, values and errors to and from PostgREST's wire format."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
from postgrest.types import ReturnMethod

from studio.sync.backend import (
    And,
    BackendError,
    Condition,
    Filter,
    Or,
    Related,
    backend_error,
    check_identifier,
)
from studio.sync.filters import row_values

_SQLSTATE = re.compile(r"^[0-9A-Z]{5}$")
# Characters PostgREST reserves inside `in.(...)` lists and `or=(...)` trees (`{` starts an
# array literal there).
_RESERVED = frozenset(',.:()"\\{}')
_OPERATORS = {"eq": "eq", "neq": "neq", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}


def encode_value(value: Any) -> str:
    """A filter value as PostgREST reads it in a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def quote_value(value: Any) -> str:
    """A value inside a list or logic tree: double-quoted when it holds reserved characters."""
    text = encode_value(value)
    if text == "" or text != text.strip() or any(ch in _RESERVED for ch in text):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return text


def _operation(f: Filter, nested: bool) -> str:
    if f.op in _OPERATORS or f.op == "ilike":
        return f"{f.op}.{quote_value(f.value) if nested else encode_value(f.value)}"
    if f.op == "in":
        return "in.(" + ",".join(quote_value(v) for v in f.value) + ")"
    return "is.null" if f.value else "not.is.null"


def _tree(c: Condition) -> str:
    if isinstance(c, Filter):
        return f"{c.column}.{_operation(c, nested=True)}"
    kind = "or" if isinstance(c, Or) else "and"
    return f"{kind}(" + ",".join(_tree(inner) for inner in c.conditions) + ")"


def filter_params(filters: Sequence[Condition]) -> list[tuple[str, str]]:
    """Query parameters for filters ANDed together: `(column, "op.value")` or `("or", "(...)")`.

    Top-level And groups are flattened; each Or becomes one `or=` parameter (PostgREST ANDs
    repeated ones); a Related filter's conditions are spelled on its embedded table
    (`products.wholesaler_id`), which `embeds()` adds to the select list.
    """
    params: list[tuple[str, str]] = []
    for c in filters:
        if isinstance(c, Related):
            params.extend(
                (f"{c.table}.{f.column}", _operation(f, nested=False)) for f in c.conditions
            )
        elif isinstance(c, Filter):
            params.append((c.column, _operation(c, nested=False)))
        elif isinstance(c, And):
            params.extend(filter_params(c.conditions))
        elif isinstance(c, Or):
            params.append(("or", "(" + ",".join(_tree(inner) for inner in c.conditions) + ")"))
        else:
            raise ValueError(f"not a filter: {c!r}")
    return params


def embeds(filters: Sequence[Condition]) -> list[str]:
    """The empty inner embeds (`products!inner()`) that Related filters need in the select list:
    PostgREST then keeps only rows whose referenced row matches, and returns no embedded data."""
    tables: dict[str, str] = {}
    for c in filters:
        if isinstance(c, Related) and tables.setdefault(c.table, c.column) != c.column:
            raise ValueError(f"two refers_to filters reach {c.table} through different columns")
    return [f"{table}!inner()" for table in tables]


def realtime_filter(f: Filter | None) -> str | None:
    """A filter in Supabase Realtime's `column=op.value` form (one column, no ilike/is)."""
    if f is None:
        return None
    if not isinstance(f, Filter) or f.op not in (*_OPERATORS, "in"):
        raise ValueError(
            "realtime filters support one eq/neq/gt/gte/lt/lte/in condition, got " + repr(f)
        )
    return f"{f.column}={_operation(f, nested=False)}"


def to_json(value: Any) -> Any:
    """Values made JSON-ready: Decimal as an exact string, UUID and dates as text."""
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def parse_body(response: httpx.Response) -> Any:
    """A successful response's JSON, or None when it has no body (`return=minimal`, void)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as e:
        raise BackendError(
            f"the server sent a reply that is not JSON (HTTP {response.status_code})",
            status=response.status_code,
        ) from e


def error_from_response(response: httpx.Response) -> BackendError:
    """Map PostgREST's JSON error body (`code`, `message`, `details`, `hint`) and status."""
    status = response.status_code
    body: Any = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        said = f"HTTP {status} {response.reason_phrase}".rstrip()
        return backend_error(f"the server refused the request ({said})", status=status)
    code = body.get("code")
    code = str(code) if code is not None else None
    sqlstate = code if code is not None and _SQLSTATE.fullmatch(code) else None
    details = body.get("details")
    if details is not None and not isinstance(details, str):
        details = json.dumps(details)
    hint = body.get("hint")
    message = body.get("message") or response.reason_phrase or f"HTTP {status}"
    return backend_error(
        str(message),
        sqlstate=sqlstate,
        detail=details,
        hint=str(hint) if hint is not None else None,
        status=status,
        code=code,
    )


# ------------------------------------------------------------------------ request bodies


def require_filters(filters: Sequence[Condition], action: str) -> None:
    if not filters:
        raise ValueError(f"refusing to {action} without filters: that would touch every row")


def refuse_related(filters: Sequence[Condition], action: str) -> None:
    if any(isinstance(f, Related) for f in filters):
        raise ValueError(f"refers_to filters select rows to read; an {action} names rows by id")


def rows_body(rows: Sequence[Mapping[str, Any]], action: str) -> list[dict[str, Any]]:
    if isinstance(rows, Mapping):
        raise ValueError(f"{action} takes a list of rows")
    body = [to_json(row_values(r)) for r in rows]
    if body and any(set(r) != set(body[0]) for r in body):
        raise ValueError(f"every row of one {action} must have the same columns")
    return body


def conflict_target(on_conflict: str) -> str:
    if not isinstance(on_conflict, str) or not on_conflict.strip():
        raise ValueError("on_conflict names the unique column(s), e.g. 'id'")
    return ",".join(check_identifier(c.strip()) for c in on_conflict.split(","))


def return_method(returning: bool) -> ReturnMethod:
    return ReturnMethod.representation if returning else ReturnMethod.minimal
