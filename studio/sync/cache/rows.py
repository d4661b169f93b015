"""Whole-row conversion and the statements that write rows of mirrored tables."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from studio.sync.cache.codec import (
    NO_DEFAULT,
    NOW,
    BadValue,
    describe,
    to_cache,
    to_cache_column,
    to_server,
)
from studio.sync.cache.errors import CacheDataError
from studio.sync.cache.tables import SA_TABLES, TABLES, TableSpec

Image = dict[str, Any]  # a row as stored in the cache, keyed by cache column names


def now_text() -> str:
    """The current time as canonical cache timestamp text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Columns = list[Sequence[Any]]  # one sequence per column, in storage order, rows aligned


def convert_rows(spec: TableSpec, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Server rows (exactly `spec.server_columns` each) as parameter tuples in storage order."""
    return list(chain.from_iterable(
        zip(*columns, strict=True) for columns in convert_chunks(spec, rows)))


def convert_chunks(spec: TableSpec, rows: Sequence[Mapping[str, Any]]) -> list[Columns]:
    """Server rows (exactly `spec.server_columns` each) converted column by column, in chunks
    of CONVERT_CHUNK rows: a chunk's columns stay in the CPU caches while they are converted
    (a whole 20,000-row group at once takes three times as long). Bulk loads insert the
    columns as they are (`append_chunks`); anything bad raises CacheDataError naming the row."""
    expected = len(spec.columns)
    try:
        with _gc_paused():
            if set(map(len, rows)) != {expected}:
                raise BadValue("column set")
            return [_convert_chunk(spec, rows[start : start + CONVERT_CHUNK])
                    for start in range(0, len(rows), CONVERT_CHUNK)]
    except (ValueError, KeyError, TypeError, OverflowError):  # BadValue is a ValueError
        raise diagnose(spec, rows) from None


def chunk_ids(chunks: Sequence[Columns]) -> list[Any]:
    """The id (first) column of converted chunks, in order."""
    return list(chain.from_iterable(columns[0] for columns in chunks))


CONVERT_CHUNK = 1_000


def _convert_chunk(spec: TableSpec, rows: Sequence[Mapping[str, Any]]) -> Columns:
    # One pass over the dicts (scattered in memory), then work column by column.
    return [
        to_cache_column(column, raw)
        for column, raw in zip(
            spec.columns, zip(*map(_getter(spec.name), rows), strict=True), strict=True)
    ]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while building hundreds of thousands of tuples: it
    would otherwise rescan every live object many times over (tuples cannot form cycles here;
    reference counting still frees memory)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cache
def _getter(table: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    return itemgetter(*TABLES[table].server_columns)


def diagnose(spec: TableSpec, rows: Sequence[Any], db_error: str | None = None) -> CacheDataError:
    """The first precise problem in `rows`, as the error to raise (slow path, errors only)."""
    wanted = set(spec.server_columns)
    for index, row in enumerate(rows):
        where = f"{spec.name}: row {index}"
        if not isinstance(row, Mapping):
            return CacheDataError(f"{where}: expected a mapping, got {type(row).__name__}")
        where += f" (id {row.get('id')!r})"
        missing, unknown = wanted - row.keys(), set(row) - wanted
        if missing:
            return CacheDataError(f"{where}: missing column(s) {', '.join(sorted(missing))}")
        if unknown:
            return CacheDataError(
                f"{where}: unknown column(s) {', '.join(sorted(map(str, unknown)))}"
            )
        for column in spec.columns:
            try:
                to_cache(column, row[column.source])
            except BadValue as exc:
                return CacheDataError(f"{where}: column {column.source}: {exc}")
    detail = f": {db_error}" if db_error else ""
    return CacheDataError(f"{spec.name}: rows refused by the cache{detail}")


def normalise_payload(spec: TableSpec, payload: Mapping[str, Any]) -> tuple[Image, dict[str, Any]]:
    """A partial server row as (cache values by cache name, canonical server JSON by name)."""
    if not isinstance(payload, Mapping):
        raise CacheDataError(f"{spec.name}: payload must be a mapping")
    if "id" not in payload:
        raise CacheDataError(f"{spec.name}: payload needs the row's id")
    values: Image = {}
    server: dict[str, Any] = {}
    for key, value in payload.items():
        column = spec.by_source.get(key)
        if column is None:
            raise CacheDataError(f"{spec.name}: unknown column {key!r}")
        try:
            cached = to_cache(column, value)
        except BadValue as exc:
            raise CacheDataError(f"{spec.name}: column {key}: {exc}") from None
        values[column.name] = cached
        server[key] = to_server(column, cached)
    return values, server


def merge_image(spec: TableSpec, base: Image | None, values: Image) -> Image:
    """`values` applied over `base`; a new row takes the server's defaults for what is missing."""
    if base is not None:
        merged = {**base, **values}
        if "updated_at" not in values:
            merged["updated_at"] = now_text()
        return merged
    merged = {}
    for column in spec.columns:
        if column.name in values:
            merged[column.name] = values[column.name]
        elif column.default is NOW:
            merged[column.name] = now_text()
        elif column.default is not NO_DEFAULT:
            merged[column.name] = column.default
        elif column.nullable:
            merged[column.name] = None
        else:
            raise CacheDataError(f"{spec.name}: a new row needs column {column.source}")
    return merged


def image_params(spec: TableSpec, image: Image) -> tuple[Any, ...]:
    return tuple(image[c.name] for c in spec.columns)


@cache
def upsert_sql(table: str) -> str:
    """INSERT … ON CONFLICT (id) DO UPDATE of every column, positional in storage order."""
    spec = TABLES[table]
    sa_table = SA_TABLES[table]
    insert = sqlite.insert(sa_table).values({c.name: sa.bindparam(c.name) for c in spec.columns})
    statement = insert.on_conflict_do_update(
        index_elements=["id"],
        set_={c.name: insert.excluded[c.name] for c in spec.columns if c.name != "id"},
    )
    compiled = statement.compile(dialect=sqlite.dialect())
    if list(compiled.positiontup or ()) != list(spec.column_names):
        raise RuntimeError(f"unexpected parameter order in the upsert of {table}")
    return str(compiled)


@cache
def insert_sql(table: str) -> str:
    """A plain INSERT of every column, positional in storage order."""
    columns = TABLES[table].column_names
    marks = ", ".join("?" * len(columns))
    return f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})'  # noqa: S608


