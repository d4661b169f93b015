"""The catalog's item models over a real cache: paging, search, filters, sorting, refresh."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from catalog_support import (
    CATEGORY_TREE,
    Catalog,
    category_id,
    category_path,
    descendants,
    matches_text,
    open_catalog,
    wholesaler_id,
)
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from studio.ui.models.catalog_model import (
    NAME,
    PRODUCT_IDS_MIME,
    STOCK,
    WHOLESALE_PRICE,
    CatalogFilters,
    CatalogModel,
    ProductIdRole,
    ProductRole,
)
from studio.ui.models.category_model import ALL_CATEGORIES, CategoryIdRole, CategoryModel


@pytest.fixture
def catalog(fake_context) -> Catalog:
    return open_catalog(fake_context)


def loaded(wait_until, model: CatalogModel, text: str = "", filters: CatalogFilters | None = None,
           sort: str = "relevance") -> CatalogModel:
    model.set_query(text, filters or CatalogFilters(), sort)
    wait_until(lambda: not model.is_loading)
    return model


def load_all(wait_until, model: CatalogModel) -> list[str]:
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        wait_until(lambda: not model.is_loading)
    return [model.product_id(row) for row in range(model.rowCount())]


def expected_ids(catalog: Catalog, keep) -> set[str]:
    return {row["id"] for row in catalog.products if keep(row)}


def test_catalog_model_passes_the_model_tester(qtmodeltester, catalog, wait_until) -> None:
    model = loaded(wait_until, CatalogModel(catalog.ctx, page_size=50))
    assert model.rowCount() == 50 and model.total_count == 450
    qtmodeltester.check(model)
    wait_until(lambda: not model.is_loading)
    assert model.rowCount() > 50  # the tester's fetchMore added a page, under its checks
    # The tester stays attached: a refresh that moves, adds and drops rows is checked too.
    loaded_rows = model.rowCount()
    moved = catalog.products[10]
    catalog.upsert_products([{**moved, "name": "AAA first now"}])
    catalog.ctx.delete("products", [catalog.products[20]["id"]])
    wait_until(lambda: model.total_count == 449 and not model.is_loading)
    assert model.index(0, 0).data() == "AAA first now" and model.rowCount() == loaded_rows


def test_category_model_passes_the_model_tester(qtmodeltester, catalog, wait_until) -> None:
    model = CategoryModel(catalog.ctx, with_counts=True)
    model.reload()
    wait_until(lambda: not model.is_loading)
    qtmodeltester.check(model)
    root = model.index(0, 0)
    assert model.rowCount() == 1 and root.data() == ALL_CATEGORIES
    assert root.data(CategoryIdRole) is None
    assert [model.index(r, 0, root).data() for r in range(model.rowCount(root))] == [
        "Beauty", "Home", "Fashion"]
    assert model.index(0, 1).data() == "450"
    beauty = model.index_of(category_id(1))
    expected = sum(1 for row in catalog.products if row["category_id"] in descendants(1))
    assert model.index(beauty.row(), 1, beauty.parent()).data() == f"{expected:,}"
    assert model.path_of(category_id(3)) == "Beauty › Skincare › Serums"


def test_rows_show_formatted_values_and_roles(catalog, wait_until) -> None:
    model = loaded(wait_until, CatalogModel(catalog.ctx), sort="price_asc")
    row = model.data(model.index(0, 0), ProductRole)
    source = next(p for p in catalog.products if p["id"] == row["id"])
    cells = [model.index(0, column).data() for column in range(model.columnCount())]
    price = Decimal(source["wholesale_price"])
    assert cells[0] == source["name"] and cells[1] == source["brand"]
    names = {category_id(n): name for n, _parent, name in CATEGORY_TREE}
    assert cells[2] == names[source["category_id"]]
    assert cells[4] == f"${price:,.2f}"
    assert cells[5] == f"${Decimal(source['retail_price']):,.2f}"
    assert model.index(0, 0).data(ProductIdRole) == source["id"]
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.index(0, WHOLESALE_PRICE).data(Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.index(0, STOCK).data(Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.index(0, NAME).data(Qt.ItemDataRole.TextAlignmentRole) != right
    assert model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole) == category_path(
        source["category_id"])


def test_search_returns_exactly_the_matching_products(catalog, wait_until) -> None:
    model = loaded(wait_until, CatalogModel(catalog.ctx), "serum")
    ids = load_all(wait_until, model)
    expected = expected_ids(catalog, lambda row: matches_text(row, "serum"))
    # Serums by name and skincare that mentions serum in its description.
    assert any("Serum" not in p["name"] for p in catalog.products if p["id"] in expected)
    assert len(ids) == len(set(ids)) == model.total_count
    assert set(ids) == expected


@pytest.mark.parametrize(("filters", "keep"), [
    (CatalogFilters(category_id=category_id(1)),  # Beauty and every category below it
     lambda row: row["category_id"] in descendants(1)),
    (CatalogFilters(category_id=category_id(3)), lambda row: row["category_id"] == category_id(3)),
    (CatalogFilters(wholesaler_id=wholesaler_id(2)),
     lambda row: row["wholesaler_id"] == wholesaler_id(2)),
    (CatalogFilters(min_price=Decimal("20"), max_price=Decimal("35.50")),
     lambda row: Decimal("20") <= Decimal(row["wholesale_price"]) <= Decimal("35.50")),
    (CatalogFilters(in_stock_only=True), lambda row: row["stock_quantity"] > 0),
    (CatalogFilters(live_eligible_only=True), lambda row: row["is_live_eligible"]),
    (CatalogFilters(category_id=category_id(5), in_stock_only=True, live_eligible_only=True),
     lambda row: row["category_id"] in descendants(5) and row["stock_quantity"] > 0
     and row["is_live_eligible"]),
])
def test_each_filter_narrows_to_exactly_its_products(catalog, wait_until, filters, keep) -> None:
    model = loaded(wait_until, CatalogModel(catalog.ctx), filters=filters)
    ids = load_all(wait_until, model)
    expected = expected_ids(catalog, keep)
    assert 0 < len(expected) < len(catalog.products)
    assert set(ids) == expected and len(ids) == model.total_count


def test_text_and_filters_combine(catalog, wait_until) -> None:
    filters = CatalogFilters(wholesaler_id=wholesaler_id(1), in_stock_only=True)
    model = loaded(wait_until, CatalogModel(catalog.ctx), "serum", filters)
    assert set(load_all(wait_until, model)) == expected_ids(catalog, lambda row: (
        matches_text(row, "serum") and row["wholesaler_id"] == wholesaler_id(1)
        and row["stock_quantity"] > 0))


def test_sort_by_price_ascending_and_by_header(catalog, wait_until) -> None:
    model = loaded(wait_until, CatalogModel(catalog.ctx), sort="price_asc")
    ids = load_all(wait_until, model)
    by_id = {row["id"]: Decimal(row["wholesale_price"]) for row in catalog.products}
    prices = [by_id[i] for i in ids]
    assert prices == sorted(prices) and len(prices) == 450
    sorts: list[str] = []
    model.sort_changed.connect(sorts.append)
    model.sort(WHOLESALE_PRICE, Qt.SortOrder.DescendingOrder)
    wait_until(lambda: not model.is_loading)
    assert sorts == ["price_desc"] and model.sort_key == "price_desc"
    assert by_id[model.product_id(0)] == max(by_id.values())
    model.sort(1, Qt.SortOrder.AscendingOrder)  # brand: the cache has no such order
    assert model.sort_key == "price_desc" and sorts == ["price_desc"] and not model.is_loading


def test_fetch_more_appends_pages_until_the_total(catalog, wait_until) -> None:
    model = loaded(wait_until, CatalogModel(catalog.ctx, page_size=200))
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    assert (model.rowCount(), model.total_count) == (200, 450)
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())  # a second call while the first is under way is ignored
    wait_until(lambda: not model.is_loading)
    assert inserted == [(200, 399)]
    ids = load_all(wait_until, model)
    assert inserted == [(200, 399), (400, 449)] and not model.canFetchMore(QModelIndex())
    assert len(set(ids)) == 450


def test_a_superseded_query_is_dropped(qtbot, catalog, wait_until) -> None:
    model = CatalogModel(catalog.ctx)
    model.set_query("serum", CatalogFilters())
    model.set_query("chef", CatalogFilters())  # before the first read answers
    wait_until(lambda: not model.is_loading)
    qtbot.wait(50)
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert names and all(name.startswith("Chef Knife") for name in names)


@pytest.mark.parametrize("text", ['"', "*", "AND (", "name:", "NEAR(a b)", "'; drop", "  "])
def test_hostile_text_gives_rows_or_nothing_never_an_error(catalog, wait_until, text) -> None:
    model = CatalogModel(catalog.ctx)
    failures: list[str] = []
    model.load_failed.connect(failures.append)
    loaded(wait_until, model, text)
    assert failures == [] and model.total_count is not None
    assert model.rowCount() == min(200, model.total_count)


def test_refresh_keeps_persistent_indexes_on_their_product(catalog, wait_until) -> None:
    model = loaded(wait_until, CatalogModel(catalog.ctx), sort="price_asc")
    target = model.product_id(5)
    kept = QPersistentModelIndex(model.index(5, 2))
    row = next(p for p in catalog.products if p["id"] == target)
    # The product becomes the cheapest, and a new product appears before it.
    catalog.upsert_products([{**row, "wholesale_price": "0.50", "name": "Now cheapest"},
                             {**catalog.products[0], "id": "00000000-0000-4000-8000-00000000ffff",
                              "sku": "NEW-1", "wholesale_price": "0.10", "name": "Newcomer"}])
    wait_until(lambda: model.total_count == 451 and not model.is_loading)
    assert kept.isValid() and kept.row() == 1 and kept.column() == 2
    assert model.product_id(1) == target and model.index(1, 0).data() == "Now cheapest"
    assert model.rowCount() == 200


def test_drag_mime_data_holds_the_ids_in_row_order(catalog, wait_until) -> None:
    model = loaded(wait_until, CatalogModel(catalog.ctx))
    indexes = [model.index(3, 0), model.index(1, 4), model.index(3, 2)]
    mime = model.mimeData(indexes)
    assert model.mimeTypes() == [PRODUCT_IDS_MIME]
    assert json.loads(bytes(mime.data(PRODUCT_IDS_MIME)).decode()) == [
        model.product_id(1), model.product_id(3)]
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled


def test_bad_sort_and_page_size_are_refused(catalog, wait_until) -> None:
    model = loaded(wait_until, CatalogModel(catalog.ctx))
    with pytest.raises(ValueError, match="unknown sort 'cheapest'"):
        model.set_query("", CatalogFilters(), "cheapest")
    assert model.rowCount() == 200 and model.sort_key == "relevance"
    with pytest.raises(ValueError, match="page_size"):
        CatalogModel(catalog.ctx, page_size=0)
