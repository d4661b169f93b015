"""Qt side of a show's live figures: one read per change batch, one snapshot signal per read."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterable

import shiboken6
from PySide6.QtCore import QObject, Signal

from studio.session.live_metrics import conversion_rate
from studio.ui.context import ScreenContext
from studio.ui.models.live_figures import FIGURE_TABLES, FiguresSnapshot, FiguresSource

log = logging.getLogger(__name__)


class FiguresFeed(QObject):
    """Follows one show; emits `updated(FiguresSnapshot)` after each batch that touched it.

    The rows are read and folded in on the reader thread, so a burst of orders or viewers
    costs the UI thread one repaint per batch, whatever the batch's size.
    """

    updated = Signal(object)
    failed = Signal(str)

    def __init__(self, ctx: ScreenContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._source: FiguresSource | None = None
        self._pending: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._buyers: int | None = None
        self.snapshot: FiguresSnapshot | None = None
        ctx.signals.tables_changed.connect(self.on_tables_changed)

    @property
    def session_id(self) -> str | None:
        return None if self._source is None else self._source.session_id

    def follow(self, session_id: str | None) -> None:
        self._source = None if session_id is None else FiguresSource(str(session_id))
        self._buyers = None
        self.snapshot = None if session_id is None else FiguresSnapshot(str(session_id))
        if self.snapshot is not None:
            self.updated.emit(self.snapshot)
            self._want(FIGURE_TABLES)

    def set_buyers(self, session_id: str, buyers: int) -> None:
        """The server's count of the show's distinct buyers (hosts cannot count them from the
        rows they read); conversion follows it."""
        if self._source is None or self._source.session_id != str(session_id):
            return  # a count for a show the panel has left
        self._buyers = int(buyers)
        if self.snapshot is not None:
            self.snapshot = self._with_buyers(self.snapshot)
            self.updated.emit(self.snapshot)

    def _with_buyers(self, snapshot: FiguresSnapshot) -> FiguresSnapshot:
        if self._buyers is None:
            return snapshot
        return dataclasses.replace(snapshot, buyers=self._buyers, conversion=conversion_rate(
            self._buyers, snapshot.unique_viewers))

    def _stopped(self) -> bool:
        """The workspace is closing (its reader is shut) or the panel is gone."""
        return self._ctx.closed or not shiboken6.isValid(self)

    def on_tables_changed(self, tables: Iterable[str]) -> None:
        changed = FIGURE_TABLES & set(tables)
        if changed and self._source is not None and not self._stopped():
            self._want(changed)

    def _want(self, tables: Iterable[str]) -> None:
        self._pending |= set(tables)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._refresh())

    async def idle(self) -> None:
        """Wait until the batches seen so far are applied (tests, benchmarks)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _refresh(self) -> None:
        while self._pending and self._source is not None:
            if self._stopped():
                return
            source, tables = self._source, frozenset(self._pending)
            self._pending.clear()
            try:
                snapshot = await self._ctx.read(source.refresh, tables)
            except Exception as exc:  # keep following; the next batch reads again
                if self._stopped():  # closed while reading: nobody to tell
                    log.debug("live figures read ended with the workspace", exc_info=True)
                    return
                log.exception("live figures read failed")
                self.failed.emit(f"Could not read the show's figures: {exc}")
                return
            if self._stopped():
                return
            if source is self._source:  # not a show the panel has left meanwhile
                self.snapshot = self._with_buyers(snapshot)
                self.updated.emit(self.snapshot)
