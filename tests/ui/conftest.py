"""Fixtures for the Qt tests: an asyncio loop on Qt's, a runner, and screen contexts over a cache.

    shopstream_home  autouse   SHOPSTREAM_HOME -> tmp_path/"home" (settings, data, logs stay there)
    qloop            function  a qasync QEventLoop over pytest-qt's qapp, installed as the running
                               asyncio loop for the test: Qt event processing (qtbot.waitUntil,
                               qtbot.wait, run) also drives asyncio tasks, so slots may call
                               asyncio.ensure_future(...). Closed (pending tasks cancelled) after.
    run              function  run(awaitable, timeout=5.0) -> result: drives Qt + asyncio until the
                               awaitable is done; raises its exception, or TimeoutError.
    wait_until       function  wait_until(condition, timeout=5.0): drives Qt + asyncio until
                               condition() is true (TimeoutError otherwise).
    fake_context     function  factory: fake_context(rows=None, *, user_id=..., roles=...,
                               profile_ids=None) -> FakeScreenContext, a real ScreenContext over a
                               fresh CacheDatabase in tmp_path, filled with `rows`
                               ({"products": [server-shaped row dicts], ...}) through the cache's
                               writer. Its `submit` applies the operation to the cache and queues
                               it in the outbox (as the real workspace does); changes written after
                               the fill reach `ctx.signals.tables_changed` through the shell's
                               SyncBridge (coalesced per frame tick). Extra members:
                               `writer`, `database`, `bridge`, `insert(table, rows)`,
                               `delete(table, ids)`, `outbox()` (pending entries), `submitted`.
                               Everything is closed after the test.

Example::

    def test_screen(qtbot, qloop, run, fake_context):
        ctx = fake_context({"products": [product_row(1)]}, roles=frozenset({"host"}))
        screen = CatalogScreen(ctx, ActionRegistry(), None)
        qtbot.addWidget(screen)
        screen.activate()
        qtbot.waitUntil(lambda: screen.model.rowCount() == 1)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

# Before Qt is imported anywhere: render offscreen, no display needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import qasync
import shiboken6
from PySide6.QtCore import QDeadlineTimer, QEventLoop
from PySide6.QtWidgets import QApplication

from studio.core.paths import HOME_ENV
from studio.sync.cache import (
    CacheDatabase,
    CacheReader,
    CacheStore,
    CacheWriter,
    Operation,
    OutboxEntry,
)
from studio.ui.context import ScreenContext
from studio.ui.sync_bridge import SyncBridge

T = TypeVar("T")

DEMO_HOST_USER = "00000000-0000-4000-a000-000000000101"
DEMO_HOST_PROFILE = "00000000-0000-4000-b000-000000000101"


@pytest.fixture(autouse=True)
def shopstream_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings, data and logs of anything the test starts go under tmp_path/"home"."""
    home = tmp_path / "home"
    monkeypatch.setenv(HOME_ENV, str(home))
    return home


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop that counts as running for the whole test (see the module docstring)."""
    qapp.setQuitOnLastWindowClosed(False)  # closing a test window must not stop anything
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            _drive(lambda: all(task.done() for task in pending), 2.0)
        # Deliver callbacks other threads queued for this loop while it still exists.
        _drive(lambda: False, 0.05)
        close_qloop(qapp, loop)


def close_qloop(qapp: QApplication, loop: qasync.QEventLoop) -> None:
    """Close a loop made with `already_running=True`, leaving nothing of it to Qt.

    Its Qt objects are destroyed here, on the Qt thread: the timer object keeps the timers of
    callbacks still scheduled (a closed qasync loop only stops running them). Left to the
    garbage collector, the loop may be collected in whichever thread happens to run a
    collection (a cache reader or writer thread), where Qt cannot unregister those timers
    ("QObject::~QObject: Timers cannot be stopped from another thread"); the next such timer
    event reaches freed memory and a later test dies with "Fatal Python error: Segmentation
    fault".
    """
    qapp.aboutToQuit.disconnect(loop._after_run_forever)
    # loop.stop() would call QApplication.exit(), which outside exec() leaves the app
    # unable to activate windows for the rest of the session: clear the flag instead.
    loop._QEventLoop__is_running = False
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)
    for qobject in (loop._timer, getattr(loop, "_QEventLoop__call_soon_signaller", None)):
        if qobject is not None and shiboken6.isValid(qobject):
            shiboken6.delete(qobject)


def _drive(condition: Callable[[], bool], timeout: float) -> bool:
    """Process Qt events (and so asyncio callbacks) until `condition()` or the timeout."""
    deadline = QDeadlineTimer(int(timeout * 1000))
    while not condition():
        if deadline.hasExpired():
            return condition()
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
    return True


@pytest.fixture
def wait_until(qloop: qasync.QEventLoop) -> Callable[..., None]:
    def wait(condition: Callable[[], object], timeout: float = 5.0) -> None:
        if not _drive(lambda: bool(condition()), timeout):
            raise TimeoutError(f"condition not met within {timeout} s")

    return wait


@pytest.fixture
def run(qloop: qasync.QEventLoop) -> Callable[..., Any]:
    def run_to_completion(awaitable: Awaitable[T], timeout: float = 5.0) -> T:
        future = asyncio.ensure_future(awaitable)
        if not _drive(future.done, timeout):
            future.cancel()
            _drive(future.done, 1.0)
            raise TimeoutError(f"{awaitable!r} did not finish within {timeout} s")
        return future.result()

    return run_to_completion


@dataclass
class FakeScreenContext(ScreenContext):
    """A ScreenContext over a real cache, with handles for the test (see module docstring)."""

    writer: Any = None
    database: Any = None
    bridge: Any = None
    submitted: list[Operation] = field(default_factory=list)

    def insert(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Upsert server-shaped rows now (as a sync pull would); tables_changed follows."""
        self.writer.call(CacheStore.upsert_rows, table, list(rows))

    def delete(self, table: str, ids: Iterable[str]) -> None:
        self.writer.call(CacheStore.delete_rows, table, list(ids))

    def outbox(self) -> list[OutboxEntry]:
        """Operations waiting for the server, oldest first."""
        return self.writer.call(CacheStore.next_pending, 10_000)


