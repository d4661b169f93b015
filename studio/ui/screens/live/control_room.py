"""The Live control room screen: widgets and wiring only (the show's rules live in
studio.session and studio.core; LiveRoom runs the session's actions as tasks)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.money import format_money
from studio.core.show_state import ShowState
from studio.session.errors import SessionError
from studio.session.live_metrics import MetricsUpdate
from studio.session.show_report import ShowReport
from studio.session.simulator import AudienceProgress
from studio.ui.actions import ActionRegistry
from studio.ui.context import ScreenContext
from studio.ui.screens.live.flash_panel import FlashPanel, clock_text
from studio.ui.screens.live.goal_bar import GoalBar
from studio.ui.screens.live.header import (
    STATE_TEXT,
    ProductCard,
    ShowHeader,
    elapsed_text,
)
from studio.ui.screens.live.lineup_queue import LineupQueue, QueueRow
from studio.ui.screens.live.live_keys import LiveKeys
from studio.ui.screens.live.monitor_panels import ChatMonitor, SalesPanel, ViewersPanel
from studio.ui.screens.live.rehearsal import RehearsalAudience
from studio.ui.screens.live.report_dialog import ShowReportDialog
from studio.ui.screens.live.room import LiveRoom
from studio.ui.screens.live.toasts import NoticeLog, Toasts
from studio.ui.screens.live.video_panel import VideoPanel

TICK_MS = 250  # countdown and elapsed time refresh


class LiveScreen(QWidget):
    """The host's control room for one show at a time (see the module docstring)."""

    running_show_found = Signal(str)

    def __init__(self, ctx: ScreenContext, actions: ActionRegistry,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveScreen")
        self.ctx = ctx
        self.room = LiveRoom(ctx, self)
        self.audience = RehearsalAudience(parent=self)
        self.report_dialog: ShowReportDialog | None = None
        self.end_confirm: QMessageBox | None = None

        self.header = ShowHeader()
        self.video = VideoPanel(ctx, self.room)
        self.queue = LineupQueue()
        self.card = ProductCard()
        self.flash = FlashPanel()
        self.goal = GoalBar()
        self.notices = NoticeLog()
        self.notices.setMaximumHeight(110)
        self.chat = ChatMonitor(ctx, self)
        self.viewers = ViewersPanel(ctx, self)
        self.sales = SalesPanel(ctx, self)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.video, self.card, self.flash, self.goal, self.notices):
            centre_layout.addWidget(widget)
        centre_layout.addStretch(1)
        # A short window scrolls the centre column instead of growing past the screen; a narrow
        # one scrolls it sideways rather than cutting off the right of its panels.
        centre_scroll = QScrollArea()
        centre_scroll.setWidgetResizable(True)
        centre_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        centre_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.centre_scroll = centre_scroll
        centre_scroll.setWidget(centre)
        monitors = QTabWidget()
        monitors.addTab(self.viewers, "Viewers")
        monitors.addTab(self.sales, "Sales")
        monitor_split = QSplitter(Qt.Orientation.Vertical)
        monitor_split.addWidget(self.chat)
        monitor_split.addWidget(monitors)
        monitor_split.setChildrenCollapsible(False)
        # Extra height goes to the chat first: it is what the host reads all show long.
        monitor_split.setStretchFactor(0, 3)
        monitor_split.setStretchFactor(1, 2)
        # The monitors need more height than a 720-pixel window leaves: they scroll, the
        # window keeps its size.
        right = QScrollArea()
        self.monitors_scroll = right
        right.setWidgetResizable(True)
        right.setFrameShape(QScrollArea.Shape.NoFrame)
        right.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right.setWidget(monitor_split)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.queue, centre_scroll, right):
            self.splitter.addWidget(widget)
        # The centre column's panels are the widest: it gets half of the room's width.
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setChildrenCollapsible(False)
        self.queue.setMinimumWidth(220)
        centre_scroll.setMinimumWidth(300)
        # The monitors keep their own minimum width (their scroll bar included): the centre
        # column scrolls sideways before they would be cut.
        right.setMinimumWidth(max(240, monitor_split.minimumSizeHint().width()
                                  + right.verticalScrollBar().sizeHint().width()))
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.splitter, 1)
        self.toasts = Toasts(self, self.notices)
        self.video.notice.connect(self.toasts.show_toast)

        self.keys = LiveKeys(actions, self, {
            "live.select_next": lambda: self.queue.move_selection(+1),
            "live.select_previous": lambda: self.queue.move_selection(-1),
            "live.feature": self.feature_selected,
            "live.next": lambda: self._act(self.room.step(+1), "Featuring the next product"),
            "live.previous": lambda: self._act(self.room.step(-1),
                                               "Featuring the previous product"),
            "live.flash_start": self.flash.request_start,
            "live.flash_cancel": self.cancel_flash,
            "live.end_show": self.confirm_end,
        })
        self.destroyed.connect(lambda *_: self.keys.disconnect())

        self.header.show_chosen.connect(self.open_show)
        self.header.go_live_clicked.connect(
            lambda: self._act(self.video.go_live(), "Going live"))
        self.header.rehearse_clicked.connect(self.rehearse)
        self.header.stop_audience_clicked.connect(
            lambda: self.room.spawn(self.audience.stop(), "Stopping the audience"))
        self.header.end_clicked.connect(self.confirm_end)
        self.queue.activated_product.connect(self.feature_product)
        self.queue.currentRowChanged.connect(lambda _row: self.render())
        self.flash.start_requested.connect(self.start_flash)
        self.flash.cancel_requested.connect(self.cancel_flash)
        self.room.shows_changed.connect(lambda _rows: self._render_picker())
        self.room.running_found.connect(self.running_show_found)
        self.room.opened.connect(self._opened)
        self.room.changed.connect(self.render)
        self.room.refused.connect(self.show_refusal)
        self.room.busy_changed.connect(self._busy)
        self.room.figures_updated.connect(self._figures)
        self.room.flash_ended.connect(
            lambda name: self.toasts.show_toast(f"Flash sale on {name} ended", "info"))
        self.room.report_ready.connect(self.show_report)
        self.room.buyers_counted.connect(self.sales.feed.set_buyers)
        self.audience.progress.connect(self._audience_progress)
        self.audience.finished.connect(self._audience_finished)
        self.audience.failed.connect(lambda text: self.toasts.show_toast(text, "error"))

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.render()
        self.room.spawn(self.room.load_shows(reopen_running=True), "Reading your shows")

    # ------------------------------------------------------------------ screen protocol
    def activate(self) -> None:
        self.room.spawn(self.room.load_shows(), "Reading your shows", busy=False)

    async def wait_idle(self) -> None:
        await self.room.wait_idle()

    def closeEvent(self, event: Any) -> None:
        for panel in (self.chat, self.viewers, self.sales):
            panel.follow(None)
        self.room.close()
        super().closeEvent(event)

    # ------------------------------------------------------------------ actions
    def _act(self, work: Any, what: str) -> None:
        self.room.spawn(work, what)

    def open_show(self, show_id: str) -> None:
        self._act(self.room.open(show_id), "Opening the show")

    def feature_selected(self) -> None:
        selected = self.queue.selected_id()
        if selected is None:
            self.show_refusal(SessionError("Select a product in the lineup first"))
            return
        self.feature_product(selected)

    def feature_product(self, live_product_id: str) -> None:
        self._act(self.room.feature(live_product_id), "Featuring")

    def start_flash(self, price: str, seconds: int) -> None:
        self._act(self.room.start_flash(self.queue.selected_id(), price, seconds),
                  "Starting the flash sale")

    def cancel_flash(self) -> None:
        self._act(self.room.cancel_flash(), "Cancelling the flash sale")

    def rehearse(self) -> None:
        """Local workspace: the show goes live and a simulated audience joins it."""
        conninfo = self.ctx.local_conninfo
        session = self.room.session
        if conninfo is None or session is None:
            self.show_refusal(SessionError("Rehearsals with a simulated audience run in the "
                                           "local workspace only"))
            return
        self._act(self._rehearse(conninfo), "Starting the rehearsal")

    async def _rehearse(self, conninfo: str) -> None:
        session = self.room.session
        if session is None:
            return
        if session.state is not ShowState.LIVE:
            # Customers cannot join a private rehearsal, so the local show goes live in public:
            # the local workspace is itself the rehearsal. It goes live as Go live does, so the
            # video panel opens the room (or says there is no video) here too.
            await self.video.go_live()
        self.audience.start(conninfo, session.session_id)
        self.header.show_audience("joining…", 0, self.audience.config.steps)
        self.render()

    def confirm_end(self) -> None:
        session = self.room.session
        if session is None or session.state is not ShowState.LIVE:
            self.show_refusal(SessionError("Only a live show can be ended"))
            return
        box = QMessageBox(QMessageBox.Icon.Question, "End the show?",
                          f"End “{session.title}” now? Viewers leave, any flash sale stops and "
                          "the report opens. This cannot be undone.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.button(QMessageBox.StandardButton.Yes).setText("End show")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(self._end_confirmed)
        self.end_confirm = box
        box.open()

    def _end_confirmed(self) -> None:
        self._act(self._end_after_audience(), "Ending the show")

    async def _end_after_audience(self) -> None:
        # The simulated audience leaves first: a buyer of theirs cut off mid-checkout must not
        # hold a sales counter the show's end waits for.
        if self.audience.running:
            await self.audience.stop()
        await self.video.end_show()

    def show_report(self, report: ShowReport) -> None:
        """The report hand-off at the end of a show."""
        self.report_dialog = ShowReportDialog(report, self)
        self.report_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.report_dialog.open()

    # ------------------------------------------------------------------ feedback
    def show_refusal(self, error: SessionError) -> None:
        if not self.flash.show_error(error.field, error.message):
            self.toasts.show_toast(error.message, "error")
        else:
            self.notices.add(f"✕ {error.message}")

    def _busy(self, busy: bool, what: str) -> None:
        self.header.busy.setText(f"◌ {what}…" if busy and what else "")
        self.render()  # buttons are disabled while an action runs

    def _figures(self, update: MetricsUpdate) -> None:
        session = self.room.session
        for product in update.sold_out:
            entry = session.entry(product) if session else None
            name = entry.name if entry else "A product"
            self.toasts.show_toast(f"{name} is sold out", "warning")
        if update.goal_reached:
            self.toasts.show_toast("Goal reached — well done!", "success")

    def _audience_progress(self, progress: AudienceProgress) -> None:
        self.header.show_audience(progress.summary(), progress.steps, progress.steps_planned)
        self.render()

    def _audience_finished(self, progress: AudienceProgress) -> None:
        reason = f" ({progress.stop_reason})" if progress.stop_reason else ""
        self.header.show_audience(f"finished{reason}: {progress.summary()}", progress.steps,
                                  progress.steps_planned)
        self.render()

    def _opened(self, show_id: str) -> None:
        self._render_picker()
        for panel in (self.chat, self.viewers, self.sales):
            panel.follow(show_id)
        self.queue.setFocus()

    def _tick(self) -> None:
        if self.isVisible():
            self.room.tick()
            self.render_clock()

    # ------------------------------------------------------------------ painting
    def _render_picker(self) -> None:
        session = self.room.session
        self.header.set_shows(self.room.shows, session.session_id if session else None)

    def _state_text(self) -> str:
        session = self.room.session
        if session is None:
            return ""
        state = session.state.value
        if state == "live" and (session.rehearsing or self.audience.running):
            state = "rehearsal"
        return STATE_TEXT.get(state, state)

    def render(self) -> None:
        session, room = self.room.session, self.room
        busy = room.busy
        live = session is not None and session.state is ShowState.LIVE
        scheduled = session is not None and session.state is ShowState.SCHEDULED
        if session is not None and room.host_id and session.host_id != room.host_id:
            live = scheduled = False  # a co-host's view is read-only
        self.header.title.setText(session.title if session else "Choose a show")
        self.header.state.setText(self._state_text())
        self.header.go_live.setEnabled(scheduled and not busy)
        local = self.ctx.local_conninfo is not None
        self.header.rehearse.setVisible(local)
        self.header.stop_audience.setVisible(local)
        self.header.rehearse.setEnabled(
            local and (scheduled or live) and not busy and not self.audience.running)
        self.header.stop_audience.setEnabled(self.audience.running)
        self.header.end.setEnabled(live and not busy)
        self.flash.start_button.setEnabled(live and not busy)
        rows = self._queue_rows()
        self.queue.set_rows(rows)
        self._render_card()
        self._render_flash_target()
        metrics = room.metrics
        goal = metrics.goal_progress() if metrics else None
        self.goal.show_progress(goal, room.goal_period)
        self.render_clock()

    def _queue_rows(self) -> list[QueueRow]:
        session = self.room.session
        if session is None:
            return []
        flash = session.flash
        rows = []
        for entry in session.lineup:
            sold, allocated = self.room.sold_and_allocated(entry.id)
            price = format_money(entry.live_price)
            if flash is not None and flash.window.live_product_id == entry.id:
                price = (f"⚡ {format_money(flash.window.flash_price)} (was {price}) · "
                         f"{clock_text(flash.seconds_left())}")
            sold_out = entry.status == "sold_out" or (allocated > 0 and sold >= allocated)
            rows.append(QueueRow(entry.id, entry.name, price, sold, allocated,
                                 entry.id == session.featured_id, sold_out, entry.status))
        return rows

    def _render_card(self) -> None:
        session = self.room.session
        featured = session.entry(session.featured_id) if session and session.featured_id \
            else None
        if featured is None:
            self.card.show_nothing()
            return
        sold, allocated = self.room.sold_and_allocated(featured.id)
        revenue = self.room.product_revenue(featured.id)
        self.card.show_product(featured.name, max(allocated - sold, 0), sold, revenue,
                               featured.status == "sold_out" or (allocated > 0 and
                                                                 sold >= allocated))

    def _render_flash_target(self) -> None:
        session = self.room.session
        selected = self.queue.selected_id()
        entry = session.entry(selected) if session and selected else None
        self.flash.set_target(entry.id if entry else None, entry.name if entry else "",
                              entry.live_price if entry else None)

    def render_clock(self) -> None:
        session = self.room.session
        started = self.room.started_at()
        if session is not None and session.state is ShowState.LIVE and started is not None:
            now = session.clock.now(datetime.now(UTC))
            self.header.elapsed.setText(
                f"Elapsed {elapsed_text((now - started).total_seconds())}")
        else:
            self.header.elapsed.setText("")
        flash = session.flash if session else None
        if flash is not None:
            entry = session.entry(flash.window.live_product_id) if session else None
            self.flash.show_running(entry.name if entry else "Flash sale",
                                    flash.window.flash_price, flash.seconds_left(),
                                    flash.progress())
            row = self.queue.row_for(flash.window.live_product_id)
            if row is not None:  # the queue's countdown moves with the panel's
                self.queue.set_rows(self._queue_rows())
        else:
            self.flash.show_idle()
