"""Offline cache: server rows in (conversion, upsert, bulk path), removals, cursors, bad input."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_cache_support import (
    HOST,
    chat,
    fts_ok,
    live_product,
    open_cache,
    product,
    show,
    snapshot,
    uid,
)

from studio.sync.cache import (
    CacheDataError,
    CacheStore,
    Operation,
    UnknownTableError,
    table_spec,
)
from studio.sync.cache.store import BULK_THRESHOLD


@pytest.fixture
def cache(tmp_path: Path):
    with open_cache(tmp_path / "c.sqlite3") as handles:
        yield handles


def test_server_values_are_stored_in_the_cache_conventions(cache) -> None:
    db, writer, reader = cache
    row = product(
        1,
        id=str(uuid.UUID(int=77)).upper(),
        wholesale_price=12.34,  # JSON number
        retail_price=Decimal("19.90"),
        tags=["crème", "naïve \"quoted\""],
        created_at=datetime(2026, 11, 20, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        updated_at="2026-11-20T10:00:00Z",
        is_live_eligible=False,
    )
    assert writer.call(CacheStore.upsert_rows, "products", [row]) == 1
    with db.read() as conn:
        stored = conn.exec_driver_sql(
            "SELECT id, wholesale_price_cents, retail_price_cents, tags, created_at, updated_at,"
            " is_live_eligible FROM products").one()
    assert tuple(stored) == (
        str(uuid.UUID(int=77)), 1234, 1990, '["crème","naïve \\"quoted\\""]',
        "2026-11-20T10:00:00.000000Z", "2026-11-20T10:00:00.000000Z", 0)
    decoded = reader.get("products", uuid.UUID(int=77))
    assert decoded["tags"] == ["crème", 'naïve "quoted"'] and decoded["is_live_eligible"] is False


@pytest.mark.parametrize(("given", "canonical"), [
    ("2026-11-20T10:00:00+00:00", "2026-11-20T10:00:00.000000Z"),
    ("2026-11-20T10:00:00.5+00:00", "2026-11-20T10:00:00.500000Z"),
    ("2026-11-20T10:00:00.123456Z", "2026-11-20T10:00:00.123456Z"),
    ("2026-11-20 11:30:00.25+01:30", "2026-11-20T10:00:00.250000Z"),
    ("2026-11-21T01:00:00+15:00", "2026-11-20T10:00:00.000000Z"),
])
def test_timestamps_become_fixed_width_utc_text(cache, given: str, canonical: str) -> None:
    db, writer, _reader = cache
    writer.call(CacheStore.upsert_rows, "products", [product(1, updated_at=given)])
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT updated_at FROM products").scalar() == canonical


def test_decimals_keep_the_server_scale_and_goals_round_trip(cache) -> None:
    _db, writer, reader = cache
    goal = {"id": uid(1, 6), "influencer_id": HOST, "title": "December revenue",
            "goal_type": "revenue", "period": "monthly", "period_start": "2026-12-01",
            "period_end": "2026-12-31", "target_value": 5000, "current_value": "1234.5",
            "status": "active", "achieved_at": None, "created_at": "2026-12-01T00:00:00Z",
            "updated_at": "2026-12-01T00:00:00Z", "row_version": 1}
    writer.call(CacheStore.upsert_rows, "influencer_goals", [goal])
    [stored] = reader.goals(HOST)
    assert stored["target_value"] == Decimal("5000.00")
    assert str(stored["current_value"]) == "1234.50"
    assert stored["period_start"] == "2026-12-01"


def test_upsert_is_idempotent_and_updates_in_place(cache) -> None:
    db, writer, reader = cache
    rows = [product(n, name=f"Walnut bowl {n}") for n in range(1, 6)]
    writer.call(CacheStore.upsert_rows, "products", rows)
    first = snapshot(db)
    writer.call(CacheStore.upsert_rows, "products", rows)
    assert snapshot(db) == first
    renamed = product(2, name="Teak stool", stock_quantity=0)
    writer.call(CacheStore.upsert_rows, "products", [renamed])
    assert reader.count_products() == 5
    assert reader.count_products("walnut") == 4
    assert [r["sku"] for r in reader.search_products("teak")] == ["SKU-2"]
    assert reader.get("products", uid(2, 1))["stock_quantity"] == 0
    fts_ok(writer)


def test_bulk_path_stores_exactly_what_the_row_path_stores(tmp_path: Path) -> None:
    rows = [product(n, name=f"Oak shelf {n}", brand=f"Brand{n % 7}", tags=[f"t{n % 3}"],
                    description=f"Sturdy shelf number {n}", stock_quantity=n % 4)
            for n in range(1, BULK_THRESHOLD + 200)]
    with open_cache(tmp_path / "bulk.sqlite3") as (bulk_db, writer, bulk_reader):
        writer.call(CacheStore.upsert_rows, "products", rows)  # empty table: bulk path
        assert not writer.call(CacheStore.bulk_loading, "products")
        fts_ok(writer)
        bulk = snapshot(bulk_db)
        bulk_results = [bulk_reader.search_products(q, limit=1000) for q in ("oak", "brand3", "t1")]
    with open_cache(tmp_path / "rows.sqlite3") as (row_db, writer, row_reader):
        for start in range(0, len(rows), 100):  # pages below the threshold: row by row
            writer.call(CacheStore.upsert_rows, "products", rows[start:start + 100])
        fts_ok(writer)
        assert snapshot(row_db) == bulk
        assert [row_reader.search_products(q, limit=1000) for q in ("oak", "brand3", "t1")] == (
            bulk_results)
    with bulk_db.read() as conn:
        indexes = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'products' AND sql IS NOT NULL")}
    assert {"products_name_idx", "products_fts_after_insert"} <= indexes


def test_explicit_bulk_load_across_pages_and_crash_repair(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with open_cache(path) as (db, writer, reader):
        writer.call(CacheStore.begin_bulk_load, "products")
        assert writer.call(CacheStore.bulk_loading, "products")
        for start in range(1, 301, 100):
            writer.call(CacheStore.upsert_rows, "products",
                        [product(n, name=f"Linen shirt {n}") for n in range(start, start + 100)])
        with db.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type ="
                                        " 'trigger' AND tbl_name = 'products'").scalar() == 0
        # The process dies here: the load is never finished.
    with open_cache(path) as (db, writer, reader):
        assert writer.repaired_tables == ["products"]
        assert not writer.call(CacheStore.bulk_loading, "products")
        assert reader.count_products("linen") == 300
        fts_ok(writer)
        writer.call(CacheStore.upsert_rows, "products", [product(999, name="Linen towel")])
        assert reader.count_products("linen") == 301


def _bad_rows() -> list[tuple[str, list[Any], str]]:
    good = [product(n) for n in range(1, 4)]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("missing", {"name": None}, "row 1 .* column name: is required"),
        ("price", {"wholesale_price": "12.345"}, "row 1 .* wholesale_price: .* more than 2"),
        ("float", {"retail_price": float("nan")}, "row 1 .* retail_price: .*not a finite"),
        ("uuid", {"category_id": "not-a-uuid"}, "row 1 .* category_id: 'not-a-uuid' is not"),
        ("empty uuid", {"category_id": ""}, "row 1 .* category_id: '' is not a uuid"),
        ("empty time", {"created_at": ""}, "row 1 .* created_at: '' is not an ISO-8601"),
        ("enum", {"status": "deleted"}, "row 1 .* status: 'deleted' is not one of"),
        ("bool", {"is_live_eligible": "yes"}, "row 1 .* is_live_eligible: expected true"),
        ("int", {"stock_quantity": "7"}, "row 1 .* stock_quantity: expected an integer"),
        ("naive", {"updated_at": "2026-11-20T10:00:00"}, "row 1 .* updated_at: .*no time zone"),
        ("tags", {"tags": "red"}, "row 1 .* tags: expected a list of texts"),
        ("extra", {"secret": 1}, "row 1 .* unknown column\\(s\\) secret"),
    ]
    out = []
    for label, change, message in cases:
        bad = dict(good[1], **change)
        out.append((label, [good[0], bad, good[2]], message))
    missing_key = dict(good[1])
    del missing_key["sku"]
    out.append(("missing key", [good[0], missing_key], "row 1 .* missing column\\(s\\) sku"))
    out.append(("not a mapping", [good[0], ["x"]], "row 1: expected a mapping, got list"))
    return out


@pytest.mark.parametrize(("label", "rows", "message"), _bad_rows(), ids=lambda v: str(v)[:12])
def test_bad_rows_are_refused_with_a_precise_reason_and_change_nothing(
    cache, label: str, rows: list[Any], message: str
) -> None:
    db, writer, _reader = cache
    writer.call(CacheStore.upsert_rows, "products", [product(1, name="Original")])
    before = snapshot(db)
    with pytest.raises(CacheDataError, match=message):
        writer.call(CacheStore.upsert_rows, "products", rows)
    assert snapshot(db) == before


def test_a_bad_row_deep_in_a_bulk_sized_batch_changes_nothing(cache) -> None:
    db, writer, reader = cache
    rows = [product(n) for n in range(1, BULK_THRESHOLD + 100)]
    rows[-5] = dict(rows[-5], stock_quantity=-1.5)
    before = snapshot(db)
    with pytest.raises(CacheDataError, match=f"row {len(rows) - 5} .* stock_quantity"):
        writer.call(CacheStore.upsert_rows, "products", rows)
    assert snapshot(db) == before
    assert not writer.call(CacheStore.bulk_loading, "products")
    writer.call(CacheStore.upsert_rows, "products", [product(1, name="Still indexed")])
    assert reader.count_products("indexed") == 1


@pytest.mark.parametrize(("value", "reason"), [
    (float("nan"), "not a finite number"), (float("inf"), "not a finite number"),
    (1e300, "out of range"), (True, "expected a number"), ([1], "expected a number"),
])
def test_bad_money_in_a_whole_column_of_json_numbers(cache, value: Any, reason: str) -> None:
    db, writer, _reader = cache
    rows = [product(n, wholesale_price=1.5) for n in range(1, 4)]
    rows[2]["wholesale_price"] = value
    before = snapshot(db)
    with pytest.raises(CacheDataError, match=f"row 2 .* column wholesale_price: .*{reason}"):
        writer.call(CacheStore.upsert_rows, "products", rows)
    assert snapshot(db) == before


@pytest.mark.parametrize("table", ["orders", "customers", "products_fts", "outbox", "", None])
def test_unknown_tables_are_refused_everywhere(cache, table: Any) -> None:
    db, writer, reader = cache
    before = snapshot(db)
    for call in (
        lambda: writer.call(CacheStore.upsert_rows, table, [product(1)]),
        lambda: writer.call(CacheStore.delete_rows, table, [uid(1, 1)]),
        lambda: writer.call(CacheStore.replace_scope, table, []),
        lambda: writer.call(CacheStore.set_cursor, table, cursor_xid=None),
        lambda: reader.get(table, uid(1, 1)),
    ):
        with pytest.raises(UnknownTableError, match=r"unknown cache table .* known: categories"):
            call()
    assert snapshot(db) == before


@pytest.mark.parametrize("rows", [None, 5, product(1)])
def test_rows_that_are_not_a_list_of_mappings_are_refused(cache, rows: Any) -> None:
    db, writer, _reader = cache
    before = snapshot(db)
    with pytest.raises(CacheDataError, match=r"products: (rows must be|row 0)"):
        writer.call(CacheStore.upsert_rows, "products", rows)
    assert snapshot(db) == before


def test_delete_rows_removes_rows_and_their_search_entries(cache) -> None:
    db, writer, reader = cache
    writer.call(CacheStore.upsert_rows, "products",
                [product(n, name=f"Brass lamp {n}") for n in range(1, 5)])
    removed = writer.call(CacheStore.delete_rows, "products",
                          [uid(1, 1), uid(3, 1), uid(99, 1), uid(1, 1)])
    assert removed == 2
    assert [r["sku"] for r in reader.search_products("brass", sort="name")] == ["SKU-2", "SKU-4"]
    fts_ok(writer)
    before = snapshot(db)
    with pytest.raises(CacheDataError, match="bad id"):
        writer.call(CacheStore.delete_rows, "products", [uid(2, 1), "nope"])
    assert snapshot(db) == before


def test_replace_scope_removes_rows_no_longer_visible(cache) -> None:
    _db, writer, reader = cache
    writer.call(CacheStore.upsert_rows, "live_stream_sessions", [show(1), show(2)])
    writer.call(CacheStore.upsert_rows, "live_products",
                [live_product(1, 1), live_product(2, 1), live_product(3, 2)])
    # A lineup item added offline and not pushed yet is not on the server: it must stay.
    writer.call(CacheStore.apply_local, Operation("upsert", "live_products", live_product(4, 1)))
    removed = writer.call(CacheStore.replace_scope, "live_products", [uid(1, 4)],
                          scope={"session_id": uid(1, 3)})
    assert removed == 1
    assert [r["id"] for r in reader.lineup(uid(1, 3))] == [uid(1, 4), uid(4, 4)]
    assert [r["id"] for r in reader.lineup(uid(2, 3))] == [uid(3, 4)]  # other scope untouched
    assert writer.call(CacheStore.replace_scope, "live_stream_sessions", [uid(2, 3)]) == 1
    assert [s["id"] for s in reader.shows_of_host(HOST)] == [uid(2, 3)]
    with pytest.raises(CacheDataError, match="unknown scope column 'colour'"):
        writer.call(CacheStore.replace_scope, "live_products", [], scope={"colour": "red"})
    with pytest.raises(CacheDataError, match="scope session_id: 'x' is not a uuid"):
        writer.call(CacheStore.replace_scope, "live_products", [], scope={"session_id": "x"})
    assert len(reader.lineup(uid(1, 3))) == 2


def test_prune_recent_keeps_the_newest_rows_of_each_show(cache) -> None:
    _db, writer, reader = cache
    writer.call(CacheStore.upsert_rows, "live_stream_chat",
                [chat(n, 1, minute=n) for n in range(1, 11)] + [chat(50, 2, minute=1)])
    assert writer.call(CacheStore.prune_recent, "live_stream_chat", keep_per_session=3) == 7
    assert [m["message"] for m in reader.recent_chat(uid(1, 3))] == [
        "message 8", "message 9", "message 10"]
    assert len(reader.recent_chat(uid(2, 3))) == 1
    with pytest.raises(CacheDataError, match="not a per-show activity table"):
        writer.call(CacheStore.prune_recent, "products")


def test_sync_cursors_round_trip_per_table_and_scope(cache) -> None:
    _db, writer, _reader = cache
    assert writer.call(CacheStore.get_cursor, "products") is None
    cursor = writer.call(CacheStore.set_cursor, "products", cursor_xid=1234)
    assert (cursor.cursor_xid, cursor.last_full_sync_at) == (1234, None)
    full = writer.call(CacheStore.set_cursor, "products", cursor_xid=None, full_sync=True)
    assert full.last_full_sync_at is not None and full.cursor_xid is None
    again = writer.call(CacheStore.set_cursor, "products", cursor_xid=1300)
    assert again.last_full_sync_at == full.last_full_sync_at  # a full pass is remembered
    scoped = writer.call(CacheStore.set_cursor, "live_stream_chat", scope=uid(1, 3),
                         cursor_xid=99)
    assert scoped.scope == uid(1, 3)
    assert writer.call(CacheStore.get_cursor, "live_stream_chat") is None
    for bad in ("2026-11-21T00:00:00Z", -1, 1.5, True):
        with pytest.raises(CacheDataError, match=r"cursor of products: .* is not a horizon"):
            writer.call(CacheStore.set_cursor, "products", cursor_xid=bad)
    assert writer.call(CacheStore.get_cursor, "products") == again


def test_server_column_lists_are_explicit_and_free_of_secrets() -> None:
    sessions = table_spec("live_stream_sessions").server_columns
    assert "total_revenue" in sessions
    assert not {"stream_key", "hms_room_id", "hms_host_room_code"} & set(sessions)
    wholesalers = set(table_spec("wholesalers").server_columns)
    assert not {"tax_id", "contact_email", "user_id"} & wholesalers
    assert table_spec("products").server_columns[:3] == ("id", "wholesaler_id", "category_id")
