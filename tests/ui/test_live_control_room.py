"""The Live control room over a real local workspace: going live, featuring from the keyboard,
flash sales with the server's countdown, refusals at the field that change nothing, ending the
show with the report, and reopening a show that is still live."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from test_live_support import LiveWorld, live_world, open_room

from studio.app import Studio
from studio.core.paths import app_paths
from studio.core.settings import Settings
from studio.ui.actions import ActionRegistry
from studio.ui.screens.live.control_room import LiveScreen
from studio.ui.screens.live.lineup_queue import QueueRow
from studio.ui.screens.live.live_keys import LIVE_KEYS
from studio.ui.screens.live.monitor_panels import ChatMonitor, SalesPanel, ViewersPanel
from studio.ui.screens.live.report_dialog import ShowReportDialog

__all__ = ["live_world", "open_room"]

WAIT = 30.0
Row = QueueRow("", "", "", 0, 0, False, False)


def go_live(qtbot, run, wait_until, screen: LiveScreen, world: LiveWorld) -> None:
    assert screen.header.go_live.isEnabled()
    qtbot.mouseClick(screen.header.go_live, Qt.MouseButton.LeftButton)
    wait_until(lambda: world.one("select status::text from public.live_stream_sessions"
                                 " where id = %s", (world.session_id,)) == "live", WAIT)
    run(screen.wait_idle(), timeout=WAIT)


def key(qtbot, screen: LiveScreen, name: Qt.Key,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(screen.queue, name, modifier)


def featured(world: LiveWorld) -> str | None:
    value = world.one("select featured_live_product_id from public.live_stream_sessions"
                      " where id = %s", (world.session_id,))
    return None if value is None else str(value)


def test_go_live_shows_the_state_in_words_and_the_elapsed_time(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen = open_room()
    assert screen.header.state.text() == "○ Scheduled"
    assert not screen.header.end.isEnabled()
    go_live(qtbot, run, wait_until, screen, live_world)
    # A local workspace's show is a rehearsal (ACCESS.md, "Rehearsals").
    wait_until(lambda: screen.header.state.text() == "◐ Rehearsal", WAIT)
    wait_until(lambda: screen.header.elapsed.text().startswith("Elapsed "), WAIT)
    assert screen.header.end.isEnabled() and not screen.header.go_live.isEnabled()
    names = [row.name for row in screen.queue.rows]
    assert len(names) == 3
    assert "Rehearsal without video" in screen.video.mode.text()


def test_keyboard_moves_the_selection_and_features_products(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen = open_room()
    go_live(qtbot, run, wait_until, screen, live_world)
    items = live_world.items
    screen.queue.setFocus()
    screen.queue.select(items[0])
    key(qtbot, screen, Qt.Key.Key_J)
    assert screen.queue.selected_id() == items[1]
    key(qtbot, screen, Qt.Key.Key_F)
    wait_until(lambda: featured(live_world) == items[1], WAIT)
    wait_until(lambda: (screen.queue.row_for(items[1]) or Row).featured, WAIT)
    assert screen.queue.row_for(items[1]).text().startswith("● ")
    assert screen.queue.item(1).font().bold() and not screen.queue.item(0).font().bold()
    assert screen.card.name.text().startswith("● ")
    assert screen.card.stock.text() == "3"
    key(qtbot, screen, Qt.Key.Key_N)
    wait_until(lambda: featured(live_world) == items[2], WAIT)
    wait_until(lambda: screen.room.session.featured_id == items[2], WAIT)
    key(qtbot, screen, Qt.Key.Key_P)
    wait_until(lambda: featured(live_world) == items[1], WAIT)
    wait_until(lambda: screen.room.session.featured_id == items[1], WAIT)
    key(qtbot, screen, Qt.Key.Key_K)
    key(qtbot, screen, Qt.Key.Key_Return)
    wait_until(lambda: featured(live_world) == items[0], WAIT)


def test_keys_do_nothing_while_typing_in_a_text_field(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen = open_room()
    go_live(qtbot, run, wait_until, screen, live_world)
    screen.queue.select(live_world.items[0])
    screen.flash.price.setFocus()
    screen.flash.price.clear()
    qtbot.keyClicks(screen.flash.price, "jfnks")
    qtbot.keyClick(screen.flash.price, Qt.Key.Key_Return)
    qtbot.keyClick(screen.flash.price, Qt.Key.Key_Down)
    qtbot.keyClick(screen.flash.custom, Qt.Key.Key_Up)
    run(screen.wait_idle(), timeout=WAIT)
    assert screen.flash.price.text() == "jfnks"
    assert screen.queue.selected_id() == live_world.items[0]
    assert featured(live_world) is None


def test_the_shortcut_overview_lists_the_control_room_keys(open_room) -> None:
    screen = open_room()
    listed = {spec.action_id for spec in screen.actions_registry.specs()}
    assert {spec.action_id for spec, _extra in LIVE_KEYS} <= listed
    keys = [k.toString() for k in screen.actions_registry.action("live.select_next").shortcuts()]
    assert keys == ["J", "Down"]


def test_a_flash_sale_counts_down_from_the_server_window_and_cancels(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen = open_room()
    go_live(qtbot, run, wait_until, screen, live_world)
    item = live_world.items[0]
    screen.queue.setFocus()
    screen.queue.select(item)
    assert screen.flash.price.text() == "16.00"  # 20 % off the regular $20.00
    screen.flash.price.setText("15.00")
    screen.flash.duration.setCurrentText("60 s")
    screen.queue.setFocus()
    key(qtbot, screen, Qt.Key.Key_S)
    wait_until(lambda: live_world.one(
        "select flash_price from public.live_products where id = %s", (item,)) is not None,
        WAIT)
    window = live_world.one("select flash_ends_at - flash_starts_at from public.live_products"
                            " where id = %s", (item,))
    assert window.total_seconds() == 60
    assert live_world.one("select flash_price from public.live_products where id = %s",
                          (item,)) == Decimal("15.00")
    run(screen.wait_idle(), timeout=WAIT)
    wait_until(lambda: "left" in screen.flash.countdown.text(), WAIT)
    assert "$15.00" in screen.flash.countdown.text()
    # From the server's 60 s window, through the clock offset one request measured (off by at
    # most half its round trip, which a loaded machine makes long): about a minute left.
    minutes, seconds = screen.flash.countdown.text().split(": ")[-1].split()[0].split(":")
    assert 45 <= int(minutes) * 60 + int(seconds) <= 65
    row = screen.queue.row_for(item)
    assert row is not None and row.price.startswith("⚡ $15.00")
    key(qtbot, screen, Qt.Key.Key_X)
    wait_until(lambda: live_world.one(
        "select flash_ends_at <= now() from public.live_products where id = %s", (item,)),
        WAIT)
    run(screen.wait_idle(), timeout=WAIT)
    assert screen.flash.countdown.text() == "No flash sale running"
    assert not screen.flash.cancel_button.isEnabled()


def test_a_refused_flash_price_shows_at_the_field_and_changes_nothing(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen = open_room()
    go_live(qtbot, run, wait_until, screen, live_world)
    screen.queue.select(live_world.items[0])
    before = live_world.state()
    screen.flash.price.setText("25.00")  # above the regular $20.00
    qtbot.mouseClick(screen.flash.start_button, Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)
    assert screen.flash.price_error.isVisible()
    assert "must be below the live price $20.00" in screen.flash.price_error.text()
    assert live_world.state() == before

    screen.flash.price.setText("15.00")
    screen.flash.duration.setCurrentText("Custom…")
    screen.flash.custom.setValue(0)
    qtbot.mouseClick(screen.flash.start_button, Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)
    assert screen.flash.duration_error.isVisible()
    assert "between" in screen.flash.duration_error.text()
    assert live_world.state() == before
    assert screen.flash.countdown.text() == "No flash sale running"


def test_featuring_a_product_of_another_show_is_refused(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen = open_room()
    go_live(qtbot, run, wait_until, screen, live_world)
    before = live_world.state()
    screen.feature_product(live_world.other_item)
    run(screen.wait_idle(), timeout=WAIT)
    assert any("not in this show's lineup" in text for text in screen.toasts.visible_texts())
    assert any("not in this show's lineup" in text for text in screen.notices.texts())
    assert live_world.state() == before


def test_ending_the_show_asks_first_then_hands_the_report_over(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen = open_room()
    go_live(qtbot, run, wait_until, screen, live_world)
    key(qtbot, screen, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    box = screen.end_confirm
    assert box is not None and box.isVisible()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)
    assert live_world.one("select status::text from public.live_stream_sessions where id = %s",
                          (live_world.session_id,)) == "live"

    qtbot.mouseClick(screen.header.end, Qt.MouseButton.LeftButton)
    box = screen.end_confirm
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    wait_until(lambda: screen.report_dialog is not None, WAIT)
    assert isinstance(screen.report_dialog, ShowReportDialog)
    assert screen.report_dialog.report.session_id == live_world.session_id
    assert live_world.one("select status::text from public.live_stream_sessions where id = %s",
                          (live_world.session_id,)) == "ended"
    wait_until(lambda: screen.header.state.text() == "■ Ended", WAIT)
    screen.report_dialog.close()


def test_after_a_restart_the_room_reopens_on_the_live_show(
        qtbot, run, wait_until, live_world, open_room) -> None:
    first = open_room()
    go_live(qtbot, run, wait_until, first, live_world)
    first.close()
    # A new screen over the same cache, as the studio builds after a restart.
    screen = open_room(choose=False)
    wait_until(lambda: screen.room.session is not None, WAIT)
    assert screen.room.session.session_id == live_world.session_id
    assert screen.header.state.text() == "◐ Rehearsal"
    assert screen.header.picker.currentData() == live_world.session_id


def test_the_monitor_panels_follow_the_open_show(
        qtbot, run, live_world, open_room, monkeypatch) -> None:
    followed: list[tuple[str, str | None]] = []
    for cls in (ChatMonitor, ViewersPanel, SalesPanel):
        monkeypatch.setattr(cls, "follow", lambda self, sid, name=cls.__name__:
                            followed.append((name, sid)))
    screen = open_room()
    assert sorted(followed) == sorted((name, live_world.session_id) for name in
                                      ("ChatMonitor", "ViewersPanel", "SalesPanel"))
    screen.close()
    assert followed[-3:] == [("ChatMonitor", None), ("ViewersPanel", None),
                             ("SalesPanel", None)]


def test_without_a_show_server_nothing_is_offered_and_opening_says_why(
        qtbot, run, fake_context) -> None:
    screen = LiveScreen(fake_context(), ActionRegistry())
    qtbot.addWidget(screen)
    screen.show()
    run(screen.wait_idle())
    assert screen.header.title.text() == "Choose a show"
    assert not screen.header.rehearse.isVisible()
    assert not screen.header.go_live.isEnabled() and not screen.header.end.isEnabled()
    screen.open_show("00000000-0000-4000-8300-000000000900")
    run(screen.wait_idle())
    assert any("no server to run shows on" in t for t in screen.notices.texts())
    assert screen.room.session is None


class _Opener:
    """The studio's workspace opener, handing over the test's workspace."""

    def __init__(self, workspace) -> None:
        self.workspace = workspace

    async def open_local(self, data_dir, *, email=None, password=None, on_progress=None):
        return self.workspace

    async def open_supabase(self, *args, **kwargs):
        raise AssertionError("local only")


def test_the_studio_starting_with_a_live_show_opens_its_control_room(
        qtbot, qapp, run, wait_until, live_world) -> None:
    live_world.owner.execute("update public.live_stream_sessions set status = 'live',"
                             " actual_start = now() where id = %s", (live_world.session_id,))
    run(live_world.workspace.engine.sync_now(), timeout=WAIT)
    studio = Studio(qapp, app_paths(), Settings(), opener=_Opener(live_world.workspace))
    qtbot.addWidget(studio.window)
    studio.window.show()
    try:
        studio.controller.open_in_background()
        wait_until(lambda: studio.window.current_nav_id == "live", WAIT)
        screen = studio.window.screen("live")
        assert isinstance(screen, LiveScreen)
        wait_until(lambda: screen.room.session is not None, WAIT)
        assert screen.room.session.session_id == live_world.session_id
        wait_until(lambda: screen.header.state.text() == "◐ Rehearsal", WAIT)
        assert screen.ctx.show_server is not None and screen.ctx.follow_show is not None
    finally:
        studio.window.set_close_guard(None)
        studio.controller._detach()
        studio.theme.deleteLater()


def test_the_show_is_chosen_from_the_hosts_scheduled_and_live_shows(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen = open_room(choose=False)
    assert screen.room.session is None
    # "Choose a show…", then the world's show and the host's other scheduled show.
    wait_until(lambda: screen.header.picker.count() == 3, WAIT)
    index = screen.header.picker.findData(live_world.session_id)
    assert index > 0 and "scheduled" in screen.header.picker.itemText(index)
    screen.header.picker.activated.emit(index)
    wait_until(lambda: screen.room.session is not None, WAIT)
    run(screen.wait_idle(), timeout=WAIT)
    assert screen.room.session.session_id == live_world.session_id
    assert [row.id for row in screen.queue.rows] == live_world.items
