"""A show's lifecycle: states from session rows, allowed moves, and the words of a refusal."""

from __future__ import annotations

import itertools

import pytest

from studio.core.show_state import (
    TRANSITIONS,
    ShowState,
    TransitionError,
    can_transition,
    require_transition,
    state_of,
)

ALLOWED = {
    (ShowState.DRAFT, ShowState.SCHEDULED),
    (ShowState.DRAFT, ShowState.CANCELLED),
    (ShowState.SCHEDULED, ShowState.LIVE),
    (ShowState.SCHEDULED, ShowState.CANCELLED),
    (ShowState.LIVE, ShowState.ENDED),
}


@pytest.mark.parametrize(
    ("row", "state"),
    [
        ({"status": "scheduled", "session_code": None}, ShowState.DRAFT),
        ({"status": "scheduled", "session_code": ""}, ShowState.DRAFT),
        ({"status": "scheduled"}, ShowState.DRAFT),
        ({"status": "scheduled", "session_code": "ABCD2345"}, ShowState.SCHEDULED),
        ({"status": "live", "session_code": "ABCD2345"}, ShowState.LIVE),
        ({"status": "ended", "session_code": "ABCD2345"}, ShowState.ENDED),
        ({"status": "cancelled", "session_code": None}, ShowState.CANCELLED),
    ],
)
def test_state_comes_from_the_session_row(row: dict[str, object], state: ShowState) -> None:
    assert state_of(row) is state


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({}, "needs its status"),
        ({"status": None}, "needs its status"),
        ({"status": "paused"}, "Unknown show status 'paused'"),
        ({"status": "draft", "session_code": "ABCD2345"}, "not a server status"),
    ],
)
def test_a_row_without_a_known_status_is_refused(row: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        state_of(row)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(ShowState, ShowState)))
def test_only_the_lifecycle_moves_are_allowed(current: ShowState, target: ShowState) -> None:
    allowed = (current, target) in ALLOWED

    assert can_transition(current, target) is allowed
    if allowed:
        assert require_transition(current, target) is target
    else:
        with pytest.raises(TransitionError) as refused:
            require_transition(current, target)
        assert (refused.value.current, refused.value.target) == (current, target)


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (ShowState.DRAFT, ShowState.LIVE, "Cannot go live with this show: it has not reached"),
        (ShowState.DRAFT, ShowState.ENDED, "Cannot end this show: it has not reached the server"),
        (ShowState.SCHEDULED, ShowState.ENDED, "Cannot end this show: it has not gone live yet"),
        (ShowState.ENDED, ShowState.LIVE, "Cannot go live with this show: it has already ended"),
        (ShowState.CANCELLED, ShowState.LIVE, "it was cancelled"),
        (ShowState.LIVE, ShowState.CANCELLED, "Cannot cancel this show: it is live"),
        (ShowState.LIVE, ShowState.LIVE, "The show is already live"),
    ],
)
def test_a_refusal_says_why_in_words(current: ShowState, target: ShowState, message: str) -> None:
    with pytest.raises(TransitionError, match=message):
        require_transition(current, target)


def test_final_states_lead_nowhere() -> None:
    finals = {s for s in ShowState if s.is_final}

    assert finals == {ShowState.ENDED, ShowState.CANCELLED}
    assert all(not TRANSITIONS[s] for s in finals)
