"""End to end: the Dashboard over a real workspace (embedded server with the seed, local
backend, offline cache, sync engine). Its goal values equal the server's goal_progress, its
commission totals equal SQL sums over the same rows, a goal made in the form reaches the
server, and the read state of notifications goes both ways."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from seeded_host import SYNC_TIMEOUT, seeded_copy, synced_host
from test_dashboard_layout import SIZE, cut_words
from test_dashboard_support import FakeNotifier

from studio.core.models import GoalType
from studio.sync.workspace import Workspace
from studio.ui.actions import ActionRegistry
from studio.ui.main_window import MainWindow, ScreenEntry
from studio.ui.screens.dashboard.format import money_text
from studio.ui.screens.dashboard.goal_dialog import GoalDialog
from studio.ui.screens.dashboard.screen import DashboardScreen

__all__ = ["seeded_copy"]


@pytest.fixture
def studio(qtbot, run, seeded_copy: str, tmp_path: Path):
    with synced_host(run, seeded_copy, tmp_path / "data") as (workspace, ctx):
        screen = DashboardScreen(ctx, ActionRegistry(), notifier=FakeNotifier(),
                                 in_background=lambda: False)
        qtbot.addWidget(screen)
        run(screen.wait_idle())
        yield workspace, screen


def sync(qtbot, run, workspace: Workspace, screen: DashboardScreen) -> None:
    status = run(workspace.engine.sync_now(), timeout=SYNC_TIMEOUT)
    assert status.pending_ops == 0, status
    for _ in range(3):
        qtbot.wait(30)
        run(screen.wait_idle())


def test_the_demo_hosts_dashboard_fits_1280x720(qtbot, run, studio, tmp_path: Path) -> None:
    """Every view on the seed's data in the main window: nothing widens it, nothing is cut."""
    _workspace, seeded = studio
    window = MainWindow([ScreenEntry("dashboard", "Dashboard",
                                     lambda *_args: seeded, symbol="▦")], ActionRegistry())
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    window.install_screens(seeded._ctx)
    window.navigate("dashboard")
    run(seeded.wait_idle())
    folder = Path(os.environ.get("SHOPSTREAM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(seeded.tabs.count()):
        seeded.tabs.setCurrentIndex(index)
        qtbot.wait(50)
        name = seeded.tabs.tabText(index).split(" (")[0].lower().replace(" ", "_")
        assert (window.width(), window.height()) == SIZE, name
        assert cut_words(seeded.tabs.currentWidget()) == [], name
        assert window.grab().save(str(folder / f"dashboard_seed_{name}_1280x720.png"))


def test_goal_values_and_commission_equal_the_server(qtbot, run, studio, seeded_copy,
                                                     pg_connect) -> None:
    workspace, screen = studio
    data = screen.data
    assert data is not None and data.goals and data.earnings
    server = run(workspace.backend.rpc("goal_progress", {}))
    assert server, "the seed gives the demo host goals for the current periods"
    mine = {str(p.goal.id): p for p in data.progress}
    for row in server:
        progress = mine[row["goal_id"]]
        assert (progress.current, progress.percent, progress.achieved) == (
            Decimal(str(row["current_value"])), Decimal(str(row["percent"])), row["achieved"]
        ), progress.goal.title

    owner = pg_connect(seeded_copy)
    ids = [str(e.id) for e in data.earnings]
    sums = owner.execute(
        "select coalesce(sum(amount) filter (where status <> 'reversed'), 0),"
        " coalesce(sum(amount) filter (where status = 'pending'), 0),"
        " coalesce(sum(amount) filter (where status = 'available'), 0),"
        " coalesce(sum(amount) filter (where status = 'paid_out'), 0),"
        " coalesce(sum(amount) filter (where status = 'reversed'), 0), count(*)"
        " from public.influencer_earnings where id = any(%s::uuid[])", (ids,)).fetchone()
    in_window = owner.execute(
        "select count(*) from public.influencer_earnings where influencer_id = %s"
        " and earned_at >= now() - interval '365 days'",
        (workspace.profile_ids["host"],)).fetchone()[0]
    tiles = screen.earnings.tiles
    assert (sums[5], in_window) == (len(ids), len(ids))  # the same rows
    assert [tiles[k].value for k in ("commission", "pending", "available", "paid_out",
                                     "reversed")] == [money_text(v) for v in sums[:5]]


def test_a_goal_made_in_the_form_reaches_the_server(qtbot, run, studio, seeded_copy,
                                                    pg_connect) -> None:
    workspace, screen = studio
    taken = {(g.goal_type, g.period) for g in screen.data.goals
             if g.period_start <= datetime.now(UTC).date() <= g.period_end}
    kind = next(k for k in (GoalType.UNITS, GoalType.ORDERS, GoalType.REVENUE, GoalType.SHOWS)
                if (k, "quarterly") not in taken)
    dialog = screen.edit_goal(None)
    assert isinstance(dialog, GoalDialog)
    dialog.title.setText("Sync test quarter")
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind.value))
    dialog.period.setCurrentIndex(dialog.period.findData("quarterly"))
    dialog.target.setText("5")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    sync(qtbot, run, workspace, screen)
    owner = pg_connect(seeded_copy)
    goal_id, current = owner.execute(
        "select id::text, current_value from public.influencer_goals"
        " where title = 'Sync test quarter'").fetchone()
    [mine] = [p for p in screen.data.progress if str(p.goal.id) == goal_id]
    assert mine.current == current  # the client's value equals the one the server computed


def test_notification_read_state_round_trips(qtbot, run, studio, seeded_copy,
                                             pg_connect) -> None:
    workspace, screen = studio
    host = workspace.profile_ids["host"]
    owner = pg_connect(seeded_copy)
    owner.execute("insert into public.influencer_notifications (influencer_id, type, title)"
                  " values (%s, 'system', 'Read here'), (%s, 'system', 'Read elsewhere')",
                  (host, host))
    sync(qtbot, run, workspace, screen)
    unread = screen.data.unread
    here = next(n for n in screen.data.notifications if n.title == "Read here")
    run(workspace.engine.stop())  # offline: read here at once, sent with the next sync
    screen.mark_read([here])
    for _ in range(3):
        qtbot.wait(30)
        run(screen.wait_idle())
    assert screen.data.unread == unread - 1
    assert owner.execute("select is_read from public.influencer_notifications where id = %s",
                         (str(here.id),)).fetchone() == (False,)
    sync(qtbot, run, workspace, screen)
    assert owner.execute("select is_read, read_at is not null from"
                         " public.influencer_notifications where id = %s",
                         (str(here.id),)).fetchone() == (True, True)
    assert screen.data.unread == unread - 1
    # Read on another device: the server's state reaches the inbox after a sync.
    owner.execute("update public.influencer_notifications set is_read = true, read_at = now()"
                  " where title = 'Read elsewhere'")
    sync(qtbot, run, workspace, screen)
    assert screen.data.unread == unread - 2
    assert next(n for n in screen.data.notifications if n.title == "Read elsewhere").is_read
