"""The goal form: title, kind, period, a day in the period, target. The goal rules check it;
a refused field shows why beside it and nothing is saved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from studio.core.goal_rules import (
    GOAL_TYPES,
    PERIOD_WORDS,
    TITLE_MAX,
    TYPE_WORDS,
    GoalDraft,
    GoalRuleError,
    check_goal,
    new_goal,
)
from studio.core.models import Goal, GoalPeriod


class GoalDialog(QDialog):
    """Create a goal (`editing` None) or edit one. After `accept()`, `goal` holds the result."""

    def __init__(self, host_id: str, existing: Sequence[Goal], today: date, *,
                 editing: Goal | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("goal_dialog")
        self.setWindowTitle("Edit goal" if editing else "New goal")
        self._host_id, self._existing, self._today, self._editing = (
            host_id, list(existing), today, editing)
        self.goal: Goal | None = None
        self.title = QLineEdit()
        self.title.setObjectName("goal_title")
        self.title.setMaxLength(TITLE_MAX + 20)  # longer text gets the rule's message
        self.kind = QComboBox()
        self.kind.setObjectName("goal_kind")
        for goal_type in GOAL_TYPES:
            self.kind.addItem(TYPE_WORDS[goal_type], goal_type.value)
        self.period = QComboBox()
        self.period.setObjectName("goal_period")
        for period in GoalPeriod:
            self.period.addItem(PERIOD_WORDS[period], period.value)
        self.day = QDateEdit()
        self.day.setObjectName("goal_day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.target = QLineEdit()
        self.target.setObjectName("goal_target")
        self.target.setPlaceholderText("e.g. 1,500.00 or 40")
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, caption, widget in (
                ("title", "Title", self.title), ("goal_type", "Kind", self.kind),
                ("period", "Period", self.period), ("period_start", "Any day in it", self.day),
                ("target_value", "Target", self.target)):
            error = QLabel()
            error.setObjectName(f"error_{name}")
            error.setWordWrap(True)
            error.setStyleSheet("color: #c62828;")
            error.hide()
            self.errors[name] = error
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(error)
            form.addRow(caption, column)
        self.general_error = QLabel()
        self.general_error.setObjectName("error_general")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("goal_save")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        self._fill(editing)
        self.setMinimumWidth(420)

    def _fill(self, goal: Goal | None) -> None:
        day = goal.period_start if goal else self._today
        self.day.setDate(QDate(day.year, day.month, day.day))
        if goal is None:
            self.period.setCurrentIndex(self.period.findData(GoalPeriod.MONTHLY.value))
            return
        self.title.setText(goal.title)
        self.kind.setCurrentIndex(self.kind.findData(str(goal.goal_type)))
        self.kind.setEnabled(False)  # the server keeps a goal's kind
        self.period.setCurrentIndex(self.period.findData(str(goal.period)))
        self.target.setText(f"{goal.target_value:f}")

    def draft(self) -> GoalDraft:
        picked = self.day.date()
        return GoalDraft(self.title.text(), self.kind.currentData(), self.period.currentData(),
                         date(picked.year(), picked.month(), picked.day()), self.target.text())

    def save(self) -> None:
        """Check the form; on a refusal show each reason beside its field and stay open."""
        for label in (*self.errors.values(), self.general_error):
            label.hide()
        try:
            if self._editing is not None:
                self.goal = check_goal(self.draft(), self._existing, editing=self._editing,
                                       today=self._today)
            else:
                self.goal = new_goal(self.draft(), self._host_id, self._existing,
                                     today=self._today)
        except GoalRuleError as refused:
            self.show_errors(refused.errors)
            return
        self.accept()

    def show_errors(self, errors: dict[str, str]) -> None:
        first = None
        for name, message in errors.items():
            label = self.errors.get(name, self.general_error)
            label.setText(message)
            label.show()
            first = first or name
        widget = {"title": self.title, "target_value": self.target, "period": self.period,
                  "period_start": self.day}.get(first or "")
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
