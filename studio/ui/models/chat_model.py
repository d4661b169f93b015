"""The chat monitor's list model: a capped window of a show's messages, grown batch by batch."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from studio.core.chat_rules import ChatKind, WordFilter, classify

MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
#: Rows the model keeps while following the show live (older ones are paged from the cache).
DEFAULT_CAPACITY = 5_000

_Index = QModelIndex | QPersistentModelIndex
#: Rows after a late message whose places are fixed in the id map one by one (beyond: rebuilt).
_MAP_FIX_LIMIT = 2_000


@dataclass(slots=True)
class ChatMessage:
    """One message as the monitor shows it."""

    id: str
    created_at: str
    display_name: str
    text: str
    message_type: str
    is_pinned: bool
    is_hidden: bool
    kind: ChatKind
    buyer_intent: bool
    question: bool
    #: chat order: by time sent, then id (the cache's order)
    key: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        self.key = (self.created_at, self.id)

    @property
    def filtered(self) -> bool:
        return self.kind is ChatKind.FILTERED


def message_from_row(row: Mapping[str, Any], word_filter: WordFilter | None) -> ChatMessage:
    """A cache row of live_stream_chat as a classified message."""
    text = str(row["message"])
    found = classify(text, word_filter)
    return ChatMessage(
        str(row["id"]), str(row["created_at"]), str(row.get("display_name") or ""), text,
        str(row.get("message_type") or "message"), bool(row.get("is_pinned")),
        bool(row.get("is_hidden")), found.kind, found.buyer_intent, found.question)


class ChatModel(QAbstractListModel):
    """Messages oldest first. Every change is one insert, remove or dataChanged per batch,
    never a reset while following; at most `capacity` rows are kept when trimmed."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, parent: Any = None) -> None:
        super().__init__(parent)
        if capacity < 1:
            raise ValueError("The chat window must hold at least one message")
        self.capacity = capacity
        self.word_filter: WordFilter | None = None
        self._rows: list[ChatMessage] = []
        self._keys: list[tuple[str, str]] = []
        # id -> position counted from a moving base (row = position - base), so trimming the
        # oldest rows forgets only them; rebuilt on demand after an insert in the middle.
        self._row_of: dict[str, int] | None = None
        self._base = 0
        # Ids of rows that may be pinned or hidden (a superset: rows since unflagged or
        # trimmed are dropped lazily), so matching flags with the cache skips the other rows.
        self._flagged: set[str] = set()

    # ------------------------------------------------------------------ Qt
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        message = self._rows[index.row()]
        if role == MESSAGE_ROLE:
            return message
        if role == ID_ROLE:
            return message.id
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{message.display_name}: {message.text}"
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return describe(message)
        return None

    # ------------------------------------------------------------------ reading
    def message(self, row: int) -> ChatMessage:
        return self._rows[row]

    def messages(self) -> Sequence[ChatMessage]:
        return tuple(self._rows)

    def row_of(self, message_id: str) -> int | None:
        if self._row_of is None:
            self._row_of, self._base = {m.id: i for i, m in enumerate(self._rows)}, 0
        position = self._row_of.get(message_id)
        return None if position is None else position - self._base

    @property
    def oldest(self) -> ChatMessage | None:
        return self._rows[0] if self._rows else None

    # ------------------------------------------------------------------ changes
    def classify_rows(self, rows: Iterable[Mapping[str, Any]]) -> list[ChatMessage]:
        return [message_from_row(row, self.word_filter) for row in rows]

    def refilter(self, messages: Sequence[ChatMessage], used: WordFilter | None) -> None:
        """Messages classified (off the UI thread) with the filter `used`: if the host has
        changed the words since, classify them again with the current ones."""
        if used is not self.word_filter:
            for message in messages:
                message.kind = classify(message.text, self.word_filter).kind

    def _note_flags(self, messages: Iterable[ChatMessage]) -> None:
        self._flagged.update(m.id for m in messages if m.is_pinned or m.is_hidden)

    def add(self, messages: Sequence[ChatMessage], *, trim: bool = True) -> list[ChatMessage]:
        """Put a batch in chat order: one insert when it follows the last row (the usual
        case), a re-sent message updates its row; then, if `trim`, drop the oldest beyond
        the capacity in one removal. Returns the messages that were new."""
        self._note_flags(messages)
        fresh: list[ChatMessage] = []
        for message in messages:
            row = self.row_of(message.id)
            if row is not None:
                self._replace(row, message)
            else:
                fresh.append(message)
        fresh.sort(key=lambda m: m.key)
        tail = [m for m in fresh if not self._keys or m.key > self._keys[-1]]
        late = fresh[: len(fresh) - len(tail)] if tail else fresh
        if late:  # sent earlier than rows already shown (a reconnect's catch-up)
            self._insert_late(late)
        if trim and len(tail) >= self.capacity:
            # A catch-up longer than the window: only its end will be kept, so the rows
            # shown go in one removal and the window's worth comes in one insert.
            tail = tail[-self.capacity:]
            if self._rows:
                self.beginRemoveRows(QModelIndex(), 0, len(self._rows) - 1)
                # An empty map of an empty window stays valid: no rebuild on the next batch.
                self._rows, self._keys, self._row_of, self._base = [], [], {}, 0
                self._flagged.clear()
                self.endRemoveRows()
        if tail:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(tail) - 1)
            self._rows.extend(tail)
            self._keys.extend(m.key for m in tail)
            if self._row_of is not None:
                base = self._base + first
                self._row_of.update((m.id, base + i) for i, m in enumerate(tail))
            self.endInsertRows()
        if trim:
            self.trim_oldest()
        return fresh

    def _insert_late(self, late: list[ChatMessage]) -> None:
        """Sorted messages that belong among the rows: one insert per run landing at the same
        place, last place first (so the earlier places still hold); the id map is then fixed
        from the first place on when that is near the end, else rebuilt when next needed."""
        places = [bisect.bisect_left(self._keys, m.key) for m in late]
        end = len(late)
        while end:
            at = places[end - 1]
            start = end - 1
            while start and places[start - 1] == at:
                start -= 1
            run = late[start:end]
            self.beginInsertRows(QModelIndex(), at, at + len(run) - 1)
            self._rows[at:at] = run
            self._keys[at:at] = [m.key for m in run]
            self.endInsertRows()
            end = start
        if self._row_of is not None:
            first = places[0]
            if len(self._rows) - first > _MAP_FIX_LIMIT:
                self._row_of = None
            else:
                base, rows = self._base, self._rows
                self._row_of.update((rows[i].id, base + i) for i in range(first, len(rows)))

    def prepend(self, messages: Sequence[ChatMessage]) -> int:
        """Older messages paged in from the cache (when the host scrolls up); one insert."""
        self._note_flags(messages)
        older = sorted((m for m in messages if self.row_of(m.id) is None), key=lambda m: m.key)
        if self._keys:
            older = [m for m in older if m.key < self._keys[0]]
        if older:
            self.beginInsertRows(QModelIndex(), 0, len(older) - 1)
            self._rows[:0] = older
            self._keys[:0] = [m.key for m in older]
            self._row_of = None
            self.endInsertRows()
        return len(older)

    def trim_oldest(self) -> int:
        excess = len(self._rows) - self.capacity
        if excess <= 0:
            return 0
        self.beginRemoveRows(QModelIndex(), 0, excess - 1)
        if self._row_of is not None:
            for message in self._rows[:excess]:
                del self._row_of[message.id]
            self._base += excess
        del self._rows[:excess]
        del self._keys[:excess]
        self.endRemoveRows()
        return excess

    def drop_newest(self, count: int) -> None:
        """Let go of the newest `count` rows (the host paged far back; they stay cached)."""
        count = min(count, len(self._rows))
        if count <= 0:
            return
        first = len(self._rows) - count
        self.beginRemoveRows(QModelIndex(), first, len(self._rows) - 1)
        if self._row_of is not None:
            for message in self._rows[first:]:
                del self._row_of[message.id]
        del self._rows[first:]
        del self._keys[first:]
        self.endRemoveRows()

    def replace_all(self, messages: Sequence[ChatMessage]) -> None:
        """Start over with these messages (following another show, or jumping back to the
        live end after more than a window's worth arrived while the host read older ones)."""
        ordered = sorted(messages, key=lambda m: m.key)[-self.capacity:]
        self._flagged.clear()
        self._note_flags(ordered)
        self.beginResetModel()
        self._rows = ordered
        self._keys = [m.key for m in ordered]
        self._row_of = None
        self.endResetModel()

    def set_flags(self, message_id: str, *, pinned: bool | None = None,
                  hidden: bool | None = None) -> bool:
        """Show a pin or hide on its row; False when the message is not in the window."""
        row = self.row_of(message_id)
        if row is None:
            return False
        message = self._rows[row]
        changed = False
        if pinned is not None and message.is_pinned != pinned:
            message.is_pinned, changed = pinned, True
        if hidden is not None and message.is_hidden != hidden:
            message.is_hidden, changed = hidden, True
        if changed:
            if message.is_pinned or message.is_hidden:
                self._flagged.add(message_id)
            index = self.index(row)
            self.dataChanged.emit(index, index, [MESSAGE_ROLE])
        return changed

    def sync_flags(self, flagged: Iterable[Mapping[str, Any]], since: str) -> int:
        """Match pins and hides with the cache's flagged rows sent at or after `since` (rows
        not among them are neither pinned nor hidden); returns how many rows changed."""
        flags = {str(r["id"]): (bool(r.get("is_pinned")), bool(r.get("is_hidden")))
                 for r in flagged}
        changed = 0
        start = bisect.bisect_left(self._keys, (since, ""))
        # Only rows flagged in the cache or in the window can differ: the rest stay plain,
        # so a batch costs the flagged rows, not the whole window.
        for message_id in sorted(flags.keys() | self._flagged):
            row = self.row_of(message_id)
            if row is None:
                self._flagged.discard(message_id)
                continue
            if row < start:
                continue
            message = self._rows[row]
            pinned, hidden = flags.get(message_id, (False, False))
            if (message.is_pinned, message.is_hidden) != (pinned, hidden):
                changed += self.set_flags(message_id, pinned=pinned, hidden=hidden)
            if not (pinned or hidden):
                self._flagged.discard(message_id)
        return changed

    def set_word_filter(self, word_filter: WordFilter | None) -> None:
        """Re-classify the window with a new word list; one dataChanged over all rows."""
        self.word_filter = word_filter
        if not self._rows:
            return
        for message in self._rows:
            message.kind = classify(message.text, word_filter).kind
        self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [MESSAGE_ROLE])

    def _replace(self, row: int, message: ChatMessage) -> None:
        current = self._rows[row]
        if (current.is_pinned, current.is_hidden, current.text) != (
                message.is_pinned, message.is_hidden, message.text):
            self._rows[row] = message
            index = self.index(row)
            self.dataChanged.emit(index, index, [MESSAGE_ROLE])


def describe(message: ChatMessage) -> str:
    """The row in words (screen readers, tooltips): what the highlight means, not its colour."""
    marks = []
    if message.is_pinned:
        marks.append("pinned")
    if message.is_hidden:
        marks.append("hidden from viewers")
    if message.filtered:
        return f"{message.display_name}: message hidden by your word filter"
    if message.buyer_intent:
        marks.append("buyer intent")
    elif message.question:
        marks.append("question")
    prefix = f"[{', '.join(marks)}] " if marks else ""
    return f"{prefix}{message.display_name}: {message.text}"


__all__ = ["DEFAULT_CAPACITY", "ID_ROLE", "MESSAGE_ROLE", "ChatMessage", "ChatModel",
           "describe", "message_from_row"]
