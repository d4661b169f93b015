"""Between a first sync's "browsable" and "searchable" stages (and at start-up while a build
is pending) the status bar says "Building search index…" and the catalog's search box says
its results are partial and slower; both go back when the index is built. Set
SHOPSTREAM_SCREENSHOTS to a folder to keep the 1280x720 image."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from catalog_support import category_row, generate_products, wholesaler_row

from studio.sync.backend import NetworkError
from studio.sync.cache import CacheStore
from studio.sync.engine import SyncEngine
from studio.sync.engine.events import SyncProgress
from studio.sync.scope import ScopePlan, TableScope
from studio.ui.actions import ActionRegistry
from studio.ui.main_window import MainWindow, ScreenEntry
from studio.ui.screens.catalog_filters import INDEXING_PLACEHOLDER, SEARCH_PLACEHOLDER
from studio.ui.screens.catalog_screen import CatalogScreen
from studio.ui.status_bar import SEARCH_INDEX_TEXT, SyncStatusBar

ROWS = 600  # a bulk load
SIZE = (1280, 720)


class Offline:
    """A backend that cannot be reached: the index is built without it."""

    def __getattr__(self, name: str) -> Any:
        async def unreachable(*_args: Any, **_kwargs: Any) -> Any:
            raise NetworkError("could not reach the server: connection refused")

        return unreachable


def _status_bar(qtbot, signals: Any) -> SyncStatusBar:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.resize(1280, 24)
    bar.bind(signals)
    bar.show()
    return bar


def _catalog(qtbot, ctx: Any) -> CatalogScreen:
    screen = CatalogScreen(ctx, ActionRegistry())
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    return screen


def _says_building(bar: SyncStatusBar, screen: CatalogScreen) -> bool:
    return (bar.search_index_text == SEARCH_INDEX_TEXT and screen.search.index_building
            and screen.search.placeholderText() == INDEXING_PLACEHOLDER)


def _says_nothing(bar: SyncStatusBar, screen: CatalogScreen) -> bool:
    return (bar.search_index_text == "" and not screen.search.index_building
            and screen.search.placeholderText() == SEARCH_PLACEHOLDER)


def test_between_browsable_and_searchable_both_say_the_index_is_being_built(
    qtbot, fake_context, wait_until,
) -> None:
    ctx = fake_context({"products": generate_products(20)})
    bar, screen = _status_bar(qtbot, ctx.signals), _catalog(qtbot, ctx)
    assert _says_nothing(bar, screen)

    ctx.bridge.on_progress(SyncProgress("products", 500, 1000))
    ctx.bridge.on_progress(SyncProgress("products", 1000, 1000))
    qtbot.wait(80)  # loading says nothing about the index
    assert _says_nothing(bar, screen)

    ctx.bridge.on_progress(SyncProgress("products", 1000, 1000, "browsable"))
    wait_until(lambda: _says_building(bar, screen))
    assert "partial" in screen.search.toolTip() and "slow" in screen.search.toolTip()
    assert bar.progress_text == ""  # the rows are all in: no progress bar, just the notice
    assert bar.sizeHint().width() <= 1280  # the notice does not widen the window
    # Typed text hides the placeholder: the box still shows that results are partial.
    screen.search.setText("serum")
    assert screen.search.index_building
    # A screen or bar made now (after the news) starts out saying it too.
    assert _says_building(_status_bar(qtbot, ctx.signals), _catalog(qtbot, ctx))

    ctx.bridge.on_progress(SyncProgress("products", 1000, 1000, "searchable"))
    screen.search.clear()
    wait_until(lambda: _says_nothing(bar, screen))
    assert screen.search.toolTip() == ""


def test_a_detached_engine_leaves_no_notice_behind(qtbot, fake_context, wait_until) -> None:
    ctx = fake_context({"products": generate_products(5)})
    bar, screen = _status_bar(qtbot, ctx.signals), _catalog(qtbot, ctx)
    ctx.bridge.on_progress(SyncProgress("products", 5, 5, "browsable"))
    wait_until(lambda: _says_building(bar, screen))
    ctx.bridge.on_progress(SyncProgress("products", 5, 5, "browsable"))  # queued, then:
    ctx.bridge.detach()  # the workspace closed before its index was built
    assert _says_nothing(bar, screen)
    qtbot.wait(80)  # news queued before the detach stays out of date
    assert _says_nothing(bar, screen)


def test_a_build_pending_at_start_up_shows_the_notice_until_the_engine_has_built_it(
    qtbot, fake_context, wait_until, run,
) -> None:
    ctx = fake_context({"categories": [category_row(3, None, "Serums")],
                        "wholesalers": [wholesaler_row(1, "Glow Supply Co.")]})
    # A first sync stopped after the catalog was browsable, before its search index.
    ctx.writer.call(CacheStore.begin_bulk_load, "products")
    ctx.insert("products", generate_products(ROWS))
    ctx.writer.call(CacheStore.finish_bulk_load, "products", search_index=False)
    engine = SyncEngine(Offline(), ctx.writer, ScopePlan((TableScope("products"),)),
                        realtime=False, retry_base=0.01, retry_cap=0.05)
    bar = _status_bar(qtbot, ctx.signals)
    ctx.bridge.attach(engine)  # as the app does once the workspace is open
    screen = _catalog(qtbot, ctx)
    screen.activate()
    wait_until(lambda: _says_building(bar, screen))
    wait_until(lambda: screen.model.total_count == ROWS)  # browsable meanwhile
    try:
        run(engine.start())
        wait_until(lambda: _says_nothing(bar, screen), timeout=30)
        assert not ctx.writer.call(CacheStore.search_index_pending)
    finally:
        run(engine.stop())


def test_at_1280x720_the_notice_fits_and_the_window_keeps_its_width(
    qtbot, fake_context, wait_until, tmp_path: Path,
) -> None:
    ctx = fake_context({"categories": [category_row(3, None, "Serums")],
                        "wholesalers": [wholesaler_row(1, "Glow Supply Co.")],
                        "products": generate_products(40)})
    window = MainWindow([ScreenEntry("catalog", "Catalog",
                                     lambda c, a, p: CatalogScreen(c, a, p))], ActionRegistry())
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    window.status.bind(ctx.signals)
    window.install_screens(ctx)
    window.navigate("catalog")
    screen = window.screen("catalog")
    assert isinstance(screen, CatalogScreen)
    window.status.set_realtime(False, "Polling every 10 s (realtime down: connection refused)")
    window.status.set_identity("Local workspace — host@example.test (host)")
    ctx.bridge.on_progress(SyncProgress("products", 40, 40, "browsable"))
    wait_until(lambda: _says_building(window.status, screen))
    screen.search.setText("serum")
    qtbot.wait(100)
    assert (window.width(), window.height()) == SIZE
    label = window.status.search_index_label
    assert label.isVisible() and label.shown_text() == SEARCH_INDEX_TEXT  # not cut
    folder = Path(os.environ.get("SHOPSTREAM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    image = window.grab()
    assert (image.width(), image.height()) == SIZE
    assert image.save(str(folder / "catalog_search_index_1280x720.png"))
