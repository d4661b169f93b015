"""Column kinds of the cache and the conversion of server values to cache values and back.

Storage conventions (every mirrored table follows them):
- money (`numeric(12|14, 2)` amounts) is INTEGER cents in a column named `<server name>_cents`;
- other numerics (rates, goal values) are TEXT decimals at the server's scale ("0.1000");
- timestamps are TEXT `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC: fixed width, so text order is time
  order;
- dates are TEXT `YYYY-MM-DD`; uuids are lowercase TEXT; booleans are INTEGER 0/1;
- jsonb objects and text[] arrays are JSON TEXT (non-ASCII kept as is, so FTS can tokenise it).
Floats are accepted only as JSON's spelling of an exact decimal, never stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from itertools import chain, repeat
from operator import mul, truediv
from typing import Any, Final
from uuid import UUID


class Kind(StrEnum):
    UUID = "uuid"
    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    DATE = "date"
    MONEY = "money"
    DECIMAL = "decimal"
    JSON_OBJECT = "json_object"
    TEXT_LIST = "text_list"


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Final = _NoDefault()
NOW: Final = "now()"  # default of a timestamp filled with the current time on local inserts


class BadValue(ValueError):
    """A single value does not fit its column (message says why, without the column name)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a mirrored table, named as in the cache."""

    name: str
    kind: Kind
    nullable: bool = True
    default: Any = NO_DEFAULT  # cache-shaped value used when a local insert omits the column
    choices: tuple[str, ...] = ()  # allowed values of an enum column
    scale: int = 2  # decimal places of a DECIMAL column

    @property
    def source(self) -> str:
        """The server's name of the column."""
        return self.name.removesuffix("_cents") if self.kind is Kind.MONEY else self.name


_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# PostgREST's spelling of a UTC timestamptz; anything else takes the slow, general path.
_TS_UTC_RE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:\+00:00|Z)")
_TS_CANONICAL_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_NONE = type(None)
_JSON_ESCAPES = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')


