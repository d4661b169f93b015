"""The category tree: it keeps what is open and chosen across syncs (by id), its counts follow
the search and the filters, and the price filter says which price it filters on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from catalog_support import (
    CATEGORY_TREE,
    Catalog,
    category_id,
    category_row,
    descendants,
    matches_text,
    open_catalog,
    wholesaler_id,
)
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QLabel

from studio.sync.cache import CacheDataError
from studio.ui.actions import ActionRegistry
from studio.ui.models.category_model import CategoryModel, subtree_counts
from studio.ui.screens.catalog_screen import CatalogScreen


@pytest.fixture
def catalog(fake_context) -> Catalog:
    return open_catalog(fake_context)


@pytest.fixture
def screen(qtbot, catalog, wait_until) -> CatalogScreen:
    screen = CatalogScreen(catalog.ctx, ActionRegistry())
    qtbot.addWidget(screen)
    screen.resize(1280, 760)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activate()
    idle(wait_until, screen)
    return screen


def idle(wait_until, screen: CatalogScreen) -> None:
    wait_until(lambda: not screen._apply_timer.isActive() and not screen.model.is_loading
               and not screen.category_model.is_loading and screen.model.total_count is not None)


def expanded_ids(screen: CatalogScreen) -> set[str | None]:
    tree, model = screen.category_tree, screen.category_model
    found: set[str | None] = set()
    pending = [model.index(0, 0)]
    while pending:
        index = pending.pop()
        if tree.isExpanded(index):
            found.add(model.category_id(index))
        pending += [model.index(r, 0, index) for r in range(model.rowCount(index))]
    return found


def count_of(screen: CatalogScreen, category: str | None) -> int:
    model = screen.category_model
    index = model.index_of(category)
    return int(model.index(index.row(), 1, index.parent()).data().replace(",", ""))


def synced(wait_until, screen: CatalogScreen, change) -> None:
    """Apply a change as a sync would and wait until the tree has read it."""
    reloads: list[bool] = []
    screen.category_model.reloaded.connect(lambda: reloads.append(True))
    change()
    wait_until(lambda: bool(reloads))
    idle(wait_until, screen)


def test_a_sync_keeps_open_categories_open_and_the_choice_chosen(qtbot, catalog, wait_until,
                                                                 screen) -> None:
    tree, model = screen.category_tree, screen.category_model
    tree.expand(model.index_of(category_id(5)))  # Home
    tree.select(category_id(3))  # Serums: opens Beauty and Skincare on the way
    idle(wait_until, screen)
    opened = expanded_ids(screen)
    assert opened == {None, category_id(1), category_id(2), category_id(5)}
    kitchen = QPersistentModelIndex(model.index_of(category_id(6)))
    place = tree.visualRect(model.index_of(category_id(6)))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))

    # A product sync changes counts only: nothing moves under the mouse.
    product = catalog.products[0]
    synced(wait_until, screen, lambda: catalog.upsert_products(
        [{**product, "category_id": category_id(6)}]))
    assert resets == []
    assert kitchen.isValid() and model.category_id(kitchen) == category_id(6)
    assert tree.visualRect(model.index_of(category_id(6))) == place
    assert expanded_ids(screen) == opened
    assert tree.category_id == category_id(3)
    assert tree.currentIndex() == model.index_of(category_id(3))
    assert screen.model.filters.category_id == category_id(3)

    # A category sync that adds one before Kitchen: the same categories stay open and chosen
    # (by id: their rows moved).
    synced(wait_until, screen, lambda: catalog.ctx.insert(
        "categories", [{**category_row(10, 5, "Bath"), "sort_order": 0}]))
    assert model.index_of(category_id(10)).row() == 0
    assert expanded_ids(screen) == opened
    assert tree.currentIndex() == model.index_of(category_id(3))
    assert screen.model.filters.category_id == category_id(3)
    # A click lands on the row the user sees.
    kitchen_now = model.index_of(category_id(6))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=tree.visualRect(kitchen_now).center())
    idle(wait_until, screen)
    assert tree.category_id == category_id(6) == screen.model.filters.category_id


def expected_counts(catalog: Catalog, keep) -> dict[str | None, int]:
    counts: dict[str | None, int] = {None: sum(1 for row in catalog.products if keep(row))}
    for n, _parent, _name in CATEGORY_TREE:
        counts[category_id(n)] = sum(1 for row in catalog.products
                                     if keep(row) and row["category_id"] in descendants(n))
    return counts


def shown_counts(screen: CatalogScreen) -> dict[str | None, int]:
    return {category: count_of(screen, category)
            for category in [None, *(category_id(n) for n, _p, _name in CATEGORY_TREE)]}


def test_counts_follow_the_search_and_the_filters(qtbot, catalog, wait_until, screen) -> None:
    assert shown_counts(screen) == expected_counts(catalog, lambda row: True)
    qtbot.keyClicks(screen.search, "serum")
    idle(wait_until, screen)
    wait_until(lambda: count_of(screen, None) == screen.model.total_count)
    assert shown_counts(screen) == expected_counts(
        catalog, lambda row: matches_text(row, "serum"))

    bar = screen.filter_bar
    bar.in_stock.setChecked(True)
    bar.wholesaler_combo.setCurrentIndex(bar.wholesaler_combo.findData(wholesaler_id(2)))
    bar.min_price.setText("10")
    idle(wait_until, screen)
    wait_until(lambda: count_of(screen, None) == screen.model.total_count)

    def keep(row) -> bool:
        return (matches_text(row, "serum") and row["stock_quantity"] > 0
                and row["wholesaler_id"] == wholesaler_id(2)
                and Decimal(row["wholesale_price"]) >= 10)

    want = expected_counts(catalog, keep)
    assert shown_counts(screen) == want and sum(want.values()) > 0
    # A category nothing matches in stays listed, muted.
    model = screen.category_model
    home, beauty = model.index_of(category_id(5)), model.index_of(category_id(1))
    assert want[category_id(5)] == 0 and want[category_id(1)] > 0
    assert model.data(home, Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(beauty, Qt.ItemDataRole.ForegroundRole) is None
    # Choosing a category narrows the table, not the tree: the other categories keep counts.
    screen.category_tree.select(category_id(2))
    idle(wait_until, screen)
    assert screen.model.total_count == want[category_id(2)]
    assert shown_counts(screen) == want

    screen.clear_filters()
    idle(wait_until, screen)
    wait_until(lambda: count_of(screen, None) == 450)
    assert shown_counts(screen) == expected_counts(catalog, lambda row: True)


def test_a_bad_price_range_leaves_the_counts_as_they_were(qtbot, catalog, wait_until,
                                                          screen) -> None:
    screen.filter_bar.max_price.setText("20")
    idle(wait_until, screen)
    want = expected_counts(catalog, lambda row: Decimal(row["wholesale_price"]) <= 20)
    wait_until(lambda: shown_counts(screen) == want)
    screen.filter_bar.min_price.setText("50")  # above the maximum: refused, nothing changes
    idle(wait_until, screen)
    assert screen.filter_bar.price_error is not None
    assert shown_counts(screen) == want


def test_the_price_filter_says_it_is_the_wholesale_price(screen) -> None:
    bar = screen.filter_bar
    labels = [label.text() for label in bar.findChildren(QLabel)]
    assert "Wholesale &price:" in labels
    assert bar.min_price.placeholderText() == "Min $" and "wholesale" in (
        bar.min_price.toolTip().lower())


def test_the_count_model_passes_the_model_tester_while_counts_change(
    qtmodeltester, catalog, wait_until
) -> None:
    model = CategoryModel(catalog.ctx, with_counts=True)
    model.reload()
    wait_until(lambda: not model.is_loading)
    qtmodeltester.check(model)
    model.set_count_query("serum", in_stock=True)
    wait_until(lambda: not model.is_loading and model.index(0, 1).data() != "450")
    want = expected_counts(catalog, lambda r: matches_text(r, "serum") and r["stock_quantity"] > 0)
    assert model.index(0, 1).data() == f"{want[None]:,}"
    with pytest.raises(ValueError, match="category"):
        model.set_count_query("", category_ids=[category_id(1)])
    assert model.index(0, 1).data() == f"{want[None]:,}"
    assert model.index(0, 1, QModelIndex()).data(Qt.ItemDataRole.TextAlignmentRole)


@pytest.mark.parametrize("query", [
    {}, {"query": "serum"}, {"query": "se", "in_stock": True, "max_price": "40"},
    {"wholesaler_id": wholesaler_id(1), "live_eligible": True},
])
def test_grouped_counts_agree_with_counting_each_category(catalog, query) -> None:
    reader = catalog.ctx.reader
    totals = subtree_counts(reader.categories(), reader.count_products_by_category(**query))
    rest = {key: value for key, value in query.items() if key != "query"}
    assert totals[""] == reader.count_products(query.get("query"), **rest)
    for n, _parent, _name in CATEGORY_TREE:
        assert totals[category_id(n)] == reader.count_products(
            query.get("query"), category_ids=[category_id(n)], **rest)


def test_grouped_counts_refuse_bad_filters(catalog) -> None:
    reader = catalog.ctx.reader
    with pytest.raises(CacheDataError, match="float"):
        reader.count_products_by_category(min_price=1.5)
    with pytest.raises(CacheDataError, match="in_stock"):
        reader.count_products_by_category(in_stock="yes")