def read_image(conn: sa.Connection, spec: TableSpec, row_id: str) -> Image | None:
    table = SA_TABLES[spec.name]
    columns = [table.c[name] for name in spec.column_names]
    row = conn.execute(sa.select(*columns).where(table.c.id == row_id)).mappings().first()
    return dict(row) if row is not None else None


def write_image(conn: sa.Connection, spec: TableSpec, row_id: str, image: Image | None) -> None:
    """Make the cache row `row_id` exactly `image` (None: no such row)."""
    if image is None:
        table = SA_TABLES[spec.name]
        conn.execute(sa.delete(table).where(table.c.id == row_id))
    else:
        conn.exec_driver_sql(upsert_sql(spec.name), image_params(spec, image))


def image_from_params(spec: TableSpec, params: Sequence[Any]) -> Image:
    return dict(zip(spec.column_names, params, strict=True))


def json_default(value: Any) -> Any:
    """JSON spelling of values PostgREST accepts as text (rpc arguments)."""
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=json_default)


def validate_ids(spec: TableSpec, ids: Sequence[Any]) -> list[str]:
    column = spec.by_name["id"]
    try:
        return [to_cache(column, row_id) for row_id in ids]
    except BadValue as exc:
        raise CacheDataError(f"{spec.name}: bad id: {exc} ({describe(list(ids))})") from None