def _uuid(value: Any) -> str:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str):
        if _UUID_RE.fullmatch(value):
            return value
        try:
            return str(UUID(value))
        except ValueError:
            raise BadValue(f"{value!r} is not a uuid") from None
    raise BadValue(f"expected a uuid, got {type(value).__name__}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise BadValue(f"expected text, got {type(value).__name__}")


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise BadValue(f"expected an integer, got {value!r}")


def _bool(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    raise BadValue(f"expected true or false, got {value!r}")


def timestamp_text(value: Any) -> str:
    """A timestamp (aware datetime or ISO-8601 text with an offset) as canonical UTC text."""
    if isinstance(value, str):
        match = _TS_UTC_RE.fullmatch(value)
        if match:
            return f"{match[1]}.{(match[2] or '').ljust(6, '0')}Z"
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise BadValue(f"{value!r} is not an ISO-8601 timestamp") from None
    if not isinstance(value, datetime):
        raise BadValue(f"expected a timestamp, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadValue(f"timestamp {value.isoformat()} has no time zone")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        raise BadValue("expected a date, got a timestamp")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise BadValue(f"{value!r} is not a date") from None
    raise BadValue(f"expected a date, got {type(value).__name__}")


def _exact_decimal(value: Any, scale: int) -> Decimal:
    if isinstance(value, bool):
        raise BadValue(f"expected a number, got {value!r}")
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))  # JSON's shortest spelling of the decimal it came from
        elif isinstance(value, int | Decimal | str):
            number = Decimal(value)
        else:
            raise BadValue(f"expected a number, got {type(value).__name__}")
    except InvalidOperation:
        raise BadValue(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise BadValue(f"{value!r} is not a finite number")
    quantum = Decimal(1).scaleb(-scale)
    try:
        rounded = number.quantize(quantum)
    except InvalidOperation:
        raise BadValue(f"{value!r} is out of range") from None
    if rounded != number:
        raise BadValue(f"{value!r} has more than {scale} decimal places")
    return rounded


def money_cents(value: Any) -> int:
    """A money amount (Decimal, int, decimal text, or JSON float) as integer cents."""
    if type(value) is int:
        return value * 100
    return int(_exact_decimal(value, 2).scaleb(2))


def cents_to_decimal(cents: int) -> Decimal:
    """Integer cents as a Decimal amount with two places."""
    return Decimal(cents).scaleb(-2)


# Built once: json.dumps with options builds a new encoder on every call.
_OBJECT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_encode_list = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json_object(value: Any) -> str:
    if not isinstance(value, dict):
        raise BadValue(f"expected a JSON object, got {type(value).__name__}")
    try:
        return _OBJECT_ENCODER.encode(value)
    except (TypeError, ValueError) as exc:
        raise BadValue(f"not JSON-serialisable: {exc}") from None


def _text_list(value: Any) -> str:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise BadValue("expected a list of texts")
    return _encode_list(list(value))


_CONVERTERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.UUID: _uuid,
    Kind.TEXT: _text,
    Kind.INT: _int,
    Kind.BOOL: _bool,
    Kind.TIMESTAMP: timestamp_text,
    Kind.DATE: _date,
    Kind.MONEY: money_cents,
    Kind.JSON_OBJECT: _json_object,
    Kind.TEXT_LIST: _text_list,
}


def to_cache(column: Column, value: Any) -> Any:
    """One server value as stored in the cache; raises BadValue with the reason."""
    if value is None:
        if column.nullable:
            return None
        raise BadValue("is required")
    if column.kind is Kind.DECIMAL:
        return format(_exact_decimal(value, column.scale), "f")
    converted = _CONVERTERS[column.kind](value)
    if column.choices and converted not in column.choices:
        raise BadValue(f"{value!r} is not one of {', '.join(column.choices)}")
    return converted


def to_cache_column(column: Column, values: Sequence[Any]) -> Sequence[Any]:
    """A whole column of server values converted at once (the bulk path of first sync).

    Common shapes are checked with C-level scans; anything unusual goes value by value,
    which also produces the precise error. Values that need no conversion come back as the
    sequence given (a list or a tuple).
    """
    types = set(map(type, values))
    has_null = _NONE in types
    if not column.nullable and has_null:
        return [to_cache(column, value) for value in values]
    types.discard(_NONE)
    kind = column.kind
    if kind in (Kind.TEXT, Kind.INT, Kind.BOOL) and types <= _PLAIN_TYPES[kind]:
        if column.choices and not set(values) <= set(column.choices) | {None}:
            return [to_cache(column, value) for value in values]
        return values  # bools bind as 0/1
    if kind is Kind.UUID and types <= {str} and _all_uuids(
        [v for v in values if v is not None] if has_null else values
    ):
        return values
    if kind is Kind.TIMESTAMP and types <= {str}:
        # filter(None, ...) skips the NULLs, and with them "": that one is checked apart.
        if "" not in values and all(map(_TS_CANONICAL_RE.fullmatch, filter(None, values))):
            return values
        if _all_postgrest_utc([v for v in values if v is not None and len(v) == _PG_TS_WIDTH]):
            return [None if v is None else v[:26] + "Z" if len(v) == _PG_TS_WIDTH
                    else timestamp_text(v) for v in values]
        return [None if value is None else timestamp_text(value) for value in values]
    if kind is Kind.TEXT_LIST and types <= {list}:
        items = list(chain.from_iterable(filter(None, values)))
        if {str}.issuperset(map(type, items)):
            if _JSON_ESCAPES.search("".join(items)) is not None:
                return [None if value is None else _encode_list(value) for value in values]
            # Nothing to escape (so no newline either): spelled out, the whole column at once.
            if not has_null and all(values):
                return ('["' + '"]\n["'.join(map('","'.join, values)) + '"]').split("\n")
            return [None if value is None else '["' + '","'.join(value) + '"]' if value
                    else "[]" for value in values]
    if kind is Kind.MONEY and types <= {int, float}:
        # At C speed: every amount is the one its cents spell (a JSON number with at most
        # two decimals reads back as exactly the same float); any other goes value by value.
        present = [v for v in values if v is not None] if has_null else values
        cents = list(map(round, map(mul, present, repeat(100))))
        if list(map(truediv, cents, repeat(100))) == list(present):
            if not has_null:
                return cents
            amounts = iter(cents)
            return [None if value is None else next(amounts) for value in values]
    return [to_cache(column, value) for value in values]


_PLAIN_TYPES: Final = {Kind.TEXT: {str}, Kind.INT: {int}, Kind.BOOL: {bool}}
_HEX_DIGITS: Final = b"0123456789abcdef"
_DIGITS: Final = b"0123456789"
# PostgREST's full-precision UTC timestamp: "YYYY-MM-DDTHH:MM:SS.ffffff+00:00".
_PG_TS_WIDTH: Final = 32
_PG_TS_FIXED: Final = {4: b"-", 7: b"-", 10: b"T", 13: b":", 16: b":", 19: b".", 26: b"+",
                       27: b"0", 28: b"0", 29: b":", 30: b"0", 31: b"0"}


def _all_uuids(values: Sequence[str]) -> bool:
    """Whether every text is a lowercase hyphenated uuid, checked with whole-column byte scans
    (the first sync's hot path; `_UUID_RE` per value is four times slower)."""
    if not values:
        return True
    if set(map(len, values)) != {36}:
        return False
    try:
        data = "".join(values).encode("ascii")
    except UnicodeEncodeError:
        return False
    dashes = b"-" * len(values)
    # Hyphens at their four places and nothing but hex digits elsewhere.
    return all(data[i::36] == dashes for i in (8, 13, 18, 23)) and (
        data.translate(None, _HEX_DIGITS) == dashes * 4
    )


def _all_postgrest_utc(values: list[str]) -> bool:
    """Whether every text (each `_PG_TS_WIDTH` long) is PostgREST's full-precision UTC
    timestamp, checked with whole-column byte scans, as `_all_uuids`."""
    if not values:
        return True
    try:
        data = "".join(values).encode("ascii")
    except UnicodeEncodeError:
        return False
    count = len(values)
    if len(data) != count * _PG_TS_WIDTH:
        return False
    if any(data[i::_PG_TS_WIDTH] != char * count for i, char in _PG_TS_FIXED.items()):
        return False
    return data.translate(None, _DIGITS) == b"--T::.+:" * count


def to_server(column: Column, value: Any) -> Any:
    """A cache value in the JSON shape PostgREST accepts for the server column."""
    if value is None:
        return None
    if column.kind is Kind.MONEY:
        return format(cents_to_decimal(value), "f")
    if column.kind is Kind.BOOL:
        return bool(value)
    if column.kind in (Kind.JSON_OBJECT, Kind.TEXT_LIST):
        return json.loads(value)
    return value


def to_python(column: Column, value: Any) -> Any:
    """A cache value as the studio's views use it (money stays integer cents)."""
    if value is None:
        return None
    if column.kind is Kind.BOOL:
        return bool(value)
    if column.kind is Kind.DECIMAL:
        return Decimal(value)
    if column.kind in (Kind.JSON_OBJECT, Kind.TEXT_LIST):
        return json.loads(value)
    return value


def sql_type(column: Column) -> str:
    """The STRICT-table type of a column."""
    return "INTEGER" if column.kind in (Kind.INT, Kind.BOOL, Kind.MONEY) else "TEXT"


def describe(values: Sequence[Any]) -> str:
    """A short, safe rendering of offending values for error messages."""
    text = ", ".join(repr(value) for value in values[:3])
    return text[:200]
