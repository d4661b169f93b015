"""Quitting the studio, signing out or switching user with unsaved show edits asks Save /
Discard / Cancel first, the same question selecting another show asks
(ShowsScreen.confirm_leave)."""

from __future__ import annotations

import pytest
from lineup_support import sample_rows, show_id, show_row
from PySide6.QtWidgets import QMessageBox
from test_shell_startup import FakeOpener, FakeWorkspace, make_studio  # noqa: F401 (fixture)

from studio.server.demo_accounts import DEMO_HOST, DEMO_PASSWORD, DEMO_WHOLESALER
from studio.ui.workspace_controller import KEPT_FOR_UNSAVED

Button = QMessageBox.StandardButton


def answer(wait_until, studio, button: QMessageBox.StandardButton) -> None:
    found: list[QMessageBox] = []

    def asked() -> bool:
        box = studio.window.findChild(QMessageBox, "unsaved_prompt")
        found[:] = [box] if box is not None and box.isVisible() else []
        return bool(found)

    wait_until(asked)
    found[0].button(button).click()


@pytest.fixture
def studio_with_a_show(make_studio, run, fake_context):  # noqa: F811 (the imported fixture)
    rows = sample_rows([show_row(1, host=DEMO_HOST.profile_id, title="Cozy Sunday")])
    ctx = fake_context(rows)
    studio = make_studio(FakeOpener(FakeWorkspace(ctx)))
    run(studio.controller.open_in_background())
    studio.window.navigate("shows")
    screen = studio.window.screen("shows")
    run(screen.wait_idle())
    screen.select_show(show_id(1))
    run(screen.wait_idle())
    return studio, screen, ctx


def test_quitting_with_unsaved_show_edits_asks_and_cancel_keeps_the_studio_open(
    run, wait_until, studio_with_a_show
) -> None:
    studio, screen, ctx = studio_with_a_show
    screen.editor.title.setText("Cozy Sunday, live")
    studio.window.close()
    answer(wait_until, studio, Button.Cancel)
    run(studio._shutdown_task)
    assert studio.window.isVisible() and not studio.finished.is_set()
    assert screen.editor.title.text() == "Cozy Sunday, live" and screen.editor.is_dirty
    # Asked again on the next try; Save writes the change, then the studio closes.
    studio.window.close()
    answer(wait_until, studio, Button.Save)
    run(studio._shutdown_task)
    assert studio.finished.is_set() and not studio.window.isVisible()
    assert [op.payload for op in ctx.outbox()] == [
        {"id": show_id(1), "title": "Cozy Sunday, live"}]


def test_quitting_without_unsaved_edits_asks_nothing(run, studio_with_a_show) -> None:
    studio, _screen, _ctx = studio_with_a_show
    studio.window.close()
    run(studio._shutdown_task)
    assert studio.finished.is_set()
    assert studio.window.findChild(QMessageBox, "unsaved_prompt") is None


def test_signing_out_with_unsaved_edits_asks_and_cancel_keeps_user_and_edits(
    run, wait_until, studio_with_a_show
) -> None:
    studio, screen, ctx = studio_with_a_show
    workspace = studio.controller.workspace
    screen.editor.title.setText("Cozy Sunday, live")
    signing_out = studio.settings_screen.sign_out()
    answer(wait_until, studio, Button.Cancel)
    run(signing_out)
    assert workspace.email == DEMO_HOST.email
    assert studio.window.screen("shows") is screen and screen.editor.is_dirty
    assert screen.editor.title.text() == "Cozy Sunday, live"
    assert studio.settings_screen.account_result.label.text() == KEPT_FOR_UNSAVED
    assert ctx.outbox() == []
    # Save: the edit is queued first, then the user is signed out.
    signing_out = studio.settings_screen.sign_out()
    answer(wait_until, studio, Button.Save)
    run(signing_out)
    assert workspace.email is None
    assert [op.payload for op in ctx.outbox()] == [
        {"id": show_id(1), "title": "Cozy Sunday, live"}]


def test_switching_user_with_unsaved_edits_asks_and_discard_drops_them(
    run, wait_until, studio_with_a_show
) -> None:
    studio, screen, ctx = studio_with_a_show
    workspace = studio.controller.workspace
    screen.editor.title.setText("Cozy Sunday, renamed")
    switching = studio.settings_screen.sign_in_as(DEMO_WHOLESALER.email, DEMO_PASSWORD)
    answer(wait_until, studio, Button.Discard)
    run(switching)
    assert workspace.sign_ins == [DEMO_WHOLESALER.email]
    assert workspace.email == DEMO_WHOLESALER.email
    assert ctx.outbox() == []


def test_switching_user_without_unsaved_edits_asks_nothing(run, studio_with_a_show) -> None:
    studio, _screen, _ctx = studio_with_a_show
    run(studio.settings_screen.sign_in_as(DEMO_WHOLESALER.email, DEMO_PASSWORD))
    assert studio.controller.workspace.email == DEMO_WHOLESALER.email
    assert studio.window.findChild(QMessageBox, "unsaved_prompt") is None
