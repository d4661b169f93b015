"""Runs a rehearsal audience against a live show of the local workspace, until done or stopped."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import psycopg

from studio.session.simulator import actions
from studio.session.simulator.accounts import ensure_accounts, sim_user
from studio.session.simulator.config import TICK_S, AudienceConfig, SimulatorError
from studio.session.simulator.lanes import Lane
from studio.session.simulator.plan import Buy, Planner, ShowView, Step
from studio.session.simulator.progress import AudienceProgress, State, Tally
from studio.session.simulator.requests import Refusal, Request, run_one, run_together
from studio.session.simulator.show import (
    ShowInfo,
    check_local,
    check_show_id,
    find_show,
    look,
)

log = logging.getLogger(__name__)

ProgressCallback = Callable[[AudienceProgress], None]

CHAT_LANES = 3
"""Connections sending chat at once (two cores serve three about as well as more)."""
BUY_LANES = 2
MAX_CHAT_BATCH = 400
"""Messages in one transaction: larger batches save commits, smaller ones spread the load."""
LOOK_EVERY_S = 0.5
"""How often viewers look at the show again (featured product, flash sale, status)."""
MAX_WAITING_BUYS = 1000
LEAVE_BATCH = 1000
CLEAN_UP_S = 120.0
"""At most this long for everyone to leave (about a second per thousand viewers when the
machine is not busy with something else)."""


class Audience:
    """Simulated customers watching a live show of the local workspace.

        audience = Audience(conninfo, show_id, AudienceConfig(viewers=500, chat_rate=50))
        task = asyncio.create_task(audience.run())   # the report when it ends
        ...
        await audience.stop()                        # leaves, closes, returns promptly

    Every simulated customer is a real user of the database and every action is that user's
    request (role `authenticated` with their JWT claims), so RLS, stock rules, rate limits and
    triggers decide as for a real client. `on_progress` hears an AudienceProgress about once a
    second and when the run ends. No Qt: the app wraps it.
    """

    def __init__(
        self,
        conninfo: str,
        show_id: str,
        config: AudienceConfig,
        *,
        on_progress: ProgressCallback | None = None,
        progress_every_s: float = 1.0,
    ) -> None:
        self.config = config.validate()
        self.show_id = check_show_id(show_id)
        self._conninfo = conninfo
        self._on_progress = on_progress
        self._progress_every_s = progress_every_s
        self._tally = Tally()
        self._state: State = "preparing"
        self._stop = asyncio.Event()
        self._ended = asyncio.Event()
        self._started = False
        self._stop_reason: str | None = None
        self._error: str | None = None
        self._begun = 0.0
        self._ended_at = 0.0
        self._lag_s = 0.0
        self._view = ShowView()
        self._rows: dict[int, str] = {}  # viewer -> their open presence row
        self._buys: asyncio.Queue[Buy] = asyncio.Queue()
        self._lanes: list[Lane] = []
        self.show: ShowInfo | None = None

    # ------------------------------------------------------------------------- public API
    @property
    def progress(self) -> AudienceProgress:
        """What the audience has done so far (read it on the event loop's thread)."""
        now = self._ended_at or time.monotonic()
        t = self._tally
        return AudienceProgress(
            state=self._state,
            elapsed_s=max(0.0, now - self._begun) if self._begun else 0.0,
            steps=t.steps, steps_planned=self.config.steps, watching=len(self._rows),
            joins=t.joins, leaves=t.leaves, messages=t.messages,
            messages_held_back=t.messages_held_back, orders=t.orders, units=t.units,
            revenue=t.revenue, buys_tried=t.buys_tried, refusals=dict(t.refusals),
            lag_s=self._lag_s, stop_reason=self._stop_reason, error=self._error,
        )

    async def run(self) -> AudienceProgress:
        """Prepare (checks, simulated accounts), play every step, then leave and close.

        Raises SimulatorError before anything is written when the workspace or show is
        refused. Once running, server refusals are counted, not raised; a lost connection
        ends the run with `error` set. Cancelling the task cleans up the same way."""
        if self._started:
            raise RuntimeError("an Audience runs once; make a new one")
        self._started = True
        control = self._lane(1, "sim-control")
        try:
            self.show = await control.call(self._prepare)
            if not self._stop.is_set():  # unless stopped while preparing
                self._state = "running"
                self._begun = time.monotonic()
                await self._play(control)
        except (psycopg.OperationalError, psycopg.InterfaceError) as e:
            self._error = f"lost the connection to the local database: {_first_line(e)}"
            self._stop_reason = self._error
        finally:
            self._state = "stopping"
            if self._begun:
                self._ended_at = time.monotonic()
            cleaning = asyncio.create_task(self._clean_up(control))
            # A second cancel (an impatient caller) must not leave connections open.
            try:
                await asyncio.shield(cleaning)
            finally:
                self._state = "finished"
                self._ended.set()
                self._report()
        return self.progress

    async def stop(self) -> AudienceProgress:
        """Stop now: pending purchases are dropped, viewers leave, connections close. Returns
        the final progress once done (at once when the audience never ran)."""
        self.request_stop()
        if self._started:
            await self._ended.wait()
        return self.progress

    def request_stop(self) -> None:
        """Ask the audience to stop, without waiting (for signal handlers and Qt slots)."""
        self._stop.set()
        if self._stop_reason is None:
            self._stop_reason = "stopped"

    # ------------------------------------------------------------------------- preparing
    def _lane(self, threads: int, name: str) -> Lane:
        lane = Lane(self._conninfo, threads, name)
        self._lanes.append(lane)
        return lane

    def _prepare(self, conn: psycopg.Connection) -> ShowInfo:
        check_local(conn)
        show = find_show(conn, self.show_id)
        created = ensure_accounts(conn, self.config.viewers)
        if created:
            log.info("Created %d simulated customers", created)
        self._close_stale_presence(conn)
        return show

    def _close_stale_presence(self, conn: psycopg.Connection) -> None:
        """Viewers still in the show from a run that crashed leave first (one open row per
        viewer is all the server allows)."""
        with conn.transaction():
            rows = conn.execute(
                "select v.id::text, v.user_id::text from public.live_stream_viewers v"
                " where v.session_id = %s and v.left_at is null"
                " and v.user_id = any(%s::uuid[])",
                (self.show_id, [sim_user(n).user_id for n in range(1, self.config.viewers + 1)]),
            ).fetchall()
        numbers = {sim_user(n).user_id: n for n in range(1, self.config.viewers + 1)}
        run_together(conn, [actions.leave(sim_user(numbers[u]), row) for row, u in rows])

    # --------------------------------------------------------------------------- playing
    async def _play(self, control: Lane) -> None:
        chat = self._lane(CHAT_LANES, "sim-chat")
        buy = self._lane(BUY_LANES, "sim-buy")
        planner = Planner(self.config)
        loop = asyncio.get_running_loop()
        await self._look(control)
        buyers = [asyncio.create_task(self._buyer(buy)) for _ in range(BUY_LANES)]
        watcher = asyncio.create_task(self._watch(control))
        last_report = loop.time()
        sending: asyncio.Future[Any] | None = None
        try:
            for _ in range(self.config.steps):
                if self._stop.is_set():
                    break
                started = loop.time()
                step = planner.next_step(self._view)
                self._queue_buys(step)
                # A step is sent while the one before it finishes, never more: the server is
                # kept busy, and a viewer's messages stay in order (one connection for
                # presence; chat batches take users' locks in user order, so they cannot
                # deadlock).
                current = asyncio.gather(self._presence(control, step), self._chat(chat, step))
                if sending is not None:
                    await sending
                sending = current
                self._tally.steps += 1
                self._lag_s = max(0.0, time.monotonic() - self._begun - self._tally.steps * TICK_S)
                if loop.time() - last_report >= self._progress_every_s:
                    last_report = loop.time()
                    self._report()
                # Steps never bunch up to catch up: viewers would exceed their chat limit.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, started + TICK_S - loop.time())):
                        await self._stop.wait()
            else:
                self._stop_reason = self._stop_reason or "finished"
            if sending is not None:
                await sending
        finally:
            if sending is not None and not sending.done():
                sending.cancel()
                await asyncio.gather(sending, return_exceptions=True)
            watcher.cancel()
            for task in buyers:
                task.cancel()
            await asyncio.gather(watcher, *buyers, return_exceptions=True)

    async def _look(self, control: Lane) -> None:
        status, view = await control.call(look, sim_user(1), self.show_id)
        self._view = view
        if status != "live":
            self._stop_reason = (
                "the show is no longer visible" if status == "gone" else f"the show is {status}"
            )
            self._stop.set()

    async def _watch(self, control: Lane) -> None:
        with self._failure_stops():
            while not self._stop.is_set():
                await asyncio.sleep(LOOK_EVERY_S)
                await self._look(control)

    @contextlib.contextmanager
    def _failure_stops(self) -> Iterator[None]:
        """In a background task, a lost connection or unreadable show ends the run."""
        try:
            yield
        except (psycopg.Error, SimulatorError) as e:
            if isinstance(e, psycopg.Error):
                self._error = f"lost the connection to the local database: {_first_line(e)}"
            else:
                self._error = str(e)
            self._stop_reason = self._error
            self._stop.set()

    async def _presence(self, control: Lane, step: Step) -> None:
        requests: list[Request] = []
        opened: list[tuple[int, str]] = []
        # Rows are booked when planned: the next step may be planned before this one lands.
        for leave in step.leaves:
            row = self._rows.pop(leave.viewer, None)
            if row is not None:
                requests.append(actions.leave(sim_user(leave.viewer), row))
        for join in step.joins:
            row = str(uuid.uuid4())
            self._rows[join.viewer] = row
            opened.append((join.viewer, row))
            requests.append(actions.join(sim_user(join.viewer), self.show_id, row))
        if not requests:
            return
        refused = await control.call(run_together, requests)
        leaves = len(requests) - len(opened)
        self._count("leave", refused[:leaves])
        self._count("join", refused[leaves:])
        self._tally.leaves += sum(r is None for r in refused[:leaves])
        for (viewer, row), problem in zip(opened, refused[leaves:], strict=True):
            if problem is None:
                self._tally.joins += 1
            elif self._rows.get(viewer) == row:
                del self._rows[viewer]

    async def _chat(self, lanes: Lane, step: Step) -> None:
        self._tally.messages_held_back += step.chats_held_back
        if not step.chats:
            return
        # In user order, so that batches running side by side take users' locks in one order.
        requests = [actions.say(sim_user(c.viewer), self.show_id, c.text, c.kind)
                    for c in sorted(step.chats, key=lambda c: c.viewer)]
        parts = max(CHAT_LANES, -(-len(requests) // MAX_CHAT_BATCH))
        size = -(-len(requests) // parts)
        batches = [requests[i:i + size] for i in range(0, len(requests), size)]
        results = await asyncio.gather(*(lanes.call(run_together, b) for b in batches))
        for refused in results:
            self._count("chat", refused)
            self._tally.messages += sum(r is None for r in refused)

    # ---------------------------------------------------------------------------- buying
    def _queue_buys(self, step: Step) -> None:
        for buy in step.buys:
            if self._buys.qsize() >= MAX_WAITING_BUYS:
                self._tally.refusals[("buy", "not sent: too many purchases waiting")] += 1
                continue
            self._buys.put_nowait(buy)

    async def _buyer(self, lane: Lane) -> None:
        with self._failure_stops():
            while True:
                await self._buy(lane, await self._buys.get())

    async def _buy(self, lane: Lane, buy: Buy) -> None:
        request = actions.buy(sim_user(buy.viewer), buy.live_product_id, buy.quantity)
        self._tally.buys_tried += 1
        result, refused = await lane.call(run_one, request)
        if refused is not None:
            self._count("buy", [refused])
            return
        items: list[dict[str, Any]] = _json(result).get("items", [])
        self._tally.orders += 1
        self._tally.units += sum(int(i["quantity"]) for i in items)
        # What the show earns, as its figures count it: line totals (no tax or shipping).
        self._tally.revenue += sum((Decimal(str(i["line_total"])) for i in items), Decimal(0))

    # -------------------------------------------------------------------------- cleaning
    async def _clean_up(self, control: Lane) -> None:
        try:
            async with asyncio.timeout(CLEAN_UP_S):
                while self._rows:
                    chunk = list(self._rows.items())[:LEAVE_BATCH]
                    leaving = [actions.leave(sim_user(v), row) for v, row in chunk]
                    refused = await control.call(run_together, leaving)
                    for viewer, _row in chunk:  # a refused leave was closed by the server
                        del self._rows[viewer]
                    self._count("leave", refused)
                    self._tally.leaves += sum(r is None for r in refused)
        except (psycopg.Error, TimeoutError, RuntimeError) as e:
            log.warning(
                "%d simulated viewers are still marked as watching (%s); the next run, or the "
                "end of the show, closes their presence", len(self._rows),
                _first_line(e) if str(e) else "the server was too slow to answer")
        finally:
            for lane in self._lanes:
                await asyncio.to_thread(lane.close)

    def _count(self, kind: str, refused: list[Refusal | None]) -> None:
        for problem in refused:
            if problem is not None:
                self._tally.refusals[(kind, problem.reason)] += 1

    def _report(self) -> None:
        if self._on_progress is not None:
            try:
                self._on_progress(self.progress)
            except Exception:  # a listener's bug must not stop the audience
                log.exception("Audience progress listener failed")


def _json(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


