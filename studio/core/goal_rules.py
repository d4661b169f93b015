"""Rules for a host's goals: what may be created or edited, with a message per refused field.

A goal covers one whole calendar period (`studio.core.goals.period_bounds`): the host picks the
kind, the period and any day inside it. The server's constraints are checked here first so a
refused goal never reaches the outbox: title 1–120 characters, a target above zero that fits
numeric(14, 2), one goal per kind, period and start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from studio.core.goals import period_bounds
from studio.core.models import Goal, GoalPeriod, GoalStatus, GoalType
from studio.core.money import parse_money, parse_quantity

TITLE_MAX = 120
#: numeric(14, 2): twelve digits before the point.
TARGET_MAX = Decimal("999999999999.99")
#: The kinds a host sets from the dashboard, in the order the form lists them.
GOAL_TYPES: tuple[GoalType, ...] = (
    GoalType.REVENUE, GoalType.UNITS, GoalType.VIEWERS, GoalType.SHOWS, GoalType.ORDERS)
TYPE_WORDS: Mapping[GoalType, str] = {
    GoalType.REVENUE: "Revenue", GoalType.UNITS: "Units sold", GoalType.VIEWERS: "Viewers",
    GoalType.SHOWS: "Shows hosted", GoalType.ORDERS: "Orders",
}
PERIOD_WORDS: Mapping[GoalPeriod, str] = {
    GoalPeriod.WEEKLY: "Weekly", GoalPeriod.MONTHLY: "Monthly", GoalPeriod.QUARTERLY: "Quarterly",
}


class GoalRuleError(ValueError):
    """A goal the rules refuse; `errors` maps each refused field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


@dataclass(frozen=True)
class GoalDraft:
    """What the goal form holds: text as typed, the kind and period chosen, a day in the
    period."""

    title: str
    goal_type: GoalType | str
    period: GoalPeriod | str
    day: date
    target: str | Decimal | int


def parse_target(goal_type: GoalType, value: str | Decimal | int) -> Decimal:
    """The target as a number: money for revenue, a whole count for the other kinds.
    ValueError with a message for the user."""
    if isinstance(value, bool):
        raise ValueError("Enter a number")
    if goal_type == GoalType.REVENUE:
        amount = value if isinstance(value, Decimal) else parse_money(str(value))
    elif isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"{TYPE_WORDS[goal_type]} are counted in whole numbers")
        amount = value
    else:
        amount = Decimal(value if isinstance(value, int) else parse_quantity(str(value)))
    if not amount.is_finite() or amount <= 0:
        raise ValueError("The target must be above zero")
    if amount > TARGET_MAX:
        raise ValueError("The target is too large")
    return amount.quantize(Decimal("0.01"))


def _enum(kind: type[GoalType] | type[GoalPeriod], value: object, words: str) -> object:
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"Choose a {words}") from None


def check_goal(draft: GoalDraft, existing: Iterable[Goal], *, editing: Goal | None = None,
               today: date) -> Goal:
    """The goal `draft` describes, checked against the host's `existing` goals. `editing`: the
    goal being changed (its id, host and kind are kept: the server does not let a goal change
    kind). Raises GoalRuleError naming every refused field; nothing is changed."""
    errors: dict[str, str] = {}
    title = draft.title.strip() if isinstance(draft.title, str) else ""
    if not title:
        errors["title"] = "Give the goal a title"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"The title must be at most {TITLE_MAX} characters"
    goal_type = period = None
    try:
        goal_type = GoalType(_enum(GoalType, draft.goal_type, "kind of goal"))
    except ValueError as exc:
        errors["goal_type"] = str(exc)
    try:
        period = GoalPeriod(_enum(GoalPeriod, draft.period, "period"))
    except ValueError as exc:
        errors["period"] = str(exc)
    if editing is not None and goal_type is not None and goal_type != editing.goal_type:
        errors["goal_type"] = "A goal's kind cannot change: delete it and create another"
    target = None
    if goal_type is not None:
        try:
            target = parse_target(goal_type, draft.target)
        except ValueError as exc:
            errors["target_value"] = str(exc)
    start = end = None
    if period is not None:
        if not isinstance(draft.day, date):
            errors["period_start"] = "Choose a day in the goal's period"
        else:
            start, end = period_bounds(period, draft.day)
            unchanged = editing is not None and (editing.period, editing.period_start) == (
                period, start)
            if end < today and not unchanged:
                errors["period_start"] = "That period is over: choose a current or future one"
    if goal_type is not None and period is not None and start is not None:
        for other in existing:
            if editing is not None and other.id == editing.id:
                continue
            if (other.goal_type, other.period, other.period_start) == (goal_type, period, start):
                errors["period_start"] = (
                    f"There is already a {PERIOD_WORDS[period].lower()} "
                    f"{TYPE_WORDS[goal_type].lower()} goal for this period: edit that one")
                break
    if errors:
        raise GoalRuleError(errors)
    assert goal_type is not None and period is not None and start is not None
    assert end is not None and target is not None
    if editing is not None:
        return replace(editing, title=title, period=period, period_start=start, period_end=end,
                       target_value=target)
    return Goal(id=uuid4(), influencer_id=UUID(int=0), title=title, goal_type=goal_type,
                period=period, period_start=start, period_end=end, target_value=target,
                status=GoalStatus.ACTIVE)


def new_goal(draft: GoalDraft, host_id: UUID | str, existing: Iterable[Goal], *,
             today: date) -> Goal:
    """A new goal of host `host_id` (see `check_goal`)."""
    try:
        host = host_id if isinstance(host_id, UUID) else UUID(str(host_id))
    except ValueError:
        raise GoalRuleError({"influencer_id": "Sign in as a host to set goals"}) from None
    return replace(check_goal(draft, existing, today=today), influencer_id=host)
