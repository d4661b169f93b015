"""Goal rules: a goal covers a whole period; bad input names the field and changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from studio.core.goal_rules import GoalDraft, GoalRuleError, check_goal, new_goal
from studio.core.models import Goal, GoalPeriod, GoalType

HOST = UUID("00000000-0000-4000-b000-000000000101")
TODAY = date(2026, 12, 3)


def draft(**values: object) -> GoalDraft:
    base = {"title": "December revenue", "goal_type": "revenue", "period": "monthly",
            "day": TODAY, "target": "1,500.00"}
    return GoalDraft(**{**base, **values})  # type: ignore[arg-type]


def test_a_goal_covers_the_whole_period_of_the_day_chosen() -> None:
    goal = new_goal(draft(day=date(2026, 12, 20)), HOST, [], today=TODAY)
    assert (goal.period_start, goal.period_end) == (date(2026, 12, 1), date(2026, 12, 31))
    assert goal.target_value == Decimal("1500.00")
    assert goal.influencer_id == HOST and goal.title == "December revenue"
    weekly = new_goal(draft(period="weekly", goal_type="units", target="40"), HOST, [],
                      today=TODAY)
    assert (weekly.period_start, weekly.period_end) == (date(2026, 11, 30), date(2026, 12, 6))
    quarterly = new_goal(draft(period="quarterly", goal_type="shows", target="12"), HOST, [],
                         today=TODAY)
    assert (quarterly.period_start, quarterly.period_end) == (date(2026, 10, 1),
                                                              date(2026, 12, 31))


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"title": "   "}, "title", "title"),
        ({"title": "x" * 121}, "title", "at most 120"),
        ({"target": "0"}, "target_value", "above zero"),
        ({"target": "-5"}, "target_value", "above zero"),
        ({"target": "abc"}, "target_value", ""),
        ({"target": "1000000000000"}, "target_value", "too large"),
        ({"goal_type": "units", "target": "2.5"}, "target_value", ""),
        ({"goal_type": "popularity"}, "goal_type", "kind"),
        ({"period": "daily"}, "period", "period"),
        ({"day": date(2026, 11, 15)}, "period_start", "over"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(values: dict, field: str, words: str) -> None:
    with pytest.raises(GoalRuleError) as refused:
        new_goal(draft(**values), HOST, [], today=TODAY)
    assert field in refused.value.errors
    assert words in refused.value.errors[field]


def test_every_refused_field_is_reported_at_once() -> None:
    with pytest.raises(GoalRuleError) as refused:
        new_goal(draft(title="", target="0", period="daily"), HOST, [], today=TODAY)
    assert set(refused.value.errors) == {"title", "target_value", "period"}


def test_a_second_goal_of_the_same_kind_and_period_is_refused() -> None:
    first = new_goal(draft(), HOST, [], today=TODAY)
    with pytest.raises(GoalRuleError) as refused:
        new_goal(draft(title="Another", day=date(2026, 12, 28)), HOST, [first], today=TODAY)
    assert "already" in refused.value.errors["period_start"]
    # Another kind, or another period, is fine.
    assert new_goal(draft(goal_type="units", target="5"), HOST, [first], today=TODAY)
    assert new_goal(draft(period="weekly"), HOST, [first], today=TODAY)


def test_an_edit_keeps_id_host_and_kind_and_may_keep_a_period_that_has_ended() -> None:
    past = Goal(uuid4(), HOST, "November", GoalType.REVENUE, GoalPeriod.MONTHLY,
                date(2026, 11, 1), date(2026, 11, 30), Decimal("100.00"))
    edited = check_goal(draft(title="November sales", day=date(2026, 11, 5), target="120"),
                        [past], editing=past, today=TODAY)
    assert edited == replace(past, title="November sales", target_value=Decimal("120.00"))
    with pytest.raises(GoalRuleError) as refused:
        check_goal(draft(goal_type="units", day=date(2026, 11, 5)), [past], editing=past,
                   today=TODAY)
    assert "kind" in refused.value.errors["goal_type"]


def test_a_goal_needs_a_host() -> None:
    with pytest.raises(GoalRuleError) as refused:
        new_goal(draft(), "not-a-profile", [], today=TODAY)
    assert "influencer_id" in refused.value.errors
