"""Applies platform.sql: the roles, auth schema and tables Supabase provides before migrations."""

from __future__ import annotations

from functools import cache
from importlib import resources

import psycopg

from studio.server import db

PLATFORM_SQL = "platform.sql"


@cache
def platform_sql() -> str:
    """The text of ``studio/server/platform.sql``."""
    return resources.files("studio.server").joinpath(PLATFORM_SQL).read_text(encoding="utf-8")


def bootstrap(conn: psycopg.Connection) -> None:
    """Create, in one transaction, whatever Supabase's platform objects are missing.

    Idempotent, and a no-op on a real Supabase database where they all exist.
    """
    with conn.transaction():
        conn.execute(platform_sql())  # type: ignore[arg-type]  # trusted, parameterless SQL


def bootstrap_database(conninfo: str) -> None:
    """Open a connection to ``conninfo`` and run :func:`bootstrap` on it."""
    with db.connect(conninfo, autocommit=True) as conn:
        bootstrap(conn)
