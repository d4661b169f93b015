"""Offline cache: catalog search (FTS5 matching, filters, sort orders, paging, hostile input)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_cache_support import OTHER_WHOLESALER, WHOLESALER, category, open_cache, product, uid

from studio.sync.cache import SORTS, CacheDataError, CacheReader, CacheStore, fts_query
from studio.sync.cache import search as search_module

# name, brand, tags, description, wholesale price, stock, live eligible, category, created day
CATALOG: list[tuple[Any, ...]] = [
    ("Crème brûlée torch", "Cuisinière", ["kitchen"], "Caramelise sugar", "24.00", 10, True, 4, 1),
    ("Linen apron", "Atelier Nord", ["kitchen", "linen"], "Stone washed", "12.50", 0, True, 4, 2),
    ("Walnut serving board", "Oakhaus", ["wood"], "Oiled walnut", "35.00", 3, False, 5, 3),
    ("Blue ceramic mug", "Mügge", ["ceramic", "blue"], "Dishwasher safe", "8.00", 40, True, 5, 4),
    ("Bluetooth speaker", "Sonique", ["audio"], "Wireless sound", "49.99", 7, True, 6, 5),
    ("Cashmere scarf", "Hanami", ["winter"], "Soft crème colour", "80.00", 2, True, 3, 6),
    ("Wool beanie", "Hanami", ["winter", "blue"], "Warm knit", "15.00", 0, False, 3, 7),
    ("apple corer", "Oakhaus", ["kitchen"], "Stainless steel", "6.00", 25, True, 4, 8),
    ("Teapot", "Mügge", ["ceramic"], "Blue glaze, serves four", "22.00", 5, True, 5, 9),
]
# Categories: 1 Home > 4 Kitchen, 1 Home > 5 Dining, 2 Fashion > 3 Accessories, 6 Audio.
TREE = [(1, None), (2, None), (3, 2), (4, 1), (5, 1), (6, None)]


def sku(n: int) -> str:
    return f"SKU-{n}"


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory):
    path = Path(tmp_path_factory.mktemp("search")) / "c.sqlite3"
    with open_cache(path) as (_db, writer, reader):
        writer.call(CacheStore.upsert_rows, "categories", [category(n, p) for n, p in TREE])
        rows = []
        for n, (name, brand, tags, desc, price, stock, live, cat, day) in enumerate(CATALOG, 1):
            rows.append(product(
                n, name=name, brand=brand, tags=tags, description=desc, wholesale_price=price,
                stock_quantity=stock, is_live_eligible=live, category_id=uid(cat, 2),
                created_at=f"2026-10-{day:02d}T12:00:00+00:00",
                wholesaler_id=OTHER_WHOLESALER if n in (5, 6) else WHOLESALER))
        writer.call(CacheStore.upsert_rows, "products", rows)
        writer.call(CacheStore.upsert_rows, "products",
                    [product(99, name="Retired mug", status="discontinued")])
        yield reader


def skus(rows: list[dict[str, Any]]) -> list[str]:
    return [row["sku"] for row in rows]


@pytest.mark.parametrize(("query", "expected"), [
    ("linen", {2}),  # name and tags
    ("hanami", {6, 7}),  # brand
    ("winter", {6, 7}),  # tags
    ("caramelise", {1}),  # description
    ("wal", {3}),  # prefix of the last token
    ("blue", {4, 5, 7, 9}),  # the last token is a prefix: "Bluetooth" too ...
    ("blue speak", set()),  # ... but earlier tokens are whole words: not "Bluetooth"
    ("bluetooth speak", {5}),
    ("blu", {4, 5, 7, 9}),
    ("creme brulee", {1}),  # accents folded in the query ...
    ("CRÈME", {1, 6}),  # ... and in the data, any case
    ("mugge", {4, 9}),
    ("ceramic mug", {4, 9}),  # every token must match, in any column ("Mügge" is mug*)
    ("mug ceramic", {4}),
    ("teapot blue", {9}),
    ("kitchen torch", {1}),
    ("nothing like this", set()),
])
def test_text_matches_name_brand_tags_and_description(
    reader: CacheReader, query: str, expected: set[int]
) -> None:
    assert set(skus(reader.search_products(query, status="active"))) == {sku(n) for n in expected}
    assert reader.count_products(query, status="active") == len(expected)


def test_relevance_puts_name_matches_first(reader: CacheReader) -> None:
    # "blue" is in the name and tags of 4, the name of 5 (prefix), the tags of 7, the
    # description of 9.
    assert skus(reader.search_products("blue")) == [sku(4), sku(5), sku(7), sku(9)]
    assert skus(reader.search_products("ceramic")) == [sku(4), sku(9)]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"category_ids": [uid(1, 2)]}, {1, 2, 3, 4, 8, 9}),  # descendants of Home
    ({"category_ids": [uid(4, 2)]}, {1, 2, 8}),
    ({"category_ids": [uid(2, 2), uid(6, 2)]}, {5, 6, 7}),
    ({"category_ids": []}, set()),
    ({"wholesaler_id": OTHER_WHOLESALER}, {5, 6}),
    ({"min_price": "22.00"}, {1, 3, 5, 6, 9}),
    ({"max_price": 12}, {4, 8}),
    ({"min_price": "8.00", "max_price": "15.00"}, {2, 4, 7}),
    ({"in_stock": True}, {1, 3, 4, 5, 6, 8, 9}),
    ({"in_stock": False}, {2, 7}),
    ({"live_eligible": True}, {1, 2, 4, 5, 6, 8, 9}),
    ({"live_eligible": False}, {3, 7}),
    ({"status": "discontinued"}, {99}),
])
def test_each_filter_alone(reader: CacheReader, filters: dict[str, Any], expected: set[int]
                           ) -> None:
    if "status" not in filters:
        filters = {**filters, "status": "active"}
    assert set(skus(reader.search_products(**filters))) == {sku(n) for n in expected}
    assert reader.count_products(**filters) == len(expected)


def test_filters_combine_with_text(reader: CacheReader) -> None:
    rows = reader.search_products("kitchen", category_ids=[uid(1, 2)], in_stock=True,
                                  max_price="30")
    assert set(skus(rows)) == {sku(1), sku(8)}
    assert reader.count_products("kitchen", category_ids=[uid(1, 2)], in_stock=True,
                                 max_price="30") == 2


@pytest.mark.parametrize(("sort", "expected"), [
    ("name", [8, 4, 5, 6, 1, 2, 9, 3, 7]),  # case-insensitive: "apple corer" first
    ("price_asc", [8, 4, 2, 7, 9, 1, 3, 5, 6]),
    ("price_desc", [6, 5, 3, 1, 9, 7, 2, 4, 8]),
    ("stock", [4, 8, 1, 5, 9, 3, 6, 7, 2]),  # most stock first; ties by rowid, descending
    ("newest", [9, 8, 7, 6, 5, 4, 3, 2, 1]),
    ("relevance", [8, 4, 5, 6, 1, 2, 9, 3, 7]),  # without text: by name
])
def test_sort_orders(reader: CacheReader, sort: str, expected: list[int]) -> None:
    assert skus(reader.search_products(status="active", sort=sort)) == [sku(n) for n in expected]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("query", [None, "kitchen", "wa"])
def test_pages_concatenate_to_the_full_ordered_list(
    reader: CacheReader, sort: str, query: str | None
) -> None:
    everything = skus(reader.search_products(query, sort=sort, limit=100))
    pages = [skus(reader.search_products(query, sort=sort, limit=2, offset=start))
             for start in range(0, len(everything) + 2, 2)]
    assert [s for page in pages for s in page] == everything
    assert pages[-1] == []


def test_broad_queries_use_the_index_walk_with_the_same_results(
    reader: CacheReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {sort: skus(reader.search_products("wa", sort=sort, limit=100))
                for sort in SORTS if sort != "relevance"}
    assert set(expected["name"]) == {sku(2), sku(3), sku(7)}  # washed, walnut, warm
    count = reader.count_products("kitchen", in_stock=True)
    monkeypatch.setattr(search_module, "WALK_LIMIT", 0)
    monkeypatch.setattr(search_module, "RANK_LIMIT", 0)
    for sort, rows in expected.items():
        assert skus(reader.search_products("wa", sort=sort, limit=100)) == rows
    # Too broad to rank: listed by name.
    assert skus(reader.search_products("blue")) == [sku(4), sku(5), sku(9), sku(7)]
    assert reader.count_products("kitchen", in_stock=True) == count


@pytest.mark.parametrize("text", [
    '"', '""', "'", "AND", "OR", "NOT", "NEAR", "NEAR(a b)", "*", "**", "a*b", "(", ")",
    "name:", "name:linen", "{name brand}: x", "^linen", "linen +", "-linen", "\\", "%", "_",
    "linen AND", "OR linen", "\x00", "🧣 scarf", "ﬁ", "ＬＩＮＥＮ", "a" * 5000, "word " * 500,
])
def test_hostile_text_never_raises(reader: CacheReader, text: str) -> None:
    rows = reader.search_products(text)
    assert reader.count_products(text) >= len(rows)


@pytest.mark.parametrize(("text", "expected"), [
    ("linen", '"linen"*'),
    ("name:linen", '"name" "linen"*'),
    ('say "hi" AND (x OR yes)', '"say" "hi" "AND" "x" "OR" "yes"*'),
    ("t-shirt", '"t" "shirt"*'),
    ("blue b", '"blue" "b"'),  # a one-letter prefix would match most of the catalog
    ("ＬＩＮＥＮ", '"LINEN"*'),
    ("*** ((", None),
    ("", None),
])
def test_fts_query_quotes_every_token(text: str, expected: str | None) -> None:
    assert fts_query(text) == expected


def test_name_colon_is_a_word_not_a_column_filter(reader: CacheReader) -> None:
    assert skus(reader.search_products("name:linen")) == []
    assert skus(reader.search_products("linen:")) == [sku(2)]
    assert skus(reader.search_products("ＬＩＮＥＮ")) == [sku(2)]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sort": "cheapest"}, "sort must be one of relevance, name"),
    ({"limit": -1}, "bad limit -1"),
    ({"limit": 1001}, "bad limit 1001"),
    ({"offset": -5}, "bad offset -5"),
    ({"limit": True}, "bad limit True"),
    ({"min_price": 9.99}, "not float"),
    ({"max_price": "cheap"}, "'cheap' is not a number"),
    ({"category_ids": uid(1, 2)}, "a list of ids, not one string"),
    ({"category_ids": ["kitchen"]}, "'kitchen' is not a uuid"),
    ({"wholesaler_id": 42}, "expected a uuid"),
    ({"in_stock": "yes"}, "in_stock must be true, false or None"),
    ({"status": "gone"}, "unknown product status 'gone'"),
    ({"query": 42}, "search text must be a string"),
])
def test_bad_search_parameters_are_refused_clearly(
    reader: CacheReader, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(CacheDataError, match=message):
        reader.search_products(**kwargs)
