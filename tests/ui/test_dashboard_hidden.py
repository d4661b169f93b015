"""Behind another screen (a live show's control room, say) the dashboard keeps its badge and
news current with few reads and fills its views only when it is shown again."""

from __future__ import annotations

from lineup_support import HOST
from PySide6.QtWidgets import QLabel, QStackedWidget
from test_dashboard_support import FakeNotifier, world_rows
from test_dashboard_views import important

from studio.ui.actions import ActionRegistry
from studio.ui.screens.dashboard import screen as screen_module


def test_a_dashboard_behind_another_screen_reads_seldom_and_fills_its_views_when_shown(
        qtbot, run, fake_context, monkeypatch) -> None:
    loads: list[str] = []
    real_load = screen_module.load_dashboard

    def counting_load(*args, **kwargs):
        loads.append("load")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(screen_module, "load_dashboard", counting_load)
    ctx = fake_context(world_rows(), roles=frozenset({"host"}),
                       profile_ids={"host": HOST})
    notifier = FakeNotifier()
    stack = QStackedWidget()
    qtbot.addWidget(stack)
    dashboard = screen_module.DashboardScreen(ctx, ActionRegistry(), None,
                                              notifier=notifier, in_background=lambda: True)
    other = QLabel("Live")
    stack.addWidget(dashboard)
    stack.addWidget(other)
    stack.resize(1000, 640)
    stack.show()
    run(dashboard.wait_idle())
    unread_before = dashboard.data.unread
    shown_before = dashboard.notifications.unread_label.text()
    stack.setCurrentWidget(other)  # the host opens the control room
    loads.clear()

    for n in range(20):  # a burst of orders, each with its notice, one sync batch each
        ctx.insert("influencer_notifications", [important(100 + n)])
        qtbot.wait(5)
    qtbot.waitUntil(lambda: dashboard.data.unread == unread_before + 20, timeout=10_000)
    run(dashboard.wait_idle())

    assert 1 <= len(loads) <= 3  # one read per 2 s while hidden, not one per change
    assert len(notifier.sent) >= 1  # important news still reaches the tray
    assert dashboard.notifications.unread_label.text() == shown_before  # views untouched
    assert dashboard.tabs.tabText(4) == f"Notifications ({unread_before + 20})"

    stack.setCurrentWidget(dashboard)  # back on the dashboard: the views are current
    assert dashboard.notifications.unread_label.text() == f"{unread_before + 20} unread"

