"""The live show a host is running: state, lineup, featured product and flash sale.

Every action calls the server's function and changes the session only when the server agreed;
obvious mistakes are refused first with the server's own rule (studio.core), so the host reads
the reason at once and nothing is sent. Listeners get plain-Python `SessionEvent`s (no Qt).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from studio.core.lineup_rules import DEFAULT_LIMITS, LineupLimits, validate_flash_sale
from studio.core.money import parse_money
from studio.core.show_state import ShowState, TransitionError, require_transition, state_of
from studio.session.errors import SessionError, from_backend, is_backend_error
from studio.session.flash_sale import FlashCountdown, FlashWindow, ServerClock
from studio.session.ports import CachedShows, ShowServer
from studio.session.rows import money, timestamp
from studio.session.show_report import ShowReport, build_report

log = logging.getLogger(__name__)

EventKind = Literal["state", "featured", "flash_started", "flash_ended", "flash_cancelled",
                    "lineup", "figures"]
# Lineup items the server lets a host feature (draft and hidden ones are refused).
_FEATURABLE = ("active", "sold_out")
_FLASH_COLUMNS = ("id", "live_price", "flash_price", "flash_starts_at", "flash_ends_at")


@dataclass(frozen=True, slots=True)
class LineupEntry:
    """One product of the show's lineup as the control room uses it."""

    id: str
    name: str
    position: int
    status: str
    live_price: Decimal
    remaining: int | None = None

    @classmethod
    def from_stats(cls, row: Mapping[str, Any]) -> LineupEntry:
        price = money(row, "live_price")
        return cls(str(row["live_product_id"]), str(row["name"]), int(row.get("position") or 0),
                   str(row["status"]), price if price is not None else Decimal("0.00"),
                   row.get("remaining"))


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """Something changed in the session; `session` is the session itself, read it for values."""

    kind: EventKind
    session: ShowSession


def _as_state(status: Any) -> ShowState:
    # The server only answers for shows it has, so its status is never a draft.
    return state_of({"status": status, "session_code": "on-server"})


