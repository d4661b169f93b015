"""The single writer of a cache: one thread owning the write connection, awaitable from asyncio."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from studio.sync.cache.database import CacheDatabase
from studio.sync.cache.errors import CacheError
from studio.sync.cache.store import CacheStore

P = ParamSpec("P")
T = TypeVar("T")
ChangeListener = Callable[[frozenset[str]], None]
_log = logging.getLogger(__name__)


class CacheWriter:
    """Runs every write of one cache on one worker thread, in submission order.

    `fn(store, *args)` runs with the thread's CacheStore; a job is usually one store method:
    `await writer.run(CacheStore.upsert_rows, "products", rows)`. On start, operations a crash
    left in flight go back to pending and interrupted bulk loads are finished; a search index
    a first sync left to build is built too, unless `build_search_index` is False (the app
    opens at once and its sync engine builds it in the background). After each job that
    wrote something, `on_change` gets the names of the tables written (on the writer thread:
    hop to the UI thread before touching widgets).
    """

    def __init__(self, db: CacheDatabase, *, on_change: ChangeListener | None = None,
                 build_search_index: bool = True) -> None:
        self._db = db
        self._on_change = on_change
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-writer")
        self._local = threading.local()
        self._closed = False
        self.recovered_ops = self.call(CacheStore.requeue_in_flight)
        self.repaired_tables = self.call(CacheStore.repair_interrupted_bulk_loads,
                                         build_search_index=build_search_index)

    @property
    def database(self) -> CacheDatabase:
        return self._db

    def _store(self) -> CacheStore:
        store = getattr(self._local, "store", None)
        if store is None:
            store = CacheStore(self._db.writer_engine.connect())
            self._local.store = store
        return store

    def _job(self, fn: Callable[Concatenate[CacheStore, P], T], *args: P.args,
             **kwargs: P.kwargs) -> T:
        store = self._store()
        connection = store.connection
        try:
            result = fn(store, *args, **kwargs)
        except BaseException:
            if connection.in_transaction():
                connection.rollback()
            raise
        else:
            # Work done on the bare connection, outside store.transaction(), is kept too.
            if connection.in_transaction():
                connection.commit()
            return result
        finally:
            changed = store.take_changes()
            if changed and self._on_change is not None:
                try:
                    self._on_change(changed)
                except Exception:  # a listener's bug must not fail the write that succeeded
                    _log.exception("cache change listener failed")

    def submit(self, fn: Callable[Concatenate[CacheStore, P], T], *args: P.args,
               **kwargs: P.kwargs) -> Future[T]:
        """Queue `fn(store, *args, **kwargs)`; returns its future."""
        if self._closed:
            raise CacheError("the cache writer is closed")
        return self._executor.submit(self._job, fn, *args, **kwargs)

    async def run(self, fn: Callable[Concatenate[CacheStore, P], T], *args: P.args,
                  **kwargs: P.kwargs) -> T:
        """Await `fn(store, *args, **kwargs)` on the writer thread."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def call(self, fn: Callable[Concatenate[CacheStore, P], T], *args: P.args,
             **kwargs: P.kwargs) -> T:
        """Run `fn(store, ...)` on the writer thread and wait (scripts, tests, start-up)."""
        return self.submit(fn, *args, **kwargs).result()

    def close(self) -> None:
        """Finish queued jobs, then release the write connection."""
        if self._closed:
            return
        self._executor.submit(self._release).result()
        self._closed = True
        self._executor.shutdown(wait=True)

    def _release(self) -> None:
        store = getattr(self._local, "store", None)
        if store is not None:
            store.connection.close()
            self._local.store = None

    def __enter__(self) -> CacheWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
