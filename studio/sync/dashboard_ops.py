"""The host dashboard's reads from the cache and its writes as outbox operations.

Reads run on the cache's reader thread (`ScreenContext.read(load_dashboard, host, now)`) and
return domain records. Writes are row operations the sync engine sends through `apply_ops`:
goals (create, edit, delete: the columns a host may write, backend_schema/ACCESS.md) and the
read state of notifications (`is_read`, `read_at`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from studio.core.goal_progress import GoalProgress, GoalSources, HostedShow, SaleLine, goal_progress
from studio.core.models import (
    Achievement,
    Earning,
    EarningStatus,
    Goal,
    Notification,
    Show,
)
from studio.core.rows import from_row, to_row
from studio.sync.cache import CacheReader, Operation
from studio.sync.lineup_ops import server_row, show_from_row
from studio.sync.scope import RECENT_ACTIVITY

GOALS = "influencer_goals"
NOTIFICATIONS = "influencer_notifications"
GOAL_INSERT_COLUMNS = ("id", "influencer_id", "title", "goal_type", "period", "period_start",
                       "period_end", "target_value")
GOAL_UPDATE_COLUMNS = ("title", "target_value", "period", "period_start", "period_end")
NOTIFICATION_LIMIT = 300


@dataclass(frozen=True)
class DashboardData:
    """Everything the dashboard shows, read from the cache in one go."""

    host_id: str
    now: datetime
    goals: tuple[Goal, ...] = ()
    progress: tuple[GoalProgress, ...] = ()
    earnings: tuple[Earning, ...] = ()
    achievements: tuple[Achievement, ...] = ()
    notifications: tuple[Notification, ...] = ()
    shows: tuple[Show, ...] = ()
    # order item id -> units, for the order lines the cache holds (the earnings' units)
    units_of_item: dict[str, int] = field(default_factory=dict)

    @property
    def unread(self) -> int:
        return sum(1 for n in self.notifications if not n.is_read)

    @property
    def show_titles(self) -> dict[str, str]:
        return {str(s.id): s.title for s in self.shows}


def _ts(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sales_window_start(now: datetime) -> date:
    """The first whole day the cache holds every order line of (its pull window)."""
    return (now - RECENT_ACTIVITY).astimezone(UTC).date() + timedelta(days=1)


def sale_lines(lines: Iterable[Mapping[str, Any]], earnings: Iterable[Earning]
               ) -> list[SaleLine]:
    """The host's order lines (server-shaped rows) for goal values. A line counts unless it
    is flagged refunded or its commission was reversed (its order was cancelled or refunded;
    the commission may reach the cache before the line's flag does)."""
    reversed_items = {str(e.order_item_id) for e in earnings
                      if e.status == EarningStatus.REVERSED}
    return [SaleLine(order_id=str(line["order_id"]), created_at=_ts(line["created_at"]),
                     quantity=int(line["quantity"]), line_total=Decimal(line["line_total"]),
                     counted=not line["is_refunded"] and str(line["id"]) not in reversed_items)
            for line in lines]


def load_dashboard(reader: CacheReader, host_id: str, now: datetime) -> DashboardData:
    """The host's dashboard as cached (run through `ScreenContext.read`)."""
    goals = tuple(from_row(Goal, server_row(GOALS, r)) for r in reader.goals(host_id))
    earnings = tuple(from_row(Earning, server_row("influencer_earnings", r))
                     for r in reader.earnings(host_id))
    achievements = tuple(from_row(Achievement, server_row("influencer_achievements", r))
                         for r in reader.achievements(host_id))
    notifications = tuple(from_row(Notification, server_row(NOTIFICATIONS, r))
                          for r in reader.notifications(host_id, limit=NOTIFICATION_LIMIT))
    show_rows = reader.shows_of_host(host_id)
    shows = tuple(show_from_row(r) for r in show_rows)
    lines = [server_row("order_items", item)
             for row in show_rows for item in reader.show_order_items(row["id"])
             if item["influencer_id"] == host_id]
    units = {str(line["id"]): int(line["quantity"]) for line in lines}
    sources = GoalSources(
        sales=tuple(sale_lines(lines, earnings)),
        shows=tuple(HostedShow(str(s.status), s.actual_start) for s in shows))
    today = now.astimezone(UTC).date()
    progress = tuple(goal_progress(goals, sources, today,
                                   complete_since=sales_window_start(now)))
    return DashboardData(host_id, now, goals, progress, earnings, achievements, notifications,
                         shows, units)


# --------------------------------------------------------------------------- operations


def goal_create_op(goal: Goal) -> Operation:
    return Operation("upsert", GOALS, to_row(goal, GOAL_INSERT_COLUMNS))


def goal_edit_ops(before: Goal, after: Goal) -> list[Operation]:
    """The changed columns a host may write; nothing when nothing changed."""
    if before.id != after.id:
        raise ValueError("an edit keeps the goal's id")
    changed = [n for n in GOAL_UPDATE_COLUMNS if getattr(after, n) != getattr(before, n)]
    if not changed:
        return []
    return [Operation("upsert", GOALS, to_row(after, ("id", *changed)))]


def goal_delete_op(goal: Goal) -> Operation:
    return Operation("delete", GOALS, {"id": str(goal.id)})


def mark_read_ops(notifications: Iterable[Notification], now: datetime,
                  *, read: bool = True) -> list[Operation]:
    """Mark the given notifications read (or unread again); those already so are left out."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    stamp = now.astimezone(UTC).isoformat() if read else None
    return [Operation("upsert", NOTIFICATIONS, {"id": str(n.id), "is_read": read,
                                                "read_at": stamp})
            for n in notifications if n.is_read != read]


def unread_of(notifications: Sequence[Notification]) -> list[Notification]:
    return [n for n in notifications if not n.is_read]
