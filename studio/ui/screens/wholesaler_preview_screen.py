"""The wholesaler's lineup preview: who sells their products, when, how many, at what price."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.core.models import WholesalerLineupRow
from studio.sync.lineup_ops import load_wholesaler_lineups
from studio.ui.actions import ActionRegistry, ActionSpec
from studio.ui.context import ScreenContext
from studio.ui.models.wholesaler_preview_model import (
    HOST,
    PRODUCT,
    SHOW,
    WholesalerPreviewModel,
)

log = logging.getLogger(__name__)
PREVIEW_TABLES = frozenset({"live_products", "live_stream_sessions", "products", "influencers"})
NOT_A_WHOLESALER = "Sign in as a wholesaler to preview the lineups that use your products."
EMPTY = "No host has put your products in a lineup yet."
ALL_SHOWS = "All shows"
# The name columns share the width the others leave (by weight), never below these widths;
# narrower than that, the table scrolls sideways. Dates, statuses and numbers fit their text.
MIN_WIDTHS = {SHOW: 160, PRODUCT: 130, HOST: 100}
WEIGHTS = {SHOW: 3, PRODUCT: 2, HOST: 1}


def share_width(available: int, minimum: dict[int, int], natural: dict[int, int],
                weights: dict[int, int]) -> dict[int, int]:
    """Widths for the name columns: each its minimum, then the rest by weight, a column
    taking no more than its text needs while another still wants room (then the first
    weighted column takes what is left)."""
    widths = dict(minimum)
    spare = available - sum(widths.values())
    wanting = [c for c in weights if natural.get(c, 0) > widths[c]]
    while spare > 0 and wanting:
        total = sum(weights[c] for c in wanting)
        given = 0
        for column in wanting:
            share = max(spare * weights[column] // total, 1)
            grant = min(share, natural[column] - widths[column], spare - given)
            widths[column] += grant
            given += grant
        spare -= given
        wanting = [c for c in wanting if natural[c] > widths[c]]
        if given == 0:
            break
    if spare > 0:
        widths[next(iter(weights))] += spare
    return widths


class PreviewTable(QTableView):
    """The preview's table: one line per item, names elided in the middle (whole in the
    tooltip), columns fitted to the width on every resize and reload."""

    def __init__(self, model: WholesalerPreviewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        model.modelReset.connect(self.fit_columns)

    def _content_width(self, column: int) -> int:
        header = self.horizontalHeader()
        return max(self.sizeHintForColumn(column), header.sectionSizeFromContents(column).width())

    def fit_columns(self) -> None:
        header, columns = self.horizontalHeader(), self.model().columnCount()
        fixed = {c: self._content_width(c) for c in range(columns) if c not in WEIGHTS}
        natural = {c: max(self._content_width(c), MIN_WIDTHS[c]) for c in WEIGHTS}
        available = self.viewport().width() - sum(fixed.values())
        widths = share_width(available, MIN_WIDTHS, natural, WEIGHTS) | fixed
        for column, width in widths.items():
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()


class WholesalerPreviewScreen(QWidget):
    """Read-only: the lineup items selling the signed-in wholesaler's products."""

    nav_id = "lineup_preview"
    nav_title = "Lineup preview"

    def __init__(
        self, ctx: ScreenContext, actions: ActionRegistry, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("wholesaler_preview_screen")
        self._ctx = ctx
        self._actions = actions
        self._wholesaler_id = ctx.profile_ids.get("wholesaler")
        self._generation = 0
        self._task: asyncio.Task[Any] | None = None

        heading = QLabel("Lineups with your products")
        heading.setStyleSheet("font-weight: 600; font-size: 16px;")
        self.show_filter = QComboBox()
        self.show_filter.setObjectName("show_filter")
        # Long show labels elide in the closed combo (the list shows them whole), so the
        # heading keeps its room.
        self.show_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.show_filter.setMinimumContentsLength(40)
        self.show_filter.view().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.show_filter.addItem(ALL_SHOWS, "")
        self.summary = QLabel(NOT_A_WHOLESALER if self._wholesaler_id is None else "")
        self.summary.setObjectName("preview_summary")
        self.summary.setWordWrap(True)
        self.model = WholesalerPreviewModel(self)
        self.table = PreviewTable(self.model)
        self.table.setObjectName("preview_table")

        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(QLabel("Show"))
        top.addWidget(self.show_filter)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

        actions.register(
            ActionSpec("lineup_preview.filter_show", "Filter by show", "Ctrl+F",
                       "Choose the show whose lineup to preview"),
            self._focus_filter, owner=self,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.show_filter.currentIndexChanged.connect(self._on_filter)
        ctx.signals.tables_changed.connect(self._on_tables_changed)

    def activate(self) -> None:
        self.schedule_reload()

    def _focus_filter(self) -> None:
        self.show_filter.setFocus()
        self.show_filter.showPopup()

    def schedule_reload(self) -> None:
        if self._wholesaler_id is not None:
            self._task = asyncio.ensure_future(self.reload())

    async def reload(self) -> None:
        if self._wholesaler_id is None:
            return
        self._generation += 1
        generation = self._generation
        try:
            rows: list[WholesalerLineupRow] = await self._ctx.read(
                load_wholesaler_lineups, self._wholesaler_id)
        except Exception as exc:  # a damaged row must not leave the screen silently empty
            log.exception("could not read the lineup preview")
            self.summary.setText(f"Could not read the lineups from the offline cache: {exc}")
            return
        if generation != self._generation:
            return
        self.model.set_rows(rows)
        self._refill_filter()
        self._update_summary()

    async def wait_idle(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)

    def _on_tables_changed(self, tables: frozenset[str]) -> None:
        if PREVIEW_TABLES & set(tables):
            self.schedule_reload()

    def _refill_filter(self) -> None:
        # Item data is text ("" for all shows): plain strings round-trip safely through Qt.
        chosen = str(self.show_filter.currentData() or "")
        self.show_filter.blockSignals(True)
        self.show_filter.clear()
        self.show_filter.addItem(ALL_SHOWS, "")
        for session_id, label in self.model.shows():
            self.show_filter.addItem(label, str(session_id))
        self.show_filter.setCurrentIndex(max(self.show_filter.findData(chosen), 0))
        self.show_filter.blockSignals(False)
        self._apply_filter()

    def _on_filter(self, _index: int) -> None:
        self._apply_filter()
        self._update_summary()

    def select_show(self, session_id: str | None) -> None:
        """Narrow the preview to one show (None: all shows)."""
        self.show_filter.setCurrentIndex(max(self.show_filter.findData(session_id or ""), 0))

    def _apply_filter(self) -> None:
        chosen = str(self.show_filter.currentData() or "")
        self.model.set_show_filter(UUID(chosen) if chosen else None)

    def _update_summary(self) -> None:
        rows = self.model.rows
        if not rows:
            self.summary.setText(EMPTY)
            return
        shows = len({row.session_id for row in rows})
        allocated = sum(row.allocated_quantity for row in rows)
        sold = sum(row.sold_quantity for row in rows)
        self.summary.setText(
            f"{len(rows)} lineup items in {shows} shows · {allocated} units allocated · "
            f"{sold} sold. Read-only: hosts set live prices and allocations.")
