"""A show's lifecycle as the control room sees it: states, allowed transitions, clear refusals.

The server knows four statuses (scheduled, live, ended, cancelled) and moves a show only along
scheduled -> live -> ended or scheduled -> cancelled. The studio adds DRAFT: a show planned in
the studio that the server has not accepted yet (it has no session code until it is synced), so
it cannot go live until it has reached the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class ShowState(StrEnum):
    """Where a show stands, derived from its live_stream_sessions row."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (ShowState.ENDED, ShowState.CANCELLED)


#: The moves the studio may ask for; the server allows the same ones (DRAFT -> SCHEDULED is the
#: show reaching the server when it syncs).
TRANSITIONS: Mapping[ShowState, frozenset[ShowState]] = {
    ShowState.DRAFT: frozenset({ShowState.SCHEDULED, ShowState.CANCELLED}),
    ShowState.SCHEDULED: frozenset({ShowState.LIVE, ShowState.CANCELLED}),
    ShowState.LIVE: frozenset({ShowState.ENDED}),
    ShowState.ENDED: frozenset(),
    ShowState.CANCELLED: frozenset(),
}

# What the host asked for, in words, per target state.
_ACTIONS = {
    ShowState.SCHEDULED: "schedule",
    ShowState.LIVE: "go live with",
    ShowState.ENDED: "end",
    ShowState.CANCELLED: "cancel",
}
_WHY = {
    ShowState.DRAFT: "it has not reached the server yet (wait for it to sync)",
    ShowState.SCHEDULED: "it has not gone live yet",
    ShowState.LIVE: "it is live",
    ShowState.ENDED: "it has already ended",
    ShowState.CANCELLED: "it was cancelled",
}


class TransitionError(ValueError):
    """A state change the lifecycle does not allow; the message says why in words."""

    def __init__(self, current: ShowState, target: ShowState) -> None:
        self.current = current
        self.target = target
        super().__init__(refusal(current, target))


def can_transition(current: ShowState, target: ShowState) -> bool:
    return target in TRANSITIONS[current]


def refusal(current: ShowState, target: ShowState) -> str:
    """Why `current` cannot become `target` (also phrased for a move that is allowed)."""
    if current == target:
        return f"The show is already {current.value}"
    return f"Cannot {_ACTIONS.get(target, 'change')} this show: {_WHY[current]}"


def require_transition(current: ShowState, target: ShowState) -> ShowState:
    """`target` when the move is allowed; TransitionError otherwise."""
    if not can_transition(current, target):
        raise TransitionError(current, target)
    return target


def state_of(row: Mapping[str, Any]) -> ShowState:
    """The state of a show from its session row (server or cache shape).

    A row without a session code is a show the server has not assigned one to yet: a draft.
    """
    status = row.get("status")
    if status is None:
        raise ValueError("A show row needs its status")
    try:
        state = ShowState(str(status))
    except ValueError:
        raise ValueError(f"Unknown show status {status!r}") from None
    if state is ShowState.DRAFT:
        raise ValueError("'draft' is not a server status")
    if state is ShowState.SCHEDULED and not row.get("session_code"):
        return ShowState.DRAFT
    return state
