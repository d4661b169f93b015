"""The sync engine's listener that re-emits its news as SyncSignals on the Qt thread.

The engine (and the cache writer behind it) may call from any thread. Table changes and
progress arrive in bursts (realtime batches, pulls), so they are gathered and emitted at most
once per tick of 50 ms: one `tables_changed` with the union of the tables, the latest progress
per table. A change after a quiet spell goes out at once; a burst waits for the tick. Status
changes, realtime state, rejections and whether the catalog's search index is being built
(between a first sync's "browsable" and "searchable" stages, or a build pending when the
bridge attaches) are delivered one by one, in order.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from studio.sync.cache.search import search_index_pending
from studio.ui.context import SyncSignals

log = logging.getLogger(__name__)

FRAME_MS = 50  # at most one tables_changed per this many ms (views refresh at that rate)
# First-pull stages that start and end the build of the search index.
INDEX_STAGES: dict[str, bool] = {"browsable": True, "searchable": False}


class SyncBridge(QObject):
    """Plain-Python listener (`on_status`, `on_progress`, `on_tables_changed`, `on_op_rejected`)
    in front of a `SyncSignals`. Create it on the Qt thread."""

    # Internal hops to the Qt thread (queued connections: safe from any thread, keep order).
    _wake = Signal()
    _status = Signal(str, int, str)
    _rejected = Signal(str, str, str, str, str)
    _conflict = Signal(object)
    _realtime = Signal(bool, str)
    _index = Signal(bool, int)

    def __init__(self, signals: SyncSignals | None = None, parent: QObject | None = None,
                 *, frame_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self.signals = signals if signals is not None else SyncSignals(self)
        self._lock = threading.Lock()
        self._tables: set[str] = set()
        self._progress: dict[str, tuple[int, int]] = {}
        self._engine: Any = None
        self._attachment = 0  # counts detaches: news queued before one is out of date
        self._frame_s = frame_ms / 1000
        self._last_flush = float("-inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # Coarse timers may fire up to 5 % early: the spacing between emissions is a promise.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(frame_ms)
        self._timer.timeout.connect(self.flush)
        queued = Qt.ConnectionType.QueuedConnection
        self._wake.connect(self._start_tick, queued)
        self._status.connect(self._deliver_status, queued)
        self._rejected.connect(self.signals.op_rejected, queued)
        self._conflict.connect(self.signals.conflict, queued)
        self._realtime.connect(self.signals.realtime_changed, queued)
        self._index.connect(self._deliver_index, queued)

    # ----------------------------------------------------------------- engine side (any thread)

    def on_tables_changed(self, tables: frozenset[str]) -> None:
        with self._lock:
            wake = not self._tables and not self._progress
            self._tables.update(tables)
        if wake and tables:
            self._wake.emit()

    def on_progress(self, progress: Any) -> None:
        total = progress.total if progress.total is not None else -1
        with self._lock:
            wake = not self._tables and not self._progress
            self._progress[str(progress.table)] = (int(progress.done), int(total))
        if wake:
            self._wake.emit()
        building = INDEX_STAGES.get(str(getattr(progress, "stage", "loading")))
        if building is not None:
            self._index.emit(building, self._attachment)

    def on_status(self, status: Any) -> None:
        self._status.emit(str(status.state), int(status.pending_ops), str(status.detail or ""))

    def on_op_rejected(self, rejection: Any) -> None:
        self._rejected.emit(
            str(rejection.op_id), str(rejection.target), str(rejection.message),
            str(rejection.sqlstate or ""), str(getattr(rejection, "field", None) or ""),
        )

    def on_conflict(self, conflict: Any) -> None:
        self._conflict.emit(conflict)

    def on_realtime(self, status: Any) -> None:
        """Live updates or polling (a RealtimeStatus: `live` and its words, `text`)."""
        self._realtime.emit(bool(status.live), str(status.text))

    # ----------------------------------------------------------------- Qt thread

    def attach(self, engine: Any) -> None:
        """Listen to `engine` (anything with `add_listener`); detaches from a previous one.

        A search index left to build (a first sync stopped before it) is announced at once;
        the engine says "searchable" when it has built it."""
        self.detach()
        engine.add_listener(self)
        self._engine = engine
        if _index_pending(engine):  # asked after listening, so its end cannot be missed
            self._index.emit(True, self._attachment)

    def detach(self) -> None:
        engine, self._engine = self._engine, None
        remove = getattr(engine, "remove_listener", None)
        if remove is not None:
            try:
                remove(self)
            except Exception:  # a closed engine may have dropped its listeners already
                log.debug("remove_listener failed", exc_info=True)
        with self._lock:
            self._tables.clear()
            self._progress.clear()
        self._timer.stop()
        self._attachment += 1
        self._deliver_index(False, self._attachment)  # no engine, nothing being built

    def _start_tick(self) -> None:
        if not self._timer.isActive():
            wait = self._last_flush + self._frame_s - time.monotonic()
            self._timer.start(math.ceil(wait * 1000) if wait > 0 else 0)

    def flush(self) -> None:
        """Emit what gathered since the last tick (normally called by the frame timer)."""
        self._last_flush = time.monotonic()
        with self._lock:
            tables, self._tables = frozenset(self._tables), set()
            progress, self._progress = self._progress, {}
        for table, (done, total) in progress.items():
            self.signals.progress.emit(table, done, total)
        if tables:
            self.signals.tables_changed.emit(tables)

    def _deliver_status(self, state: str, pending: int, detail: str) -> None:
        # Progress gathered before this status belongs before it: never after "online".
        with self._lock:
            progress, self._progress = self._progress, {}
        for table, (done, total) in progress.items():
            self.signals.progress.emit(table, done, total)
        self.signals.status_changed.emit(state, pending, detail)

    def _deliver_index(self, building: bool, attachment: int) -> None:
        if attachment != self._attachment or building == self.signals.search_index_building:
            return  # news of an engine detached since, or nothing new
        self.signals.search_index_building = building
        self.signals.search_index.emit(building)


def _index_pending(engine: Any) -> bool:
    """Whether the engine's cache has a search index waiting to be built (False when it
    cannot tell: no cache, or a cache already closed)."""
    database = getattr(getattr(engine, "writer", None), "database", None)
    if database is None:
        return False
    try:
        with database.read() as conn:
            return search_index_pending(conn)
    except Exception:  # a closing workspace: nothing to announce
        log.debug("could not read whether a search index is pending", exc_info=True)
        return False
