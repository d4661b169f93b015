"""The startup window reports progress, then the catalog size, without blocking the UI."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from studio.ui.startup_window import STARTING_TEXT, WINDOW_TITLE, StartupWindow


@dataclass
class FakeResult:
    product_count: int | None
    url: str = "postgresql://postgres@/shopstream"


@pytest.fixture
def qloop(qapp: QApplication):
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


def _run_until(loop: asyncio.AbstractEventLoop, condition, timeout: float = 5.0) -> None:
    async def wait() -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.01)

    loop.run_until_complete(wait())


def test_shows_starting_then_product_count(qtbot, qloop) -> None:
    window = StartupWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == WINDOW_TITLE

    entered, release = threading.Event(), threading.Event()

    def starter() -> FakeResult:
        entered.set()
        release.wait(5)
        return FakeResult(product_count=42)

    task = qloop.create_task(window.run_startup(starter))
    _run_until(qloop, entered.is_set)
    # The starter is blocked in its worker thread, yet the UI loop keeps running.
    assert window.status_label.text() == STARTING_TEXT == "Starting local workspace…"

    release.set()
    result = qloop.run_until_complete(task)
    assert result == FakeResult(product_count=42)
    assert window.status_label.text() == "Local server is up — 42 products in the catalog"
    assert window.detail_label.text() == "postgresql://postgres@/shopstream"


def test_missing_products_table_and_failure(qtbot, qloop) -> None:
    window = StartupWindow()
    qtbot.addWidget(window)

    qloop.run_until_complete(window.run_startup(lambda: FakeResult(product_count=None)))
    assert "no products table" in window.status_label.text()

    def failing() -> FakeResult:
        raise RuntimeError("pg_ctl start failed (exit 1): disk full\nmore details")

    assert qloop.run_until_complete(window.run_startup(failing)) is None
    assert window.status_label.text() == (
        "Could not start the local workspace: pg_ctl start failed (exit 1): disk full"
    )
