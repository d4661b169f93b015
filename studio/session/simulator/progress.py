"""What a rehearsal audience has done so far: counts the app and the command line show."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

State = Literal["preparing", "running", "stopping", "finished"]


@dataclass(frozen=True)
class AudienceProgress:
    """A snapshot of the audience; `refusals` counts the server's refusals by kind and reason
    (e.g. ("buy", "sold out"))."""

    state: State
    elapsed_s: float
    steps: int
    steps_planned: int
    watching: int
    joins: int
    leaves: int
    messages: int
    messages_held_back: int
    orders: int
    units: int
    revenue: Decimal
    buys_tried: int
    refusals: dict[tuple[str, str], int]
    lag_s: float
    stop_reason: str | None = None
    error: str | None = None

    @property
    def chat_rate(self) -> float:
        """Messages per second sent so far."""
        return self.messages / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def refused(self, kind: str) -> int:
        return sum(n for (k, _r), n in self.refusals.items() if k == kind)

    def summary(self) -> str:
        """One line for people."""
        text = (
            f"{self.elapsed_s:.0f} s: {self.watching} watching, {self.messages:,} messages "
            f"({self.chat_rate:,.0f}/s), {self.orders} orders ({self.units} units, "
            f"${self.revenue:,.2f}), {self.refused('buy')} purchases refused"
        )
        if self.lag_s >= 1:
            text += f", {self.lag_s:.0f} s behind"
        return text


@dataclass
class Tally:
    """The running counts behind AudienceProgress (mutated on the event loop only)."""

    steps: int = 0
    joins: int = 0
    leaves: int = 0
    messages: int = 0
    messages_held_back: int = 0
    orders: int = 0
    units: int = 0
    revenue: Decimal = Decimal("0.00")
    buys_tried: int = 0
    refusals: Counter[tuple[str, str]] = field(default_factory=Counter)
