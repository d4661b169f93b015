"""The Dashboard screen: the host's home, goals, earnings, achievements, notifications and
show history in tabs, all from the cache (offline too). It reads, hands the data to each view,
and turns their requests into outbox writes; realtime changes reload it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QListWidget,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.models import Goal, Notification
from studio.sync.cache import Operation
from studio.sync.dashboard_ops import (
    GOALS,
    NOTIFICATIONS,
    DashboardData,
    goal_create_op,
    goal_delete_op,
    goal_edit_ops,
    load_dashboard,
    mark_read_ops,
)
from studio.ui.actions import ActionRegistry
from studio.ui.context import ScreenContext
from studio.ui.screens.dashboard.achievements import AchievementsView
from studio.ui.screens.dashboard.earnings import EarningsView
from studio.ui.screens.dashboard.goal_dialog import GoalDialog
from studio.ui.screens.dashboard.goals import GoalsView
from studio.ui.screens.dashboard.history import HistoryView
from studio.ui.screens.dashboard.home import HomeView
from studio.ui.screens.dashboard.notifications import NotificationsView
from studio.ui.screens.dashboard.notifier import IMPORTANT_TYPES, Notifier, TrayNotifier
from studio.ui.screens.live.report_dialog import open_show_report

HIDDEN_RELOAD_MS = 2000

log = logging.getLogger(__name__)
DASHBOARD_TABLES = frozenset({
    "influencer_goals", "influencer_earnings", "influencer_achievements",
    "influencer_notifications", "live_stream_sessions", "order_items"})
NOT_A_HOST = "Sign in as a host to see your goals, earnings and shows here."
TOAST_MS = 6000
NAV_ID = "dashboard"


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class DashboardScreen(QWidget):
    nav_id = NAV_ID
    nav_title = "Dashboard"

    def __init__(self, ctx: ScreenContext, actions: ActionRegistry,
                 parent: QWidget | None = None, *, notifier: Notifier | None = None,
                 in_background: Callable[[], bool] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_screen")
        self._ctx = ctx
        self._actions = actions
        self._host_id = ctx.profile_ids.get("host")
        self._notifier = notifier if notifier is not None else TrayNotifier()
        self._in_background = in_background or (lambda: not self.window().isActiveWindow())
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loading = False
        self._dirty = False
        # Behind another screen (say, a live show's control room) the dashboard follows news
        # for the badge, toasts and the tray at most this often, and fills its views when shown.
        self._views_stale = False
        self._hidden_reload = QTimer(self)
        self._hidden_reload.setSingleShot(True)
        self._hidden_reload.setInterval(HIDDEN_RELOAD_MS)
        self._hidden_reload.timeout.connect(self.reload)
        self.data: DashboardData | None = None
        self.toasts: list[str] = []  # what the toast has said (latest last)

        self.home = HomeView()
        self.goals = GoalsView()
        self.earnings = EarningsView()
        self.achievements = AchievementsView()
        self.notifications = NotificationsView()
        self.history = HistoryView()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("dashboard_tabs")
        for view, title in ((self.home, "Home"), (self.goals, "Goals"),
                            (self.earnings, "Earnings"), (self.achievements, "Achievements"),
                            (self.notifications, "Notifications"),
                            (self.history, "Show history")):
            self.tabs.addTab(view, title)
        self.message = QLabel()
        self.message.setObjectName("dashboard_message")
        self.message.setWordWrap(True)
        self.message.hide()
        placeholder = QLabel(NOT_A_HOST)
        placeholder.setObjectName("dashboard_placeholder")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(placeholder)
        self.stack.addWidget(self.tabs)
        self.stack.setCurrentIndex(1 if self._host_id else 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        self.toast = QLabel(self)
        self.toast.setObjectName("dashboard_toast")
        self.toast.setStyleSheet("background: #2f6fdb; color: white; padding: 8px 14px;"
                                 " border-radius: 6px; font-weight: 600;")
        self.toast.hide()
        self._toast_timer = QTimer(self)
        self._toast_timer.setSingleShot(True)
        self._toast_timer.timeout.connect(self.toast.hide)

        self.goals.new_requested.connect(lambda: self.edit_goal(None))
        self.goals.edit_requested.connect(self.edit_goal)
        self.goals.delete_requested.connect(self.ask_delete_goal)
        self.notifications.mark_read.connect(self.mark_read)
        self.history.report_requested.connect(self.open_report)
        self.earnings.export_requested.connect(self.ask_export)
        ctx.signals.tables_changed.connect(self._on_tables_changed)
        ctx.signals.op_rejected.connect(self._on_op_rejected)
        if self._host_id and _loop_running():
            self.reload()  # notifications and unlocks are followed from the start

    # ------------------------------------------------------------------ loading

    def activate(self) -> None:
        self._show_stale_views()
        self.reload()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._show_stale_views()

    def _behind_another_screen(self) -> bool:
        window = self.window()
        return window is not self and window.isVisible() and not self.isVisible()

    def _show_stale_views(self) -> None:
        if self._views_stale and self.data is not None:
            self._show_views(self.data)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Dashboard task failed", exc_info=task.exception())

    async def wait_idle(self) -> None:
        """Until every started read and write has finished (tests)."""
        me = asyncio.current_task()
        while pending := [t for t in self._tasks if t is not me and not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    def reload(self) -> None:
        if not self._host_id:
            return
        if self._loading:
            self._dirty = True  # one more load once this one is done
            return
        self._loading = True
        self._spawn(self._load())

    async def _load(self) -> None:
        try:
            while True:
                self._dirty = False
                data = await self._ctx.read(load_dashboard, self._host_id, self._clock())
                if not shiboken6.isValid(self):  # signed out while reading: nothing to show
                    return
                self._apply(data)
                if not self._dirty:
                    return
        finally:
            self._loading = False

    def _apply(self, data: DashboardData) -> None:
        before, self.data = self.data, data
        if before is not None:
            self._announce(before, data)
        if self._behind_another_screen():
            self._views_stale = True
        else:
            self._show_views(data)
        unread = data.unread
        self.tabs.setTabText(4, f"Notifications ({unread})" if unread else "Notifications")
        self._badge(unread)

    def _show_views(self, data: DashboardData) -> None:
        self._views_stale = False
        for view in (self.home, self.goals, self.earnings, self.achievements,
                     self.notifications, self.history):
            view.show_data(data)

    def _on_tables_changed(self, tables: frozenset[str]) -> None:
        if not tables & DASHBOARD_TABLES:
            return
        if not self._behind_another_screen():
            self.reload()
        elif not self._hidden_reload.isActive():
            self._hidden_reload.start()

    # ------------------------------------------------------------------ announcements

    def _announce(self, before: DashboardData, after: DashboardData) -> None:
        """A toast for achievements realtime just unlocked; an OS notification for important
        news while the window is in the background."""
        was_unlocked = {a.id for a in before.achievements if a.unlocked_at is not None}
        for badge in after.achievements:
            if badge.unlocked_at is not None and badge.id not in was_unlocked:
                self.show_toast(f"Achievement unlocked: {badge.title}")
        known = {n.id for n in before.notifications}
        fresh = [n for n in after.notifications if n.id not in known and not n.is_read
                 and str(n.type) in IMPORTANT_TYPES]
        if fresh and self._in_background() and self._notifier.available():
            for note in reversed(fresh):  # oldest first
                self._notifier.notify(note.title, note.body or "")

    def show_toast(self, text: str) -> None:
        self.toasts.append(text)
        self.toast.setText(text)
        self.toast.adjustSize()
        self.toast.move(max(0, (self.width() - self.toast.width()) // 2), 8)
        self.toast.raise_()
        self.toast.show()
        self._toast_timer.start(TOAST_MS)

    def _badge(self, unread: int) -> None:
        """The unread count beside Dashboard in the sidebar, when the screen is in a window
        with one."""
        nav = self.window().findChild(QListWidget, "navigation")
        if nav is None:
            return
        for row in range(nav.count()):
            item = nav.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == NAV_ID:
                base = item.data(Qt.ItemDataRole.UserRole + 1) or item.text()
                item.setData(Qt.ItemDataRole.UserRole + 1, base)
                item.setText(f"{base}  ({unread})" if unread else base)
                return

    # ------------------------------------------------------------------ writes

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    async def _submit(self, ops: Sequence[Operation], done: str) -> None:
        if not ops:
            return
        try:
            await self._ctx.submit_all(ops)
        except Exception as exc:  # the cache refused it: nothing was queued
            log.warning("Dashboard write refused: %s", exc)
            self._say(f"Not saved: {exc}")
            return
        self._say(done)
        self.reload()

    def edit_goal(self, goal: Goal | None) -> GoalDialog | None:
        """Open the goal form (a new goal when `goal` is None); saving queues the write."""
        if self.data is None or not self._host_id:
            return None
        dialog = GoalDialog(self._host_id, self.data.goals, self._clock().astimezone(UTC).date(),
                            editing=goal, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def saved() -> None:
            if dialog.goal is None:
                return
            ops = [goal_create_op(dialog.goal)] if goal is None else goal_edit_ops(
                goal, dialog.goal)
            self._spawn(self._submit(ops, f"Goal “{dialog.goal.title}” saved."))

        dialog.accepted.connect(saved)
        dialog.open()
        return dialog

    def ask_delete_goal(self, goal: Goal) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, "Delete goal",
                          f"Delete the goal “{goal.title}”?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("delete_goal_question")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.delete_goal(goal)

        box.finished.connect(answered)
        box.open()
        return box

    def delete_goal(self, goal: Goal) -> None:
        self._spawn(self._submit([goal_delete_op(goal)], f"Goal “{goal.title}” deleted."))

    def mark_read(self, notifications: list[Notification]) -> None:
        ops = mark_read_ops(notifications, self._clock())
        words = "Marked read." if len(ops) == 1 else f"{len(ops)} notifications marked read."
        self._spawn(self._submit(ops, words))

    def _on_op_rejected(self, _op_id: str, target: str, message: str, _state: str,
                        _field: str) -> None:
        if target in (GOALS, NOTIFICATIONS):
            self._say(f"The server refused a change: {message}")

    # ------------------------------------------------------------------ reports and export

    def open_report(self, session_id: str) -> None:
        self._spawn(open_show_report(self._ctx, session_id, self))

    def ask_export(self) -> QFileDialog:
        dialog = QFileDialog(self, "Export earnings", str(Path.home() / "earnings.csv"),
                             "CSV files (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.export_earnings)
        dialog.open()
        return dialog

    def export_earnings(self, path: str | Path) -> None:
        try:
            written = self.earnings.export_to(Path(path))
        except (OSError, ValueError) as exc:
            self._say(f"Could not export: {exc}")
            return
        self._say(f"Earnings exported to {written}.")
