"""The Shows screen: the host's show list, creating and editing a show, and its actions."""

from __future__ import annotations

import asyncio
import json
import warnings
from datetime import datetime

import pytest
from lineup_support import (
    HOST,
    OTHER_HOST,
    host_context,
    item_row,
    product_id,
    settle,
    show_id,
    show_row,
)
from PySide6.QtCore import QDateTime, QMimeData, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.sync.lineup_ops import SHOW_INSERT_COLUMNS
from studio.ui.actions import ActionRegistry
from studio.ui.models.lineup_model import PRODUCT_IDS_MIME
from studio.ui.models.shows_model import (
    CODE,
    ITEMS,
    SHOW_ID_ROLE,
    STARTS,
    STATUS,
    TITLE,
    ShowsModel,
)
from studio.ui.screens.shows_screen import NOT_A_HOST, ShowsScreen

LINEUP_ACTIONS = {
    "shows.new": "Ctrl+N",
    "shows.save": "Ctrl+S",
    "lineup.add_from_catalog": "Ctrl+Shift+A",
    "lineup.move_up": "Alt+Up",
    "lineup.move_down": "Alt+Down",
    "lineup.move_top": "Ctrl+Home",
    "lineup.move_bottom": "Ctrl+End",
    "lineup.remove": "Delete",
    "lineup.bulk_pricing": "Ctrl+Shift+P",
    "lineup.undo": "Ctrl+Z",
}


def open_screen(qtbot, run, ctx, actions: ActionRegistry | None = None) -> ShowsScreen:
    screen = ShowsScreen(ctx, actions or ActionRegistry())
    qtbot.addWidget(screen)
    screen.resize(1400, 800)
    screen.show()
    screen.activate()
    run(screen.wait_idle())
    return screen


def local(text: str) -> str:
    """A UTC timestamp as the list shows it: in this computer's time zone, the year only when
    it is not this year."""
    moment = datetime.fromisoformat(text).astimezone()
    year = "" if moment.year == datetime.now().year else f" {moment:%Y}"
    return f"{moment:%a} {moment.day} {moment:%b}{year}, {moment:%H:%M}"


def qdt(text: str) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(datetime.fromisoformat(text).timestamp()))


@pytest.fixture
def shows(fake_context):
    return host_context(
        fake_context,
        [show_row(1, title="Cozy Sunday"), show_row(2, title="Winter Warmers", status="live"),
         show_row(3, title="Old show", status="ended"), show_row(4, host=OTHER_HOST)],
        [item_row(1, 1, 1, 0), item_row(2, 1, 2, 1), item_row(3, 2, 3, 0)],
    )


def test_the_list_shows_the_hosts_shows_latest_first(qtbot, run, shows, qtmodeltester) -> None:
    screen = open_screen(qtbot, run, shows)
    model: ShowsModel = screen.model
    qtmodeltester.check(model)
    rows = [[model.index(r, c).data() for c in (TITLE, STARTS, STATUS, ITEMS, CODE)]
            for r in range(model.rowCount())]
    assert rows == [
        ["Old show", local("2026-12-03T18:00:00+00:00"), "Ended", "0", "CODE0003"],
        ["Winter Warmers", local("2026-12-02T18:00:00+00:00"), "Live", "1", "CODE0002"],
        ["Cozy Sunday", local("2026-12-01T18:00:00+00:00"), "Scheduled", "2", "CODE0001"],
    ]


def test_every_command_is_registered_with_its_shortcut(qtbot, run, shows) -> None:
    actions = ActionRegistry()
    open_screen(qtbot, run, shows, actions)
    registered = {spec.action_id: spec.shortcut for spec in actions.specs()}
    assert {k: registered[k] for k in LINEUP_ACTIONS} == LINEUP_ACTIONS


