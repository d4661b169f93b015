"""The Dashboard's views on seeded cache rows: figures equal sums over the rows, goals and the
read state of notifications are written through the outbox, bad goal input changes nothing,
realtime unlocks toast, important news reaches the OS tray only in the background."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import QMessageBox, QSystemTrayIcon
from test_dashboard_support import (
    NOW,
    SALES,
    FakeNotifier,
    achievement_id,
    dashboard,
    goal_id,
    notification_id,
    settle,
    world_rows,
)

from studio.core.models import GoalType
from studio.ui.actions import ActionRegistry
from studio.ui.main_window import MainWindow, ScreenEntry
from studio.ui.screens.dashboard import screen as screen_module
from studio.ui.screens.dashboard.format import money_text
from studio.ui.screens.dashboard.goal_dialog import GoalDialog
from studio.ui.screens.dashboard.notifier import TrayNotifier
from studio.ui.screens.dashboard.screen import DashboardScreen

D = Decimal


def commission(status: str | None = None, *, reversed_: bool = False) -> Decimal:
    rows = world_rows()["influencer_earnings"]
    picked = [r for r in rows if (r["status"] == "reversed") == reversed_
              and (status is None or r["status"] == status)]
    return sum((D(r["amount"]) for r in picked), D("0.00"))


def test_every_model_passes_the_model_tester(qtbot, run, fake_context, qtmodeltester) -> None:
    screen, _ctx = dashboard(qtbot, run, fake_context)
    models = [screen.goals.model, screen.earnings.orders_model, screen.earnings.periods_model,
              screen.earnings.shows_model, screen.achievements.model,
              screen.notifications.model, screen.history.model]
    for model in models:
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)


def test_home_shows_next_show_month_figures_goal_bars_and_news(qtbot, run, fake_context) -> None:
    screen, _ctx = dashboard(qtbot, run, fake_context)
    home = screen.home
    december = [s for s in SALES if s[7].month == 12]
    assert home.tiles["sales"].value == money_text(sum(D(s[4]) for s in december))
    assert home.tiles["orders"].value == str(len({s[2] for s in december}))
    assert home.tiles["available"].value == money_text(commission("available"))
    assert [b.format() for b in home.goal_bars] == ["70.0%", "58.0%", "27.6%", "25.0%"]
    upcoming = [w.text() for w in home.findChildren(type(home.tiles["sales"].caption_label),
                                                    "upcoming_show")]
    assert upcoming == ["Winter candles live — in 2 days"]
    news = [w.text() for w in home.findChildren(type(home.tiles["sales"].caption_label),
                                                "news_item")]
    assert news[0] == "● New order: 4 x Item 6 · 3 h ago"


def test_earnings_totals_equal_sums_over_the_rows_and_reversals_are_left_out(
        qtbot, run, fake_context) -> None:
    screen, _ctx = dashboard(qtbot, run, fake_context)
    tiles = screen.earnings.tiles
    assert tiles["commission"].value == money_text(commission())
    assert tiles["pending"].value == money_text(commission("pending"))
    assert tiles["paid_out"].value == money_text(commission("paid_out"))
    assert tiles["reversed"].value == money_text(commission(reversed_=True))
    periods = screen.earnings.periods_model
    assert [(start.isoformat(), t.commission) for start, t in periods.records] == [
        ("2026-12-01", D("20.66")), ("2026-11-01", D("9.00"))]
    screen.earnings.granularity.setCurrentIndex(0)  # by week
    assert [start.isoformat() for start, _t in periods.records] == [
        "2026-11-30", "2026-11-23", "2026-11-16"]
    assert screen.earnings.chart.bars[-1] == ("30 Nov", 20.66)
    shows = {s.title: (s.totals.commission, s.units) for s in screen.earnings.shows_model.records}
    assert shows["December kick-off"] == (D("20.66"), 7)
    assert shows["Black Friday special"] == (D("0.00"), 0)


def test_csv_export_is_written_atomically_and_a_failed_one_changes_nothing(
        qtbot, run, fake_context, tmp_path: Path) -> None:
    screen, _ctx = dashboard(qtbot, run, fake_context)
    target = tmp_path / "earnings.csv"
    screen.export_earnings(target)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(SALES) + 2
    assert lines[-1].endswith(f",{commission()}")
    assert "Earnings exported" in screen.message.text()
    screen.export_earnings(tmp_path / "missing" / "earnings.csv")
    assert "Could not export" in screen.message.text()
    assert not (tmp_path / "missing").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def fill(dialog: GoalDialog, *, title: str, kind: str, period: str, target: str) -> None:
    dialog.title.setText(title)
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
    dialog.period.setCurrentIndex(dialog.period.findData(period))
    dialog.day.setDate(QDate(2026, 12, 10))
    dialog.target.setText(target)


def test_a_new_goal_goes_through_the_outbox_and_bad_input_changes_nothing(
        qtbot, run, fake_context) -> None:
    screen, ctx = dashboard(qtbot, run, fake_context)
    screen.tabs.setCurrentWidget(screen.goals)
    qtbot.mouseClick(screen.goals.new_button, Qt.MouseButton.LeftButton)
    dialog = screen.findChild(GoalDialog)
    assert dialog is not None
    # A second monthly revenue goal for December, and a target of zero: both refused.
    fill(dialog, title="More revenue", kind="revenue", period="monthly", target="0")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "above zero" in dialog.errors["target_value"].text()
    assert "already" in dialog.errors["period_start"].text()
    settle(qtbot, run, screen)
    assert ctx.outbox() == []
    fill(dialog, title="Units in December", kind="units", period="monthly", target="40")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, run, screen)
    [entry] = ctx.outbox()
    assert (entry.kind, entry.target) == ("upsert", "influencer_goals")
    assert {k: entry.payload[k] for k in ("title", "goal_type", "period", "period_start",
                                          "period_end", "target_value")} == {
        "title": "Units in December", "goal_type": "units", "period": "monthly",
        "period_start": "2026-12-01", "period_end": "2026-12-31", "target_value": "40.00"}
    added = [p for p in screen.data.progress if p.goal.title == "Units in December"]
    assert [(p.goal.goal_type, p.current) for p in added] == [(GoalType.UNITS, D(7))]


def test_editing_sends_only_what_changed_and_deleting_asks_first(
        qtbot, run, fake_context) -> None:
    screen, ctx = dashboard(qtbot, run, fake_context)
    goal = next(g for g in screen.data.goals if str(g.id) == goal_id(1))
    dialog = screen.edit_goal(goal)
    assert dialog is not None and not dialog.kind.isEnabled()
    dialog.target.setText("650")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, run, screen)
    [edit] = ctx.outbox()
    assert edit.payload == {"id": goal_id(1), "target_value": "650.00"}
    assert edit.base_version == 1

    box = screen.ask_delete_goal(goal)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    settle(qtbot, run, screen)
    assert len(ctx.outbox()) == 1
    box = screen.ask_delete_goal(goal)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    settle(qtbot, run, screen)
    assert [(e.kind, e.row_id) for e in ctx.outbox()][1:] == [("delete", goal_id(1))]
    assert goal_id(1) not in {str(g.id) for g in screen.data.goals}


def test_past_periods_show_met_or_missed(qtbot, run, fake_context) -> None:
    screen, _ctx = dashboard(qtbot, run, fake_context)
    screen.goals.which.setCurrentIndex(screen.goals.which.findData("past"))
    assert [(p.goal.title, str(p.outcome)) for p in screen.goals.model.records] == [
        ("November revenue", "missed")]


def test_notifications_unread_count_filter_and_mark_read(qtbot, run, fake_context) -> None:
    screen, ctx = dashboard(qtbot, run, fake_context)
    window = MainWindow([ScreenEntry("dashboard", "Dashboard", symbol="▦")], ActionRegistry())
    qtbot.addWidget(window)
    screen.setParent(window)
    screen.reload()
    settle(qtbot, run, screen)
    inbox = screen.notifications
    assert inbox.unread_label.text() == "2 unread"
    assert screen.tabs.tabText(4) == "Notifications (2)"
    assert window.nav.item(0).text().endswith("Dashboard  (2)")
    inbox.type_filter.setCurrentIndex(inbox.type_filter.findData("order"))
    assert [n.title for n in inbox.model.records] == [
        "New order: 4 x Item 6", "New order: 2 x Item 1"]
    inbox.table.selectRow(0)
    qtbot.mouseClick(inbox.read_button, Qt.MouseButton.LeftButton)
    settle(qtbot, run, screen)
    [entry] = ctx.outbox()
    assert entry.payload["id"] == notification_id(4) and entry.payload["is_read"] is True
    assert inbox.unread_label.text() == "1 unread"
    inbox.type_filter.setCurrentIndex(0)
    qtbot.mouseClick(inbox.all_read_button, Qt.MouseButton.LeftButton)
    settle(qtbot, run, screen)
    assert [e.payload["id"] for e in ctx.outbox()][1:] == [notification_id(2)]
    assert inbox.unread_label.text() == "All read"
    assert window.nav.item(0).text().endswith("Dashboard")
    assert not inbox.all_read_button.isEnabled()


def test_a_realtime_unlock_toasts(qtbot, run, fake_context) -> None:
    screen, ctx = dashboard(qtbot, run, fake_context)
    screen.resize(1000, 640)
    screen.show()
    assert screen.toasts == []
    badge = next(r for r in world_rows()["influencer_achievements"]
                 if r["id"] == achievement_id(2))
    ctx.insert("influencer_achievements", [{**badge, "progress": "10",
                                            "unlocked_at": (NOW - timedelta(minutes=1))
                                            .isoformat()}])
    qtbot.waitUntil(lambda: screen.toasts == ["Achievement unlocked: Ten orders"])
    assert screen.toast.isVisible() and screen.toast.text() == "Achievement unlocked: Ten orders"
    assert screen.achievements.summary.text() == "2 of 3 unlocked"


def important(n: int, kind: str = "sold_out") -> dict:
    row = world_rows()["influencer_notifications"][0]
    return {**row, "id": notification_id(n), "type": kind, "title": f"Sold out: item {n}",
            "body": f"Nothing left of item {n}", "is_read": False, "read_at": None,
            "created_at": NOW.isoformat()}


@pytest.mark.parametrize(("background", "tray", "sent"), [
    (True, True, [("Sold out: item 9", "Nothing left of item 9")]),
    (False, True, []),
    (True, False, []),
])
def test_important_news_reaches_the_tray_only_in_the_background(
        qtbot, run, fake_context, background: bool, tray: bool, sent: list) -> None:
    notifier = FakeNotifier(tray=tray)
    screen, ctx = dashboard(qtbot, run, fake_context, notifier=notifier, background=background)
    ctx.insert("influencer_notifications", [important(9), {**important(10, "order"),
                                                           "title": "New order"}])
    qtbot.waitUntil(lambda: screen.notifications.unread_label.text() == "4 unread")
    assert notifier.sent == sent


def test_without_a_system_tray_the_tray_notifier_stays_quiet(qapp) -> None:
    notifier = TrayNotifier()
    assert notifier.available() is QSystemTrayIcon.isSystemTrayAvailable()
    if not notifier.available():  # offscreen: nothing is shown and nothing fails
        notifier.notify("Sold out", "Nothing left")
        assert notifier._tray is None


def test_one_click_on_a_past_show_opens_its_report(qtbot, run, fake_context,
                                                   monkeypatch) -> None:
    opened: list[str] = []

    async def fake_open(_ctx, session_id, _parent=None, **_kw):
        opened.append(session_id)

    monkeypatch.setattr(screen_module, "open_show_report", fake_open)
    screen, _ctx = dashboard(qtbot, run, fake_context)
    history = screen.history
    screen.resize(1200, 700)
    screen.show()
    screen.tabs.setCurrentWidget(history)
    assert [s.title for s in history.model.records] == [
        "December kick-off", "Black Friday special", "Cosy November"]
    rect = history.table.visualRect(history.model.index(1, history.report_column))
    qtbot.mouseClick(history.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    settle(qtbot, run, screen)
    assert opened == [str(history.model.record(1).id)]


def test_a_non_host_sees_why_there_is_nothing(qtbot, run, fake_context) -> None:
    ctx = fake_context({}, roles=frozenset({"wholesaler"}), profile_ids={"wholesaler": "w"})
    screen = DashboardScreen(ctx, ActionRegistry(), None, notifier=FakeNotifier())
    qtbot.addWidget(screen)
    screen.activate()
    run(screen.wait_idle())
    assert screen.data is None and screen.stack.currentIndex() == 0


def test_money_follows_the_locale(qapp) -> None:
    us = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    de = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    assert money_text(D("1234.5"), us) == "$1,234.50"
    assert money_text(D("1234.5"), de) == "1.234,50\xa0$"
    assert money_text(D("9999999999.99"), us) == "$9,999,999,999.99"  # exact to the cent
    assert money_text(D("1234.5"), QLocale.c()) == "$1,234.50"  # no grouping in C: our own
    assert money_text(None, us) == "—"


def test_a_refused_goal_write_is_said_on_the_screen(qtbot, run, fake_context) -> None:
    screen, ctx = dashboard(qtbot, run, fake_context)
    ctx.signals.op_rejected.emit("op", "live_products", "Not mine", "", "")
    assert not screen.message.isVisibleTo(screen)
    ctx.signals.op_rejected.emit("op", "influencer_goals", "duplicate goal for this period",
                                 "23505", "")
    assert screen.message.text() == (
        "The server refused a change: duplicate goal for this period")
