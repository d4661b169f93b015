"""A show's schedule: no new show in the past, the end follows the start, end after start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from studio.core.lineup_rules import validate_show
from studio.core.show_schedule import (
    DEFAULT_LENGTH,
    END_BEFORE_START,
    PAST_MOVE,
    PAST_START,
    end_error,
    end_following_start,
    past_start_error,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(timedelta(minutes=-1), PAST_START), (timedelta(days=-800), PAST_START),
     (timedelta(0), None), (timedelta(minutes=1), None)],
)
def test_a_new_show_cannot_start_in_the_past(offset: timedelta, expected: str | None) -> None:
    assert past_start_error(NOW + offset, NOW) == expected


def test_an_existing_show_keeps_its_past_start_but_cannot_be_moved_into_the_past() -> None:
    saved = NOW - timedelta(days=2)
    assert past_start_error(saved, NOW, previous_start=saved) is None
    assert past_start_error(saved + timedelta(hours=1), NOW, previous_start=saved) == PAST_MOVE
    assert past_start_error(NOW + timedelta(days=1), NOW, previous_start=saved) is None


def test_the_past_is_compared_across_time_zones() -> None:
    later_elsewhere = (NOW + timedelta(minutes=5)).astimezone(timezone(timedelta(hours=-8)))
    assert past_start_error(later_elsewhere, NOW) is None


def test_times_without_a_time_zone_are_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="The start needs a time zone"):
        past_start_error(datetime(2026, 12, 1, 18, 0), NOW)
    with pytest.raises(ValueError, match="The current time needs a time zone"):
        past_start_error(NOW, datetime(2026, 12, 1, 18, 0))


@pytest.mark.parametrize(
    ("end_offset", "expected"),
    [(timedelta(hours=1), None), (timedelta(0), END_BEFORE_START),
     (timedelta(minutes=-30), END_BEFORE_START)],
)
def test_the_end_is_after_the_start(end_offset: timedelta, expected: str | None) -> None:
    assert end_error(NOW, NOW + end_offset) == expected
    assert end_error(NOW, None) is None


def test_moving_the_start_moves_the_end_and_keeps_the_length() -> None:
    start, end = NOW, NOW + timedelta(minutes=90)
    moved = NOW + timedelta(days=3, hours=2)
    assert end_following_start(start, end, moved) == moved + timedelta(minutes=90)
    earlier = NOW - timedelta(hours=5)
    assert end_following_start(start, end, earlier) == earlier + timedelta(minutes=90)


def test_an_end_with_nothing_to_keep_gets_the_default_length_and_no_end_stays_none() -> None:
    assert end_following_start(NOW, NOW - timedelta(hours=1), NOW) == NOW + DEFAULT_LENGTH
    assert end_following_start(NOW, None, NOW + timedelta(days=1)) is None


def test_validate_show_checks_the_clock_only_when_given_it(build) -> None:
    past = build.show(scheduled_start=NOW - timedelta(hours=3),
                      scheduled_end=NOW - timedelta(hours=2))
    assert validate_show(past).ok  # no clock: the cached show is only checked for shape
    assert dict(validate_show(past, now=NOW).errors) == {"scheduled_start": PAST_START}
    # The saved show keeps its start; moving it further into the past is refused.
    assert validate_show(past, now=NOW, saved=past).ok
    moved = build.show(scheduled_start=NOW - timedelta(hours=4),
                       scheduled_end=NOW - timedelta(hours=2))
    assert dict(validate_show(moved, now=NOW, saved=past).errors) == {
        "scheduled_start": PAST_MOVE}


def test_validate_show_reports_a_past_start_and_an_end_before_it_together(build) -> None:
    show = build.show(scheduled_start=NOW - timedelta(hours=1),
                      scheduled_end=NOW - timedelta(hours=2))
    assert dict(validate_show(show, now=NOW).errors) == {
        "scheduled_start": PAST_START, "scheduled_end": END_BEFORE_START}
