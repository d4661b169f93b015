"""The show editor: title, description, schedule and options of a new or existing show, checked
by studio.core.lineup_rules.validate_show with each reason shown under its field. Unsaved typing
is marked in the heading; `resolve_unsaved` asks Save / Discard / Cancel before it is left."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
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
from studio.core.show_schedule import DEFAULT_LENGTH, end_following_start
from studio.sync.lineup_ops import show_ops
from studio.ui.context import ScreenContext
from studio.ui.models.shows_model import DATE_FORMAT, STATUS_LABELS
from studio.ui.screens.elided_label import ElidedLabel

FIELDS = ("title", "description", "scheduled_start", "scheduled_end")
SCHEDULE_FIELDS = ("scheduled_start", "scheduled_end")
ERROR_CSS = "color: rgb(200, 35, 51);"
DEFAULT_START_HOUR = 19
UNSAVED_MARK = "• "
UNSAVED_TEXT = "Unsaved changes"


class UnsavedChoice(StrEnum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


_CHOICES = {
    QMessageBox.StandardButton.Save: UnsavedChoice.SAVE,
    QMessageBox.StandardButton.Discard: UnsavedChoice.DISCARD,
}


async def ask_unsaved(parent: QWidget, title: str) -> UnsavedChoice:
    """Ask Save / Discard / Cancel about unsaved changes to the show `title` (window-modal,
    without blocking the event loop); closing the box is Cancel."""
    Button = QMessageBox.StandardButton
    name = f"“{title}”" if title else "the new show"
    box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                      f"Save your changes to {name}?",
                      Button.Save | Button.Discard | Button.Cancel, parent)
    box.setObjectName("unsaved_prompt")
    box.setInformativeText("Discard drops them; Cancel keeps editing.")
    box.setDefaultButton(Button.Save)
    box.setEscapeButton(Button.Cancel)
    answer: asyncio.Future[UnsavedChoice] = asyncio.get_running_loop().create_future()

    def finished(_result: int) -> None:
        if not answer.done():
            clicked = box.clickedButton()
            button = box.standardButton(clicked) if clicked is not None else Button.Cancel
            answer.set_result(_CHOICES.get(button, UnsavedChoice.CANCEL))

    box.finished.connect(finished)
    box.open()
    try:
        return await answer
    finally:
        box.deleteLater()


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
    """Edits one show. `saved(show_id)` fires once the change is in the cache and the outbox;
    `dirty_changed(bool)` when typing starts or stops differing from the saved show."""

    saved = Signal(str)
    dirty_changed = Signal(bool)

    def __init__(self, ctx: ScreenContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("show_editor")
        self._ctx = ctx
        self._show: Show | None = None  # None while creating
        self._influencer_id: str | None = None
        self._task: asyncio.Task[Any] | None = None
        self._new_id = uuid.uuid4()
        self._baseline: Show | None = None  # the fields as filled: typing differs from it
        self._filling = False
        self._dirty = False
        self._shown_start: datetime | None = None
        self._editable = True
        #: The clock the past-start rule reads (tests set a fixed one).
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

        self.heading = ElidedLabel("New show")
        self.heading.setObjectName("show_heading")
        self.heading.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.status = ElidedLabel()
        self.status.setObjectName("show_status")
        self.unsaved = QLabel(UNSAVED_TEXT)
        self.unsaved.setObjectName("show_unsaved")
        self.unsaved.setStyleSheet("font-style: italic;")
        self.unsaved.setVisible(False)
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
        # The heading takes the room left; a long title is elided, never widening the window.
        top.addWidget(self.heading, 3)
        top.addWidget(self.status, 2)
        top.addWidget(self.unsaved)
        top.addWidget(self.revert_button)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.errors["form"])
        layout.addStretch(1)

        self.title.textChanged.connect(self._on_edited)
        self.description.textChanged.connect(self._on_edited)
        self.start.dateTimeChanged.connect(self._on_start_changed)
        self.end.dateTimeChanged.connect(self._on_schedule_changed)
        for box in (self.has_end, self.rehearsal, self.chat):
            box.toggled.connect(self._on_schedule_changed)

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

    @property
    def is_dirty(self) -> bool:
        """Whether the fields differ from the show as last filled in (saved, or a new show's
        defaults)."""
        return self._dirty

    @property
    def heading_title(self) -> str:
        """The show's name for messages: its saved title, or the title typed for a new one."""
        return self._show.title if self._show is not None else self.title.text().strip()

    def edit_new(self, influencer_id: str) -> None:
        """Start a new show with default times (tomorrow 19:00, one hour)."""
        self._show, self._influencer_id = None, influencer_id
        self._new_id = uuid.uuid4()
        start = default_start()
        self._fill(Show(id=self._new_id, influencer_id=uuid.UUID(influencer_id), title="",
                        scheduled_start=start, scheduled_end=start + DEFAULT_LENGTH))
        self.status.clear()
        self.save_button.setText("Create show")
        self._update_dirty()
        self.title.setFocus()

    def edit_show(self, show: Show) -> None:
        """Edit an existing show; unsaved typing is replaced."""
        self._show, self._influencer_id = show, str(show.influencer_id)
        self._fill(show)
        status = STATUS_LABELS[show.status]
        code = f" · code {show.session_code}" if show.session_code else " · code after sync"
        self.status.setText(f"{status}{code}")
        self.save_button.setText("Save")
        self._update_dirty()

    def follow(self, show: Show) -> None:
        """The cached show changed (a sync, an undone refusal): show it, unless the user has
        unsaved typing; messages already shown stay."""
        if self._show is not None and self._show.id == show.id:
            if self.is_dirty:
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
        self._filling = True
        try:
            self._clear_errors()
            self.title.setText(show.title)
            self.description.setPlainText(show.description or "")
            self.start.setDateTime(to_qdatetime(show.scheduled_start))
            end = show.scheduled_end or show.scheduled_start + DEFAULT_LENGTH
            self.end.setDateTime(to_qdatetime(end))
            self.has_end.setChecked(show.scheduled_end is not None)
            self.rehearsal.setChecked(show.is_rehearsal)
            self.chat.setChecked(show.chat_enabled)
        finally:
            self._filling = False
        self._shown_start = from_qdatetime(self.start.dateTime())
        self._baseline = self.candidate()
        self._editable = not show.is_finished
        for widget in (self.title, self.description, self.start, self.has_end, self.rehearsal,
                       self.chat):
            widget.setEnabled(self._editable)
        self.end.setEnabled(self._editable and show.scheduled_end is not None)

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

    # ------------------------------------------------------------------ typing

    def _on_edited(self, *_args: object) -> None:
        if not self._filling:
            self._update_dirty()

    def _on_start_changed(self, value: QDateTime) -> None:
        """The end follows the start, keeping the show's length."""
        if self._filling:
            return
        new_start = from_qdatetime(value)
        old_start, self._shown_start = self._shown_start, new_start
        if old_start is not None and new_start != old_start:
            end = end_following_start(old_start, from_qdatetime(self.end.dateTime()), new_start)
            if end is not None:
                self._filling = True  # one edit: checked once, below
                try:
                    self.end.setDateTime(to_qdatetime(end))
                finally:
                    self._filling = False
        self._on_schedule_changed()

    def _on_schedule_changed(self, *_args: object) -> None:
        """A schedule field changed: its reasons update at once, next to the fields."""
        if self._filling:
            return
        self.end.setEnabled(self._editable and self.has_end.isChecked())
        result = validate_show(self.candidate(), now=self.clock(), saved=self._show)
        for name in SCHEDULE_FIELDS:
            label = self.errors[name]
            message = result.errors.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        self._update_dirty()

    def _update_dirty(self) -> None:
        dirty = self._baseline is not None and self.candidate() != self._baseline
        title = self._show.title if self._show is not None else "New show"
        self.heading.setText((UNSAVED_MARK if dirty else "") + title)
        self.unsaved.setVisible(dirty)
        # A new show can be created as it is; an existing one only has something to save
        # once it differs.
        self.save_button.setEnabled(self._editable and (dirty or self._show is None))
        self.revert_button.setEnabled(self._editable and dirty)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    async def resolve_unsaved(self) -> bool:
        """Before the edited show is left (another show, a new one, quitting): with unsaved
        changes, ask Save / Discard / Cancel. True when the caller may go on: nothing unsaved,
        saved (and accepted by the rules), or discarded."""
        if not self.is_dirty:
            return True
        choice = await ask_unsaved(self, self.heading_title)
        if choice == UnsavedChoice.SAVE:
            return await self.save_now()
        if choice == UnsavedChoice.DISCARD:
            self.revert()
            return True
        return False

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
        result = validate_show(candidate, now=self.clock(), saved=self._show)
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
