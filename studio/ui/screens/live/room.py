"""The control room's link to the show session: runs its actions as tasks, folds cache changes
into live figures, and tells the widgets what changed (Qt signals; no widgets here)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from studio.core.show_state import ShowState
from studio.session.errors import SessionError
from studio.session.live_metrics import LiveMetrics
from studio.session.rows import optional_timestamp
from studio.session.show_report import ShowReport
from studio.session.show_session import ShowSession, find_running_show
from studio.sync.cache import CacheReader
from studio.ui.context import ScreenContext
from studio.ui.screens.live.goal_bar import current_goal

log = logging.getLogger(__name__)

# Cache tables whose changes move the control room's figures.
FIGURE_TABLES = frozenset({"live_products", "order_items", "influencer_goals",
                           "live_stream_sessions"})
# Of those, the ones after which the server's view of the lineup is re-read. A sale counts on
# the server's sales counter first; reading show_live_stats publishes it to the lineup rows.
SESSION_TABLES = frozenset({"live_products", "live_stream_sessions", "order_items"})


class _Rows:
    """Rows already read from the cache, in the shape `find_running_show` reads."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._rows = rows

    def shows_of_host(self, influencer_id: str, *, statuses: Sequence[str] | None = None
                      ) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows if str(r.get("influencer_id")) == influencer_id
                and (statuses is None or r.get("status") in statuses)]


def _host_shows(reader: CacheReader, host_id: str) -> list[dict[str, Any]]:
    return reader.shows_of_host(host_id, statuses=["scheduled", "live"])


def _figures(reader: CacheReader, session_id: str, host_id: str
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]],
                        dict[str, Any] | None]:
    """One cache read for every figure of the room (on the reader thread)."""
    return (reader.lineup(session_id), reader.show_order_items(session_id),
            reader.goals(host_id) if host_id else [],
            reader.get("live_stream_sessions", session_id))


