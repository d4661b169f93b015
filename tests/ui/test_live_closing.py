"""Closing the workspace under a running control room: its figures, chat and session stop
before the cache reader shuts down, so nothing is logged as an error."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from test_live_rehearsal import WAIT, buy, status
from test_live_support import LiveWorld, live_world

from studio.ui.actions import ActionRegistry
from studio.ui.screens.live.control_room import LiveScreen

__all__ = ["live_world"]
LIVE_TABLES = frozenset({"live_stream_sessions", "live_stream_viewers", "live_stream_chat",
                         "order_items", "live_products", "influencer_goals"})


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_closing_the_workspace_mid_show_logs_no_error(
        qtbot, run, wait_until, live_world: LiveWorld) -> None:
    # Not given to qtbot: the shell deletes it, as it does when the window closes.
    screen = LiveScreen(live_world.context(), ActionRegistry())
    screen.resize(1100, 700)
    screen.show()
    run(screen.wait_idle(), timeout=WAIT)
    screen.open_show(live_world.session_id)
    run(screen.wait_idle(), timeout=WAIT)
    qtbot.mouseClick(screen.header.go_live, Qt.MouseButton.LeftButton)
    wait_until(lambda: status(live_world) == "live", WAIT)
    run(screen.wait_idle(), timeout=WAIT)
    buy(run, live_world, live_world.items[0], 1)
    wait_until(lambda: screen.sales.orders.rowCount() == 1, WAIT)
    ctx, bridge = live_world.contexts[-1]
    logged = Collect()
    logging.getLogger().addHandler(logged)

    # What the shell does when the window closes, with a batch of changes just delivered:
    # the screens go (deleted later), the cache reader shuts down, the bridge detaches.
    ctx.signals.tables_changed.emit(LIVE_TABLES)
    screen.hide()
    screen.deleteLater()
    ctx.close()
    bridge.detach()
    live_world.contexts.remove((ctx, bridge))
    try:
        qtbot.wait(300)  # the tasks already scheduled run (and must stop quietly)
    finally:
        logging.getLogger().removeHandler(logged)

    assert [r.getMessage() for r in logged.records] == []
