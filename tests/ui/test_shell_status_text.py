"""Status bar text never widens the window: long messages elide, the full text stays reachable."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from studio.ui.actions import ActionRegistry
from studio.ui.main_window import MainWindow, ScreenEntry
from studio.ui.placeholder_screen import placeholder_factory
from studio.ui.status_bar import SyncStatusBar

SCREEN_WIDTH = 1278  # what a 1280-pixel screen leaves a window
LONG_WORDS = " ".join(["the wholesaler's stock cannot cover this allocation"] * 40)[:2000]
LONG_TOKEN = "x" * 2000


@pytest.fixture
def window(qtbot) -> MainWindow:
    entries = [
        ScreenEntry("catalog", "Catalog", placeholder_factory("catalog", "Catalog", "Soon")),
        ScreenEntry("settings", "Settings", widget=QWidget()),
    ]
    win = MainWindow(entries, ActionRegistry())
    qtbot.addWidget(win)
    win.resize(SCREEN_WIDTH, 720)
    win.show()
    qtbot.waitExposed(win)
    return win


def settle() -> None:
    for _ in range(3):  # layouts propagate size changes over a few posted events
        QApplication.processEvents()


@pytest.mark.parametrize("message", [LONG_WORDS, LONG_TOKEN, LONG_WORDS + "\nsecond line"])
def test_a_long_refusal_does_not_widen_the_window(window: MainWindow, message: str) -> None:
    settle()
    width, minimum = window.width(), window.minimumSizeHint().width()
    window.status.set_rejection("op-1", "live_products", message, "23514", "live_price")
    settle()
    button = window.status.rejection_button
    assert button.isVisible()
    assert window.width() == width == SCREEN_WIDTH
    assert window.minimumSizeHint().width() <= minimum
    assert window.status.minimumSizeHint().width() < SCREEN_WIDTH
    # What fits is shown, ending in an ellipsis; the whole first line is in the tooltip.
    shown = button.shown_text()
    assert shown.startswith("⚠ Change refused: ") and shown.endswith("…")
    assert button.fontMetrics().horizontalAdvance(shown) <= button.width()
    first_line = message.splitlines()[0]
    assert first_line[:200] in button.toolTip().replace("\u200b", "")


def test_the_whole_refusal_is_one_click_away(qtbot, window: MainWindow) -> None:
    window.status.set_rejection("op-1", "live_products", LONG_TOKEN, "23514", "live_price")
    qtbot.mouseClick(window.status.rejection_button, Qt.MouseButton.LeftButton)
    box = window.status.findChild(QMessageBox, "rejectionDetails")
    assert box is not None and box.isVisible()
    assert LONG_TOKEN in box.detailedText()
    assert box.sizeHint().width() < SCREEN_WIDTH  # the dialog does not outgrow the screen
    box.accept()


def test_long_identity_activity_and_banner_text_do_not_widen_the_window(
    window: MainWindow
) -> None:
    window.show_workspace_error(f"Could not open the local workspace: {'y' * 60}.")
    settle()
    minimum = window.minimumSizeHint().width()  # with the banner, and its buttons, showing
    email = "a" * 400 + "@example.com"
    window.status.set_identity(f"Supabase project — {email} (host)")
    window.status.show_busy(f"Signing in as {email}…")
    window.show_workspace_error(f"Could not open the local workspace: {LONG_TOKEN}.")
    settle()
    assert window.width() == SCREEN_WIDTH
    assert window.minimumSizeHint().width() <= minimum
    assert window.status.identity_label.text().endswith("(host)")  # the text itself is whole
    assert email in window.status.identity_label.toolTip().replace("\u200b", "")


def test_short_text_is_shown_whole(qtbot) -> None:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.resize(1200, 30)
    bar.show()
    bar.set_rejection("op-2", "live_products", "price too low", "", "")
    settle()
    assert bar.rejection_button.shown_text() == "⚠ Change refused: price too low"