class LiveRoom(QObject):
    """One host's control room state. Every action is an asyncio task; a refusal arrives as
    `refused(SessionError)` and changes nothing."""

    shows_changed = Signal(list)          # the host's scheduled and live shows (cache rows)
    opened = Signal(str)                  # a show's session is open (its id)
    running_found = Signal(str)           # the host's live show, found at start
    changed = Signal()                    # session or figures changed: repaint
    refused = Signal(object)              # SessionError
    busy_changed = Signal(bool, str)      # (busy?, what)
    figures_updated = Signal(object)      # MetricsUpdate of one batch (for toasts)
    flash_ended = Signal(str)             # product name whose flash sale ended on time
    report_ready = Signal(object)         # ShowReport, once the show ended
    buyers_counted = Signal(str, int)     # (show id, distinct buyers as the server counts)

    def __init__(self, ctx: ScreenContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.host_id = str(ctx.profile_ids.get("host") or "")
        self.session: ShowSession | None = None
        self.metrics: LiveMetrics | None = None
        self.show_row: dict[str, Any] = {}
        self.lineup_rows: dict[str, dict[str, Any]] = {}
        self.shows: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy = 0
        self._unsubscribe: Callable[[], None] | None = None
        self._refreshing = False
        self._refresh_again = False
        self._buyers_stale = True  # order lines changed since the server last counted buyers
        self._closed = False
        self._goal_id: str | None = None
        self.goal_period: str | None = None
        self._flash_product: str | None = None
        ctx.signals.tables_changed.connect(self._on_tables)
        # The shell deletes screens (sign-out, another workspace) without closing them: their
        # actions stop with them.
        tasks = self._tasks
        self.destroyed.connect(lambda *_: [task.cancel() for task in list(tasks)])

    def _alive(self) -> bool:
        return not self._closed and shiboken6.isValid(self)

    # ------------------------------------------------------------------ tasks
    def spawn(self, work: Awaitable[Any], what: str = "", *, busy: bool = True) -> asyncio.Task:
        """Run `work` as a task; a SessionError goes to `refused`, anything else to the log."""
        task = asyncio.ensure_future(self._guarded(work, what, busy))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if asyncio.iscoroutine(work):  # cancelled before it started (closing): no warning
            task.add_done_callback(lambda _t: work.close())
        return task

    async def _guarded(self, work: Awaitable[Any], what: str, busy: bool) -> Any:
        if busy:
            self._set_busy(+1, what)
        try:
            return await work
        except SessionError as exc:
            if self._alive():
                self.refused.emit(exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug or a lost server: say so, keep the room open
            if not self._alive():  # the workspace closed under it: nobody to tell
                log.debug("Control room action %r ended with the screen", what, exc_info=True)
                return None
            log.exception("Control room action %r failed", what)
            self.refused.emit(SessionError(f"{what or 'That'} failed: {exc}"))
        finally:
            if busy:
                self._set_busy(-1, what)
        return None

    def _set_busy(self, step: int, what: str) -> None:
        self._busy = max(self._busy + step, 0)
        if self._alive():
            self.busy_changed.emit(self._busy > 0, what if self._busy else "")

    @property
    def busy(self) -> bool:
        return self._busy > 0

    async def wait_idle(self) -> None:
        """For tests and shutdown: until every running action has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def close(self) -> None:
        self._closed = True
        self._detach_session()
        for task in list(self._tasks):
            task.cancel()
        if self.ctx.follow_show is not None:
            try:
                self.ctx.follow_show(None)
            except Exception:
                log.debug("follow_show(None) failed", exc_info=True)

    # ------------------------------------------------------------------ choosing the show
    async def load_shows(self, *, reopen_running: bool = False) -> None:
        """The host's scheduled and live shows from the cache; with `reopen_running`, the show
        still live (after a restart) is opened."""
        if not self.host_id:
            self.shows = []
            self.shows_changed.emit([])
            return
        rows = await self.ctx.read(_host_shows, self.host_id)
        self.shows = rows
        self.shows_changed.emit(rows)
        if not reopen_running or self.session is not None:
            return
        running = await find_running_show(_Rows(rows), self.host_id)
        if running is None and self.ctx.show_server is not None:
            # The cache may not have the show yet (first sync still under way). Offline, the
            # cache's answer stands: nothing to reopen is no news for the host.
            try:
                running = await find_running_show(self.ctx.show_server, self.host_id)
            except SessionError as exc:
                log.info("Could not ask the server for a running show: %s", exc.message)
        if running is not None:
            self.running_found.emit(str(running["id"]))
            await self.open(str(running["id"]))

    async def open(self, session_id: str) -> None:
        """Open the show's session (refusals go to `refused`) and follow it live."""
        if self.ctx.show_server is None:
            raise SessionError("This workspace has no server to run shows on")
        session = await ShowSession.open(self.ctx.show_server, session_id,
                                         practice=self.ctx.workspace_kind == "local")
        if self._closed:
            return
        self._detach_session()
        self.session = session
        self.metrics = None
        self._buyers_stale = True
        self._unsubscribe = session.subscribe(self._on_session_event)
        self._flash_product = session.flash.window.live_product_id if session.flash else None
        if self.ctx.follow_show is not None:
            self.ctx.follow_show(session.session_id if session.state is ShowState.LIVE else None)
        await self.reload()
        self.opened.emit(session.session_id)
        self.changed.emit()
        self.spawn(self._count_buyers(), "Counting the buyers", busy=False)

    def _detach_session(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # ------------------------------------------------------------------ figures from the cache
    async def reload(self) -> None:
        """Read the show's rows from the cache and fold them into the figures."""
        session = self.session
        if session is None:
            return
        lineup, items, goals, show = await self.ctx.read(
            _figures, session.session_id, self.host_id)
        if self.session is not session:
            return
        if show is not None:
            self.show_row = show
        self.lineup_rows = {str(r["id"]): r for r in lineup}
        if self.metrics is None:
            goal = current_goal(goals, datetime.now(UTC).date())
            self.metrics = LiveMetrics(session.session_id, goal=goal)
            self._goal_id = str(goal["id"]) if goal else None
            self.goal_period = str(goal["period"]) if goal else None
        batch: list[tuple[str, Mapping[str, Any]]] = [("live_products", r) for r in lineup]
        batch += [("order_items", r) for r in items]
        batch += [("influencer_goals", g) for g in goals if str(g["id"]) == self._goal_id]
        if show is not None:
            batch.append(("live_stream_sessions", show))
        update = self.metrics.apply(batch)
        self.figures_updated.emit(update)
        self.changed.emit()

    def _on_tables(self, tables: frozenset[str]) -> None:
        if self._closed:
            return
        if "live_stream_sessions" in tables:
            self.spawn(self.load_shows(), "Reading your shows", busy=False)
        if self.session is None or not tables & FIGURE_TABLES:
            return
        self.spawn(self.reload(), "Reading the show", busy=False)
        if "order_items" in tables:
            self._buyers_stale = True
        if tables & SESSION_TABLES and self.session.state is ShowState.LIVE:
            self.spawn(self._refresh(), "Reading the show", busy=False)

    async def _refresh(self) -> None:
        """Re-read the server's view of the show; a change noticed meanwhile reads again, so
        a reply older than the last change never has the final word."""
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        try:
            while True:
                self._refresh_again = False
                session = self.session
                if session is None:
                    return
                await session.refresh()
                if self._buyers_stale:
                    await self._count_buyers()
                if not self._refresh_again:
                    return
        finally:
            self._refreshing = False

    async def _count_buyers(self) -> None:
        """The server's count of distinct buyers (conversion needs it; the rows cannot tell)."""
        session = self.session
        if session is None:
            return
        self._buyers_stale = False
        try:
            await session.refresh_figures()
        except SessionError as exc:  # the figures keep their last count
            # The next batch asks again, unless this viewer may not ask (a co-host).
            self._buyers_stale = exc.sqlstate != "42501"
            log.info("Could not count the show's buyers: %s", exc.message)

    # ------------------------------------------------------------------ session events
    def _on_session_event(self, event: Any) -> None:
        session = event.session
        if event.kind == "flash_ended":
            entry = session.entry(self._flash_product or "")
            self.flash_ended.emit(entry.name if entry else "the product")
            self.spawn(self._refresh(), "Reading the show", busy=False)
        if event.kind == "figures" and session.buyers is not None and self._alive():
            if self.metrics is not None and self.metrics.session_id == session.session_id:
                self.metrics.set_buyers(session.buyers)
            self.buyers_counted.emit(session.session_id, session.buyers)
        if event.kind == "state" and self.ctx.follow_show is not None:
            live = session.state is ShowState.LIVE
            self.ctx.follow_show(session.session_id if live else None)
        self._flash_product = session.flash.window.live_product_id if session.flash else None
        self.changed.emit()

    def tick(self) -> None:
        """From the screen's timer: a flash sale whose window closed ends (once; the session
        tells its listeners)."""
        if self.session is not None and self.session.flash is not None:
            self.session.current_flash()

    # ------------------------------------------------------------------ actions
    def _session(self) -> ShowSession:
        if self.session is None:
            raise SessionError("Choose a show first")
        return self.session

    async def go_live(self, rehearsal: bool) -> None:
        await self._session().go_live(rehearsal)
        await self.reload()

    async def feature(self, live_product_id: str | None) -> None:
        await self._session().feature(live_product_id)

    async def step(self, direction: int) -> None:
        session = self._session()
        await (session.next() if direction > 0 else session.previous())

    async def start_flash(self, live_product_id: str | None, price: str, duration_s: int
                          ) -> None:
        await self._session().start_flash_sale(live_product_id or "", price, duration_s)

    async def cancel_flash(self) -> None:
        await self._session().cancel_flash_sale()

    async def end_show(self) -> ShowReport:
        report = await self._session().end_show()
        self.report_ready.emit(report)
        return report

    # ------------------------------------------------------------------ reading
    def started_at(self) -> datetime | None:
        return optional_timestamp(self.show_row.get("actual_start"))

    def sold_and_allocated(self, live_product_id: str) -> tuple[int, int]:
        """Units sold (from the show's order lines as they arrive, else the lineup row the
        server last published) and units allocated."""
        row = self.lineup_rows.get(live_product_id, {})
        sold = int(row.get("sold_quantity") or 0)
        metrics = self.metrics
        if metrics is not None and live_product_id in metrics.units_by_product:
            sold = metrics.units_by_product[live_product_id]
        return sold, int(row.get("allocated_quantity") or 0)

    def product_revenue(self, live_product_id: str) -> Decimal:
        metrics = self.metrics
        if metrics is None:
            return Decimal("0.00")
        return metrics.revenue_by_product.get(live_product_id, Decimal("0.00"))
