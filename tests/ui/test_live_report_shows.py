"""The Shows screen's "Show report…" button: enabled for an ended show, opens its report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lineup_support import host_context, settle, show_id, show_row
from PySide6.QtCore import QItemSelectionModel
from test_live_report import RowsServer, make_report, show_rows

from studio.ui.actions import ActionRegistry
from studio.ui.screens.live.report_dialog import ShowReportDialog
from studio.ui.screens.shows_screen import ShowsScreen

ENDED, PLANNED = 1, 2


def shows_screen(qtbot: Any, run: Callable[..., Any], fake_context: Callable[..., Any]
                 ) -> tuple[ShowsScreen, RowsServer]:
    rows = show_rows()
    rows["show"]["id"] = show_id(ENDED)
    server = RowsServer(rows)
    ended = show_row(ENDED, status="ended", actual_start=rows["show"]["actual_start"],
                     actual_end=rows["show"]["actual_end"])
    ctx = host_context(fake_context, [ended, show_row(PLANNED)])
    ctx.show_server = server  # what the shell sets for a signed-in workspace
    screen = ShowsScreen(ctx, ActionRegistry())
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    screen.activate()
    settle(qtbot, run, screen)
    return screen, server


def select(screen: ShowsScreen, n: int) -> None:
    screen.list.selectionModel().setCurrentIndex(
        screen.model.index(screen.model.row_of(show_id(n)), 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


def test_the_report_button_opens_an_ended_shows_report(
        qtbot: Any, run: Callable[..., Any], fake_context: Callable[..., Any]) -> None:
    screen, server = shows_screen(qtbot, run, fake_context)
    assert not screen.report_button.isEnabled()  # nothing selected

    select(screen, PLANNED)
    assert not screen.report_button.isEnabled()
    screen.report_button.click()
    settle(qtbot, run, screen)
    assert server.asked == [] and screen.findChild(ShowReportDialog) is None

    select(screen, ENDED)
    assert screen.report_button.isEnabled()
    screen.report_button.click()
    qtbot.waitUntil(lambda: screen.findChild(ShowReportDialog) is not None)

    dialog = screen.findChild(ShowReportDialog)
    expected = make_report()
    assert (dialog.report.revenue, dialog.report.units, dialog.report.unique_viewers) == (
        expected.revenue, expected.units, expected.unique_viewers)
    dialog.close()


def test_the_button_follows_the_show_ending_while_selected(
        qtbot: Any, run: Callable[..., Any], fake_context: Callable[..., Any]) -> None:
    screen, _server = shows_screen(qtbot, run, fake_context)
    select(screen, PLANNED)
    assert not screen.report_button.isEnabled()

    screen._ctx.insert("live_stream_sessions", [show_row(PLANNED, status="ended")])
    qtbot.waitUntil(screen.report_button.isEnabled)