class ShowSession:
    """Open with `await ShowSession.open(server, session_id)`; then go live, feature, run
    flash sales and end the show. Each action raises SessionError and changes nothing when
    refused."""

    def __init__(self, server: ShowServer, session_id: str, row: Mapping[str, Any], *,
                 practice: bool = False) -> None:
        self.server = server
        # A show of a local workspace's own server: public there, a rehearsal for the host
        # (ACCESS.md, "Rehearsals"): labelled and reported as one.
        self.practice = practice
        self.session_id = session_id
        self.title = str(row.get("title") or "")
        self.host_id = str(row.get("influencer_id") or "")
        self.state = state_of(row)
        self.is_rehearsal = bool(row.get("is_rehearsal"))
        self.featured_id: str | None = _text(row.get("featured_live_product_id"))
        self.lineup: list[LineupEntry] = []
        self.flash: FlashCountdown | None = None
        self.clock = ServerClock()
        self.report: ShowReport | None = None
        # Distinct buyers as the server counts them (hosts cannot read who bought).
        self.buyers: int | None = None
        # The server's flash-sale limits (its commerce settings; the shipped defaults here).
        self.limits: LineupLimits = DEFAULT_LIMITS
        self._listeners: list[Callable[[SessionEvent], None]] = []

    # ------------------------------------------------------------------ opening and reading
    @classmethod
    async def open(cls, server: ShowServer, session_id: str,
                   cached: Mapping[str, Any] | None = None, *,
                   practice: bool = False) -> ShowSession:
        """The session of a show as the server has it now (after a restart too: a live show
        comes back live, with its featured product and running flash sale). `cached` is the
        cache's row of the show: a show planned offline that the server does not have yet
        opens as a draft."""
        try:
            row = await server.show_row(str(session_id))
        except Exception as exc:
            if is_backend_error(exc):
                raise from_backend(exc) from exc
            raise
        if row is None and cached is not None and state_of(cached) is ShowState.DRAFT:
            return cls(server, str(session_id), cached, practice=practice)
        if row is None:
            raise SessionError("This show does not exist (or is not yours)")
        session = cls(server, str(session_id), row, practice=practice)
        await session.refresh()
        return session

    async def refresh(self) -> None:
        """Re-read status, lineup, featured product and flash sale from `show_live_stats`, and
        measure the server's clock on the way."""
        sent = datetime.now(UTC)
        stats = await self._call("show_live_stats", {"p_session_id": self.session_id})
        received = datetime.now(UTC)
        if stats.get("as_of") is not None:
            self.clock = ServerClock.measure(sent, timestamp(stats["as_of"]), received)
        self.state = _as_state(stats["status"])
        self.featured_id = _text(stats.get("featured_live_product_id"))
        products = [LineupEntry.from_stats(p) for p in stats.get("products") or ()]
        self.lineup = sorted(products, key=lambda e: (e.position, e.name))
        await self._follow_flash(stats.get("flash_sale"))
        self._emit("lineup")

    async def refresh_figures(self) -> None:
        """Re-read what the host's rows cannot tell (`show_figures`: distinct buyers)."""
        figures = await self._call("show_figures", {"p_session_id": self.session_id})
        self.buyers = int(figures["buyers"])
        self._emit("figures")

    async def _follow_flash(self, running: Any) -> None:
        """Take over the flash sale the server has running (after a restart too)."""
        if not isinstance(running, Mapping):
            if self.flash is not None:
                self.flash.tick()
                self.flash = None
            return
        product, ends = str(running["live_product_id"]), timestamp(running["ends_at"])
        current = self.flash
        if current is not None and (current.window.live_product_id, current.window.ends_at) == (
                product, ends):
            return
        # show_live_stats names the sale; its product row has the whole window.
        rows = await self._guarded(self.server.show_rows, "live_products", self.session_id,
                                      _FLASH_COLUMNS)
        row = next((r for r in rows if str(r["id"]) == product), None)
        if row is None or row.get("flash_starts_at") is None or row.get(
                "flash_ends_at") is None or timestamp(row["flash_ends_at"]) != ends:
            # Cancelled, ended or started again since the stats were read (this refresh may
            # finish after a cancel that already cleared the sale): the next refresh follows.
            return
        self.flash = FlashCountdown(FlashWindow.from_row(row), self.clock)

    def entry(self, live_product_id: str) -> LineupEntry | None:
        wanted = str(live_product_id)
        return next((e for e in self.lineup if e.id == wanted), None)

    # ------------------------------------------------------------------ events
    def subscribe(self, listener: Callable[[SessionEvent], None]) -> Callable[[], None]:
        """Call `listener` on every change; returns a function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, kind: EventKind) -> None:
        event = SessionEvent(kind, self)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken view must not break the show
                log.exception("session listener %r failed on %s", listener, kind)

    # ------------------------------------------------------------------ show lifecycle
    async def go_live(self, rehearsal: bool) -> None:
        """Start the show, as a rehearsal (nothing is sold, only the host sees it) or in
        public. The rehearsal flag can only change before the show goes live."""
        if not isinstance(rehearsal, bool):
            raise SessionError("Say whether this is a rehearsal (True or False)")
        self._require(ShowState.LIVE)
        flag_changed = rehearsal != self.is_rehearsal
        if flag_changed:
            await self._guarded(self.server.set_rehearsal, self.session_id, rehearsal)
        try:
            reply = await self._call("start_show", {"p_session_id": self.session_id})
        except SessionError:
            if flag_changed:  # put the flag back: a refused start changes nothing
                await self._restore_rehearsal(not rehearsal)
            raise
        self.is_rehearsal = rehearsal
        self.state = _as_state(reply["status"])
        self._emit("state")
        try:
            await self.refresh()
        except SessionError as exc:  # live already; the lineup fills on the next refresh
            log.warning("show %s is live but its stats could not be read: %s",
                        self.session_id, exc.message)

    async def _restore_rehearsal(self, rehearsal: bool) -> None:
        try:
            await self.server.set_rehearsal(self.session_id, rehearsal)
        except Exception:
            log.exception("could not restore the rehearsal flag of show %s", self.session_id)

    async def end_show(self) -> ShowReport:
        """End the show (the server closes any flash sale and every viewer's presence) and
        return its report, built from the server's rows."""
        self._require(ShowState.ENDED)
        reply = await self._call("end_show", {"p_session_id": self.session_id})
        self.state = _as_state(reply["status"])
        if self.flash is not None:
            self.flash.cancel()
            self.flash = None
        self._emit("state")
        return await self.load_report()

    async def load_report(self) -> ShowReport:
        """The show's report from the server's rows (again, if reading it failed at the end)."""
        self.report = await build_report_guarded(self.server, self.session_id,
                                                 rehearsal=self.rehearsing)
        return self.report

    @property
    def rehearsing(self) -> bool:
        """A private rehearsal, or a show on a local workspace's own server."""
        return self.is_rehearsal or self.practice

    def _require(self, target: ShowState) -> None:
        try:
            require_transition(self.state, target)
        except TransitionError as exc:
            raise SessionError(str(exc), field="show") from None

    def _require_live(self, what: str) -> None:
        if self.state is not ShowState.LIVE:
            raise SessionError(f"Go live before {what} (the show is {self.state.value})")

    # ------------------------------------------------------------------ featuring
    def _lineup_entry(self, live_product_id: Any) -> LineupEntry:
        if live_product_id is None or not str(live_product_id).strip():
            raise SessionError("Choose a product from the lineup", field="live_product")
        found = self.entry(str(live_product_id))
        if found is None:
            raise SessionError(
                "That product is not in this show's lineup (it may belong to another show)",
                field="live_product")
        return found

    async def feature(self, live_product_id: str | None) -> None:
        """Pin a lineup product on screen (None unpins)."""
        self._require_live("featuring products")
        if live_product_id is not None:
            item = self._lineup_entry(live_product_id)
            if item.status not in _FEATURABLE:
                raise SessionError(f"{item.name} is {item.status} and cannot be featured",
                                   field="live_product")
            live_product_id = item.id
        await self._call("feature_live_product", {
            "p_session_id": self.session_id, "p_live_product_id": live_product_id})
        self.featured_id = live_product_id
        self._emit("featured")

    async def next(self) -> LineupEntry:
        """Feature the product after the featured one in lineup order (the first if none)."""
        return await self._step(+1)

    async def previous(self) -> LineupEntry:
        """Feature the product before the featured one (the last if none)."""
        return await self._step(-1)

    async def _step(self, direction: int) -> LineupEntry:
        self._require_live("featuring products")
        order = [e for e in self.lineup if e.status in _FEATURABLE]
        if not order:
            raise SessionError("The lineup has no product to feature", field="live_product")
        ids = [e.id for e in order]
        if self.featured_id in ids:
            index = ids.index(self.featured_id) + direction
        else:
            index = 0 if direction > 0 else len(order) - 1
        if not 0 <= index < len(order):
            where = "last" if direction > 0 else "first"
            raise SessionError(f"Already at the {where} product of the lineup",
                               field="live_product")
        await self.feature(order[index].id)
        return order[index]

    # ------------------------------------------------------------------ flash sales
    def current_flash(self) -> FlashCountdown | None:
        """The running flash sale, if its window is still open on the server's clock."""
        if self.flash is not None and self.flash.tick() != "running":
            self.flash = None
            self._emit("flash_ended")
        return self.flash

    async def start_flash_sale(self, live_product_id: str, price: Decimal | int | str,
                               duration_s: int) -> FlashCountdown:
        """Sell a lineup product at `price` for `duration_s` seconds from the server's now."""
        self._require_live("starting a flash sale")
        item = self._lineup_entry(live_product_id)
        flash_price = _price(price)
        if isinstance(duration_s, bool) or not isinstance(duration_s, int):
            raise SessionError("The duration is a whole number of seconds",
                               field="flash_duration")
        checked = validate_flash_sale(item.live_price, flash_price, duration_s,
                                      limits=self.limits)
        for field in ("flash_price", "flash_duration"):
            if message := checked.error_for(field):
                raise SessionError(message, field=field)
        if item.status != "active":
            raise SessionError(f"{item.name} is {item.status.replace('_', ' ')}: no flash sale "
                               "possible", field="live_product")
        running = self.current_flash()
        if running is not None:
            other = self.entry(running.window.live_product_id)
            name = other.name if other else "another product"
            raise SessionError(f"A flash sale is already running on {name}: cancel it first",
                               field="live_product")
        reply = await self._call("start_flash_sale", {
            "p_live_product_id": item.id, "p_flash_price": flash_price,
            "p_duration_seconds": duration_s})
        self.flash = FlashCountdown(FlashWindow.from_row(reply), self.clock)
        self._emit("flash_started")
        return self.flash

    async def cancel_flash_sale(self) -> None:
        """End the running flash sale now (the price reverts at once on the server)."""
        self._require_live("cancelling a flash sale")
        running = self.current_flash()
        if running is None:
            raise SessionError("No flash sale is running", field="live_product")
        await self._call("cancel_flash_sale",
                         {"p_live_product_id": running.window.live_product_id})
        running.cancel()
        self.flash = None
        self._emit("flash_cancelled")

    # ------------------------------------------------------------------ server calls
    async def _call(self, function: str, params: Mapping[str, Any]) -> Any:
        return await self._guarded(self.server.rpc, function, params)

    @staticmethod
    async def _guarded(method: Callable[..., Any], *args: Any) -> Any:
        try:
            return await method(*args)
        except Exception as exc:
            if is_backend_error(exc):
                raise from_backend(exc) from exc
            raise


async def build_report_guarded(server: ShowServer, session_id: str, *,
                               rehearsal: bool) -> ShowReport:
    """`build_report`, with the backend's errors as SessionError."""
    try:
        return await build_report(server, session_id, rehearsal=rehearsal)
    except Exception as exc:
        if is_backend_error(exc):
            raise from_backend(exc) from exc
        raise


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _price(value: Decimal | int | str) -> Decimal:
    if isinstance(value, bool):
        raise SessionError("The flash price is an amount, not yes or no", field="flash_price")
    if isinstance(value, str):
        try:
            return parse_money(value)
        except ValueError as exc:
            raise SessionError(f"Flash price: {exc}", field="flash_price") from None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    raise SessionError(f"The flash price is an amount, not {value!r}", field="flash_price")


async def find_running_show(source: ShowServer | CachedShows, host_id: str
                            ) -> dict[str, Any] | None:
    """The host's live show (the latest started, if several), from the server or the cache, so
    the app can reopen its control room after a restart; None when no show is live."""
    if isinstance(source, ShowServer):
        try:
            rows = await source.live_shows_of_host(str(host_id))
        except Exception as exc:
            if is_backend_error(exc):
                raise from_backend(exc) from exc
            raise
    elif isinstance(source, CachedShows):
        rows = source.shows_of_host(str(host_id), statuses=["live"])
    else:
        raise TypeError(f"find_running_show needs a show server or the cache, not {source!r}")
    live = [r for r in rows if r.get("status") == "live"]
    if not live:
        return None
    return max(live, key=lambda r: (str(r.get("actual_start") or ""), str(r["id"])))
