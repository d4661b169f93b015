"""Connections of the local backend: each request one transaction, errors as BackendErrors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from studio.server import db
from studio.sync.backend import BackendError, NetworkError, backend_error
from studio.sync.local.sql import Statement

log = logging.getLogger(__name__)

IoMode = Literal["auto", "async", "threads"]
IO_MODES: tuple[IoMode, ...] = ("auto", "async", "threads")

# Server states that mean the connection is gone rather than the request refused.
_CONNECTION_LOST = frozenset({"57P01", "57P02", "57P03"})
# How often a listening thread looks up from waiting to see whether it should stop.
_LISTEN_POLL_S = 0.5


def postgrest_status(sqlstate: str, authenticated: bool) -> int:
    """The HTTP status PostgREST answers a SQLSTATE with (its documented mapping)."""
    exact = {"42501": 403 if authenticated else 401, "23503": 409, "23505": 409, "25006": 405}
    exact |= {"42883": 404, "42P01": 404, "P0001": 400, "P0002": 404, "42P17": 500}
    if sqlstate in exact:
        return exact[sqlstate]
    prefix = sqlstate[:2]
    if prefix in ("08", "53"):
        return 503
    if prefix in ("0L", "0P", "28"):
        return 403
    if prefix in ("09", "25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV"):
        return 500
    if prefix in ("P0", "XX"):
        return 500
    return 400


def error_from_psycopg(error: psycopg.Error, authenticated: bool) -> BackendError:
    """Map a psycopg error to the BackendError PostgREST's reply would have produced."""
    state = error.sqlstate
    if state is None or state.startswith("08") or state in _CONNECTION_LOST:
        if state is not None or isinstance(
            error, psycopg.OperationalError | psycopg.InterfaceError
        ):
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            return NetworkError(
                f"could not reach the local database: {reason}", sqlstate=state, status=503
            )
        return BackendError(f"the local database request failed: {error}")
    diag = error.diag
    return backend_error(
        diag.message_primary or str(error),
        sqlstate=state,
        detail=diag.message_detail,
        hint=diag.message_hint,
        status=postgrest_status(state, authenticated),
    )


def _connect_kwargs() -> dict[str, Any]:
    return {
        "autocommit": True,
        "connect_timeout": db.CONNECT_TIMEOUT_S,
        "application_name": db.APPLICATION_NAME,
    }


# Timestamps in replies are spelled in UTC, as on Supabase.
_SESSION_SETUP = "set timezone to 'UTC'"


class Driver(Protocol):
    """Runs statements in one transaction on a pooled connection."""

    async def run(self, statements: Sequence[Statement]) -> Any:
        """Run `statements` in one transaction (rolled back if any fails); return the first
        column of the last statement's first row, or None."""
        ...

    async def listen(
        self, channel: str, deliver: Callable[[str], None], ready: asyncio.Event
    ) -> None:
        """LISTEN on `channel`, setting `ready` once listening and calling `deliver` with each
        payload, until cancelled or the connection fails (psycopg.Error)."""
        ...

    async def close(self) -> None: ...


def make_driver(conninfo: str, max_connections: int, mode: IoMode) -> Driver:
    """The async driver, or the threaded one under Qt's asyncio integration (qasync).

    Under qasync every socket wait becomes a QSocketNotifier created and dropped per wait;
    with the database's many short waits that churn crashed the process now and then, and on
    Windows psycopg cannot use qasync's Proactor loop at all. Plain connections in worker
    threads avoid both and keep the UI thread free.
    """
    if mode == "auto":
        loop = asyncio.get_running_loop()
        qt_loop = type(loop).__module__.split(".")[0] == "qasync"
        proactor = getattr(asyncio, "ProactorEventLoop", None)
        unsupported = sys.platform == "win32" and proactor and isinstance(loop, proactor)
        mode = "threads" if qt_loop or unsupported else "async"
    if mode == "async":
        return AsyncDriver(conninfo, max_connections)
    if mode == "threads":
        return ThreadDriver(conninfo, max_connections)
    raise ValueError(f"io mode must be 'auto', 'async' or 'threads', not {mode!r}")


class _Closed(BackendError):
    def __init__(self) -> None:
        super().__init__("the local backend is closed")


