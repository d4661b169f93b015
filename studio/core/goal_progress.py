"""A goal's value over its period, computed from sales and shows as the server does.

This is the client's copy of `private.goal_actual` behind the server's `goal_progress` read
model, so the dashboard shows the same numbers offline, from the cache:

- revenue / units / orders: the host's order lines created in the period whose order was not
  cancelled or refunded (hosts cannot read order status: the server flags such lines
  `is_refunded` and reverses their commission, either of which makes a line not count);
- shows: the host's ended shows that started in the period.

Viewer goals keep the value the server stores on the goal (it counts each viewer once per show
by account or media peer, which the cache does not hold).

Periods are whole days in the server's time zone (UTC unless the project says otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from studio.core.models import Goal, GoalStatus, GoalType

_TENTH = Decimal("0.1")
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One order line of the host. `counted`: not refunded and its order still stands."""

    order_id: str
    created_at: datetime
    quantity: int
    line_total: Decimal
    counted: bool = True


@dataclass(frozen=True, slots=True)
class HostedShow:
    status: str
    actual_start: datetime | None


@dataclass(frozen=True, slots=True)
class GoalSources:
    """What goal values are computed from (the host's rows, as cached)."""

    sales: tuple[SaleLine, ...] = ()
    shows: tuple[HostedShow, ...] = ()


def period_window(start: date, end: date, zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """From midnight starting `start` to midnight after `end` (end excluded)."""
    if end < start:
        raise ValueError("A period cannot end before it starts")
    return (datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))


def goal_value(goal_type: GoalType | str, start: date, end: date, sources: GoalSources,
               zone: tzinfo = UTC) -> Decimal:
    """The value of a goal of `goal_type` over [start, end] (see the module docstring)."""
    kind = GoalType(goal_type)
    low, high = period_window(start, end, zone)
    if kind in (GoalType.REVENUE, GoalType.UNITS, GoalType.ORDERS):
        lines = [s for s in sources.sales if s.counted and low <= s.created_at < high]
        if kind == GoalType.REVENUE:
            return sum((s.line_total for s in lines), Decimal(0)).quantize(_CENT)
        if kind == GoalType.UNITS:
            return Decimal(sum(s.quantity for s in lines))
        return Decimal(len({s.order_id for s in lines}))
    if kind == GoalType.VIEWERS:
        raise ValueError("Viewer goals are counted by the server (see the module docstring)")
    return Decimal(sum(1 for s in sources.shows if s.status == "ended"
                       and s.actual_start is not None and low <= s.actual_start < high))


class Outcome(StrEnum):
    UPCOMING = "upcoming"
    IN_PROGRESS = "in progress"
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class GoalProgress:
    """A goal with its current value, as `goal_progress` returns it (percent unclamped, one
    decimal), and how its period turned out."""

    goal: Goal
    current: Decimal
    percent: Decimal
    achieved: bool
    outcome: Outcome

    @property
    def bar_percent(self) -> int:
        """0–100 for a progress bar."""
        return int(min(max(self.percent, Decimal(0)), Decimal(100)))


def progress_of(goal: Goal, current: Decimal, today: date) -> GoalProgress:
    percent = (100 * current / goal.target_value).quantize(_TENTH, rounding=ROUND_HALF_UP)
    achieved = current >= goal.target_value or goal.status == GoalStatus.ACHIEVED
    if goal.period_start > today:
        outcome = Outcome.UPCOMING
    elif achieved:
        outcome = Outcome.MET
    elif goal.period_end < today or goal.status == GoalStatus.MISSED:
        outcome = Outcome.MISSED
    else:
        outcome = Outcome.IN_PROGRESS
    return GoalProgress(goal, current, percent, current >= goal.target_value, outcome)


def goal_progress(goals: Iterable[Goal], sources: GoalSources, today: date, *,
                  complete_since: date | None = None, zone: tzinfo = UTC) -> list[GoalProgress]:
    """Every goal with its value. Periods starting on or after `complete_since` (the oldest day
    the sources are complete for; None: complete) are computed from `sources`; older ones keep
    the value the server stored on the goal."""
    out = []
    for goal in goals:
        computable = goal.goal_type != GoalType.VIEWERS
        if computable and (complete_since is None or goal.period_start >= complete_since):
            current = goal_value(goal.goal_type, goal.period_start, goal.period_end, sources,
                                 zone)
        else:
            current = goal.current_value
        out.append(progress_of(goal, current, today))
    return out


def current_goals(progress: Iterable[GoalProgress], at: date) -> list[GoalProgress]:
    """The goals whose period covers `at`, in `goal_progress`'s order (period, kind, start)."""
    order = {"weekly": 0, "monthly": 1, "quarterly": 2}
    kinds = list(GoalType)
    chosen = [p for p in progress if p.goal.period_start <= at <= p.goal.period_end]
    return sorted(chosen, key=lambda p: (order[p.goal.period], kinds.index(p.goal.goal_type),
                                         p.goal.period_start))
