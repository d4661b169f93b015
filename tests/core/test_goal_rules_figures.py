"""Dashboard figures: goal values as the server computes them, earnings sums, relative times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from studio.core.earnings import bucket_start, by_period, by_show, earnings_csv, totals
from studio.core.goal_progress import (
    GoalSources,
    HostedShow,
    Outcome,
    SaleLine,
    current_goals,
    goal_progress,
    goal_value,
)
from studio.core.models import Earning, EarningStatus, Goal, GoalPeriod, GoalStatus, GoalType
from studio.core.relative_time import relative_time

D = Decimal
HOST = UUID("00000000-0000-4000-b000-000000000101")


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


SALES = GoalSources(
    sales=(
        SaleLine("o1", at(1, 0), 2, D("20.00")),
        SaleLine("o1", at(1, 0), 1, D("5.50")),
        SaleLine("o2", at(2), 3, D("30.00"), counted=False),  # refunded
        SaleLine("o3", at(7, 23), 1, D("9.99")),
        SaleLine("o4", datetime(2026, 11, 30, 23, 59, tzinfo=UTC), 4, D("40.00")),
    ),
    shows=(HostedShow("ended", at(2)), HostedShow("live", at(3)), HostedShow("ended", None),
           HostedShow("ended", datetime(2026, 11, 29, tzinfo=UTC))),
)


def test_goal_values_count_counted_lines_in_the_period_with_both_ends_included() -> None:
    first, last = date(2026, 12, 1), date(2026, 12, 7)
    assert goal_value("revenue", first, last, SALES) == D("35.49")
    assert goal_value("units", first, last, SALES) == 4
    assert goal_value("orders", first, last, SALES) == 2
    assert goal_value("shows", first, last, SALES) == 1
    with pytest.raises(ValueError, match="counted by the server"):
        goal_value("viewers", first, last, SALES)
    with pytest.raises(ValueError, match="end before"):
        goal_value("revenue", last, first, SALES)


def goal(kind: GoalType, start: date, end: date, target: str, **kw: object) -> Goal:
    return Goal(uuid4(), HOST, kind.value, kind, GoalPeriod.WEEKLY, start, end, D(target),
                **kw)  # type: ignore[arg-type]


def test_progress_outcomes_and_the_cache_window() -> None:
    week = (date(2026, 11, 30), date(2026, 12, 6))
    goals = [
        goal(GoalType.REVENUE, *week, "50", current_value=D("1")),
        goal(GoalType.UNITS, *week, "8"),
        goal(GoalType.VIEWERS, *week, "10", current_value=D("12")),
        goal(GoalType.ORDERS, date(2026, 11, 23), date(2026, 11, 29), "3",
             status=GoalStatus.MISSED, current_value=D("1")),
        goal(GoalType.SHOWS, date(2026, 12, 14), date(2026, 12, 20), "2"),
    ]
    progress = goal_progress(goals, SALES, date(2026, 12, 3), complete_since=date(2026, 11, 25))
    revenue, units, viewers, orders, shows = progress
    assert (revenue.current, revenue.percent, revenue.outcome) == (
        D("65.50"), D("131.0"), Outcome.MET)
    assert (units.current, units.percent, units.bar_percent, units.outcome) == (
        D(7), D("87.5"), 87, Outcome.IN_PROGRESS)
    assert (viewers.current, viewers.achieved) == (D("12"), True)  # the server's count
    assert (orders.current, orders.outcome) == (D("1"), Outcome.MISSED)  # before the window
    assert shows.outcome == Outcome.UPCOMING
    assert [p.goal.goal_type for p in current_goals(progress, date(2026, 12, 3))] == [
        GoalType.REVENUE, GoalType.UNITS, GoalType.VIEWERS]


def earning(amount: str, status: EarningStatus, when: datetime, order: str = "o",
            session: UUID | None = None) -> Earning:
    return Earning(uuid4(), HOST, UUID(int=hash(order) % 2**64), uuid4(), D(amount) * 10,
                   D("0.1000"), D(amount), when, session, status)


def test_earnings_totals_by_period_and_show_leave_reversals_out() -> None:
    show = uuid4()
    rows = [
        earning("1.10", EarningStatus.PENDING, at(1), "a", show),
        earning("2.20", EarningStatus.AVAILABLE, at(1), "a", show),
        earning("3.30", EarningStatus.PAID_OUT, at(8), "b", show),
        earning("4.40", EarningStatus.REVERSED, at(8), "c", show),
        earning("0.01", EarningStatus.PENDING, datetime(2026, 11, 30, tzinfo=UTC), "d"),
    ]
    total = totals(rows)
    assert (total.commission, total.pending, total.available, total.paid_out, total.reversed,
            total.gross_sales, total.order_count) == (
        D("6.61"), D("1.11"), D("2.20"), D("3.30"), D("4.40"), D("66.10"), 3)
    weeks = by_period(rows, "week")
    assert [(start, t.commission) for start, t in weeks] == [
        (date(2026, 11, 30), D("3.31")), (date(2026, 12, 7), D("3.30"))]
    months = by_period(rows, "month")
    assert [(start, t.commission) for start, t in months] == [
        (date(2026, 11, 1), D("0.01")), (date(2026, 12, 1), D("6.60"))]
    shows = by_show(rows, {str(show): ("Winter edit", at(1))}, {})
    assert [(s.title, s.totals.commission, s.units) for s in shows] == [
        ("Winter edit", D("6.60"), None), ("Not during a show", D("0.01"), None)]
    text = earnings_csv(rows, {str(show): "Winter edit"})
    assert text.splitlines()[-1] == "total,3,,excluding reversed,66.10,,6.61"
    assert len(text.splitlines()) == len(rows) + 2
    with pytest.raises(ValueError, match="granularity"):
        bucket_start("day", at(1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("delta", "words"),
    [(timedelta(seconds=10), "just now"), (timedelta(minutes=5), "5 min ago"),
     (timedelta(hours=3, minutes=59), "3 h ago"), (timedelta(days=1, hours=2), "yesterday"),
     (timedelta(days=12), "12 days ago"), (timedelta(days=-2), "in 2 days"),
     (timedelta(days=-1), "tomorrow"), (timedelta(days=200), "6 months ago")],
)
def test_relative_time(delta: timedelta, words: str) -> None:
    now = at(20)
    assert relative_time(now - delta, now) == words


def test_relative_time_needs_aware_times() -> None:
    with pytest.raises(ValueError, match="aware"):
        relative_time(datetime(2026, 12, 1), at(1))
