"""Goal periods, progress for display, and whether a goal is on track.

Periods are calendar ranges with both ends included, as the server stores them (`period_start`,
`period_end` are dates): weekly is the ISO week, Monday to Sunday; monthly the calendar month;
quarterly January–March, April–June, July–September, October–December.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from studio.core.models import Goal, GoalPeriod

_ONE_DECIMAL = Decimal("0.1")
_CENT = Decimal("0.01")


def period_bounds(period: GoalPeriod, on: date) -> tuple[date, date]:
    """First and last day (both included) of the `period` that contains `on`."""
    if isinstance(on, datetime):
        raise TypeError("period_bounds takes a date, not a datetime")
    if period == GoalPeriod.WEEKLY:
        start = on - timedelta(days=on.weekday())
        return start, start + timedelta(days=6)
    if period == GoalPeriod.MONTHLY:
        first_month = last_month = on.month
    else:
        first_month = 3 * ((on.month - 1) // 3) + 1
        last_month = first_month + 2
    last_day = calendar.monthrange(on.year, last_month)[1]
    return date(on.year, first_month, 1), date(on.year, last_month, last_day)


def progress_percent(current: Decimal, target: Decimal) -> Decimal:
    """Progress towards `target` in percent, clamped to 0–100 for a progress bar (one decimal)."""
    if not target.is_finite() or target <= 0:
        raise ValueError(f"A goal's target must be above zero, not {target}")
    percent = current * 100 / target
    clamped = min(max(percent, Decimal(0)), Decimal(100))
    return clamped.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


def elapsed_fraction(period_start: date, period_end: date, at: datetime) -> Decimal:
    """Share of the period elapsed at `at` (0 before it, 1 after it), in `at`'s time zone.

    The period runs from midnight at the start of `period_start` to midnight after `period_end`.
    """
    if period_end < period_start:
        raise ValueError("A period cannot end before it starts")
    start = datetime.combine(period_start, time.min, tzinfo=at.tzinfo)
    end = datetime.combine(period_end + timedelta(days=1), time.min, tzinfo=at.tzinfo)
    micro = timedelta(microseconds=1)
    elapsed = min(max((at - start) // micro, 0), (end - start) // micro)
    return Decimal(elapsed) / Decimal((end - start) // micro)


@dataclass(frozen=True, slots=True)
class GoalProjection:
    """Where a goal stands at a moment.

    `expected_now` is the target scaled by the elapsed share of the period; `projected` is the
    value the period would end with at the current pace (None before the period starts).
    """

    percent: Decimal
    elapsed: Decimal
    expected_now: Decimal
    projected: Decimal | None
    achieved: bool
    on_track: bool


def project(
    current: Decimal, target: Decimal, period_start: date, period_end: date, at: datetime
) -> GoalProjection:
    """On track means the current value is at least the elapsed share of the target."""
    percent = progress_percent(current, target)
    fraction = elapsed_fraction(period_start, period_end, at)
    expected = (target * fraction).quantize(_CENT, rounding=ROUND_HALF_UP)
    projected = None if fraction == 0 else (current / fraction).quantize(_CENT, ROUND_HALF_UP)
    achieved = current >= target
    return GoalProjection(
        percent=percent,
        elapsed=fraction,
        expected_now=expected,
        projected=projected,
        achieved=achieved,
        on_track=achieved or current >= target * fraction,
    )


def project_goal(goal: Goal, at: datetime) -> GoalProjection:
    """`project` for a cached goal."""
    return project(goal.current_value, goal.target_value, goal.period_start, goal.period_end, at)


def days_left(goal: Goal, today: date) -> int:
    """Days remaining in the goal's period, today included (0 once it is over)."""
    if today > goal.period_end:
        return 0
    return (goal.period_end - max(today, goal.period_start)).days + 1
