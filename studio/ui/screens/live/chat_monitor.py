"""The chat monitor: the show's chat with auto-scroll, pin / hide, a word filter and questions."""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.chat_rules import WordFilter
from studio.sync.cache import Operation
from studio.ui.context import ScreenContext
from studio.ui.models.chat_model import DEFAULT_CAPACITY, ChatMessage, ChatModel
from studio.ui.models.chat_questions_model import QuestionsModel
from studio.ui.screens.live.chat_delegate import ChatDelegate
from studio.ui.screens.live.chat_feed import CHAT, ChatFeed

log = logging.getLogger(__name__)
#: Pages of older messages read while looking for a question's message.
FIND_PAGES = 10
#: Rows laid out per event-loop turn.
LAYOUT_BATCH = 500
#: Messages the chat shows at least, and question lines the queue shows at most.
CHAT_MIN_ROWS = 5
QUESTION_MAX_LINES = 6


def parse_filter_words(text: str) -> list[str]:
    """Words or phrases typed in the filter field, separated by commas."""
    return [part.strip() for part in text.split(",") if part.strip()]


class ChatMonitor(QWidget):
    """The show's chat. Follows the live end until the host scrolls up; then new messages are
    counted on the "▼ N new" button, which jumps back."""

    def __init__(self, ctx: ScreenContext, parent: QWidget | None = None, *,
                 capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.model = ChatModel(capacity, self)
        self.questions = QuestionsModel(parent=self)
        self.feed = ChatFeed(ctx, self.model, self)
        self.following = True
        self._scrolling = False  # our own scroll moves are not the host's
        self._tasks: set[asyncio.Future[object]] = set()

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Hide words: word, another phrase")
        self.filter_edit.setToolTip("Messages with these whole words are hidden in this monitor "
                                    "(separate words or phrases with commas)")
        self.filter_edit.setAccessibleName("Word filter")
        self.filter_edit.editingFinished.connect(self._apply_filter)

        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(ChatDelegate(self.view))
        self.view.setUniformItemSizes(True)  # fixed rows: no size hint per row
        # The list view lays out every row after an insert (a Python call per row); batched,
        # that work is spread over event-loop turns instead of stalling one.
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(LAYOUT_BATCH)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAccessibleName("Chat messages")
        bar = self.view.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range)
        bar.valueChanged.connect(self._on_scrolled)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._update_actions())
        self.model.dataChanged.connect(lambda *_: self._update_actions())

        self.new_button = QPushButton()
        self.new_button.setVisible(False)
        self.new_button.clicked.connect(self.jump_to_live)
        self.pin_button = QPushButton("Pin")
        self.pin_button.setToolTip("Pin the selected message for viewers (P)")
        self.pin_button.setShortcut("P")
        self.pin_button.clicked.connect(lambda: self._toggle("is_pinned"))
        self.hide_button = QPushButton("Hide")
        self.hide_button.setToolTip("Hide the selected message from viewers (H)")
        self.hide_button.setShortcut("H")
        self.hide_button.clicked.connect(lambda: self._toggle("is_hidden"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.feed.waiting_changed.connect(self._on_waiting)
        self.feed.arrived.connect(self.questions.add_from)
        self.feed.failed.connect(self.status.setText)

        self.questions_label = QLabel()
        self.questions_view = QListView()
        self.questions_view.setModel(self.questions)
        self.questions_view.setUniformItemSizes(True)
        self.questions_view.setAccessibleName("Questions")
        self.questions_view.activated.connect(self._question_activated)
        self.questions_view.clicked.connect(self._question_activated)
        self.answered_button = QPushButton("Mark answered")
        self.answered_button.clicked.connect(self.mark_current_answered)
        for signal in (self.questions.rowsInserted, self.questions.rowsRemoved,
                       self.questions.dataChanged, self.questions.modelReset):
            signal.connect(self._count_questions)

        chat = QWidget()
        chat_layout = QVBoxLayout(chat)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        chat_layout.addWidget(self.view, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.pin_button)
        actions.addWidget(self.hide_button)
        actions.addStretch(1)
        actions.addWidget(self.new_button)
        chat_layout.addLayout(actions)
        chat_layout.addWidget(self.status)
        queue = QWidget()
        queue_layout = QVBoxLayout(queue)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_row = QHBoxLayout()
        queue_row.addWidget(self.questions_label, 1)
        queue_row.addWidget(self.answered_button)
        queue_layout.addLayout(queue_row)
        queue_layout.addWidget(self.questions_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(chat)
        splitter.addWidget(queue)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        title = QLabel("<b>Chat</b>")
        layout.addWidget(title)
        layout.addWidget(self.filter_edit)
        layout.addWidget(splitter, 1)
        # The chat gets the height: at least a few messages; the queue a few lines at most.
        row = self.view.itemDelegate().sizeHint(_options(self.view), QModelIndex())
        self.view.setMinimumHeight(row.height() * CHAT_MIN_ROWS + 4)
        line = self.questions_view.fontMetrics().height() + 2
        self.questions_view.setMinimumHeight(line * 2 + 6)
        self.questions_view.setMaximumHeight(line * QUESTION_MAX_LINES + 6)
        splitter.setCollapsible(0, False)
        self._count_questions()
        self._update_actions()

    # ------------------------------------------------------------------ following a show
    def follow(self, session_id: str | None) -> None:
        """Show `session_id`'s chat (None: nothing)."""
        self.questions.clear()
        self.following = True
        self.feed.set_paused(False)
        self.feed.follow(session_id)
        self.status.clear()

    def _on_range(self, _minimum: int, maximum: int) -> None:
        if self.following:
            self._scroll_to(maximum)

    def _scroll_to(self, value: int) -> None:
        self._scrolling = True
        try:
            self.view.verticalScrollBar().setValue(value)
        finally:
            self._scrolling = False

    def _on_scrolled(self, value: int) -> None:
        if self._scrolling:
            return
        bar = self.view.verticalScrollBar()
        at_end = value >= bar.maximum() - 2
        if at_end and not self.following:
            self.jump_to_live()
        elif not at_end and self.following:
            self.following = False
            self.feed.set_paused(True)
        if value == bar.minimum() and not self.following and self.feed.has_older:
            self._spawn(self._load_older())

    async def _load_older(self) -> None:
        bar = self.view.verticalScrollBar()
        before = bar.value()
        added = await self.feed.load_older()
        if added:  # keep the message the host was reading in place
            self._scroll_to(before + added * max(self.view.sizeHintForRow(0), 1))

    def jump_to_live(self) -> None:
        """Back to the newest message; auto-scroll resumes."""
        self.following = True
        self.feed.catch_up()
        self._scroll_to(self.view.verticalScrollBar().maximum())

    def _on_waiting(self, count: int) -> None:
        self.new_button.setText(f"▼ {count:,} new")
        self.new_button.setAccessibleName(f"{count} new messages: jump to the newest")
        self.new_button.setVisible(count > 0)

    # ------------------------------------------------------------------ word filter
    def _apply_filter(self) -> None:
        self.set_filter_words(parse_filter_words(self.filter_edit.text()))

    def set_filter_words(self, words: list[str]) -> None:
        """Hide messages with any of these whole words or phrases (empty: hide none)."""
        self.model.set_word_filter(WordFilter(words) if words else None)

    # ------------------------------------------------------------------ pin and hide
    def selected_message(self) -> ChatMessage | None:
        index = self.view.currentIndex()
        return self.model.message(index.row()) if index.isValid() else None

    def _update_actions(self) -> None:
        message = self.selected_message()
        can_write = bool({"host", "admin"} & set(self._ctx.roles))
        for button, on, verb in ((self.pin_button, message and message.is_pinned, "Pin"),
                                 (self.hide_button, message and message.is_hidden, "Hide")):
            button.setEnabled(message is not None and can_write)
            button.setText(f"Un{verb.lower()}" if on else verb)

    def _toggle(self, column: str) -> None:
        message = self.selected_message()
        if message is not None:
            value = not (message.is_pinned if column == "is_pinned" else message.is_hidden)
            self._spawn(self.set_flag(message.id, column, value))

    async def set_flag(self, message_id: str, column: str, value: bool) -> bool:
        """Pin or hide a message for viewers through the outbox; the row shows it once the
        change is stored locally. A refusal leaves the row as it was and says why."""
        if column not in ("is_pinned", "is_hidden"):
            raise ValueError(f"The chat monitor can only pin or hide, not set {column!r}")
        try:
            await self._ctx.submit(Operation("upsert", CHAT, {"id": message_id, column: value}))
        except Exception as exc:
            log.warning("chat %s refused: %s", column, exc)
            self.status.setText(f"Could not {_verb(column, value)} the message: {exc}")
            return False
        if column == "is_pinned":
            self.model.set_flags(message_id, pinned=value)
        else:
            self.model.set_flags(message_id, hidden=value)
            if value:  # a hidden question is not one to answer on air
                self.questions.discard(message_id)
        self.status.setText(f"Message {_DONE[column, value]}")
        return True

    # ------------------------------------------------------------------ questions
    def _count_questions(self, *_args: object) -> None:
        open_count = self.questions.open_count
        self.questions_label.setText(f"<b>Questions</b> ({open_count} open)")
        self.answered_button.setEnabled(self.questions_view.currentIndex().isValid())

    def mark_current_answered(self) -> None:
        index = self.questions_view.currentIndex()
        if index.isValid():
            question = self.questions.question(index.row())
            self.questions.set_answered(index.row(), not question.answered)

    def _question_activated(self, index: QModelIndex) -> None:
        self._count_questions()
        if index.isValid():
            self._spawn(self.show_message(self.questions.question(index.row()).message_id))

    async def show_message(self, message_id: str) -> bool:
        """Scroll to a message and select it (paging older ones in if needed)."""
        row = self.model.row_of(message_id)
        if row is None and self.feed.waiting_count:
            self.jump_to_live()
            await self.feed.idle()
            row = self.model.row_of(message_id)
        pages = 0
        while row is None and pages < FIND_PAGES and self.feed.has_older:
            self.following = False
            self.feed.set_paused(True)
            if not await self.feed.load_older():
                break
            pages += 1
            row = self.model.row_of(message_id)
        if row is None:
            self.status.setText("That message is no longer in the chat window.")
            return False
        self.following = False
        self.feed.set_paused(True)
        index = self.model.index(row)
        self._scrolling = True
        try:
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        finally:
            self._scrolling = False
        return True

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


_DONE = {("is_pinned", True): "pinned", ("is_pinned", False): "unpinned",
         ("is_hidden", True): "hidden from viewers", ("is_hidden", False): "shown again"}


def _options(view: QListView) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    option.initFrom(view)
    return option


def _verb(column: str, value: bool) -> str:
    base = "pin" if column == "is_pinned" else "hide"
    return base if value else f"un{base}"
