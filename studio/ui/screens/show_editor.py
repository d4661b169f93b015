"""The show editor: title, description, schedule and options of a new or existing show, checked
by studio.core.lineup_rules.validate_show with each reason shown under its field."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.lineup_rules import (
    TITLE_MAX_LENGTH,
    ValidationResult,
    validate_show,
)
from studio.core.models import Show
from studio.sync.lineup_ops import show_ops
from studio.ui.context import ScreenContext
from studio.ui.models.shows_model import DATE_FORMAT, STATUS_LABELS

FIELDS = ("title", "description", "scheduled_start", "scheduled_end")
ERROR_CSS = "color: rgb(200, 35, 51);"
DEFAULT_START_HOUR = 19
DEFAULT_LENGTH = timedelta(hours=1)


def to_qdatetime(moment: datetime) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000))


def from_qdatetime(value: QDateTime) -> datetime:
    """An aware UTC datetime (whole seconds) of what the user picked in local time."""
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), tz=UTC)


def default_start(now: datetime | None = None) -> datetime:
    """Tomorrow at 19:00 local time: a sensible first guess for a new show."""
    local_now = QDateTime.currentDateTime() if now is None else to_qdatetime(now)
    start = QDateTime(local_now.date().addDays(1), QTime(DEFAULT_START_HOUR, 0))
    return from_qdatetime(start)


class ShowEditor(QWidget):
    """Edits one show. `saved(show_id)` fires once the change is in the cache and the outbox."""

    saved = Signal(str)

    def __init__(self, ctx: ScreenContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("show_editor")
        self._ctx = ctx
        self._show: Show | None = None  # None while creating
        self._influencer_id: str | None = None
        self._task: asyncio.Task[Any] | None = None
        self._new_id = uuid.uuid4()

        self.heading = QLabel("New show")
        self.heading.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.status = QLabel()
        self.status.setObjectName("show_status")
        self.title = QLineEdit()
        self.title.setObjectName("show_title")
        self.title.setMaxLength(TITLE_MAX_LENGTH + 50)  # over-long text gets the rule's message
        self.title.setPlaceholderText("e.g. Cozy Sunday: home finds under $30")
        self.description = QPlainTextEdit()
        self.description.setObjectName("show_description")
        self.description.setPlaceholderText("What viewers can expect (optional)")
        self.description.setFixedHeight(64)
        self.start = QDateTimeEdit()
        self.start.setObjectName("show_start")
        self.end = QDateTimeEdit()
        self.end.setObjectName("show_end")
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(DATE_FORMAT)
        self.has_end = QCheckBox("Planned end")
        self.has_end.setChecked(True)
        self.has_end.toggled.connect(self.end.setEnabled)
        self.rehearsal = QCheckBox("Rehearsal (private: only you see it)")
        self.chat = QCheckBox("Chat enabled")
        self.chat.setChecked(True)
        self.errors = {name: self._error_label(name) for name in (*FIELDS, "form")}
        self.save_button = QPushButton("Create show")
        self.save_button.setObjectName("save_show")
        self.save_button.setToolTip("Save the show (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(self.revert)

        form = QFormLayout()
        form.addRow("Title", self._with_error(self.title, "title"))
        form.addRow("Description", self._with_error(self.description, "description"))
        form.addRow("Starts", self._with_error(self.start, "scheduled_start"))
        end_row = QHBoxLayout()
        end_row.addWidget(self.has_end)
        end_row.addWidget(self.end, 1)
        end_box = QWidget()
        end_box.setLayout(end_row)
        end_row.setContentsMargins(0, 0, 0, 0)
        form.addRow("Ends", self._with_error(end_box, "scheduled_end"))
        options = QHBoxLayout()
        options.addWidget(self.rehearsal)
        options.addWidget(self.chat)
        options.addStretch(1)
        form.addRow("", options)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(self.status)
        top.addStretch(1)
        top.addWidget(self.revert_button)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.errors["form"])
        layout.addStretch(1)

    def _error_label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(f"error_{name}")
        label.setStyleSheet(ERROR_CSS)
        label.setWordWrap(True)
        label.setVisible(False)
        return label

    def _with_error(self, field: QWidget, name: str) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        column.addWidget(self.errors[name])
        return box

    # ------------------------------------------------------------------ state

    @property
    def current_show(self) -> Show | None:
        """The saved show being edited (None while creating one)."""
        return self._show

    @property
    def is_new(self) -> bool:
        return self._show is None

    def edit_new(self, influencer_id: str) -> None:
        """Start a new show with default times (tomorrow 19:00, one hour)."""
        self._show, self._influencer_id = None, influencer_id
        self._new_id = uuid.uuid4()
        start = default_start()
        self._fill(Show(id=self._new_id, influencer_id=uuid.UUID(influencer_id), title="",
                        scheduled_start=start, scheduled_end=start + DEFAULT_LENGTH))
        self.heading.setText("New show")
        self.status.clear()
        self.save_button.setText("Create show")
        self.title.setFocus()

    def edit_show(self, show: Show) -> None:
        """Edit an existing show; unsaved typing is replaced."""
        self._show, self._influencer_id = show, str(show.influencer_id)
        self._fill(show)
        self.heading.setText(show.title)
        status = STATUS_LABELS[show.status]
        code = f" · code {show.session_code}" if show.session_code else " · code after sync"
        self.status.setText(f"{status}{code}")
        self.save_button.setText("Save")

    def follow(self, show: Show) -> None:
        """The cached show changed (a sync, an undone refusal): show it, unless the user has
        unsaved typing; messages already shown stay."""
        if self._show is not None and self._show.id == show.id:
            if self.candidate() != self._show:
                return
            shown = {name: self.error_text(name) for name in self.errors}
            self.edit_show(show)
            for name, text in shown.items():
                if text:
                    self.errors[name].setText(text)
                    self.errors[name].setVisible(True)
            return
        self.edit_show(show)

    def revert(self) -> None:
        if self._show is not None:
            self.edit_show(self._show)
        elif self._influencer_id is not None:
            self.edit_new(self._influencer_id)

    def _fill(self, show: Show) -> None:
        self._clear_errors()
        self.title.setText(show.title)
        self.description.setPlainText(show.description or "")
        self.start.setDateTime(to_qdatetime(show.scheduled_start))
        end = show.scheduled_end or show.scheduled_start + DEFAULT_LENGTH
        self.end.setDateTime(to_qdatetime(end))
        self.has_end.setChecked(show.scheduled_end is not None)
        self.end.setEnabled(show.scheduled_end is not None)
        self.rehearsal.setChecked(show.is_rehearsal)
        self.chat.setChecked(show.chat_enabled)
        editable = not show.is_finished
        for widget in (self.title, self.description, self.start, self.has_end, self.rehearsal,
                       self.chat, self.save_button, self.revert_button):
            widget.setEnabled(editable)
        self.end.setEnabled(editable and show.scheduled_end is not None)

    def candidate(self) -> Show:
        """The show as the fields describe it (not yet validated)."""
        base = self._show or Show(
            id=self._new_id, influencer_id=uuid.UUID(str(self._influencer_id)), title="",
            scheduled_start=from_qdatetime(self.start.dateTime()))
        description = self.description.toPlainText().strip()
        return replace(
            base,
            title=self.title.text().strip(),
            description=description or None,
            scheduled_start=from_qdatetime(self.start.dateTime()),
            scheduled_end=from_qdatetime(self.end.dateTime()) if self.has_end.isChecked() else None,
            is_rehearsal=self.rehearsal.isChecked(),
            chat_enabled=self.chat.isChecked(),
        )

    # ------------------------------------------------------------------ errors

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.setVisible(False)

    def show_errors(self, result: ValidationResult) -> None:
        self._clear_errors()
        for name, message in result.errors.items():
            label = self.errors.get(name, self.errors["form"])
            label.setText(message)
            label.setVisible(True)

    def show_server_error(self, field_name: str, message: str) -> None:
        """The server refused the last save: its message under the field it names."""
        label = self.errors.get(field_name, self.errors["form"])
        label.setText(f"The server refused this change: {message}")
        label.setVisible(True)

    def show_form_message(self, text: str) -> None:
        """A message about the whole form, under it."""
        self.errors["form"].setText(text)
        self.errors["form"].setVisible(True)

    def error_text(self, field_name: str) -> str:
        label = self.errors[field_name]
        return label.text() if label.isVisibleTo(self) else ""

    # ------------------------------------------------------------------ saving

    def pending_tasks(self) -> list[asyncio.Task[Any]]:
        return [self._task] if self._task is not None and not self._task.done() else []

    def save(self) -> None:
        if self._influencer_id is None:
            return
        self._task = asyncio.ensure_future(self.save_now())

    async def save_now(self) -> bool:
        """Validate, then write the show to the cache and the outbox; False if refused."""
        candidate = self.candidate()
        result = validate_show(candidate)
        self.show_errors(result)
        if not result.ok:
            return False
        ops = show_ops(self._show, candidate)
        try:
            for op in ops:
                await self._ctx.submit(op)
        except Exception as exc:
            self.show_server_error("form", f"could not save: {exc}")
            return False
        self._show = candidate
        self.edit_show(candidate)
        self.saved.emit(str(candidate.id))
        return True
