"""The goal bar: this period's sales goal as a progress bar with words ("$1,240 of $2,000 this
week"), and which of the host's goals that is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from studio.core.money import format_money
from studio.session.live_metrics import SALES_GOALS, GoalProgress

# The shortest period first: the goal a host is chasing this show.
_PERIOD_ORDER = {"weekly": 0, "monthly": 1, "quarterly": 2}
_TYPE_ORDER = {"revenue": 0, "orders": 1, "units": 2}
_PERIOD_WORDS = {"weekly": "this week", "monthly": "this month", "quarterly": "this quarter"}


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return None


def current_goal(goals: Iterable[Mapping[str, Any]], today: date) -> dict[str, Any] | None:
    """The active sales goal (revenue, orders or units) whose period holds `today`; the
    shortest period wins, revenue before orders before units. None when there is none."""
    found = []
    for goal in goals:
        start, end = _day(goal.get("period_start")), _day(goal.get("period_end"))
        if goal.get("goal_type") not in SALES_GOALS or goal.get("status") not in (
                None, "active", "achieved") or start is None or end is None:
            continue
        if start <= today <= end:
            found.append(goal)
    if not found:
        return None
    return dict(min(found, key=lambda g: (_PERIOD_ORDER.get(str(g.get("period")), 9),
                                           _TYPE_ORDER.get(str(g["goal_type"]), 9),
                                           str(g["id"]))))


def goal_text(progress: GoalProgress, period: str | None) -> str:
    """"$1,240 of $2,000 this week" (orders and units as counts)."""
    when = _PERIOD_WORDS.get(period or "", "this period")
    if progress.goal_type == "revenue":
        current, target = format_money(progress.current), format_money(progress.target)
        text = f"{current} of {target} {when}"
    else:
        noun = "orders" if progress.goal_type == "orders" else "units"
        text = f"{_count(progress.current)} of {_count(progress.target)} {noun} {when}"
    if progress.reached:
        text += " — goal reached ✓"
    return text


def _count(value: Decimal) -> str:
    return f"{int(value):,}"


class GoalBar(QWidget):
    """A labelled progress bar; `show_progress(None, …)` says there is no goal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveGoalBar")
        self.title = QLabel("Goal")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.text = QLabel("No sales goal for this period")
        self.text.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName("Goal progress")
        words = QHBoxLayout()
        words.setContentsMargins(0, 0, 0, 0)
        words.addWidget(self.title)
        words.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(words)
        layout.addWidget(self.bar)

    def show_progress(self, progress: GoalProgress | None, period: str | None) -> None:
        if progress is None:
            self.title.setText("Goal")
            self.bar.setValue(0)
            self.text.setText("No sales goal for this period")
            return
        self.title.setText(f"{progress.title or 'Goal'}:")
        self.bar.setValue(int(progress.percent * 10))
        self.text.setText(goal_text(progress, period))
