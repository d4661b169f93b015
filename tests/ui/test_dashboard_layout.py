"""Each Dashboard view in the main window at 1280x720 on seeded data: nothing widens the window
and no label or button is cut. Set SHOPSTREAM_SCREENSHOTS to a folder to keep the images."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from test_dashboard_support import HOST, NOW, FakeNotifier, settle, world_rows

from studio.ui.actions import ActionRegistry
from studio.ui.main_window import MainWindow, ScreenEntry
from studio.ui.screens.dashboard.screen import DashboardScreen

SIZE = (1280, 720)


def cut_words(root: QWidget) -> list[str]:
    """Visible labels and buttons whose text does not fit their width."""
    cut = []
    for widget in root.findChildren(QLabel) + root.findChildren(QPushButton):
        if not widget.isVisible() or not widget.text():
            continue
        if isinstance(widget, QLabel) and widget.wordWrap():
            if widget.height() < widget.heightForWidth(widget.width()):
                cut.append(widget.text())
            continue
        if widget.sizeHint().width() > widget.width() + 1:
            cut.append(widget.text())
    return cut


def test_every_dashboard_view_fits_1280x720(qtbot, run, fake_context, tmp_path: Path) -> None:
    ctx = fake_context(world_rows(), roles=frozenset({"host"}), profile_ids={"host": HOST})

    def build(context, actions, parent):
        return DashboardScreen(context, actions, parent, notifier=FakeNotifier(),
                               in_background=lambda: False, clock=lambda: NOW)

    window = MainWindow([ScreenEntry("dashboard", "Dashboard", build, symbol="▦")],
                        ActionRegistry())
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    window.install_screens(ctx)
    window.navigate("dashboard")
    screen = window.screen("dashboard")
    assert isinstance(screen, DashboardScreen)
    settle(qtbot, run, screen)
    folder = Path(os.environ.get("SHOPSTREAM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(screen.tabs.count()):
        screen.tabs.setCurrentIndex(index)
        qtbot.wait(50)
        name = screen.tabs.tabText(index).split(" (")[0].lower().replace(" ", "_")
        assert (window.width(), window.height()) == SIZE, name
        assert cut_words(screen.tabs.currentWidget()) == [], name
        assert screen.minimumSizeHint().width() <= screen.width(), name
        image = window.grab()
        assert (image.width(), image.height()) == SIZE
        assert image.save(str(folder / f"dashboard_{name}_{SIZE[0]}x{SIZE[1]}.png"))
    assert window.nav.item(0).text().endswith("(2)")
