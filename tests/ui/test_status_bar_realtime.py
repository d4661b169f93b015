"""The status bar says whether changes arrive live or by polling, and why realtime is down."""

from __future__ import annotations

from studio.sync.engine.realtime_link import RealtimeStatus
from studio.ui.context import SyncSignals
from studio.ui.status_bar import SyncStatusBar


def test_live_and_polling_are_said_in_words(qtbot) -> None:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    signals = SyncSignals()
    bar.bind(signals)
    bar.show()
    assert bar.realtime_label.isHidden()  # nothing said before the engine says something

    down = RealtimeStatus(False, "the connection to realtime broke", 10.0)
    signals.realtime_changed.emit(down.live, down.text)
    assert bar.realtime_label.text() == (
        "Polling every 10 s (realtime down: the connection to realtime broke)"
    )
    assert bar.realtime_live is False and bar.realtime_label.isVisible()
    assert "Polling every 10 s" in bar.realtime_label.accessibleName()

    signals.realtime_changed.emit(True, RealtimeStatus(True).text)
    assert (bar.realtime_label.text(), bar.realtime_live) == ("Live updates", True)

    bar.set_state("signed_out", 0, "Nobody is signed in")  # no workspace: nothing to say
    assert bar.realtime_label.isHidden() and bar.realtime_live is None


def test_a_new_workspace_signals_replace_the_old_ones(qtbot) -> None:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    old, new = SyncSignals(), SyncSignals()
    bar.bind(old)
    bar.bind(new)
    old.realtime_changed.emit(True, "Live updates")
    assert bar.realtime_live is None  # the old workspace is not listened to any more
    new.realtime_changed.emit(False, "Polling every 10 s (realtime down: x)")
    assert bar.realtime_live is False
