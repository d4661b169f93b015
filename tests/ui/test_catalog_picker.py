"""The lineup's quick catalog picker says how many products really match, not the page size."""

from __future__ import annotations

from catalog_support import matches_text, open_catalog

from studio.ui.screens.product_picker import RESULT_LIMIT, ProductPicker


def offered(catalog, keep=lambda row: True) -> int:
    """Products the picker offers: active, live-eligible, matching."""
    return sum(1 for row in catalog.products
               if row["status"] == "active" and row["is_live_eligible"] and keep(row))


def open_picker(qtbot, run, catalog) -> ProductPicker:
    picker = ProductPicker(catalog.ctx, [])
    qtbot.addWidget(picker)
    picker.show()
    run(picker._task)
    return picker


def test_a_large_catalog_says_the_real_total(qtbot, run, fake_context) -> None:
    catalog = open_catalog(fake_context, count=450)
    picker = open_picker(qtbot, run, catalog)
    total = offered(catalog)
    assert total > RESULT_LIMIT and picker.results.count() == RESULT_LIMIT
    assert picker.status.text() == (
        f"Showing the first {RESULT_LIMIT} of {total:,} products: type more to narrow "
        "the search")

    picker.search.setText("serum")
    picker.run_search()
    run(picker._task)
    matching = offered(catalog, lambda row: matches_text(row, "serum"))
    assert matching > RESULT_LIMIT and picker.results.count() == RESULT_LIMIT
    assert picker.status.text() == (
        f"Showing the first {RESULT_LIMIT} of {matching:,} products: type more to narrow "
        "the search")


def test_a_small_result_is_counted_whole(qtbot, run, fake_context) -> None:
    catalog = open_catalog(fake_context, count=12)
    picker = open_picker(qtbot, run, catalog)
    total = offered(catalog)
    assert total < RESULT_LIMIT
    assert picker.status.text() == f"{total} products"
    picker.search.setText("zzzz-nothing")
    picker.run_search()
    run(picker._task)
    assert picker.status.text() == "No matching products"
