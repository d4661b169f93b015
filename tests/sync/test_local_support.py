"""Fixtures shared by the LocalBackend tests (this module holds no tests of its own)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import pytest_asyncio

from studio.server.demo_accounts import DEMO_PASSWORD, DEMO_PASSWORD_BCRYPT
from studio.sync.local.backend import LocalBackend

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "schema"))
import factories as f

__all__ = ["Workspace", "backends", "f", "io_mode", "unreachable", "wait_until", "ws"]


@dataclass
class Workspace:
    """A fresh migrated database, an owner connection for setup, and backends on it."""

    conninfo: str
    owner: psycopg.Connection
    make: Callable[..., LocalBackend]

    def cursor(self) -> psycopg.Cursor[Any]:
        return self.owner.cursor()

    def one(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        row = self.owner.execute(query, params).fetchone()
        return row[0] if row else None

    def with_password(self, user_id: str) -> str:
        """Give a factory-made user the demo password; returns their sign-in email."""
        return self.one(
            "update auth.users set encrypted_password = %s where id = %s returning email",
            (DEMO_PASSWORD_BCRYPT, user_id),
        )

    async def signed_in(self, account: f.Account, **options: Any) -> LocalBackend:
        backend = self.make(**options)
        await backend.sign_in(self.with_password(account.user_id), DEMO_PASSWORD)
        return backend


@pytest.fixture(params=["async", "threads"])
def io_mode(request: pytest.FixtureRequest) -> str:
    """Both ways LocalBackend drives connections: asyncio, or worker threads (the way it works
    on event loops psycopg cannot use, such as Windows' Proactor loop)."""
    return request.param


@pytest_asyncio.fixture
async def backends(io_mode: str) -> AsyncIterator[Callable[..., LocalBackend]]:
    """Factory: backends(conninfo, **options) -> LocalBackend, closed after the test."""
    made: list[LocalBackend] = []

    def make(conninfo: str, **options: Any) -> LocalBackend:
        options.setdefault("io", io_mode)
        backend = LocalBackend(conninfo, **options)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        await backend.close()


@pytest.fixture
def ws(fresh_db, pg_connect, backends) -> Workspace:
    conninfo = fresh_db()
    return Workspace(conninfo, pg_connect(conninfo), lambda **o: backends(conninfo, **o))


@pytest.fixture
def unreachable(tmp_path: Path) -> str:
    """A conninfo whose socket directory has no server in it."""
    return f"postgresql://postgres@/shopstream?host={tmp_path}&port=5999"


async def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait for something delivered asynchronously; fail if it never comes."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)
