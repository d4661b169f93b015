"""Keeps the chat model in step with the cache: each change batch reads only the new messages."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections import deque
from collections.abc import Iterable
from typing import ClassVar

import shiboken6
from PySide6.QtCore import QObject, Signal

from studio.core.chat_rules import WordFilter
from studio.sync.cache import CacheReader
from studio.ui.context import ScreenContext
from studio.ui.models.chat_model import ChatMessage, ChatModel, message_from_row

log = logging.getLogger(__name__)
CHAT = "live_stream_chat"
#: Rows read per query while catching up (a burst is read in a few of these).
READ_PAGE = 2_000
#: Pages read before the model is updated, when far behind (then reading goes on).
CATCH_UP_PAGES = 5
#: Older messages loaded when the host scrolls to the top.
OLDER_PAGE = 200


class _HeapHold:
    """Keeps the heap alive when a show began out of the full garbage collections meanwhile.

    A chat burst allocates fast, which runs full collections every few seconds; each walks
    every object of the app (tens of thousands of functions, types and widgets) and held the UI
    thread 50-150 ms. What is alive when a feed starts following a show (the app, the workspace,
    the control room) lives on through the show, so it is frozen (`gc.freeze`) and the
    collections walk only what the show itself allocates. When the last feed stops following,
    it is thawed, so garbage among it is collected again.
    """

    holders: ClassVar[set[int]] = set()

    @classmethod
    def take(cls, holder: object) -> None:
        cls.holders.add(id(holder))
        gc.freeze()

    @classmethod
    def release(cls, holder: object) -> None:
        cls.release_id(id(holder))

    @classmethod
    def release_id(cls, key: int) -> None:
        if key in cls.holders:
            cls.holders.discard(key)
            if not cls.holders:
                gc.unfreeze()


def read_messages(reader: CacheReader, session_id: str, after_seq: int, limit: int,
                  latest: bool, word_filter: WordFilter | None
                  ) -> tuple[int, list[ChatMessage]]:
    """New chat rows, classified, on the reader thread (the rules' regular expressions then
    cost the UI thread nothing): the newest sequence number seen and the messages."""
    seq, rows = reader.show_rows_since(CHAT, session_id, after_seq=after_seq, limit=limit,
                                       latest=latest)
    return seq, [message_from_row(row, word_filter) for row in rows]


class ChatFeed(QObject):
    """Reads a followed show's chat into a ChatModel.

    Following live, new messages are appended (one insert per batch) and the oldest trimmed to
    the model's capacity. Paused (the host scrolled up), new messages wait in a buffer of at
    most one window and are counted; resuming appends them, or starts over from the live end
    when more than a window arrived. Older messages are paged in from the cache on request.
    """

    #: messages that arrived while paused (for the "▼ N new" button)
    waiting_changed = Signal(int)
    #: new messages of a batch (ChatMessage list), for the question queue
    arrived = Signal(list)
    #: a read failed: words for the host
    failed = Signal(str)

    def __init__(self, ctx: ScreenContext, model: ChatModel, parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.model = model
        self.session_id: str | None = None
        self._seq = 0
        self._loaded = False  # the first page (the latest window) has been read
        self._generation = 0
        self._task: asyncio.Task[None] | None = None
        self._dirty = False
        self.paused = False
        self._waiting: deque[ChatMessage] = deque(maxlen=model.capacity)
        self.waiting_count = 0
        self._detached = False  # the model's end is not the live end (paged far back)
        self.has_older = True
        ctx.signals.tables_changed.connect(self.on_tables_changed)
        key = id(self)  # a feed deleted while following lets go of the heap too
        self.destroyed.connect(lambda *_: _HeapHold.release_id(key))

    # ------------------------------------------------------------------ following
    def follow(self, session_id: str | None) -> None:
        self._generation += 1
        self.session_id = session_id
        self._seq = 0
        self._loaded = False
        self._waiting.clear()
        self._set_waiting(0)
        self._detached = False
        self.has_older = True
        self.model.replace_all([])
        if session_id is not None:
            _HeapHold.take(self)
            self._schedule()
        else:
            _HeapHold.release(self)

    def on_tables_changed(self, tables: Iterable[str]) -> None:
        if CHAT in tables and self.session_id is not None and not self._stopped():
            self._schedule()

    def _stopped(self) -> bool:
        """The workspace is closing (its reader is shut) or the monitor is gone."""
        return self._ctx.closed or not shiboken6.isValid(self)

    def _schedule(self) -> None:
        # One read at a time; a batch arriving meanwhile is folded into one more read.
        if self._task is not None and not self._task.done():
            self._dirty = True
            return
        self._task = asyncio.ensure_future(self._refresh())

    async def idle(self) -> None:
        """Wait until the reads scheduled so far are applied (tests, benchmarks)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _refresh(self) -> None:
        while True:
            self._dirty = False
            if self._stopped():
                return
            try:
                await self._read_once()
            except Exception as exc:  # a read must not kill the monitor; say so, keep going
                if self._stopped():  # the workspace closed under it: nobody to tell
                    log.debug("chat read ended with the workspace", exc_info=True)
                    return
                log.exception("chat read failed")
                self.failed.emit(f"Could not read the chat: {exc}")
                return
            if not self._dirty:
                return

    async def _read_once(self) -> None:
        generation, session = self._generation, self.session_id
        if session is None:
            return
        first = not self._loaded
        messages: list[ChatMessage] = []
        seq = self._seq
        word_filter = self.model.word_filter
        for _page in range(CATCH_UP_PAGES):
            seq, page = await self._ctx.read(
                read_messages, session, seq, self.model.capacity if first else READ_PAGE,
                first, word_filter)
            messages += page
            if first or len(page) < READ_PAGE:
                break
        else:  # far behind: show this much now, read on right after
            self._dirty = True
        oldest = self.model.oldest
        since = oldest.created_at if oldest is not None else ""
        flagged = await self._ctx.read(CacheReader.chat_flagged, session, since)
        if generation != self._generation:
            return  # the monitor moved to another show meanwhile
        self._seq, self._loaded = seq, True
        self.model.refilter(messages, word_filter)
        if first:
            self.model.replace_all(messages)
        elif self.paused or self._detached:
            self._waiting.extend(messages)
            self._set_waiting(self.waiting_count + len(messages))
        else:
            self.model.add(messages)
        self.model.sync_flags(flagged, since)
        if messages:
            self.arrived.emit(messages)

    # ------------------------------------------------------------------ pausing
    def set_paused(self, paused: bool) -> None:
        """Paused while the host reads older messages; resuming shows what arrived."""
        if paused == self.paused:
            return
        self.paused = paused
        if not paused:
            self.catch_up()

    def catch_up(self) -> None:
        """Bring the model to the live end (what arrived while paused)."""
        self.paused = False
        waiting = list(self._waiting)
        lost = self._detached or self.waiting_count > len(waiting)
        self._waiting.clear()
        self._set_waiting(0)
        if lost:
            # More arrived than a window holds, or the model's end was let go: the live end
            # is the cache's last window (one reset on the host's jump, not per message).
            self._detached = False
            self._generation += 1  # a read in flight belongs to the old position
            self._seq, self._loaded = 0, False
            self._schedule()
        else:
            self.model.add(waiting)

    def _set_waiting(self, count: int) -> None:
        if count != self.waiting_count or count == 0:
            self.waiting_count = count
            self.waiting_changed.emit(count)

    # ------------------------------------------------------------------ older messages
    async def load_older(self) -> int:
        """Page older messages in from the cache (the host scrolled to the top)."""
        oldest, session, generation = self.model.oldest, self.session_id, self._generation
        if oldest is None or session is None or not self.has_older:
            return 0
        rows = await self._ctx.read(CacheReader.chat_before, session, oldest.created_at,
                                    oldest.id, limit=OLDER_PAGE)
        if generation != self._generation:
            return 0
        self.has_older = len(rows) == OLDER_PAGE
        added = self.model.prepend(self.model.classify_rows(rows))
        # Keep memory bounded while reading far back: let go of the newest rows (they stay
        # in the cache) and come back to the live end from the cache on resume.
        limit = 2 * self.model.capacity
        if self.model.rowCount() > limit:
            self.model.drop_newest(self.model.rowCount() - limit)
            self._detached = True
        return added
