"""Flash-sale countdowns that follow the server's price window, not the host's click.

The server opens the window (`flash_starts_at`, `flash_ends_at`) with its own clock and reverts
the price at `flash_ends_at` whatever the studio does. The countdown therefore reads the window
from the server's reply and the server's time from a measured offset to the local clock; the
moment the host clicked never enters it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from studio.core.lineup_rules import DEFAULT_LIMITS, LineupLimits
from studio.session.rows import money, timestamp

#: The duration presets of the flash-sale panel, in seconds; any other length is "custom".
PRESETS: Mapping[str, int] = {"30 s": 30, "60 s": 60, "5 min": 300}


def preset_seconds(choice: str | int, *, limits: LineupLimits = DEFAULT_LIMITS) -> int:
    """The duration for a preset name, or a custom number of seconds, checked against the
    server's limits. ValueError says why a choice is refused."""
    if isinstance(choice, str):
        if choice in PRESETS:
            return PRESETS[choice]
        text = choice.strip().lower().removesuffix("s").strip()
        if not text.isdigit():
            raise ValueError(
                f"Choose {', '.join(PRESETS)} or a number of seconds (not {choice!r})")
        choice = int(text)
    if isinstance(choice, bool) or not isinstance(choice, int):
        raise ValueError(f"A flash sale's duration is a whole number of seconds, not {choice!r}")
    if not limits.min_flash_seconds <= choice <= limits.max_flash_seconds:
        raise ValueError(
            f"A flash sale lasts between {limits.min_flash_seconds} and "
            f"{limits.max_flash_seconds} seconds (not {choice})")
    return choice


def _aware(value: datetime, label: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{label} needs a time zone")
    return value


@dataclass(frozen=True, slots=True)
class ServerClock:
    """The server's time as local time plus `offset` (positive: the server is ahead)."""

    offset: timedelta = timedelta(0)

    @classmethod
    def measure(cls, sent_at: datetime, server_time: datetime, received_at: datetime
                ) -> ServerClock:
        """The offset from one request: the server read its clock about halfway between
        sending and receiving (the usual NTP estimate; the error is at most half the round
        trip)."""
        for value, label in ((sent_at, "sent_at"), (server_time, "server_time"),
                             (received_at, "received_at")):
            _aware(value, label)
        if received_at < sent_at:
            raise ValueError("received_at is before sent_at")
        midpoint = sent_at + (received_at - sent_at) / 2
        return cls(server_time - midpoint)

    def now(self, local_now: datetime | None = None) -> datetime:
        """The server's time at `local_now` (default: the local clock now)."""
        local = _aware(local_now, "local_now") if local_now else datetime.now(UTC)
        return local + self.offset


@dataclass(frozen=True, slots=True)
class FlashWindow:
    """A flash sale's price window as the server set it."""

    live_product_id: str
    flash_price: Decimal
    live_price: Decimal | None
    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        _aware(self.starts_at, "starts_at")
        _aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError("A flash window must end after it starts")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> FlashWindow:
        """From start_flash_sale's reply or a live_products row (server or cache shape)."""
        starts = row.get("flash_starts_at")
        ends = row.get("flash_ends_at") or row.get("ends_at")
        price = money(row, "flash_price")
        if starts is None or ends is None or price is None:
            raise ValueError("The row has no flash window")
        product = row.get("live_product_id") or row.get("id")
        return cls(str(product), price, money(row, "live_price"), timestamp(starts),
                   timestamp(ends))

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    def is_open(self, server_now: datetime) -> bool:
        """Whether the flash price applies at `server_now` (the server's [starts, ends))."""
        return self.starts_at <= server_now < self.ends_at


class CountdownState(StrEnum):
    RUNNING = "running"
    ENDED = "ended"
    CANCELLED = "cancelled"


class FlashCountdown:
    """The countdown of one flash sale. Call `tick()` from a timer (any rate): it updates the
    remaining time and tells `on_end` listeners once, when the server's window has closed."""

    def __init__(self, window: FlashWindow, clock: ServerClock) -> None:
        self.window = window
        self.clock = clock
        self._state = CountdownState.RUNNING
        self._listeners: list[Callable[[FlashCountdown], None]] = []

    @property
    def state(self) -> CountdownState:
        return self._state

    def on_end(self, listener: Callable[[FlashCountdown], None]) -> Callable[[], None]:
        """Call `listener` when the sale ends on time or is cancelled; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def remaining(self, local_now: datetime | None = None) -> timedelta:
        """Time left in the server's window (zero once it has closed or was cancelled)."""
        if self._state is not CountdownState.RUNNING:
            return timedelta(0)
        return max(self.window.ends_at - self.clock.now(local_now), timedelta(0))

    def seconds_left(self, local_now: datetime | None = None) -> int:
        """Whole seconds to show, rounded up (the display reads 1 until the very end)."""
        return math.ceil(self.remaining(local_now).total_seconds())

    def progress(self, local_now: datetime | None = None) -> float:
        """Share of the window elapsed, 0.0 to 1.0, for a progress ring."""
        left = self.remaining(local_now) / self.window.duration
        return 1.0 - min(max(left, 0.0), 1.0)

    def tick(self, local_now: datetime | None = None) -> CountdownState:
        if self._state is CountdownState.RUNNING and self.clock.now(local_now) >= \
                self.window.ends_at:
            self._finish(CountdownState.ENDED)
        return self._state

    def cancel(self, ended_at: datetime | None = None) -> None:
        """The host cancelled: the window closed at `ended_at` (the server's reply)."""
        if self._state is CountdownState.RUNNING:
            self._finish(CountdownState.CANCELLED)

    @property
    def ended_on_time(self) -> bool:
        return self._state is CountdownState.ENDED

    def _finish(self, state: CountdownState) -> None:
        self._state = state
        for listener in list(self._listeners):
            listener(self)


def server_confirms_end(window: FlashWindow, stats: Mapping[str, Any]) -> bool:
    """Whether a `show_live_stats` reply shows the window closed on the server: no flash sale
    running on the product, and its effective price back at the regular price."""
    running = stats.get("flash_sale")
    if isinstance(running, Mapping) and str(running.get("live_product_id")) == \
            window.live_product_id:
        return False
    for product in stats.get("products") or ():
        if str(product.get("live_product_id")) == window.live_product_id:
            effective, regular = money(product, "effective_price"), money(product, "live_price")
            return effective is not None and effective == regular
    return False
