"""Reading values from rows in either shape the session layer meets: the server's (amounts as
numbers or text, timestamps as ISO text) and the cache's (amounts in `<name>_cents`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

_CENT = Decimal("0.01")


def money(row: Mapping[str, Any], name: str) -> Decimal | None:
    """The amount `name` of a row: `name` itself, or `<name>_cents` as the cache stores it."""
    value = row.get(name)
    if value is None:
        cents = row.get(f"{name}_cents")
        if cents is None:
            return None
        return (Decimal(int(cents)) * _CENT).quantize(_CENT)
    if isinstance(value, bool):
        raise ValueError(f"{name} is not an amount: {value!r}")
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(_CENT)


def timestamp(value: Any) -> datetime:
    """An aware datetime from a datetime or ISO text (a trailing Z is UTC)."""
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, str):
        stamp = datetime.fromisoformat(value)
    else:
        raise ValueError(f"Not a timestamp: {value!r}")
    if stamp.tzinfo is None:
        raise ValueError(f"Timestamp without a time zone: {value!r}")
    return stamp.astimezone(UTC)


def optional_timestamp(value: Any) -> datetime | None:
    return None if value is None else timestamp(value)
