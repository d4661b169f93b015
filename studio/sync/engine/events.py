"""What the sync engine tells its listeners: connectivity, first-sync progress, refused writes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)

SyncState = Literal["online", "syncing", "offline", "error"]
SYNC_STATES: tuple[str, ...] = ("online", "syncing", "offline", "error")


@dataclass(frozen=True)
class SyncStatus:
    """Where syncing stands: `pending_ops` local writes are not on the server yet."""

    state: SyncState
    pending_ops: int = 0
    detail: str = ""
    last_synced_at: datetime | None = None


# Stages of a table's first pull: rows arriving, then for a large catalog loaded in bulk
# "browsable" (every row is in the cache and listed; text search is a substring scan and
# sorts scan the table) and, once its indexes and full-text index are built, "searchable".
SyncStage = Literal["loading", "browsable", "searchable"]
SYNC_STAGES: tuple[str, ...] = ("loading", "browsable", "searchable")


@dataclass(frozen=True)
class SyncProgress:
    """First pull of a table: `done` rows of `total` (None while unknown) are in the cache.

    `stage` is "loading" while rows arrive. A table loaded in bulk then hears "browsable"
    (done == total) and later "searchable": between the two the UI can say that the search
    index is being built; nothing waits for it.
    """

    table: str
    done: int
    total: int | None
    stage: SyncStage = "loading"


@dataclass(frozen=True)
class OpRejected:
    """The server refused a local write for good; its effect was undone in the cache.

    `message` is the server's human text, `sqlstate` its code, `field` the form field it is
    about when that is known (e.g. "live_price", "allocated_quantity").
    """

    op_id: str
    target: str
    message: str
    sqlstate: str | None
    field: str | None


class SyncListener(Protocol):
    """Any subset of these methods; they run on the engine's event loop and must not block."""

    def on_status(self, status: SyncStatus) -> None: ...

    def on_progress(self, progress: SyncProgress) -> None: ...

    def on_tables_changed(self, tables: frozenset[str]) -> None: ...

    def on_op_rejected(self, rejection: OpRejected) -> None: ...

    def on_conflict(self, conflict: Any) -> None:
        """Another device changed a row first; `conflict` (a cache Conflict) is kept until
        the user re-applies or discards it."""
        ...


class Listeners:
    """Registered listeners; a failing listener is logged and never breaks syncing."""

    def __init__(self) -> None:
        self._listeners: list[Any] = []

    def add(self, listener: Any) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def remove(self, listener: Any) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, method: str, event: Any) -> None:
        for listener in list(self._listeners):
            handler: Callable[[Any], None] | None = getattr(listener, method, None)
            if handler is None:
                continue
            try:
                handler(event)
            except Exception:
                log.exception("sync listener %r failed in %s", listener, method)
