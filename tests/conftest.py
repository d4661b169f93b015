"""Shared fixtures: one embedded PostgreSQL per test session and databases cloned from a template.

Fixtures (see each docstring):

    pg_server        session   EmbeddedPostgres, started once (durable=False)
    schema_template  session   name of a template database with every migration applied
    db_factory       session   DatabaseFactory: .create(template=..., name=None) -> conninfo
    fresh_db         function  factory: fresh_db() -> conninfo of a new copy of the template
    fresh_db_module  module    the same factory, for module-scoped fixtures
    seeded_db        session   conninfo of a database with migrations and seed.sql applied
    pg_connect       function  factory: pg_connect(conninfo, autocommit=True) -> Connection
    server_dir       function  an empty directory for an EmbeddedPostgres of your own

Give an EmbeddedPostgres a ``server_dir``, not ``tmp_path``: as root the server runs
as an unprivileged account that must be able to pass through every parent directory,
and pytest resets its own temporary root to mode 0700 whenever another pytest session
starts, which would cut a running server off from its files.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from studio.server import db
from studio.server.embedded import EmbeddedPostgres
from studio.server.migrations import MigrationRunner, schema_dir

TEMPLATE_DB = "shopstream_template"
SEEDED_DB = "shopstream_seeded"


class DatabaseFactory:
    """Creates databases on the test server as copies of a template and drops them."""

    def __init__(self, server: EmbeddedPostgres, template: str) -> None:
        self.server = server
        self.template = template

    def create(self, template: str | None = None, name: str | None = None) -> str:
        """Copy ``template`` (default: the migrated template) into a new database."""
        name = name or f"test_{uuid.uuid4().hex[:16]}"
        self.server.create_database_from_template(name, template or self.template)
        return self.server.dsn(name)

    def drop(self, conninfo_or_name: str) -> None:
        """Drop a database created by :meth:`create` (open sessions are ended)."""
        name = conninfo_or_name
        if "/" in name or "=" in name:
            name = psycopg.conninfo.conninfo_to_dict(name)["dbname"]  # type: ignore[assignment]
        self.server.drop_database(name)


@pytest.fixture(scope="session")
def server_root() -> Iterator[Path]:
    """Parent of every test server's data, outside pytest's basetemp (see module docstring)."""
    root = Path(tempfile.mkdtemp(prefix="shopstream-tests-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def server_dir(server_root: Path) -> Path:
    """A new empty directory to use as an ``EmbeddedPostgres`` data dir in one test."""
    return Path(tempfile.mkdtemp(prefix="srv-", dir=server_root))


@pytest.fixture(scope="session")
def pg_server(server_root: Path) -> Iterator[EmbeddedPostgres]:
    """The session's embedded PostgreSQL server (fsync off), stopped at the end."""
    server = EmbeddedPostgres(server_root / "session", durable=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def schema_template(pg_server: EmbeddedPostgres) -> str:
    """Name of a template database holding bootstrap + every migration (no seed).

    Connections to it are disallowed once built, so copying it never fails on a
    stray session.
    """
    pg_server.drop_database(TEMPLATE_DB)
    pg_server.ensure_database(TEMPLATE_DB)
    MigrationRunner(pg_server.dsn(TEMPLATE_DB), schema_dir()).apply(seed=False)
    with pg_server.connect() as conn:
        conn.execute(
            sql.SQL("alter database {} with is_template true allow_connections false").format(
                sql.Identifier(TEMPLATE_DB)
            )
        )
    return TEMPLATE_DB


@pytest.fixture(scope="session")
def db_factory(pg_server: EmbeddedPostgres, schema_template: str) -> DatabaseFactory:
    """Low-level factory; prefer ``fresh_db`` / ``fresh_db_module``, which also clean up."""
    return DatabaseFactory(pg_server, schema_template)


def _tracking_factory(factory: DatabaseFactory) -> tuple[Callable[..., str], list[str]]:
    created: list[str] = []

    def make(name: str | None = None) -> str:
        conninfo = factory.create(name=name)
        created.append(conninfo)
        return conninfo

    return make, created


@pytest.fixture
def fresh_db(db_factory: DatabaseFactory) -> Iterator[Callable[..., str]]:
    """Factory: ``fresh_db()`` returns the conninfo of a new, migrated, unseeded database.

    Every database it made is dropped when the test ends.
    """
    make, created = _tracking_factory(db_factory)
    yield make
    for conninfo in created:
        db_factory.drop(conninfo)


@pytest.fixture(scope="module")
def fresh_db_module(db_factory: DatabaseFactory) -> Iterator[Callable[..., str]]:
    """Like ``fresh_db`` but module-scoped: databases are dropped after the module."""
    make, created = _tracking_factory(db_factory)
    yield make
    for conninfo in created:
        db_factory.drop(conninfo)


@pytest.fixture(scope="session")
def seeded_db(pg_server: EmbeddedPostgres, db_factory: DatabaseFactory) -> str:
    """Conninfo of a session-wide database with migrations and ``seed.sql`` applied.

    Shared by all tests: treat it as read-only (or undo what you change).
    """
    pg_server.drop_database(SEEDED_DB)
    conninfo = db_factory.create(name=SEEDED_DB)
    MigrationRunner(conninfo, schema_dir()).apply(seed=True)
    return conninfo


@pytest.fixture
def pg_connect() -> Iterator[Callable[..., psycopg.Connection]]:
    """Factory: ``pg_connect(conninfo, autocommit=True)`` opens a connection as ``postgres``.

    Connections still open when the test ends are closed.
    """
    opened: list[psycopg.Connection] = []

    def connect(conninfo: str, *, autocommit: bool = True) -> psycopg.Connection:
        conn = db.connect(conninfo, autocommit=autocommit)
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


def write_schema(root: Path, migrations: dict[str, str], seed: str | None = None) -> Path:
    """Create a Supabase-style schema dir (``migrations/*.sql`` and ``seed.sql``) in ``root``."""
    (root / "migrations").mkdir(parents=True, exist_ok=True)
    for filename, text in migrations.items():
        (root / "migrations" / filename).write_text(text, encoding="utf-8")
    if seed is not None:
        (root / "seed.sql").write_text(seed, encoding="utf-8")
    return root


@pytest.fixture
def make_schema_dir(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_schema_dir({"001_x.sql": "..."}, seed="...")`` -> a temporary schema dir."""
    counter = iter(range(1_000_000))

    def make(migrations: dict[str, str], seed: str | None = None) -> Path:
        return write_schema(tmp_path / f"schema{next(counter)}", migrations, seed)

    return make


@pytest.fixture
def empty_db(pg_server: EmbeddedPostgres) -> Iterator[str]:
    """Conninfo of a brand-new empty database (no bootstrap, no migrations); dropped after."""
    name = f"empty_{uuid.uuid4().hex[:16]}"
    pg_server.ensure_database(name)
    yield pg_server.dsn(name)
    pg_server.drop_database(name)