def test_creating_a_show_queues_exactly_the_insertable_columns(qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    qtbot.keyClick(screen.list, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = screen.editor
    assert editor.is_new and screen.detail.currentIndex() == 1
    qtbot.keyClicks(editor.title, "Holiday Gift Guide")
    editor.description.setPlainText("Gifts under $30")
    editor.start.setDateTime(qdt("2026-12-20T18:00:00+00:00"))
    editor.end.setDateTime(qdt("2026-12-20T19:30:00+00:00"))
    editor.rehearsal.setChecked(True)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, run, screen)

    (op,) = shows.outbox()
    assert (op.kind, op.target, set(op.payload)) == (
        "upsert", "live_stream_sessions", set(SHOW_INSERT_COLUMNS))
    new_id = op.payload["id"]
    assert {k: v for k, v in op.payload.items() if k != "id"} == {
        "influencer_id": HOST, "title": "Holiday Gift Guide", "description": "Gifts under $30",
        "thumbnail_url": None, "scheduled_start": "2026-12-20T18:00:00.000000Z",
        "scheduled_end": "2026-12-20T19:30:00.000000Z", "is_rehearsal": True,
        "chat_enabled": True,
    }
    cached = shows.reader.get("live_stream_sessions", new_id)
    assert (cached["title"], cached["status"], cached["session_code"]) == (
        "Holiday Gift Guide", "scheduled", None)
    row = screen.model.row_of(new_id)
    assert screen.model.index(row, TITLE).data() == "Holiday Gift Guide (rehearsal)"
    assert screen.model.index(row, CODE).data() == "after sync"
    assert screen.list.currentIndex().row() == row
    assert screen.lineup.show_id == new_id and not editor.is_new

    screen.add_products([product_id(3)])
    settle(qtbot, run, screen)
    assert [o.payload["session_id"] for o in shows.outbox()[1:]] == [new_id]


@pytest.mark.parametrize(
    ("title", "start", "end", "field", "message"),
    [
        ("   ", "2026-12-20T18:00:00+00:00", "2026-12-20T19:00:00+00:00", "title",
         "Title is required"),
        ("x" * 201, "2026-12-20T18:00:00+00:00", "2026-12-20T19:00:00+00:00", "title",
         "Title must be at most 200 characters (now 201)"),
        ("Late", "2026-12-20T18:00:00+00:00", "2026-12-20T17:00:00+00:00", "scheduled_end",
         "The end must be after the start"),
    ],
)
def test_an_invalid_show_shows_the_reason_under_its_field_and_sends_nothing(
    qtbot, run, shows, title: str, start: str, end: str, field: str, message: str
) -> None:
    screen = open_screen(qtbot, run, shows)
    screen.new_show()
    editor = screen.editor
    editor.title.setText(title)
    editor.start.setDateTime(qdt(start))
    editor.end.setDateTime(qdt(end))
    assert run(editor.save_now()) is False
    assert editor.error_text(field) == message
    assert [name for name in editor.errors if editor.error_text(name)] == [field]
    assert shows.outbox() == []
    assert screen.model.rowCount() == 3


def test_editing_a_show_sends_only_what_changed(qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    screen.select_show(show_id(1))
    run(screen.wait_idle())
    screen.editor.title.setText("Cozy Sunday: home finds")
    assert run(screen.editor.save_now())
    settle(qtbot, run, screen)
    assert [op.payload for op in shows.outbox()] == [
        {"id": show_id(1), "title": "Cozy Sunday: home finds"}]
    row = screen.model.row_of(show_id(1))
    assert screen.model.index(row, TITLE).data() == "Cozy Sunday: home finds"


def test_a_refused_show_edit_is_explained_under_the_field(qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    screen.select_show(show_id(1))
    run(screen.wait_idle())
    screen.editor.end.setDateTime(qdt("2026-12-01T20:00:00+00:00"))
    assert run(screen.editor.save_now())
    (op,) = shows.outbox()
    refusal = ('new row for relation "live_stream_sessions" violates check constraint '
               '"live_stream_sessions_check"')
    shows.signals.op_rejected.emit(op.op_id, "live_stream_sessions", refusal, "23514", "")
    settle(qtbot, run, screen)
    assert screen.editor.error_text("scheduled_end") == (
        f"The server refused this change: {refusal}")


def test_a_finished_show_cannot_be_edited(qtbot, run, shows) -> None:
    actions = ActionRegistry()
    screen = open_screen(qtbot, run, shows, actions)
    screen.select_show(show_id(3))
    run(screen.wait_idle())
    assert not screen.editor.title.isEnabled() and not screen.editor.save_button.isEnabled()
    assert screen.lineup.locked.text() == (
        "This show has ended; its lineup can no longer be changed")
    assert not actions.action("lineup.remove").isEnabled()
    screen.select_show(show_id(1))
    run(screen.wait_idle())
    assert screen.editor.title.isEnabled() and actions.action("lineup.remove").isEnabled()


def test_adding_without_a_selected_show_goes_to_the_next_upcoming_show(
        qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    assert screen.lineup.show_id is None
    screen.add_products([product_id(5)])
    settle(qtbot, run, screen)
    settle(qtbot, run, screen.lineup)
    # Show 1 is the only scheduled one (show 2 is live, show 3 ended).
    assert screen.lineup.show_id == show_id(1)
    assert screen.list.currentIndex().data(SHOW_ID_ROLE) == show_id(1)
    (op,) = shows.outbox()
    assert (op.target, op.payload["session_id"], op.payload["product_id"]) == (
        "live_products", show_id(1), product_id(5))


def test_adding_with_no_show_to_plan_explains_what_to_do(qtbot, run, fake_context) -> None:
    ctx = host_context(fake_context, [show_row(3, title="Old show", status="ended")])
    screen = open_screen(qtbot, run, ctx)
    screen.add_products([product_id(1)])
    settle(qtbot, run, screen)
    assert screen.placeholder.text() == "Select a show first, then add the products again."
    assert ctx.outbox() == []
    screen.new_show()
    screen.add_products([product_id(1)])
    settle(qtbot, run, screen)
    assert screen.editor.error_text("form") == (
        "Create the show first, then add the products again.")
    assert ctx.outbox() == []


def test_product_drags_are_accepted_once_a_show_is_selected(qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    mime = QMimeData()
    mime.setData(PRODUCT_IDS_MIME, json.dumps([product_id(5)]).encode())

    def enter() -> bool:
        with warnings.catch_warnings():  # Qt marks the QPoint constructor deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            event = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                                    Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        event.ignore()
        screen.dragEnterEvent(event)
        return event.isAccepted()

    assert not enter()
    screen.select_show(show_id(1))
    run(screen.wait_idle())
    assert enter()


def test_someone_without_a_host_profile_is_told_to_sign_in_as_a_host(
    qtbot, run, fake_context
) -> None:
    ctx = fake_context({}, roles=frozenset({"customer"}), profile_ids={"customer": HOST})
    screen = open_screen(qtbot, run, ctx)
    assert screen.placeholder.text() == NOT_A_HOST
    assert not screen.new_button.isEnabled()
    screen.new_show()
    assert ctx.outbox() == [] and screen.detail.currentIndex() == 0
    assert QApplication.instance() is not None


# ---------------------------------------------------------------------- unsaved changes


def click_row(qtbot, screen: ShowsScreen, show_n: int) -> None:
    """Click a show in the list, as the user does."""
    index = screen.model.index(screen.model.row_of(show_id(show_n)), TITLE)
    qtbot.mouseClick(screen.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=screen.list.visualRect(index).center())


def answer_prompt(wait_until, screen: ShowsScreen, button: QMessageBox.StandardButton) -> str:
    """Wait for the Save / Discard / Cancel question, click `button`; returns its text."""
    box = None

    def asked() -> bool:
        nonlocal box
        box = screen.findChild(QMessageBox, "unsaved_prompt")
        return box is not None and box.isVisible()

    wait_until(asked)
    assert box is not None
    text = box.text()
    box.button(button).click()
    return text


def test_unsaved_typing_is_marked_in_the_heading_and_enables_save(qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    screen.select_show(show_id(1))
    run(screen.wait_idle())
    editor = screen.editor
    assert (editor.heading.text(), editor.is_dirty) == ("Cozy Sunday", False)
    assert not editor.unsaved.isVisible() and not editor.save_button.isEnabled()
    qtbot.keyClicks(editor.title, " live")
    assert editor.heading.text() == "• Cozy Sunday" and editor.is_dirty
    assert editor.unsaved.isVisible() and editor.unsaved.text() == "Unsaved changes"
    assert editor.save_button.isEnabled() and editor.revert_button.isEnabled()
    # Typing it back is no change any more.
    for _ in " live":
        qtbot.keyClick(editor.title, Qt.Key.Key_Backspace)
    assert editor.heading.text() == "Cozy Sunday" and not editor.save_button.isEnabled()
    editor.chat.setChecked(False)
    assert editor.is_dirty
    qtbot.mouseClick(editor.revert_button, Qt.MouseButton.LeftButton)
    assert not editor.is_dirty and editor.chat.isChecked() and not editor.unsaved.isVisible()


@pytest.mark.parametrize(
    ("button", "lands_on", "outbox"),
    [
        (QMessageBox.StandardButton.Cancel, 1, []),
        (QMessageBox.StandardButton.Discard, 2, []),
        (QMessageBox.StandardButton.Save, 2, [{"id": show_id(1), "title": "Cozy Sunday 2"}]),
    ],
    ids=["cancel", "discard", "save"],
)
def test_selecting_another_show_with_unsaved_changes_asks_first(
    qtbot, run, wait_until, shows, button, lands_on: int, outbox: list
) -> None:
    screen = open_screen(qtbot, run, shows)
    click_row(qtbot, screen, 1)
    run(screen.wait_idle())
    qtbot.keyClicks(screen.editor.title, " 2")
    click_row(qtbot, screen, 2)
    # Until answered, the edited show stays selected and its typing stays.
    assert screen.list.currentIndex().data(SHOW_ID_ROLE) == show_id(1)
    assert answer_prompt(wait_until, screen, button) == "Save your changes to “Cozy Sunday”?"
    settle(qtbot, run, screen)
    assert screen.list.currentIndex().data(SHOW_ID_ROLE) == show_id(lands_on)
    assert screen.lineup.show_id == show_id(lands_on)
    assert [op.payload for op in shows.outbox()] == outbox
    if lands_on == 1:
        assert screen.editor.title.text() == "Cozy Sunday 2" and screen.editor.is_dirty
    else:
        assert screen.editor.title.text() == "Winter Warmers" and not screen.editor.is_dirty


def test_a_save_the_rules_refuse_keeps_the_show_and_its_reason(
    qtbot, run, wait_until, shows
) -> None:
    screen = open_screen(qtbot, run, shows)
    click_row(qtbot, screen, 1)
    run(screen.wait_idle())
    screen.editor.title.clear()
    click_row(qtbot, screen, 2)
    answer_prompt(wait_until, screen, QMessageBox.StandardButton.Save)
    settle(qtbot, run, screen)
    assert screen.list.currentIndex().data(SHOW_ID_ROLE) == show_id(1)
    assert screen.editor.error_text("title") == "Title is required"
    assert shows.outbox() == []


def test_new_show_and_quitting_ask_about_unsaved_changes_too(
    qtbot, run, wait_until, shows
) -> None:
    screen = open_screen(qtbot, run, shows)
    screen.select_show(show_id(1))
    run(screen.wait_idle())
    screen.editor.description.setPlainText("Now with a description")
    qtbot.keyClick(screen.list, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    answer_prompt(wait_until, screen, QMessageBox.StandardButton.Cancel)
    settle(qtbot, run, screen)
    assert not screen.editor.is_new and screen.editor.is_dirty
    # Quitting asks the same question (the shell awaits confirm_leave).
    leaving = asyncio.ensure_future(screen.confirm_leave())
    answer_prompt(wait_until, screen, QMessageBox.StandardButton.Discard)
    assert run(leaving) is True
    assert not screen.editor.is_dirty and shows.outbox() == []
    # Nothing unsaved: nothing is asked.
    assert run(screen.confirm_leave()) is True
    assert screen.findChild(QMessageBox, "unsaved_prompt") is None


# ---------------------------------------------------------------------- schedule rules

CLOCK = datetime.fromisoformat("2026-12-10T12:00:00+00:00")


def test_a_new_show_starting_in_the_past_is_refused_at_the_field(qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    screen.new_show()
    editor = screen.editor
    editor.clock = lambda: CLOCK
    editor.title.setText("Too late")
    editor.start.setDateTime(qdt("2026-12-09T18:00:00+00:00"))
    # The reason shows as soon as the start is picked, next to it.
    assert editor.error_text("scheduled_start") == (
        "A new show cannot start in the past: pick a later time")
    assert run(editor.save_now()) is False
    assert [name for name in editor.errors if editor.error_text(name)] == ["scheduled_start"]
    assert shows.outbox() == [] and screen.model.rowCount() == 3
    editor.start.setDateTime(qdt("2026-12-11T18:00:00+00:00"))
    assert editor.error_text("scheduled_start") == ""
    assert run(editor.save_now()) is True
    (op,) = shows.outbox()
    assert (op.payload["scheduled_start"], op.payload["scheduled_end"]) == (
        "2026-12-11T18:00:00.000000Z", "2026-12-11T19:00:00.000000Z")


def test_moving_the_start_moves_the_end_and_keeps_the_length(qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    screen.new_show()
    editor = screen.editor
    editor.start.setDateTime(qdt("2026-12-20T18:00:00+00:00"))
    editor.end.setDateTime(qdt("2026-12-20T19:30:00+00:00"))
    editor.start.setDateTime(qdt("2027-01-05T09:15:00+00:00"))
    assert editor.end.dateTime() == qdt("2027-01-05T10:45:00+00:00")
    # Typing into the start field (a real key press) moves the end the same way.
    editor.start.setFocus()
    editor.start.setCurrentSection(editor.start.sectionAt(0))
    editor.start.setSelectedSection(editor.start.currentSection())
    before = editor.start.dateTime()
    qtbot.keyClick(editor.start, Qt.Key.Key_Up)
    moved = before.secsTo(editor.start.dateTime())
    assert moved != 0
    assert editor.start.dateTime().secsTo(editor.end.dateTime()) == 90 * 60


def test_an_end_before_the_start_is_refused_next_to_the_end(qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    screen.select_show(show_id(1))
    run(screen.wait_idle())
    editor = screen.editor
    editor.end.setDateTime(qdt("2026-12-01T17:00:00+00:00"))
    assert editor.error_text("scheduled_end") == "The end must be after the start"
    assert run(editor.save_now()) is False and shows.outbox() == []


def test_an_existing_show_keeps_its_past_start(qtbot, run, shows) -> None:
    screen = open_screen(qtbot, run, shows)
    screen.select_show(show_id(1))  # starts 2026-12-01, before the clock
    run(screen.wait_idle())
    editor = screen.editor
    editor.clock = lambda: CLOCK
    editor.title.setText("Cozy Sunday (rescheduled later)")
    assert run(editor.save_now()) is True
    # Moving it to another time in the past is refused; the saved start is kept.
    editor.start.setDateTime(qdt("2026-12-02T18:00:00+00:00"))
    assert editor.error_text("scheduled_start") == (
        "A show cannot be moved to a time in the past: pick a later time")
    assert run(editor.save_now()) is False
    assert [op.payload for op in shows.outbox()] == [
        {"id": show_id(1), "title": "Cozy Sunday (rescheduled later)"}]

