"""The dashboard's table models: goals, commission, achievements, notifications, past shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from studio.core.earnings import STATUS_WORDS, EarningsTotals, ShowEarnings
from studio.core.goal_progress import GoalProgress
from studio.core.goal_rules import PERIOD_WORDS
from studio.core.models import Achievement, Earning, EarningStatus, Notification, Show
from studio.core.relative_time import relative_time
from studio.ui.screens.dashboard.format import (
    count_text,
    day_text,
    goal_kind_text,
    goal_value_text,
    money_text,
    period_text,
)
from studio.ui.screens.dashboard.table_model import Column, RecordTableModel

TYPE_WORDS = {
    "order": "Order", "sold_out": "Sold out", "goal_reached": "Goal reached",
    "achievement": "Achievement", "show": "Show", "system": "System",
}


class _Timed:
    """Models showing relative times keep the moment they were read at."""

    now: datetime = datetime.now(UTC)

    def ago(self, moment: datetime | None) -> str:
        return "—" if moment is None else relative_time(moment, self.now)


class GoalsModel(RecordTableModel[GoalProgress]):
    columns = (
        Column("Goal", lambda p: p.goal.title),
        Column("Kind", lambda p: goal_kind_text(p.goal.goal_type)),
        Column("Period", lambda p: PERIOD_WORDS[p.goal.period]),
        Column("Dates", lambda p: period_text(p.goal.period_start, p.goal.period_end)),
        Column("Progress", lambda p: goal_value_text(p.goal.goal_type, p.current), True),
        Column("Target", lambda p: goal_value_text(p.goal.goal_type, p.goal.target_value), True),
        Column("%", lambda p: f"{p.percent}%", True),
        Column("Outcome", lambda p: str(p.outcome).capitalize()),
    )


class EarningsModel(_Timed, RecordTableModel[Earning]):
    """Commission per order line, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show_titles: Mapping[str, str] = {}
        self.columns = (
            Column("Earned", lambda e: day_text(e.earned_at),
                   tooltip=lambda e: self.ago(e.earned_at)),
            Column("Order", lambda e: str(e.order_id)[:8]),
            Column("Show", lambda e: self.show_titles.get(str(e.session_id), "—")),
            Column("Sale", lambda e: money_text(e.gross_amount), True),
            Column("Rate", lambda e: f"{e.commission_rate * 100:.2f}%", True),
            Column("Commission", self._signed, True),
            Column("Status", lambda e: STATUS_WORDS[EarningStatus(e.status)]),
        )

    @staticmethod
    def _signed(e: Earning) -> str:
        # A reversed commission is taken back: shown as a negative amount.
        amount = -e.amount if e.status == EarningStatus.REVERSED else e.amount
        return money_text(amount)

    def extra_data(self, record: Earning, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and record.status == EarningStatus.REVERSED:
            font = QFont()
            font.setStrikeOut(column == 5)
            font.setItalic(True)
            return font
        return None


class PeriodEarningsModel(RecordTableModel[tuple[date, EarningsTotals]]):
    columns = (
        Column("Period from", lambda r: day_text(r[0])),
        Column("Orders", lambda r: count_text(r[1].order_count), True),
        Column("Sales", lambda r: money_text(r[1].gross_sales), True),
        Column("Commission", lambda r: money_text(r[1].commission), True),
        Column("Pending", lambda r: money_text(r[1].pending), True),
        Column("Available", lambda r: money_text(r[1].available), True),
        Column("Paid", lambda r: money_text(r[1].paid_out), True),
        Column("Reversed", lambda r: money_text(r[1].reversed), True),
    )


class ShowEarningsModel(RecordTableModel[ShowEarnings]):
    columns = (
        Column("Show", lambda s: s.title),
        Column("Started", lambda s: day_text(s.started_at)),
        Column("Orders", lambda s: count_text(s.totals.order_count), True),
        Column("Units", lambda s: "—" if s.units is None else count_text(s.units), True,
               tooltip=lambda s: "Some order lines are older than the local copy keeps"
               if s.units is None else ""),
        Column("Sales", lambda s: money_text(s.totals.gross_sales), True),
        Column("Commission", lambda s: money_text(s.totals.commission), True),
    )


def achievement_percent(a: Achievement) -> int:
    if a.unlocked_at is not None:
        return 100
    return int(min(Decimal(100), a.progress * 100 / a.target))


class AchievementsModel(_Timed, RecordTableModel[Achievement]):
    """Unlocked badges first (latest first), then the locked ones nearest to unlocking."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = (
            Column("Badge", lambda a: ("★ " if a.unlocked_at else "☆ ") + a.title),
            Column("What it takes", lambda a: a.description or "",
                   tooltip=lambda a: a.description or ""),
            Column("Progress", lambda a: f"{count_text(a.progress)} / {count_text(a.target)}",
                   True),
            Column("%", lambda a: f"{achievement_percent(a)}%", True),
            Column("Unlocked", lambda a: day_text(a.unlocked_at) if a.unlocked_at else "Locked",
                   tooltip=lambda a: self.ago(a.unlocked_at)),
        )

    def set_records(self, records: Sequence[Achievement]) -> None:
        floor = datetime.min.replace(tzinfo=UTC)
        ordered = sorted(records, key=lambda a: (a.unlocked_at is None,
                                                 -(a.unlocked_at or floor).timestamp()
                                                 if a.unlocked_at else -achievement_percent(a),
                                                 a.title))
        super().set_records(ordered)


class NotificationsModel(_Timed, RecordTableModel[Notification]):
    """Newest first; unread ones in bold."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = (
            Column("", lambda n: "" if n.is_read else "●"),
            Column("When", lambda n: self.ago(n.created_at),
                   tooltip=lambda n: n.created_at.astimezone().strftime("%Y-%m-%d %H:%M")),
            Column("Type", lambda n: TYPE_WORDS.get(str(n.type), str(n.type))),
            Column("Title", lambda n: n.title, tooltip=lambda n: n.body or ""),
        )

    def extra_data(self, record: Notification, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and not record.is_read:
            font = QFont()
            font.setBold(True)
            return font
        return None


class HistoryModel(_Timed, RecordTableModel[Show]):
    """Shows that went live, latest first, with their figures."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.commission: Mapping[str, Decimal] = {}
        self.columns = (
            Column("Show", lambda s: s.title),
            Column("Went live", lambda s: day_text(s.actual_start),
                   tooltip=lambda s: self.ago(s.actual_start)),
            Column("Status", lambda s: str(s.status).capitalize()),
            Column("Orders", lambda s: count_text(s.total_orders), True),
            Column("Units", lambda s: count_text(s.total_units), True),
            Column("Revenue", lambda s: money_text(s.total_revenue), True),
            Column("Commission", lambda s: money_text(self.commission.get(str(s.id))), True),
            Column("Peak viewers", lambda s: count_text(s.peak_viewers), True),
        )
