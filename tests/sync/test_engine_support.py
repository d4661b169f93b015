"""Fixtures shared by the sync engine tests (this module holds no tests of its own)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import pytest_asyncio

from studio.server.demo_accounts import DEMO_HOST, DEMO_PASSWORD, DEMO_PASSWORD_BCRYPT
from studio.sync.backend import NetworkError
from studio.sync.cache import CacheDatabase, CacheReader, CacheWriter, cache_path
from studio.sync.engine import SyncEngine
from studio.sync.engine.events import OpRejected, SyncProgress, SyncStatus
from studio.sync.local.backend import LocalBackend
from studio.sync.scope import plan_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "schema"))
import factories as f

__all__ = [
    "Cache", "FaultyBackend", "Recorder", "Server", "f", "lineup_item", "make_cache",
    "make_engine", "server", "signed_in",
]

FAST = {"retry_base": 0.01, "retry_cap": 0.05, "poll_interval": 3600.0}


class FaultyBackend:
    """Wraps a backend; can fail calls with NetworkError, as an unreachable server does.

    `offline` fails every call; `fail_from(n)` lets the next n-1 calls through and fails the
    rest (the connection dropping mid-push) until `restore()`. With `reply_lost`, the n-th call
    still reaches the server and only its reply is lost. `calls` logs method names.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.offline = False
        self.calls: list[str] = []
        self._budget: int | None = None
        self._reply_lost = False
        self.error: Exception | None = None  # raised by every call while set
        self.broken: dict[str, Exception] = {}  # table -> raised by calls about that table
        self.before: Callable[[str, tuple], None] | None = None  # may raise, per call

    def fail_from(self, n: int, *, reply_lost: bool = False) -> None:
        self._budget = n - 1
        self._reply_lost = reply_lost

    def restore(self) -> None:
        self.offline = False
        self._budget = None

    @property
    def current_user(self) -> Any:
        return self.inner.current_user

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not callable(target):
            return target

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            lose_reply = False
            if self._budget is not None:
                if self._budget == 0 and self._reply_lost and not self.offline:
                    lose_reply = True
                if self._budget <= 0:
                    self.offline = True
                self._budget -= 1
            if self.offline and not lose_reply:
                raise NetworkError("could not reach the server: connection refused")
            if self.error is not None:
                raise self.error
            if args and isinstance(args[0], str) and args[0] in self.broken:
                raise self.broken[args[0]]
            if self.before is not None:
                self.before(name, args)
            result = await target(*args, **kwargs)
            if lose_reply:
                raise NetworkError("the connection broke before the reply")
            return result

        return call


@dataclass
class Recorder:
    """An engine listener that keeps everything it hears."""

    statuses: list[SyncStatus] = field(default_factory=list)
    progress: list[SyncProgress] = field(default_factory=list)
    tables: list[frozenset[str]] = field(default_factory=list)
    rejections: list[OpRejected] = field(default_factory=list)

    def on_status(self, status: SyncStatus) -> None:
        self.statuses.append(status)

    def on_progress(self, progress: SyncProgress) -> None:
        self.progress.append(progress)

    def on_tables_changed(self, tables: frozenset[str]) -> None:
        self.tables.append(tables)

    def on_op_rejected(self, rejection: OpRejected) -> None:
        self.rejections.append(rejection)

    @property
    def states(self) -> list[str]:
        return [s.state for s in self.statuses]


@dataclass
class Cache:
    db: CacheDatabase
    writer: CacheWriter
    reader: CacheReader
    path: Path

    def count(self, table: str) -> int:
        with self.db.read() as conn:
            return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar())

    def close(self) -> None:
        self.writer.close()
        self.db.close()


@pytest.fixture
def make_cache(tmp_path: Path) -> Any:
    """Factory: make_cache(user_id="u") opens (or reopens) a cache file in tmp_path."""
    opened: list[Cache] = []

    def make(user_id: str = "user") -> Cache:
        path = cache_path(tmp_path, "local", user_id)
        db = CacheDatabase.open(path)
        cache = Cache(db, CacheWriter(db), CacheReader(db), path)
        opened.append(cache)
        return cache

    yield make
    for cache in opened:
        if not cache.writer._closed:
            cache.close()


@dataclass
class Server:
    """A migrated database of its own, an owner connection, and signed-in backends on it."""

    conninfo: str
    owner: psycopg.Connection
    backends: list[LocalBackend]

    def one(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        row = self.owner.execute(query, params).fetchone()
        return row[0] if row else None

    def run(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        self.owner.execute(statement, params)

    def cursor(self) -> psycopg.Cursor[Any]:
        return self.owner.cursor()

    async def backend_for(self, account: f.Account) -> LocalBackend:
        email = self.one(
            "update auth.users set encrypted_password = %s where id = %s returning email",
            (DEMO_PASSWORD_BCRYPT, account.user_id),
        )
        backend = LocalBackend(self.conninfo)
        self.backends.append(backend)
        await backend.sign_in(email, DEMO_PASSWORD)
        return backend


@pytest_asyncio.fixture
async def server(fresh_db, pg_connect) -> AsyncIterator[Server]:
    conninfo = fresh_db()
    made = Server(conninfo, pg_connect(conninfo), [])
    yield made
    for backend in made.backends:
        await backend.close()


@pytest_asyncio.fixture
async def signed_in(seeded_db) -> AsyncIterator[Callable[..., Any]]:
    """Factory: await signed_in(email) -> LocalBackend on the shared seeded database."""
    made: list[LocalBackend] = []

    async def sign_in(email: str = DEMO_HOST.email) -> LocalBackend:
        backend = LocalBackend(seeded_db)
        made.append(backend)
        await backend.sign_in(email, DEMO_PASSWORD)
        return backend

    yield sign_in
    for backend in made:
        await backend.close()


async def make_engine(backend: Any, cache: Cache, **options: Any) -> SyncEngine:
    """An engine for the backend's user, with their roles' plan (not started)."""
    profiles = await backend.my_profiles()
    ids = {role.value: profiles.profile_id(role) for role in profiles.roles}
    return SyncEngine(backend, cache.writer, plan_for(ids.keys(), ids), **{**FAST, **options})


def lineup_item(host: f.Account, session: str, product: str | None, **values: Any) -> dict:
    """A server-shaped live product payload for a create operation."""
    row = {
        "id": str(uuid.uuid4()),
        "session_id": session,
        "influencer_id": host.profile_id,
        "product_id": product,
        "name": "Linen scarf",
        "live_price": "19.99",
        "allocated_quantity": 5,
        "position": 0,
    }
    row.update(values)
    return row
