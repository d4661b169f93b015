"""Conversion between domain records and plain rows (PostgREST JSON, cache rows, outbox bodies).

`from_row` accepts the loose types rows carry (UUIDs and timestamps as text, numbers as text or
float, booleans as 0/1, arrays and JSON objects as JSON text) and ignores columns the record does
not have. `to_row` produces JSON-ready values: text for UUIDs, decimals, dates and enums.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

RecordT = TypeVar("RecordT")

_MISSING = object()


class RowError(ValueError):
    """A row cannot become a record: a required column is missing or a value has the wrong type."""


@cache
def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1:
            return args[0], True
    return hint, False


def _convert(hint: Any, value: Any) -> Any:
    """Convert one value to `hint`; raises TypeError/ValueError on a mismatch."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise TypeError("expected a list of text")
        return tuple(value)
    if origin is Mapping or hint is Mapping:
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, Mapping):
            raise TypeError("expected a JSON object")
        return dict(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if hint is UUID:
        return value if isinstance(value, UUID) else UUID(str(value))
    if hint is Decimal:
        if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
            raise TypeError("expected a number")
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise ValueError("expected a finite number")
        return number
    if hint is datetime:
        if isinstance(value, datetime):
            return value
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        raise TypeError("expected a timestamp")
    if hint is date:
        if isinstance(value, datetime):
            raise TypeError("expected a date, not a timestamp")
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            return date.fromisoformat(value)
        raise TypeError("expected a date")
    if hint is bool:
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise TypeError("expected a boolean")
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("expected an integer")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise TypeError("expected text")
        return value
    raise TypeError(f"unsupported field type {hint!r}")


def from_row(cls: type[RecordT], row: Mapping[str, Any]) -> RecordT:
    """Build a record of dataclass `cls` from a row; unknown columns are ignored.

    Missing optional columns take the record's default. Raises RowError naming the column.
    """
    hints = _field_types(cls)
    values: dict[str, Any] = {}
    for fld in dataclasses.fields(cls):  # type: ignore[arg-type]
        raw = row.get(fld.name, _MISSING)
        has_default = (
            fld.default is not dataclasses.MISSING or fld.default_factory is not dataclasses.MISSING
        )
        if raw is _MISSING:
            if not has_default:
                raise RowError(f"{cls.__name__}.{fld.name}: column missing")
            continue
        hint, optional = _unwrap_optional(hints[fld.name])
        if raw is None:
            if not optional:
                raise RowError(f"{cls.__name__}.{fld.name}: null is not allowed")
            values[fld.name] = None
            continue
        try:
            values[fld.name] = _convert(hint, raw)
        except (TypeError, ValueError, InvalidOperation) as exc:
            detail = str(exc) or type(exc).__name__
            raise RowError(f"{cls.__name__}.{fld.name}: {detail} (got {raw!r})") from None
    return cls(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return value


def to_row(record: object, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """JSON-ready row of a record; `fields` limits it to those columns (e.g. a PATCH body)."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"expected a record, got {type(record).__name__}")
    names = [f.name for f in dataclasses.fields(record)]
    if fields is not None:
        wanted = list(fields)
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise ValueError(f"{type(record).__name__} has no field(s): {', '.join(unknown)}")
        names = [n for n in names if n in set(wanted)]
    return {name: _plain(getattr(record, name)) for name in names}