class AsyncDriver:
    """psycopg's asyncio connections, at most `max_connections` at a time."""

    def __init__(self, conninfo: str, max_connections: int) -> None:
        self._conninfo = conninfo
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._closed = False

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        conn = await psycopg.AsyncConnection.connect(self._conninfo, **_connect_kwargs())
        await conn.execute(_SESSION_SETUP)
        return conn

    async def run(self, statements: Sequence[Statement]) -> Any:
        if self._closed:
            raise _Closed()
        async with self._slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            try:
                result = None
                async with conn.transaction():
                    for query, params in statements:
                        cursor = await conn.execute(query, params or None)
                        row = await cursor.fetchone() if cursor.description else None
                        result = row[0] if row else None
                return result
            finally:
                if (
                    self._closed
                    or conn.broken
                    or (conn.info.transaction_status != TransactionStatus.IDLE)
                ):
                    await conn.close()
                else:
                    self._idle.append(conn)

    async def listen(
        self, channel: str, deliver: Callable[[str], None], ready: asyncio.Event
    ) -> None:
        async with await self._connect() as conn:
            await conn.execute(sql.SQL("listen {}").format(sql.Identifier(channel)))
            ready.set()
            async for notice in conn.notifies():
                deliver(notice.payload)

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()


class ThreadDriver:
    """Blocking psycopg connections driven from worker threads, one per connection."""

    def __init__(self, conninfo: str, max_connections: int) -> None:
        self._conninfo = conninfo
        self._executor = ThreadPoolExecutor(max_connections, thread_name_prefix="local-database")
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()
        self._closed = False
        self._stop_listening = threading.Event()

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self._conninfo, **_connect_kwargs())
        conn.execute(_SESSION_SETUP)
        return conn

    async def run(self, statements: Sequence[Statement]) -> Any:
        if self._closed:
            raise _Closed()
        loop = asyncio.get_running_loop()
        # A cancelled caller stops waiting; the transaction still ends (commit or rollback) in
        # its thread, so the connection goes back to the pool clean.
        return await loop.run_in_executor(self._executor, self._run_blocking, statements)

    def _run_blocking(self, statements: Sequence[Statement]) -> Any:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
        try:
            result = None
            with conn.transaction():
                for query, params in statements:
                    cursor = conn.execute(query, params or None)
                    row = cursor.fetchone() if cursor.description else None
                    result = row[0] if row else None
            return result
        finally:
            with self._lock:
                reusable = not self._closed and not conn.broken
                reusable = reusable and conn.info.transaction_status == TransactionStatus.IDLE
                if reusable:
                    self._idle.append(conn)
            if not reusable:
                conn.close()

    async def listen(
        self, channel: str, deliver: Callable[[str], None], ready: asyncio.Event
    ) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        stop = threading.Event()

        def settle(error: BaseException | None) -> None:
            if not done.done():
                done.set_exception(error) if error else done.set_result(None)

        # Notices cross to the loop in runs: one wake-up for all that arrived meanwhile, not
        # one callback per notice (under qasync each callback is a Qt timer of its own).
        arrived: deque[str] = deque()
        woken = False

        def hand_over() -> None:
            nonlocal woken
            woken = False  # cleared first: a notice appended from now on wakes the loop again
            while arrived:
                deliver(arrived.popleft())

        def blocking() -> None:
            nonlocal woken
            try:
                with self._connect() as conn:
                    conn.execute(sql.SQL("listen {}").format(sql.Identifier(channel)))
                    loop.call_soon_threadsafe(ready.set)
                    while not stop.is_set() and not self._stop_listening.is_set():
                        for notice in conn.notifies(timeout=_LISTEN_POLL_S):
                            arrived.append(notice.payload)
                            if not woken:
                                woken = True
                                loop.call_soon_threadsafe(hand_over)
                loop.call_soon_threadsafe(settle, None)
            except BaseException as e:  # handed to the awaiting coroutine
                with contextlib.suppress(RuntimeError):  # the loop is already closed
                    loop.call_soon_threadsafe(settle, e)

        thread = threading.Thread(target=blocking, name=f"listen-{channel}", daemon=True)
        thread.start()
        try:
            await done
        finally:
            stop.set()

    async def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        self._stop_listening.set()
        for conn in idle:
            conn.close()
        self._executor.shutdown(wait=False, cancel_futures=True)
