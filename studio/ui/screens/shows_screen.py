"""The Shows screen: the host's shows, the show editor and the selected show's lineup builder."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.models import Host, ShowStatus
from studio.sync.lineup_ops import SHOWS, ShowSummary, load_shows, refused_field
from studio.ui.actions import ActionRegistry, ActionSpec
from studio.ui.context import ScreenContext
from studio.ui.models.lineup_model import PRODUCT_IDS_MIME
from studio.ui.models.shows_model import CODE, SHOW_ID_ROLE, TITLE, ShowsModel
from studio.ui.screens.fitted_table import FittedTable
from studio.ui.screens.lineup_editor import LineupEditor
from studio.ui.screens.live.report_dialog import open_show_report
from studio.ui.screens.show_editor import ShowEditor

log = logging.getLogger(__name__)
#: The server's default commission rate (influencers.commission_rate default).
DEFAULT_COMMISSION_RATE = Host.__dataclass_fields__["commission_rate"].default
DEFAULT_RATE_SOURCE = "the server's default rate (your profile's rate is not known yet)"
SHOW_TABLES = frozenset({"live_stream_sessions", "live_products"})
NOT_A_HOST = "Sign in as a host to plan shows and build lineups."
SELECT_SHOW_FIRST = "Select a show first, then add the products again."
NEW_SHOW_FIRST = "Create the show first, then add the products again."
LIST_MIN_WIDTH = 240
TITLE_MIN_CHARS = 10
NOTHING_SELECTED = "Select a show on the left, or create one with New show (Ctrl+N)."


class ShowsScreen(QWidget):
    """Plan shows and build their lineups. `add_products(ids)` adds catalog products to the
    selected show's lineup; product drags from the catalog can be dropped anywhere here."""

    nav_id = "shows"
    nav_title = "Shows"

    def __init__(
        self,
        ctx: ScreenContext,
        actions: ActionRegistry,
        parent: QWidget | None = None,
        *,
        commission_rate: Decimal | None = None,
        commission_source: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shows_screen")
        self._ctx = ctx
        self._actions = actions
        self._host_id = ctx.profile_ids.get("host")
        self._generation = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._selected_id: str | None = None
        self._asking = False  # the Save / Discard / Cancel question is open

        self.model = ShowsModel(self)
        self.list = FittedTable(stretch=TITLE, stretch_min_chars=TITLE_MIN_CHARS)
        self.list.setObjectName("shows_list")
        self.list.setModel(self.model)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.verticalHeader().setVisible(False)
        self.list.setAlternatingRowColors(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        # Narrow enough to leave the lineup its columns on a 1280-pixel screen.
        self.list.setMinimumWidth(LIST_MIN_WIDTH)
        # The code is in the editor's heading; the lineup needs the width more.
        self.list.setColumnHidden(CODE, True)
        self.new_button = QPushButton("New show")
        self.new_button.setObjectName("new_show")
        heading = QLabel("Shows")
        heading.setStyleSheet("font-weight: 600; font-size: 16px;")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(heading)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.new_button)
        self.report_button = QPushButton("Show report…")
        self.report_button.setObjectName("show_report")
        self.report_button.setToolTip("The selected show's report, once it has ended")
        self.report_button.setEnabled(False)
        left_layout.addWidget(self.report_button)

        self.editor = ShowEditor(ctx, self)
        self.lineup = LineupEditor(ctx, actions, self, shortcut_owner=self)
        self.placeholder = QLabel(NOTHING_SELECTED if self._host_id else NOT_A_HOST)
        self.placeholder.setObjectName("shows_placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        detail = QSplitter(Qt.Orientation.Vertical)
        detail.addWidget(self.editor)
        detail.addWidget(self.lineup)
        detail.setStretchFactor(1, 1)
        detail.setChildrenCollapsible(False)
        self.detail = QStackedWidget()
        self.detail.addWidget(self.placeholder)
        self.detail.addWidget(detail)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        # Both sides give up width in proportion, so a small screen does not squeeze the lineup.
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([300, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        here = Qt.ShortcutContext.WidgetWithChildrenShortcut
        actions.register(ActionSpec("shows.new", "New show", "Ctrl+N", "Plan a new show"),
                         self.new_show, owner=self, context=here)
        actions.register(ActionSpec("shows.save", "Save show", "Ctrl+S",
                                    "Create or save the show being edited"),
                         self.editor.save, owner=self.editor, context=here)
        self.new_button.clicked.connect(self.new_show)
        self.report_button.clicked.connect(self.open_report)
        self.new_button.setToolTip("Plan a new show (Ctrl+N)")
        self.new_button.setEnabled(self._host_id is not None)
        self.list.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.editor.saved.connect(self._on_saved)
        ctx.signals.tables_changed.connect(self._on_tables_changed)
        ctx.signals.op_rejected.connect(self._on_op_rejected)
        self.setAcceptDrops(True)
        self.set_commission_rate(
            commission_rate if commission_rate is not None else DEFAULT_COMMISSION_RATE,
            commission_source or (DEFAULT_RATE_SOURCE if commission_rate is None
                                  else "from your host profile"),
        )

    # ------------------------------------------------------------------ screen protocol

    def activate(self) -> None:
        self.schedule_reload()

    def set_commission_rate(self, rate: Decimal, source: str) -> None:
        """The host's commission rate (from their profile, `my_profiles()`), for the preview."""
        self.lineup.set_commission_rate(rate, source)

    # ------------------------------------------------------------------ loading

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("reading the shows failed", exc_info=task.exception())
            self.placeholder.setText(f"Could not read your shows: {task.exception()}")

    def schedule_reload(self) -> None:
        self._spawn(self.reload())

    async def reload(self) -> None:
        """Read the host's shows from the cache and keep the selected one selected."""
        if self._host_id is None:
            return
        self._generation += 1
        generation = self._generation
        shows: list[ShowSummary] = await self._ctx.read(load_shows, self._host_id)
        if generation != self._generation:
            return
        self.model.set_shows(shows)
        # Room for every column's values; the title column takes what is left.
        self.list.setMinimumWidth(max(LIST_MIN_WIDTH, self.list.fitting_width()))
        if self._selected_id is not None:
            row = self.model.row_of(self._selected_id)
            if row >= 0:
                self._select_row(row)
                if not self.editor.is_new:
                    self._refresh_editor(row)
            elif not self.editor.is_new:
                self._show_detail(None)
        self._update_report_button()  # the selected show may have ended since

    async def wait_idle(self) -> None:
        """Until every started read and write of the screen has finished (tests, quitting);
        the task calling it is not waited for."""
        me = asyncio.current_task()
        while True:
            pending = [task for task in (*self._tasks, *self.lineup.pending_tasks(),
                                         *self.editor.pending_tasks())
                       if task is not me and not task.done()]
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    def _on_tables_changed(self, tables: frozenset[str]) -> None:
        if SHOW_TABLES & set(tables):
            self.schedule_reload()

    def _select_row(self, row: int) -> None:
        selection = self.list.selectionModel()
        index = self.model.index(row, 0)
        if selection.currentIndex().row() != row:
            selection.blockSignals(True)
            selection.setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
            selection.blockSignals(False)
            self.list.viewport().update()

    def _refresh_editor(self, row: int) -> None:
        self.editor.follow(self.model.show_at(row))

    # ------------------------------------------------------------------ selection

    def select_show(self, show_id: str) -> None:
        row = self.model.row_of(show_id)
        if row >= 0:
            self.list.selectionModel().setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

    def _on_current_row(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            return
        show_id = current.data(SHOW_ID_ROLE)
        if self.editor.is_dirty or self._asking:
            # Stay on the edited show until the user has answered for its changes.
            self._put_back_selection(previous)
            if not self._asking:
                self._spawn(self._leave_then(lambda: self.select_show(show_id)))
            return
        self._selected_id = show_id
        self._update_report_button()
        self.editor.edit_show(self.model.show_at(current.row()))
        self._show_detail(show_id)

    def _put_back_selection(self, previous: QModelIndex) -> None:
        if previous.isValid():
            self._select_row(previous.row())
            return
        selection = self.list.selectionModel()
        selection.blockSignals(True)
        selection.clearCurrentIndex()
        selection.clearSelection()
        selection.blockSignals(False)
        self.list.viewport().update()

    async def confirm_leave(self) -> bool:
        """Before the edited show is left (another show, a new one, quitting the studio): ask
        Save / Discard / Cancel when it has unsaved changes. True when leaving may go on."""
        if self._asking:
            return False
        self._asking = True
        try:
            leave = await self.editor.resolve_unsaved()
        finally:
            self._asking = False
        if leave:
            await self.wait_idle()  # a save's writes and reload finish before anything closes
        return leave

    async def _leave_then(self, then: Callable[[], None]) -> None:
        if await self.confirm_leave():
            then()

    def _show_detail(self, show_id: str | None) -> None:
        self.detail.setCurrentIndex(0 if show_id is None else 1)
        self.lineup.setVisible(show_id is not None)
        self.lineup.set_show(show_id)

    def new_show(self) -> None:
        if self._host_id is None:
            return
        if self.editor.is_dirty or self._asking:
            if not self._asking:
                self._spawn(self._leave_then(self.new_show))
            return
        self.list.selectionModel().clearCurrentIndex()
        self.list.clearSelection()
        self._selected_id = None
        self._update_report_button()
        self.editor.edit_new(self._host_id)
        self.detail.setCurrentIndex(1)
        self.lineup.setVisible(False)
        self.lineup.set_show(None)
        self.editor.title.setFocus()

    def _on_saved(self, show_id: str) -> None:
        self._selected_id = show_id
        self.lineup.setVisible(True)
        self.lineup.set_show(show_id)
        self.schedule_reload()

    def _update_report_button(self) -> None:
        row = self.model.row_of(self._selected_id) if self._selected_id else -1
        self.report_button.setEnabled(
            row >= 0 and self.model.show_at(row).status == ShowStatus.ENDED)

    def open_report(self) -> None:
        """Open the selected ended show's report (built from the server's rows)."""
        if self._selected_id is not None and self.report_button.isEnabled():
            self._spawn(open_show_report(self._ctx, self._selected_id, self))

    # ------------------------------------------------------------------ lineup entry points

    def add_products(self, product_ids: Sequence[str]) -> None:
        """Add catalog products to the selected show's lineup (the catalog's add request)."""
        if self.lineup.show_id is None:
            if self.editor.is_new and self.detail.currentIndex() == 1:
                self.editor.show_form_message(NEW_SHOW_FIRST)
                return
            # Nothing selected: the products go to the next upcoming show, the one being planned.
            upcoming = self.model.next_upcoming(datetime.now(UTC))
            if upcoming is None:
                self.placeholder.setText(SELECT_SHOW_FIRST)
                return
            self.lineup.set_show(upcoming, then_add=list(product_ids))
            self.select_show(upcoming)
            return
        self.lineup.add_products(list(product_ids))

    def dragEnterEvent(self, event: Any) -> None:
        if event.mimeData().hasFormat(PRODUCT_IDS_MIME) and self.lineup.show_id is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        if self.lineup.show_id is not None and self.lineup.drop_products(event.mimeData()):
            event.acceptProposedAction()

    # ------------------------------------------------------------------ server refusals

    def _on_op_rejected(self, op_id: str, target: str, message: str, _sqlstate: str,
                        field_name: str) -> None:
        if target != SHOWS:
            return
        self.editor.show_server_error(refused_field(None, field_name, message) or "form", message)
        self.schedule_reload()
