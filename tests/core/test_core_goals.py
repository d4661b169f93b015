"""Goal periods, display progress and on-track projection."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.goals import (
    days_left,
    elapsed_fraction,
    period_bounds,
    progress_percent,
    project,
    project_goal,
)
from studio.core.models import Goal, GoalPeriod, GoalType

D = Decimal


@pytest.mark.parametrize(
    ("period", "on", "start", "end"),
    [
        (GoalPeriod.WEEKLY, date(2026, 11, 25), date(2026, 11, 23), date(2026, 11, 29)),
        (GoalPeriod.WEEKLY, date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 29)),
        (GoalPeriod.WEEKLY, date(2026, 11, 29), date(2026, 11, 23), date(2026, 11, 29)),
        # An ISO week across the new year.
        (GoalPeriod.WEEKLY, date(2027, 1, 1), date(2026, 12, 28), date(2027, 1, 3)),
        (GoalPeriod.MONTHLY, date(2028, 2, 10), date(2028, 2, 1), date(2028, 2, 29)),
        (GoalPeriod.MONTHLY, date(2027, 2, 28), date(2027, 2, 1), date(2027, 2, 28)),
        (GoalPeriod.MONTHLY, date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
        (GoalPeriod.QUARTERLY, date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (GoalPeriod.QUARTERLY, date(2026, 5, 15), date(2026, 4, 1), date(2026, 6, 30)),
        (GoalPeriod.QUARTERLY, date(2026, 9, 30), date(2026, 7, 1), date(2026, 9, 30)),
        (GoalPeriod.QUARTERLY, date(2026, 11, 24), date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_period_bounds(period: GoalPeriod, on: date, start: date, end: date) -> None:
    assert period_bounds(period, on) == (start, end)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_weekly_periods_are_iso_weeks(on: date) -> None:
    start, end = period_bounds(GoalPeriod.WEEKLY, on)
    assert start <= on <= end
    assert start.isoweekday() == 1
    assert (end - start).days == 6
    assert start.isocalendar()[:2] == on.isocalendar()[:2]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_months_and_quarters_contain_the_day_and_tile_the_year(on: date) -> None:
    for period in (GoalPeriod.MONTHLY, GoalPeriod.QUARTERLY):
        start, end = period_bounds(period, on)
        assert start <= on <= end
        assert start.day == 1
        assert (end + timedelta(days=1)).day == 1
        assert period_bounds(period, end + timedelta(days=1))[0] == end + timedelta(days=1)


def test_period_bounds_refuses_a_datetime() -> None:
    with pytest.raises(TypeError, match="takes a date, not a datetime"):
        period_bounds(GoalPeriod.WEEKLY, datetime(2026, 11, 25, tzinfo=UTC))


@pytest.mark.parametrize(
    ("current", "target", "percent"),
    [
        ("0", "100", "0.0"),
        ("33.333", "100", "33.3"),
        ("2", "3", "66.7"),
        ("150", "100", "100.0"),
        ("-5", "100", "0.0"),
        ("1000", "1000", "100.0"),
    ],
)
def test_progress_percent_is_clamped_for_display(current: str, target: str, percent: str) -> None:
    assert progress_percent(D(current), D(target)) == D(percent)


@pytest.mark.parametrize("target", [D("0"), D("-1"), D("NaN")])
def test_progress_percent_needs_a_positive_target(target: Decimal) -> None:
    with pytest.raises(ValueError, match="A goal's target must be above zero"):
        progress_percent(D("1"), target)


WEEK = (date(2026, 11, 23), date(2026, 11, 29))


@pytest.mark.parametrize(
    ("at", "fraction"),
    [
        (datetime(2026, 11, 22, 12, tzinfo=UTC), D(0)),
        (datetime(2026, 11, 23, 0, tzinfo=UTC), D(0)),
        (datetime(2026, 11, 24, 0, tzinfo=UTC), D(1) / D(7)),
        (datetime(2026, 11, 26, 12, tzinfo=UTC), D(1) / D(2)),
        (datetime(2026, 11, 30, 0, tzinfo=UTC), D(1)),
        (datetime(2026, 12, 5, tzinfo=UTC), D(1)),
    ],
)
def test_elapsed_fraction(at: datetime, fraction: Decimal) -> None:
    assert elapsed_fraction(*WEEK, at) == fraction


def test_elapsed_fraction_uses_the_hosts_time_zone() -> None:
    tokyo = timezone(timedelta(hours=9))
    # Monday 09:00 in Tokyo is Monday 00:00 UTC: 9 hours into the host's week.
    at = datetime(2026, 11, 23, 9, tzinfo=tokyo)
    assert elapsed_fraction(*WEEK, at) == D(9) / D(7 * 24)


def test_elapsed_fraction_refuses_a_reversed_period() -> None:
    with pytest.raises(ValueError, match="cannot end before it starts"):
        elapsed_fraction(date(2026, 11, 29), date(2026, 11, 23), datetime.now(UTC))


def test_projection_half_way_on_and_off_track() -> None:
    midweek = datetime(2026, 11, 26, 12, tzinfo=UTC)
    ahead = project(D("600"), D("1000"), *WEEK, midweek)
    assert ahead.percent == D("60.0")
    assert ahead.elapsed == D("0.5")
    assert ahead.expected_now == D("500.00")
    assert ahead.projected == D("1200.00")
    assert (ahead.on_track, ahead.achieved) == (True, False)
    behind = project(D("400"), D("1000"), *WEEK, midweek)
    assert (behind.projected, behind.on_track) == (D("800.00"), False)
    exact = project(D("500"), D("1000"), *WEEK, midweek)
    assert exact.on_track is True


def test_projection_before_the_period_and_when_achieved() -> None:
    before = project(D("0"), D("10"), *WEEK, datetime(2026, 11, 20, tzinfo=UTC))
    assert (before.projected, before.on_track, before.expected_now) == (None, True, D("0.00"))
    done = project(D("12"), D("10"), *WEEK, datetime(2026, 11, 23, 1, tzinfo=UTC))
    assert (done.achieved, done.on_track, done.percent) == (True, True, D("100.0"))


def test_project_goal_and_days_left() -> None:
    goal = Goal(
        id=UUID(int=1),
        influencer_id=UUID(int=2),
        title="Weekly sales",
        goal_type=GoalType.REVENUE,
        period=GoalPeriod.WEEKLY,
        period_start=WEEK[0],
        period_end=WEEK[1],
        target_value=D("700"),
        current_value=D("250"),
    )
    projection = project_goal(goal, datetime(2026, 11, 26, 0, tzinfo=UTC))
    assert projection.expected_now == D("300.00")
    assert projection.on_track is False
    assert days_left(goal, date(2026, 11, 20)) == 7
    assert days_left(goal, date(2026, 11, 23)) == 7
    assert days_left(goal, date(2026, 11, 29)) == 1
    assert days_left(goal, date(2026, 11, 30)) == 0
