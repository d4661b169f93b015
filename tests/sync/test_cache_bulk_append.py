"""Bulk appends: rows go in column by column, many per statement, and the table's CHECK
constraints are verified once for the batch; a failing row leaves nothing of the batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_cache_support import open_cache, product, snapshot

from studio.sync.cache import CacheDataError, CacheStore
from studio.sync.cache.bulk import APPEND_ROWS, ConstraintViolation, append_checked, table_checks
from studio.sync.cache.codec import Column, Kind, to_cache, to_cache_column
from studio.sync.cache.rows import convert_chunks, convert_rows
from studio.sync.cache.tables import PRODUCTS


def _count(store: CacheStore) -> int:
    return int(store.connection.exec_driver_sql("SELECT count(*) FROM products").scalar_one())


def _chunks(rows: list[dict[str, Any]], **column_values: Any) -> list[list[Any]]:
    """Converted chunks of `rows`, with some cache columns overwritten after conversion
    (values the conversion would refuse, to reach the database's own checks)."""
    chunks = [list(map(list, columns)) for columns in convert_chunks(PRODUCTS, rows)]
    for name, value in column_values.items():
        index = PRODUCTS.column_names.index(name)
        for columns in chunks:
            columns[index][-1] = value
    return chunks


def test_a_bulk_append_stores_what_row_by_row_conversion_gives(tmp_path: Path) -> None:
    rows = [product(n, name=f"Oak board {n}", tags=["oak", f"t{n % 7}"], wholesale_price=n / 4)
            for n in range(1, 2 * APPEND_ROWS + 8)]  # whole statements and a remainder
    with open_cache(tmp_path / "c.sqlite3") as (_db, writer, _reader):

        def append(store: CacheStore) -> list[tuple[Any, ...]]:
            with store.transaction() as conn:
                append_checked(conn, "products", convert_chunks(PRODUCTS, rows))
                columns = ", ".join(PRODUCTS.column_names)
                return [tuple(r) for r in conn.exec_driver_sql(
                    f"SELECT {columns} FROM products ORDER BY pk")]

        assert writer.call(append) == convert_rows(PRODUCTS, rows)


@pytest.mark.parametrize(("column", "value", "check"), [
    ("status", "archived", "status IN"),
    ("is_live_eligible", 2, "is_live_eligible IN (0, 1)"),
])
def test_a_row_failing_a_check_refuses_the_whole_append(
    tmp_path: Path, column: str, value: Any, check: str
) -> None:
    rows = [product(n) for n in range(1, 3 * APPEND_ROWS)]
    with open_cache(tmp_path / "c.sqlite3") as (db, writer, _reader):
        writer.call(CacheStore.upsert_rows, "products", [product(9_999)])
        before = snapshot(db)

        def append(store: CacheStore) -> tuple[str, int]:
            with store.transaction() as conn:
                with pytest.raises(ConstraintViolation) as refused:
                    append_checked(conn, "products", _chunks(rows, **{column: value}))
                return str(refused.value), _count(store)

        message, count_inside = writer.call(append)
        assert check in message
        assert rows[-1]["id"] in message  # names the row
        assert count_inside == 1  # nothing of the batch, even inside the transaction
        assert snapshot(db) == before


def test_checks_are_enforced_again_after_a_bulk_append(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (_db, writer, _reader):

        def append_then_insert(store: CacheStore) -> None:
            with store.transaction() as conn:
                with pytest.raises(ConstraintViolation):
                    append_checked(conn, "products", _chunks([product(1)], status="archived"))
                append_checked(conn, "products", _chunks([product(2)]))
                # A plain statement after both appends is checked by SQLite itself again.
                with (pytest.raises(sa.exc.IntegrityError, match="CHECK constraint failed"),
                      conn.begin_nested()):
                    conn.exec_driver_sql("UPDATE products SET status = 'archived'")

        writer.call(append_then_insert)


def test_a_bulk_load_refuses_a_bad_page_with_its_row_and_keeps_the_pages_before(
    tmp_path: Path,
) -> None:
    good = [product(n) for n in range(1, 601)]
    bad = [product(n) for n in range(601, 1201)]
    bad[123]["status"] = "archived"
    with open_cache(tmp_path / "c.sqlite3") as (_db, writer, _reader):
        writer.call(CacheStore.begin_bulk_load, "products")
        writer.call(CacheStore.upsert_rows, "products", good)
        with pytest.raises(CacheDataError, match=r"row 123 .*column status"):
            writer.call(CacheStore.upsert_rows, "products", bad)
        writer.call(CacheStore.finish_bulk_load, "products")

        def count(store: CacheStore) -> int:
            with store.transaction():
                return _count(store)

        assert writer.call(count) == len(good)


def test_only_mirrored_tables_are_appended_to(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (_db, writer, _reader):

        def append(store: CacheStore) -> None:
            with store.transaction() as conn:
                append_checked(conn, 'products" --', [])

        with pytest.raises(ValueError, match="not a cache table"):
            writer.call(append)


def test_check_constraints_are_read_from_the_table_definition() -> None:
    sql = """CREATE TABLE t (
      a TEXT DEFAULT 'CHECK (not one)' CHECK (a IN ('(', ')', 'it''s')), -- CHECK (nor this)
      b INTEGER, "CHECK" INTEGER /* CHECK (nor this) */,
      CONSTRAINT small CHECK (b > 0 AND (b < 10))
    )"""
    assert table_checks(sql) == ("a IN ('(', ')', 'it''s')", "b > 0 AND (b < 10)")
    assert table_checks("CREATE TABLE u (a TEXT)") == ()
    with pytest.raises(ValueError, match="unbalanced"):
        table_checks("CREATE TABLE v (a TEXT CHECK (a IN ('x')")


MONEY = Column("price_cents", Kind.MONEY, nullable=True)


def test_money_that_is_not_a_two_place_decimal_is_refused_in_a_whole_column() -> None:
    # 0.1 + 0.2 is not the JSON spelling of any amount in cents.
    values = [19.99, 0.1, None, 5, 1234567.89] * 20
    assert to_cache_column(MONEY, values) == [to_cache(MONEY, v) for v in values]
    with pytest.raises(Exception, match="more than 2 decimal places"):
        to_cache_column(MONEY, [*values, 0.1 + 0.2])


TAGS = Column("tags", Kind.TEXT_LIST, nullable=True)


@pytest.mark.parametrize("extra", [
    [], [[]], [None], [["line\nbreak"]], [['say "hi"']], [["café", "crème"]],
])
def test_tag_columns_match_value_by_value(extra: list[Any]) -> None:
    values = [["oak", "linen"], ["gift"], ["a", "b", "c"]] * 10 + extra
    assert list(to_cache_column(TAGS, values)) == [to_cache(TAGS, v) for v in values]
