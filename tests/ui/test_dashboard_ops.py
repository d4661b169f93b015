"""The dashboard's outbox operations: goals carry only the columns a host may write, read state
only `is_read` and `read_at`; bad input is refused before anything is queued."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from studio.core.models import Goal, GoalPeriod, GoalType, Notification, NotificationType
from studio.sync.dashboard_ops import (
    goal_create_op,
    goal_delete_op,
    goal_edit_ops,
    mark_read_ops,
)
from studio.sync.engine.push import check_operation

HOST = UUID("00000000-0000-4000-b000-000000000101")
GOAL = Goal(uuid4(), HOST, "December", GoalType.REVENUE, GoalPeriod.MONTHLY, date(2026, 12, 1),
            date(2026, 12, 31), Decimal("500.00"), current_value=Decimal("120.00"))
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def test_goal_operations_carry_what_a_host_may_write() -> None:
    create = goal_create_op(GOAL)
    assert create.payload == {
        "id": str(GOAL.id), "influencer_id": str(HOST), "title": "December",
        "goal_type": "revenue", "period": "monthly", "period_start": "2026-12-01",
        "period_end": "2026-12-31", "target_value": "500.00"}
    [edit] = goal_edit_ops(GOAL, replace(GOAL, title="Dec", current_value=Decimal(9)))
    assert edit.payload == {"id": str(GOAL.id), "title": "Dec"}
    assert goal_edit_ops(GOAL, replace(GOAL, current_value=Decimal(9))) == []
    delete = goal_delete_op(GOAL)
    assert (delete.kind, delete.payload) == ("delete", {"id": str(GOAL.id)})
    for op in (create, edit, delete):
        check_operation(op)  # the push engine's write rules accept them


def test_an_edit_of_another_goal_is_refused() -> None:
    with pytest.raises(ValueError, match="keeps the goal's id"):
        goal_edit_ops(GOAL, replace(GOAL, id=uuid4()))


def note(read: bool) -> Notification:
    return Notification(uuid4(), HOST, NotificationType.SOLD_OUT, "Sold out", NOW, is_read=read)


def test_mark_read_skips_what_is_already_read_and_needs_an_aware_time() -> None:
    unread, read = note(False), note(True)
    [op] = mark_read_ops([unread, read], NOW)
    assert op.payload == {"id": str(unread.id), "is_read": True,
                          "read_at": "2026-12-03T12:00:00+00:00"}
    check_operation(op)
    [again] = mark_read_ops([unread, read], NOW, read=False)
    assert again.payload == {"id": str(read.id), "is_read": False, "read_at": None}
    with pytest.raises(ValueError, match="time-zone aware"):
        mark_read_ops([unread], datetime(2026, 12, 3, 12))
