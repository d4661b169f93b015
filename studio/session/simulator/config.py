"""What a rehearsal audience looks like (size, chat rate, buying, length, seed), validated."""

from __future__ import annotations

import math
from dataclasses import dataclass

# The server lets a user send at most 5 chat messages per 10 seconds (private.rate_limits,
# ACCESS.md "Rate limits"). Simulated viewers stay at 4, so a batch that starts a little late
# never trips the limit; a chat rate therefore needs at least rate / 0.4 viewers.
CHAT_MESSAGES_PER_VIEWER = 4
CHAT_WINDOW_S = 10.0
MAX_CHAT_SHARE = CHAT_MESSAGES_PER_VIEWER / CHAT_WINDOW_S

MAX_VIEWERS = 20_000
MAX_CHAT_RATE = 10_000.0
MAX_DURATION_S = 24 * 3600.0
# One planning step: actions of a step are sent together (one transaction per batch).
TICK_S = 0.1


class SimulatorError(ValueError):
    """A rehearsal audience that cannot run: bad settings, or a show or workspace it refuses."""


@dataclass(frozen=True)
class AudienceConfig:
    """A simulated audience.

    `viewers`: how many watch at once once everyone has arrived (they come and go around
    that number); `chat_rate`: chat messages per second from all of them; `buy_probability`:
    the chance that one viewer buys during one minute of watching (a flash sale multiplies it,
    see FLASH_RUSH); `duration_s`: planned length (if the server cannot keep up, the same
    steps take longer); `seed`: the same seed plays the same audience.
    """

    viewers: int = 200
    chat_rate: float = 20.0
    buy_probability: float = 0.05
    duration_s: float = 60.0
    seed: int = 1

    def validate(self) -> AudienceConfig:
        """Return self, or raise SimulatorError saying which setting is wrong and why."""
        _whole("viewers", self.viewers, 1, MAX_VIEWERS)
        _number("chat rate", self.chat_rate, 0.0, MAX_CHAT_RATE, "messages per second")
        _number("buy probability", self.buy_probability, 0.0, 1.0, "(a chance per minute)")
        _number("duration", self.duration_s, TICK_S, MAX_DURATION_S, "seconds")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise SimulatorError(f"seed must be a whole number, not {self.seed!r}")
        needed = math.ceil(self.chat_rate / MAX_CHAT_SHARE)
        if needed > self.viewers:
            raise SimulatorError(
                f"{self.chat_rate:g} chat messages per second need at least {needed} viewers "
                f"(each sends at most {CHAT_MESSAGES_PER_VIEWER} per {CHAT_WINDOW_S:g} s, under "
                f"the server's limit of 5): raise the viewers or lower the chat rate"
            )
        return self

    @property
    def steps(self) -> int:
        """How many planning steps the audience plays."""
        return max(1, round(self.duration_s / TICK_S))


def _whole(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SimulatorError(f"{name} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise SimulatorError(f"{name} must be between {low} and {high:,}, not {value:,}")


def _number(name: str, value: object, low: float, high: float, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SimulatorError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise SimulatorError(f"{name} must be between {low:g} and {high:,g} {unit}, not {value:g}")
