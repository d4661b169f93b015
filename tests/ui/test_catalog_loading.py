"""Until the catalog's first pull has finished, an empty catalog says it is loading (not that
it is empty); after it, an empty catalog says so."""

from __future__ import annotations

from catalog_support import generate_products, open_catalog

from studio.sync.engine.pull import _finish_first_pull
from studio.ui.actions import ActionRegistry
from studio.ui.screens.catalog_screen import LOADING_TITLE, CatalogScreen


def open_screen(qtbot, wait_until, ctx) -> CatalogScreen:
    screen = CatalogScreen(ctx, ActionRegistry())
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    screen.activate()
    wait_until(lambda: not screen.model.is_loading and screen.model.total_count is not None)
    return screen


def finish_first_pull(ctx) -> None:
    """What the engine records when the catalog's first pull is complete (its own step)."""
    ctx.writer.call(_finish_first_pull, "products", "")


def test_before_the_first_pull_the_catalog_is_loading_not_empty(qtbot, fake_context,
                                                                 wait_until) -> None:
    catalog = open_catalog(fake_context, count=0)
    screen = open_screen(qtbot, wait_until, catalog.ctx)
    assert screen.results.currentWidget() is screen.empty_page
    assert screen.empty_title.text() == LOADING_TITLE == "Loading the catalog…"
    assert "empty" not in screen.empty_label.text().lower()
    assert screen.count_label.text() == "Loading…"
    # The first pages land: the products show at once.
    catalog.ctx.insert("products", generate_products(30))
    wait_until(lambda: screen.model.total_count == 30)
    assert screen.results.currentWidget() is screen.table
    assert screen.count_label.text() == "30 products"


def test_an_empty_catalog_says_so_once_the_first_pull_finished(qtbot, fake_context,
                                                               wait_until) -> None:
    catalog = open_catalog(fake_context, count=0)
    screen = open_screen(qtbot, wait_until, catalog.ctx)
    assert screen.empty_title.text() == LOADING_TITLE
    finish_first_pull(catalog.ctx)  # the server has no products: no rows change
    catalog.ctx.signals.status_changed.emit("online", 0, "")  # the sync finished
    wait_until(lambda: screen.empty_title.text() == "The catalog is empty")
    assert screen.count_label.text() == "0 products"


def test_offline_before_the_first_pull_says_it_waits_for_the_connection(
        qtbot, fake_context, wait_until) -> None:
    catalog = open_catalog(fake_context, count=0)
    screen = open_screen(qtbot, wait_until, catalog.ctx)
    catalog.ctx.signals.status_changed.emit("offline", 0, "network unreachable")
    wait_until(lambda: "connection returns" in screen.empty_label.text())
    assert screen.empty_title.text() == "The catalog has not been fetched yet"


def test_a_search_in_a_catalog_still_loading_says_nothing_matches_yet(
        qtbot, fake_context, wait_until) -> None:
    catalog = open_catalog(fake_context, count=0)
    screen = open_screen(qtbot, wait_until, catalog.ctx)
    qtbot.keyClicks(screen.search, "serum")
    wait_until(lambda: screen.model.text == "serum" and not screen.model.is_loading)
    assert screen.empty_title.text() == "No products match “serum”"
    assert "still loading" in screen.empty_label.text()
