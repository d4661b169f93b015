"""The lineup builder: a show's items with editable prices and allocation, ordering, removal,
bulk pricing and the margin preview. Every change is validated by studio.core, applied to the
cache and queued for the server through `ScreenContext.submit`; refusals appear at the field."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from PySide6.QtCore import QMimeData, QModelIndex, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.lineup import Lineup, LineupError
from studio.core.lineup_rules import lineup_locked_reason
from studio.core.margins import earned_commission
from studio.core.wording import counted, them
from studio.sync.cache import CacheReader, Operation, cents_to_decimal
from studio.sync.lineup_ops import (
    LIVE_PRODUCTS,
    LineupSnapshot,
    SentEdit,
    add_summary,
    describe_op,
    item_ids,
    lineup_ops,
    load_lineup,
    load_products,
    refused_field,
)
from studio.ui.actions import ActionRegistry, ActionSpec
from studio.ui.context import ScreenContext
from studio.ui.models.lineup_model import (
    EDITABLE,
    LineupModel,
    column_for_field,
)
from studio.ui.screens.elided_label import ElidedLabel
from studio.ui.screens.lineup_table import LineupTable, MessageBar, TotalsFooter, field_label
from studio.ui.screens.pricing_dialog import PricingDialog
from studio.ui.screens.product_picker import ProductPicker

log = logging.getLogger(__name__)
RELOAD_TABLES = frozenset(
    {"live_products", "live_stream_sessions", "products", "influencer_earnings"})
Shortcut = Qt.ShortcutContext.WidgetWithChildrenShortcut
LINEUP_ACTIONS = (
    ActionSpec("lineup.add_from_catalog", "Add from catalog…", "Ctrl+Shift+A",
               "Pick catalog products to add to this lineup"),
    ActionSpec("lineup.bulk_pricing", "Bulk pricing…", "Ctrl+Shift+P",
               "Price many items with one rule, previewed first"),
    ActionSpec("lineup.move_up", "Move up", "Alt+Up", "Move the selected items up"),
    ActionSpec("lineup.move_down", "Move down", "Alt+Down", "Move the selected items down"),
    ActionSpec("lineup.move_top", "Move to top", "Ctrl+Home", "Move the selected items first"),
    ActionSpec("lineup.move_bottom", "Move to bottom", "Ctrl+End",
               "Move the selected items last"),
    ActionSpec("lineup.remove", "Remove", "Delete",
               "Remove the selected items (items with sales cannot be removed)"),
    ActionSpec("lineup.undo", "Undo lineup change", "Ctrl+Z", "Undo the last lineup change"),
)
SCREEN_WIDE = frozenset({"lineup.add_from_catalog", "lineup.bulk_pricing"})
EDIT_ACTIONS = tuple(spec.action_id for spec in LINEUP_ACTIONS if spec.action_id != "lineup.undo")


class LineupEditor(QWidget):
    """The lineup of one show. `set_show(show_id)` loads it from the cache."""

    def __init__(
        self,
        ctx: ScreenContext,
        actions: ActionRegistry,
        parent: QWidget | None = None,
        *,
        shortcut_owner: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lineup_editor")
        self._ctx = ctx
        self._show_id: str | None = None
        self._generation = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._submitting = 0
        self._reload_wanted = False
        self._sent: dict[str, SentEdit] = {}
        self._undo: list[Lineup] = []
        self._add_after_load: list[str] = []
        self.pricing_dialog: PricingDialog | None = None
        self._message_cell: tuple[str, str] | None = None  # the cell the error message is about

        self.model = LineupModel(self)
        self.table = LineupTable(self.model, self)
        # A long show title must not widen the window: it is elided ("…"), whole in the tooltip.
        self.title = ElidedLabel("Lineup")
        self.title.setObjectName("lineup_title")
        self.title.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.locked = QLabel()
        self.locked.setObjectName("lineup_locked")
        self.locked.setVisible(False)
        self.message = MessageBar(self)
        self.message.setObjectName("lineup_message")
        self.footer = TotalsFooter(self)
        self.totals, self.rate_note = self.footer.totals, self.footer.rate_note
        self._rate_source = "the server's default rate"

        self._register(actions, shortcut_owner or self)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        for action_id in ("lineup.add_from_catalog", "lineup.bulk_pricing", "lineup.move_up",
                          "lineup.move_down", "lineup.remove"):
            button = QToolButton(self)
            button.setDefaultAction(actions.action(action_id))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.locked)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.footer)

        self.model.lineup_changed.connect(self._on_lineup_changed)
        self.model.field_message.connect(self._on_field_message)
        self.model.error_cleared.connect(self._on_error_cleared)
        self.model.products_dropped.connect(self._on_products_dropped)
        self.model.totals_changed.connect(self._update_totals)
        self.table.selectionModel().currentChanged.connect(self._on_current_changed)
        ctx.signals.tables_changed.connect(self._on_tables_changed)
        ctx.signals.op_rejected.connect(self._on_op_rejected)
        self._update_enabled()
        self._update_totals()

    def _register(self, actions: ActionRegistry, screen: QWidget) -> None:
        handlers = {
            "lineup.add_from_catalog": self.pick_products,
            "lineup.bulk_pricing": self.open_bulk_pricing,
            "lineup.move_up": lambda: self.move_selected(-1),
            "lineup.move_down": lambda: self.move_selected(1),
            "lineup.move_top": self.move_selected_to_top,
            "lineup.move_bottom": self.move_selected_to_bottom,
            "lineup.remove": self.remove_selected,
            "lineup.undo": self.undo,
        }
        for spec in LINEUP_ACTIONS:
            # Adding and pricing work from anywhere on the screen; the rest act on the table.
            owner = screen if spec.action_id in SCREEN_WIDE else self
            actions.register(spec, handlers[spec.action_id], owner=owner, context=Shortcut)
        self._actions = actions

    # ------------------------------------------------------------------ loading

    @property
    def show_id(self) -> str | None:
        return self._show_id

    @property
    def lineup(self) -> Lineup | None:
        return self.model.lineup

    def set_show(self, show_id: str | None, *, then_add: Sequence[str] = ()) -> None:
        """Show `show_id`'s lineup; `then_add` product ids are added once it has loaded."""
        if then_add and show_id is not None:
            self._add_after_load = list(then_add)
        if show_id != self._show_id:
            self._undo.clear()
            self.message.setVisible(False)
        self._show_id = show_id
        if show_id is None:
            self._generation += 1
            self.model.set_lineup(None)
            self._update_enabled()
            return
        self.schedule_reload()

    def set_commission_rate(self, rate: Decimal, source: str) -> None:
        """The host's commission rate for the preview, and where it comes from (shown)."""
        self._rate_source = source
        self.model.set_commission_rate(rate)
        self._update_totals()

    def schedule_reload(self) -> None:
        if self._submitting:
            self._reload_wanted = True  # after the queued writes, not between them
            return
        self._spawn(self.reload())

    async def reload(self) -> None:
        """Read the show's lineup from the cache (stale results are dropped)."""
        self._generation += 1
        generation, show_id = self._generation, self._show_id
        if show_id is None:
            return
        snapshot: LineupSnapshot | None = await self._ctx.read(load_lineup, show_id)
        earned = await self._earned(snapshot.lineup) if snapshot is not None else None
        if generation != self._generation or self._submitting:
            return
        self.model.set_earned(earned)
        if snapshot is None:
            self.model.set_lineup(None)
        else:
            self.model.set_lineup(snapshot.lineup, snapshot.products)
            waiting, self._add_after_load = self._add_after_load, []
            if waiting:
                await self.add_products_now(waiting)
        self._update_enabled()

    async def _earned(self, lineup: Lineup) -> Decimal:
        """The commission the server has recorded for this show so far."""
        rows = await self._ctx.read(CacheReader.earnings, str(lineup.show.influencer_id))
        show = str(lineup.show.id)
        return earned_commission((cents_to_decimal(row["amount_cents"]), row["status"])
                                 for row in rows if row["session_id"] == show)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("lineup task failed", exc_info=task.exception())
            self.show_message(f"Something went wrong: {task.exception()}", "error")

    def pending_tasks(self) -> list[asyncio.Task[Any]]:
        """Reads and writes started and not finished yet."""
        return [task for task in self._tasks if not task.done()]

    async def wait_idle(self) -> None:
        """Until every started read and write has finished (tests, shutdown)."""
        while pending := self.pending_tasks():
            await asyncio.gather(*pending, return_exceptions=True)

    def _on_tables_changed(self, tables: frozenset[str]) -> None:
        if self._show_id is not None and RELOAD_TABLES & set(tables):
            self.schedule_reload()

    def _update_enabled(self) -> None:
        lineup = self.model.lineup
        reason = lineup_locked_reason(lineup.show) if lineup is not None else None
        editable = lineup is not None and reason is None
        self.locked.setText(reason or "")
        self.locked.setVisible(bool(reason))
        for action_id in EDIT_ACTIONS:
            self._actions.action(action_id).setEnabled(editable)
        self.title.setText(f"Lineup of “{lineup.show.title}”" if lineup else "Lineup")

    # ------------------------------------------------------------------ messages

    def show_message(self, text: str, kind: str = "error") -> None:
        """A message under the table: "error", "warning" or "info"."""
        self._message_cell = None
        self.message.show_message(text, kind)

    def _on_field_message(self, item_id: str, field_name: str, text: str, is_error: bool) -> None:
        kind = "error" if is_error else "warning"
        self.show_message(self._label(item_id, field_name) + text, kind)
        self._message_cell = (item_id, field_name) if is_error else None

    def _on_error_cleared(self, item_id: str, field_name: str) -> None:
        # The message under the table about that cell goes with its mark.
        if self._message_cell == (item_id, field_name) and self.message.kind == "error":
            self.message.setVisible(False)
            self._message_cell = None

    def _label(self, item_id: str, field_name: str) -> str:
        return field_label(self.model.lineup, item_id, field_name)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        error = self.model.error_at(current)
        if error:
            item = self.model.item_at(current.row())
            field_name = EDITABLE.get(current.column(), "")
            self.show_message(self._label(str(item.id), field_name) + error, "error")
            self._message_cell = (str(item.id), field_name)

    def _update_totals(self) -> None:
        self.footer.show_totals(self.model.totals, self.model.commission_rate, self._rate_source,
                                self.model.earned)

    # ------------------------------------------------------------------ commands

    def selected_ids(self) -> list[UUID]:
        return self.table.selected_ids()

    def select_ids(self, ids: Sequence[UUID]) -> None:
        self.table.select_ids(ids)

    def move_selected(self, step: int) -> None:
        ids = self.selected_ids()
        if ids and self.model.move_by(ids, step):
            self.select_ids(ids)

    def move_selected_to_top(self) -> None:
        ids = self.selected_ids()
        if ids and self.model.move_items(ids, 0):
            self.select_ids(ids)

    def move_selected_to_bottom(self) -> None:
        ids = self.selected_ids()
        if ids and self.model.move_items(ids, self.model.rowCount()):
            self.select_ids(ids)

    def remove_selected(self) -> None:
        lineup, ids = self.model.lineup, self.selected_ids()
        if lineup is None or not ids:
            return
        try:
            after = lineup.remove(ids)
        except LineupError as exc:
            self.show_message(str(exc), "error")
            return
        self.model.apply(after)
        self.show_message(
            f"Removed {counted(len(ids), 'item')}. Ctrl+Z puts {them(len(ids))} back.", "info")

    def undo(self) -> None:
        current = self.model.lineup
        if current is None or not self._undo:
            return
        target = self._undo.pop()
        if target.show.id != current.show.id:
            return
        target = Lineup(show=current.show, items=target.items)
        self.model.undo_to(target)
        self._submit(lineup_ops(current, target))

    def add_products(self, product_ids: Sequence[str], at_row: int | None = None) -> None:
        """Add catalog products (by id) to the lineup, at `at_row` or at the end."""
        self._spawn(self.add_products_now(list(product_ids), at_row))

    async def add_products_now(self, product_ids: list[str], at_row: int | None = None) -> None:
        lineup = self.model.lineup
        if lineup is None:
            self.show_message("Select a show first, then add products to its lineup.", "error")
            return
        try:
            ids = item_ids(product_ids)
        except ValueError:
            self.show_message("Those are not catalog products.", "error")
            return
        products = await self._ctx.read(load_products, ids)
        lineup = self.model.lineup  # it may have been reloaded meanwhile
        if lineup is None:
            return
        try:
            result = lineup.add_products(products, at_index=at_row)
        except LineupError as exc:
            self.show_message(str(exc), "error")
            return
        if result.added:
            self.model.apply(result.lineup, products={p.id: p for p in products})
            self.select_ids([item.id for item in result.added])
        self.show_message(*add_summary(result, len(ids), len(products)))

    def _on_products_dropped(self, product_ids: list[str], row: int) -> None:
        self.add_products(product_ids, row)

    def open_bulk_pricing(self) -> PricingDialog | None:
        lineup = self.model.lineup
        if lineup is None or not lineup.items:
            self.show_message("Add items before pricing the lineup.", "info")
            return None
        dialog = PricingDialog(lineup, self.model.products, self.selected_ids(), self)
        dialog.accepted.connect(lambda: self._apply_pricing(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.pricing_dialog = dialog
        dialog.open()
        return dialog

    def _apply_pricing(self, dialog: PricingDialog) -> None:
        lineup, priced = self.model.lineup, dialog.result_lineup
        if lineup is None or priced is None or priced.show.id != lineup.show.id:
            return
        if priced.ids != lineup.ids:
            self.show_message("The lineup changed meanwhile; open bulk pricing again.", "error")
            return
        self.model.apply(priced)

    def pick_products(self) -> None:
        if self.model.lineup is None:
            self.show_message("Select a show first, then add products to its lineup.", "error")
            return
        picker = ProductPicker(self._ctx, self.model.lineup.product_ids, self)
        picker.picked.connect(self.add_products)
        picker.finished.connect(picker.deleteLater)
        picker.open()

    # ------------------------------------------------------------------ sending

    def _on_lineup_changed(self, before: Lineup, after: Lineup) -> None:
        self._undo.append(before)
        del self._undo[:-50]
        self._submit(lineup_ops(before, after))

    def _submit(self, ops: list[Operation]) -> None:
        if ops:
            self._submitting += 1
            self._spawn(self._send(ops))

    async def _send(self, ops: list[Operation]) -> None:
        try:
            for op in ops:
                self._sent[op.op_id] = describe_op(op)
            # One user action, one batch: a reorder or an insertion between items moves several
            # positions, which stay unique only if they land together.
            await self._ctx.submit_all(ops)
        except Exception as exc:
            log.exception("could not save a lineup change")
            self.show_message(f"Could not save the change: {exc}", "error")
            self._reload_wanted = True
        finally:
            self._submitting -= 1
            if not self._submitting and self._reload_wanted:
                self._reload_wanted = False
                self.schedule_reload()

    def _on_op_rejected(self, op_id: str, target: str, message: str, _sqlstate: str,
                        field_name: str) -> None:
        sent = self._sent.pop(op_id, None)
        if target != LIVE_PRODUCTS or self.model.lineup is None:
            return
        field_name = refused_field(sent, field_name, message)
        text = f"The server refused this change: {message}"
        item_id = UUID(sent.row_id) if sent is not None and sent.row_id else None
        if item_id is not None and item_id in set(self.model.lineup.ids):
            self.model.set_error(item_id, field_name, text)
            self.table.setCurrentIndex(self.model.index(self.model.row_of(item_id),
                                                        column_for_field(field_name)))
        else:
            self.show_message(self._label("", field_name) + text, "error")
        self.schedule_reload()

    def drop_products(self, mime: QMimeData) -> bool:
        """Catalog products dropped outside the table: added at the end."""
        return self.model.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, QModelIndex())

