"""The cache database file: where it lives, how connections are set up, opening and migrating."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from studio.sync.cache.errors import CacheError
from studio.sync.cache.migrations import LATEST_VERSION, check_version, migrate, read_version

BUSY_TIMEOUT_MS = 5_000
MMAP_BYTES = 256 * 1024 * 1024
MIN_SQLITE = (3, 37, 0)
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(text: str) -> str:
    slug = _UNSAFE_NAME_CHARS.sub("_", text).strip("._-")
    return slug[:40] or "x"


def cache_path(data_dir: Path | str, backend_id: str, user_id: str) -> Path:
    """The cache file of one user on one backend, inside `data_dir`.

    Names are reduced to safe file-name characters; a digest of the exact pair keeps two
    different pairs from ever sharing a file (e.g. "a/b" and "a_b").
    """
    for label, value in (("backend_id", backend_id), ("user_id", user_id)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{label} must be a non-empty string")
    digest = hashlib.sha256(f"{backend_id}\0{user_id}".encode()).hexdigest()[:12]
    return Path(data_dir) / "cache" / f"{_slug(backend_id)}-{_slug(user_id)}-{digest}.sqlite3"


def _configure(dbapi_connection: Any, *, cache_kib: int, query_only: bool) -> None:
    # Transactions are begun explicitly (see _begin), never implicitly by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in (
            "PRAGMA synchronous = NORMAL",  # with WAL: durable at checkpoints, never corrupt
            "PRAGMA foreign_keys = ON",
            f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}",
            "PRAGMA temp_store = MEMORY",
            f"PRAGMA cache_size = {-cache_kib:d}",
            # Reads straight from the OS page cache: no copy per page, shared by connections.
            f"PRAGMA mmap_size = {MMAP_BYTES:d}",
            f"PRAGMA query_only = {int(query_only):d}",
        ):
            cursor.execute(pragma)
    finally:
        cursor.close()


def _engine(path: Path, *, writer: bool) -> sa.Engine:
    url = sa.URL.create("sqlite", database=str(path))
    if writer:  # one connection, owned by the writer thread
        engine = sa.create_engine(url, pool_size=1, max_overflow=0)
    else:
        engine = sa.create_engine(url, pool_size=4, max_overflow=8)
    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"
    cache_kib = 64_000 if writer else 16_000

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _configure(dbapi_connection, cache_kib=cache_kib, query_only=not writer)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # IMMEDIATE takes the write lock up front: no lock upgrade, so no deadlock with readers.
        conn.exec_driver_sql(begin)

    return engine


class CacheDatabase:
    """One open cache file: a writer engine (one connection) and a pool of read connections.

    Use `CacheDatabase.open(path)`; it creates, migrates and switches the file to WAL.
    """

    def __init__(self, path: Path, writer_engine: sa.Engine, reader_engine: sa.Engine) -> None:
        self.path = path
        self.writer_engine = writer_engine
        self.reader_engine = reader_engine

    @classmethod
    def open(cls, path: Path | str) -> CacheDatabase:
        if sqlite3.sqlite_version_info < MIN_SQLITE:  # STRICT tables
            raise CacheError(
                f"the offline cache needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer "
                f"(this Python has {sqlite3.sqlite_version})")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer_engine = _engine(path, writer=True)
        try:
            with writer_engine.connect() as conn:
                check_version(conn)  # refuse a newer file before writing anything to it
                # journal_mode cannot change inside a transaction: use the driver directly.
                driver = conn.connection.driver_connection
                mode = driver.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise RuntimeError(f"could not switch the cache to WAL (got {mode})")
                migrate(conn)
        except sa.exc.DatabaseError as exc:
            writer_engine.dispose()
            raise CacheError(f"not a readable cache database: {exc.orig}") from None
        except BaseException:
            writer_engine.dispose()
            raise
        return cls(path, writer_engine, _engine(path, writer=False))

    @property
    def schema_version(self) -> int:
        with self.reader_engine.connect() as conn:
            return read_version(conn)

    def read(self) -> sa.Connection:
        """A read-only connection from the pool (use as a context manager)."""
        return self.reader_engine.connect()

    def close(self) -> None:
        self.reader_engine.dispose()
        self.writer_engine.dispose()

    def __enter__(self) -> CacheDatabase:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


__all__ = ["LATEST_VERSION", "CacheDatabase", "cache_path"]
