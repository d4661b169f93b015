"""Offline cache: a first load that is browsable at once and searchable once its index is built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_cache_support import fts_ok, open_cache, product

from studio.sync.cache import CacheDatabase, CacheStore, CacheWriter
from studio.sync.cache.search import SEARCH_INDEX_PENDING

NAMES = ["Linen apron", "Wool beanie", "Cashmere scarf", "Blue ceramic mug", "100% cotton tee"]


def _rows() -> list[dict[str, Any]]:
    rows = [product(n, name=NAMES[n % len(NAMES)] + f" {n}", brand="Acme", tags=["basic"])
            for n in range(1, 301)]
    rows.append(product(999, name="Walnut board", brand="Hanami", tags=["winter"]))
    return rows


def _deferred_load(writer: CacheWriter, rows: list[dict[str, Any]]) -> None:
    writer.call(CacheStore.begin_bulk_load, "products")
    for start in range(0, len(rows), 100):
        writer.call(CacheStore.upsert_rows, "products", rows[start : start + 100])
    assert writer.call(CacheStore.finish_bulk_load, "products", search_index=False)


def _indexed_rows(db: CacheDatabase) -> int:
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM products_fts_docsize").scalar_one()


def _pending(writer: CacheWriter) -> bool:
    return writer.call(CacheStore.get_meta, SEARCH_INDEX_PENDING) is not None


QUERIES = ["linen", "hanami", "winter", "scarf 12", "blue ceramic", "nothing like this"]


def test_browsable_and_findable_before_the_index_then_the_same_results_after(
    tmp_path: Path,
) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (db, writer, reader):
        rows = _rows()
        _deferred_load(writer, rows)
        assert _pending(writer)
        assert _indexed_rows(db) == 0  # nothing indexed yet ...
        assert reader.count_products() == len(rows)  # ... yet the whole catalog browses
        page = reader.search_products(sort="name", limit=20)
        assert [r["name"] for r in page] == sorted(r["name"] for r in rows)[:20]
        before = {q: {r["id"] for r in reader.search_products(q, sort="name", limit=1000)}
                  for q in QUERIES}
        counts = {q: reader.count_products(q) for q in QUERIES}
        assert before["hanami"] == before["winter"] == {product(999)["id"]}
        assert len(before["linen"]) == 60
        assert before["nothing like this"] == set()

        assert writer.call(CacheStore.build_search_index)
        assert not _pending(writer)
        assert _indexed_rows(db) == len(rows)
        fts_ok(writer)
        after = {q: {r["id"] for r in reader.search_products(q, sort="name", limit=1000)}
                 for q in QUERIES}
        # Whole words find the same products; a last-word prefix ("12") is a substring before
        # the index (also "112") and a word prefix after it, so it can only narrow.
        exact = [q for q in QUERIES if q != "scarf 12"]
        assert {q: after[q] for q in exact} == {q: before[q] for q in exact}
        assert after["scarf 12"] <= before["scarf 12"]
        assert {q: reader.count_products(q) for q in exact} == {q: counts[q] for q in exact}
        assert not writer.call(CacheStore.build_search_index)  # nothing left to build


def test_unindexed_search_treats_text_literally(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (db, writer, reader):
        rows = _rows()
        _deferred_load(writer, rows)
        assert {r["name"] for r in reader.search_products("100%", limit=1000)} == {
            r["name"] for r in rows if "100" in r["name"]}
        assert reader.search_products("'; drop table products; --") == []
        assert reader.count_products() == len(rows)  # nothing was changed
        assert _indexed_rows(db) == 0


def test_a_restart_builds_an_index_a_first_sync_left_pending(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with open_cache(path) as (_db, writer, _reader):
        _deferred_load(writer, _rows())
        assert _pending(writer)
    with open_cache(path) as (db, writer, reader):  # the writer repairs on open
        assert not _pending(writer)
        assert _indexed_rows(db) == len(_rows())
        fts_ok(writer)
        assert len(reader.search_products("linen", limit=1000)) == 60


def test_rows_written_while_pending_are_searchable_after_the_build(tmp_path: Path) -> None:
    with open_cache(tmp_path / "c.sqlite3") as (_db, writer, reader):
        _deferred_load(writer, _rows())
        writer.call(CacheStore.upsert_rows, "products",
                    [product(5000, name="Velvet cushion", brand="Acme", tags=["basic"])])
        assert [r["name"] for r in reader.search_products("velvet")] == ["Velvet cushion"]
        writer.call(CacheStore.build_search_index)
        fts_ok(writer)
        assert [r["name"] for r in reader.search_products("velvet")] == ["Velvet cushion"]
