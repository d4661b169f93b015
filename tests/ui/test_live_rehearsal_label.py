"""A local workspace's show is a rehearsal everywhere the studio shows it (the control room's
state, the report's title, words, CSV and PDF); the same show run from a Supabase workspace
is a show (ACCESS.md, "Rehearsals")."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from test_live_rehearsal import WAIT, status
from test_live_support import LiveWorld, live_world

from studio.session.show_report import report_csv
from studio.ui.actions import ActionRegistry
from studio.ui.screens.live.control_room import LiveScreen

__all__ = ["live_world"]


def room(qtbot: Any, run: Any, world: LiveWorld, kind: str) -> LiveScreen:
    ctx = world.context()
    if kind == "supabase":  # the same server, as a Supabase workspace's studio sees it
        ctx.workspace_kind, ctx.local_conninfo = "supabase", None
    screen = LiveScreen(ctx, ActionRegistry())
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    run(screen.wait_idle(), timeout=WAIT)
    screen.open_show(world.session_id)
    run(screen.wait_idle(), timeout=WAIT)
    return screen


def run_show(qtbot: Any, run: Any, wait_until: Any, world: LiveWorld, screen: LiveScreen
             ) -> None:
    qtbot.mouseClick(screen.header.go_live, Qt.MouseButton.LeftButton)
    wait_until(lambda: status(world) == "live", WAIT)
    run(screen.wait_idle(), timeout=WAIT)


def end(qtbot: Any, wait_until: Any, screen: LiveScreen) -> Any:
    qtbot.mouseClick(screen.header.end, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(screen.end_confirm.button(QMessageBox.StandardButton.Yes),
                     Qt.MouseButton.LeftButton)
    wait_until(lambda: screen.report_dialog is not None, WAIT)
    return screen.report_dialog


def summary(report: Any) -> dict[str, str]:
    block = report_csv(report).split("\n\n")[0]
    return dict(list(csv.reader(io.StringIO(block)))[1:])


def test_a_local_workspaces_show_is_labelled_a_rehearsal_everywhere(
        qtbot: Any, run: Any, wait_until: Any, live_world: LiveWorld, tmp_path: Path) -> None:
    screen = room(qtbot, run, live_world, "local")
    run_show(qtbot, run, wait_until, live_world, screen)
    # Public on the local server (its customers are simulated), a rehearsal for the host.
    assert live_world.one("select is_rehearsal from public.live_stream_sessions where id = %s",
                          (live_world.session_id,)) is False
    wait_until(lambda: screen.header.state.text() == "◐ Rehearsal", WAIT)

    dialog = end(qtbot, wait_until, screen)

    report = dialog.report
    assert report.rehearsal and report.kind == "Rehearsal report"
    assert dialog.windowTitle().startswith("Rehearsal report — ")
    assert dialog.findChild(QLabel, "report_title").text().startswith("◐ Rehearsal — ")
    assert dialog.words.text().startswith("The rehearsal ran ")
    assert summary(report)["rehearsal"] == "yes"
    # The report at 1280x720: every figure's name and value whole (SHOPSTREAM_SCREENSHOTS
    # keeps the image).
    dialog.resize(1280, 720)
    qtbot.wait(50)
    cut = [label.text() for label in dialog.findChildren(QLabel)
           if label.isVisible() and not label.wordWrap() and label.text()
           and label.sizeHint().width() > label.width() + 1]
    assert cut == []
    image = dialog.grab()
    assert (image.width(), image.height()) == (1280, 720)
    folder = Path(os.environ.get("SHOPSTREAM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert image.save(str(folder / "rehearsal_report_1280x720.png"))
    dialog.close()


def test_the_same_show_from_a_supabase_workspace_is_a_show(
        qtbot: Any, run: Any, wait_until: Any, live_world: LiveWorld) -> None:
    screen = room(qtbot, run, live_world, "supabase")
    assert not screen.header.rehearse.isVisible()  # no simulated audience on Supabase
    run_show(qtbot, run, wait_until, live_world, screen)
    wait_until(lambda: screen.header.state.text() == "● LIVE", WAIT)

    dialog = end(qtbot, wait_until, screen)

    report = dialog.report
    assert not report.rehearsal and report.kind == "Show report"
    assert dialog.windowTitle().startswith("Show report — ")
    assert not dialog.findChild(QLabel, "report_title").text().startswith("◐")
    assert dialog.words.text().startswith("The show ran ")
    assert summary(report)["rehearsal"] == "no"
    dialog.close()
