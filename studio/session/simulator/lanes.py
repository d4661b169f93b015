"""Worker threads with one database connection each, awaited from asyncio (qasync included)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg

from studio.server import db

T = TypeVar("T")


class Lane:
    """`threads` worker threads, each with its own connection, opened on first use.

    Blocking connections in threads rather than asyncio ones: under Qt's event loop (qasync)
    every socket wait of an asyncio connection churns a QSocketNotifier, and on Windows
    psycopg cannot use qasync's Proactor loop; threads work under every loop. A call that is
    cancelled stops being awaited, but its transaction still ends in its thread.
    """

    def __init__(self, conninfo: str, threads: int, name: str) -> None:
        self._conninfo = conninfo
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._local = threading.local()
        self._opened: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def _connection(self) -> psycopg.Connection:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = db.connect(self._conninfo, autocommit=True)
            conn.execute("set timezone to 'UTC'")
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    async def call(self, work: Callable[..., T], *args: Any) -> T:
        """Run `work(connection, *args)` in a worker thread."""
        if self._closed:
            raise RuntimeError("the simulator's connections are closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, lambda: work(self._connection(), *args)
        )

    def close(self) -> None:
        """Wait for running work to end (queued work is dropped), then close every connection.
        Blocking: call it through asyncio.to_thread."""
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
