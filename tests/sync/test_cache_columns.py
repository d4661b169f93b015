"""Whole-column conversion (the first sync's fast paths) agrees with value-by-value conversion
and refuses what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from test_cache_support import product, uid

from studio.sync.cache import CacheDataError
from studio.sync.cache.codec import BadValue, Column, Kind, to_cache, to_cache_column
from studio.sync.cache.rows import convert_rows
from studio.sync.cache.tables import PRODUCTS

UUID = Column("id", Kind.UUID, nullable=True)
STAMP = Column("created_at", Kind.TIMESTAMP, nullable=True)

GOOD_UUIDS = [uid(n, 1) for n in range(50)]
GOOD_STAMPS = [
    "2026-11-20T10:00:00.123456+00:00",  # PostgREST, full precision
    "2026-11-20T10:00:00.1234+00:00",  # trailing zeros trimmed
    "2026-11-20T10:00:00+00:00",  # no fraction
    "2026-11-20T10:00:00.123456Z",
    "2026-11-20T10:00:00.123456-05:00",  # as wide as PostgREST's, but not UTC
    "2026-11-20T23:30:00.500000+09:30",
]


def _one_by_one(column: Column, values: list[Any]) -> list[Any]:
    return [to_cache(column, value) for value in values]


@pytest.mark.parametrize("extra", [
    [], [None],
    ["3F2504E0-4F89-11D3-9A0C-0305E82C3301"],  # upper case: spelled canonically
    ["3f2504e04f8911d39a0c0305e82c3301"],  # no hyphens
    ["3f2504e-04f89-11d3-9a0c-0305e82c3301"],  # hyphens elsewhere (Python's UUID reads it)
])
def test_uuid_columns_match_value_by_value(extra: list[Any]) -> None:
    values = [*GOOD_UUIDS[:20], *extra, *GOOD_UUIDS[20:]]
    converted = to_cache_column(UUID, list(values))
    assert converted == _one_by_one(UUID, values)
    assert all(v is None or (len(v) == 36 and v == v.lower()) for v in converted)


@pytest.mark.parametrize("bad", [
    "00000000-0000-0000-0000-00000000000g",  # not hex
    "00000000-0000-0000-0000-0000000000000",  # too long
    "00000000-0000-0000-0000-0000000000é0",  # not ASCII
    "00000000-0000-0000-0000-00000000000",  # too short
    "",
])
def test_a_bad_uuid_anywhere_in_a_column_is_refused(bad: str) -> None:
    values = [*GOOD_UUIDS[:20], bad, *GOOD_UUIDS[20:]]
    with pytest.raises(BadValue, match="uuid"):
        to_cache_column(UUID, values)


def test_timestamp_columns_match_value_by_value() -> None:
    values = [*GOOD_STAMPS, None] * 10
    converted = to_cache_column(STAMP, list(values))
    assert converted == _one_by_one(STAMP, values)
    assert converted[4] == "2026-11-20T15:00:00.123456Z"  # shifted to UTC, not cut
    full = ["2026-11-20T10:00:00.123456+00:00"] * 30
    assert to_cache_column(STAMP, full) == ["2026-11-20T10:00:00.123456Z"] * 30


@pytest.mark.parametrize("bad", [
    "2026-11-20 10:00:00.123456+00:00",  # a space for the T, same width
    "2026-11-20T10:00:00.12345x+00:00",
    "2026-11-20T10:00:00.123456",  # no time zone
    "yesterday",
])
def test_a_bad_timestamp_anywhere_in_a_column_is_refused(bad: str) -> None:
    values = ["2026-11-20T10:00:00.123456+00:00"] * 20 + [bad] + GOOD_STAMPS
    if bad.startswith("2026-11-20 "):  # Python reads this one: it must still be converted
        assert to_cache_column(STAMP, values)[20] == "2026-11-20T10:00:00.123456Z"
        return
    with pytest.raises(BadValue):
        to_cache_column(STAMP, values)


def test_a_bad_row_in_a_page_is_named_with_its_column() -> None:
    rows = [product(n) for n in range(1, 600)]
    rows[345]["wholesaler_id"] = "not-a-uuid"
    with pytest.raises(CacheDataError, match=r"row 345 .*column wholesaler_id"):
        convert_rows(PRODUCTS, rows)
    rows[345]["wholesaler_id"] = uid(7, 9)
    rows[346]["updated_at"] = "2026-11-20T10:00:00.123456"
    with pytest.raises(CacheDataError, match=r"row 346 .*column updated_at.*time zone"):
        convert_rows(PRODUCTS, rows)


MONEY = Column("price_cents", Kind.MONEY, nullable=False)


def test_money_columns_match_value_by_value_and_refuse_a_third_decimal() -> None:
    values = [19.99, 0.1, 0.07, 5, 1234567.89, 0, 99999999.99] * 20
    assert to_cache_column(MONEY, list(values)) == _one_by_one(MONEY, values)
    assert to_cache_column(MONEY, [19.99, 0.1])[:2] == [1999, 10]
    with pytest.raises(BadValue, match="more than 2 decimal places"):
        to_cache_column(MONEY, [*values, 12.345])
    with pytest.raises(BadValue, match="expected a number"):
        to_cache_column(MONEY, [*values, True])
