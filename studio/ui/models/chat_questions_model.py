"""The chat monitor's question queue: questions viewers asked, oldest first, until answered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from studio.ui.models.chat_model import ChatMessage

QUESTION_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ANSWERED_ROLE = Qt.ItemDataRole.UserRole + 2
#: Questions kept; past this the oldest answered ones go first, then the oldest.
DEFAULT_LIMIT = 300

_Index = QModelIndex | QPersistentModelIndex


@dataclass(slots=True)
class Question:
    message_id: str
    created_at: str
    display_name: str
    text: str
    answered: bool = False


class QuestionsModel(QAbstractListModel):
    """Questions (not filtered, not hidden) in the order they were asked."""

    def __init__(self, limit: int = DEFAULT_LIMIT, parent: Any = None) -> None:
        super().__init__(parent)
        if limit < 1:
            raise ValueError("The question queue must hold at least one question")
        self.limit = limit
        self._rows: list[Question] = []
        self._ids: set[str] = set()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        question = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            mark = "✓ answered" if question.answered else "?"
            return f"{mark}  {question.display_name}: {question.text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return question.text
        if role == Qt.ItemDataRole.FontRole and question.answered:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == QUESTION_ID_ROLE:
            return question.message_id
        if role == ANSWERED_ROLE:
            return question.answered
        return None

    def question(self, row: int) -> Question:
        return self._rows[row]

    @property
    def open_count(self) -> int:
        return sum(not q.answered for q in self._rows)

    def add_from(self, messages: Iterable[ChatMessage]) -> int:
        """Queue the questions among new messages (one insert); returns how many."""
        new = [Question(m.id, m.created_at, m.display_name, m.text) for m in messages
               if m.question and not m.buyer_intent and not m.filtered and not m.is_hidden
               and m.id not in self._ids]
        if not new:
            return 0
        new.sort(key=lambda q: (q.created_at, q.message_id))
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._rows.extend(new)
        self._ids.update(q.message_id for q in new)
        self.endInsertRows()
        self._shrink()
        return len(new)

    def set_answered(self, row: int, answered: bool = True) -> None:
        if not 0 <= row < len(self._rows):
            raise IndexError(f"No question at row {row}")
        question = self._rows[row]
        if question.answered != answered:
            question.answered = answered
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def discard(self, message_id: str) -> bool:
        """Take a question out of the queue (its message was hidden from viewers)."""
        if message_id not in self._ids:
            return False
        row = next(i for i, q in enumerate(self._rows) if q.message_id == message_id)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._ids.discard(message_id)
        self.endRemoveRows()
        return True

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._ids.clear()
        self.endResetModel()

    def _shrink(self) -> None:
        excess = len(self._rows) - self.limit
        while excess > 0:
            row = next((i for i, q in enumerate(self._rows) if q.answered), None)
            if row is None:  # none answered: the oldest go, in one removal
                self.beginRemoveRows(QModelIndex(), 0, excess - 1)
                for question in self._rows[:excess]:
                    self._ids.discard(question.message_id)
                del self._rows[:excess]
                self.endRemoveRows()
                return
            self.beginRemoveRows(QModelIndex(), row, row)
            self._ids.discard(self._rows.pop(row).message_id)
            self.endRemoveRows()
            excess -= 1