def _submit_to_cache(store: CacheStore, op: Operation) -> str:
    if op.kind == "rpc":
        return store.enqueue(op).op_id
    return store.apply_local(op).op_id


@pytest.fixture
def fake_context(
    tmp_path: Path, qloop: qasync.QEventLoop
) -> Iterator[Callable[..., FakeScreenContext]]:
    made: list[FakeScreenContext] = []

    def make(
        rows: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
        *,
        user_id: str | None = DEMO_HOST_USER,
        roles: frozenset[str] = frozenset({"host"}),
        profile_ids: dict[str, str] | None = None,
    ) -> FakeScreenContext:
        database = CacheDatabase.open(tmp_path / f"cache-{len(made)}" / "cache.sqlite3")
        listener: list[Callable[[frozenset[str]], None]] = []
        writer = CacheWriter(database, on_change=lambda tables: [f(tables) for f in listener])
        for table, table_rows in (rows or {}).items():
            writer.call(CacheStore.upsert_rows, table, list(table_rows))
        bridge = SyncBridge()
        listener.append(bridge.on_tables_changed)  # only changes after the fill are announced
        if profile_ids is None:
            profile_ids = {"host": DEMO_HOST_PROFILE} if "host" in roles else {}

        ctx: FakeScreenContext

        async def submit(op: Operation) -> str:
            ctx.submitted.append(op)
            return await writer.run(_submit_to_cache, op)

        ctx = FakeScreenContext(
            reader=CacheReader(database), submit=submit, signals=bridge.signals,
            user_id=user_id, roles=frozenset(roles), profile_ids=dict(profile_ids),
            writer=writer, database=database, bridge=bridge,
        )
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()
        ctx.bridge.detach()
        ctx.writer.close()
        ctx.database.close()
