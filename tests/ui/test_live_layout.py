"""The control room mid-show in the main window at 1280x720 and 1600x1000 (a flash sale running,
chat flowing, a product just sold out): it fits without widening the window, and the queue,
header and panels show their words whole. Set SHOPSTREAM_SCREENSHOTS to a folder to keep the
images."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from test_live_rehearsal import buy, status
from test_live_support import LiveWorld, f, live_world

from studio.ui.actions import ActionRegistry
from studio.ui.main_window import MainWindow, ScreenEntry, lazy_screen
from studio.ui.placeholder_screen import placeholder_factory
from studio.ui.screens.live.control_room import LiveScreen

__all__ = ["live_world"]
WAIT = 60.0
LINES = ("how much is the scarf?", "sold! I'll take the gloves", "do you have it in size M?",
         "love this colour", "is shipping free to Canada?", "I'll take 2",
         "what's the fabric?", "sold", "can you show the back?", "great price")


def chat(world: LiveWorld, count: int) -> None:
    """`count` messages from a few customers, buyer intent and questions among them."""
    with world.owner.cursor() as cur:
        people = [f.create_customer(cur) for _ in range(4)]
    for n in range(count):
        world.owner.execute(
            "insert into public.live_stream_chat (session_id, user_id, message, message_type)"
            " values (%s, %s, %s, %s)",
            (world.session_id, people[n % len(people)].user_id, LINES[n % len(LINES)],
             "question" if LINES[n % len(LINES)].endswith("?") else "message"))


def cut_words(screen: LiveScreen) -> list[str]:
    """Visible labels and buttons whose text does not fit their width (Qt would elide or
    clip them)."""
    cut = []
    for widget in screen.findChildren(QLabel) + screen.findChildren(QPushButton):
        if not widget.isVisible() or not widget.text():
            continue
        if isinstance(widget, QLabel) and widget.wordWrap():
            if widget.height() < widget.heightForWidth(widget.width()):
                cut.append(widget.text())
            continue
        if widget.sizeHint().width() > widget.width() + 1:
            cut.append(widget.text())
    return cut


def clipped_columns(screen: LiveScreen) -> list[str]:
    """Scroll areas whose content is wider than what they show, with no way to scroll to it."""
    clipped = []
    for area in (screen.centre_scroll, screen.monitors_scroll):
        content = area.widget()
        bar = area.horizontalScrollBar()
        if content.width() > area.viewport().width() + 1 and not (
                bar.isVisible() and bar.maximum() >= content.width() - area.viewport().width()):
            clipped.append(type(content).__name__)
    return clipped


@pytest.mark.parametrize("size", [(1280, 720), (1600, 1000)])
def test_the_control_room_mid_show_fits_the_window(
        qtbot, run, wait_until, live_world: LiveWorld, tmp_path: Path, size) -> None:
    actions = ActionRegistry()
    entry = ScreenEntry("live", "Live", lazy_screen(
        "studio.ui.screens.live.control_room", "LiveScreen",
        placeholder_factory("live", "Live", "missing")), roles=frozenset({"host"}), symbol="◉")
    window = MainWindow([entry], actions)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.install_screens(live_world.context())
    window.navigate("live")
    screen = window.screen("live")
    assert isinstance(screen, LiveScreen)
    run(screen.wait_idle(), timeout=WAIT)
    screen.open_show(live_world.session_id)
    run(screen.wait_idle(), timeout=WAIT)
    qtbot.mouseClick(screen.header.go_live, Qt.MouseButton.LeftButton)
    wait_until(lambda: status(live_world) == "live", WAIT)
    run(screen.wait_idle(), timeout=WAIT)
    item = live_world.items[1]
    screen.feature_product(item)
    run(screen.wait_idle(), timeout=WAIT)
    buy(run, live_world, item, 1)
    wait_until(lambda: screen.card.sold.text() == "1", WAIT)
    screen.queue.select(item)
    screen.flash.price.setText("28.00")
    screen.flash.request_start()
    wait_until(lambda: "left" in screen.flash.countdown.text(), WAIT)
    chat(live_world, 40)
    sold_out = live_world.items[0]
    buy(run, live_world, sold_out, 3)  # its whole allocation: a sold-out toast
    wait_until(lambda: any("is sold out" in t for t in screen.toasts.visible_texts()), WAIT)
    wait_until(lambda: screen.chat.model.rowCount() == 40, WAIT)
    wait_until(lambda: screen.queue.row_for(sold_out).sold_out, WAIT)
    assert "left" in screen.flash.countdown.text()  # the flash sale still runs
    qtbot.wait(100)

    assert (window.width(), window.height()) == size
    assert screen.minimumSizeHint().width() <= screen.width()
    assert cut_words(screen) == []
    assert clipped_columns(screen) == []
    # Every panel of the centre column fits its width: no sideways scroll, even at 1280x720.
    centre = screen.centre_scroll
    assert centre.widget().width() <= centre.viewport().width() + 1
    assert not centre.horizontalScrollBar().isVisible()
    for index in range(screen.queue.count()):
        rect = screen.queue.visualItemRect(screen.queue.item(index))
        assert rect.width() <= screen.queue.viewport().width()
    image = window.grab()
    assert (image.width(), image.height()) == size
    folder = Path(os.environ.get("SHOPSTREAM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert image.save(str(folder / f"control_room_{size[0]}x{size[1]}.png"))
    screen.close()
