"""Versioned migrations of the cache schema, tracked in PRAGMA user_version.

Each step runs in one IMMEDIATE transaction together with the version bump, so a cache is
always at exactly one version. A cache written by a newer studio is refused before anything is
written to it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import sqlalchemy as sa

from studio.sync.cache.ddl_v1 import V1_SCHEMA
from studio.sync.cache.ddl_v2 import V2_SCHEMA
from studio.sync.cache.ddl_v3 import V3_SCHEMA
from studio.sync.cache.ddl_v4 import V4_SCHEMA
from studio.sync.cache.errors import CacheError, CacheVersionError

# Marks a file as a studio cache ("SSTC"), so a stray SQLite file is never migrated.
APPLICATION_ID = 0x53535443


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    script: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "mirrored tables, outbox and sync cursors", V1_SCHEMA),
    Migration(2, "catalog search: stable product rowids and an FTS5 index", V2_SCHEMA),
    Migration(3, "sync protocol: row versions, commit-order cursors, batches, conflicts",
              V3_SCHEMA),
    Migration(4, "a product's id is unique through a named index (dropped for bulk loads)",
              V4_SCHEMA),
)
LATEST_VERSION = MIGRATIONS[-1].version


def split_statements(script: str) -> list[str]:
    """A script as single statements (trigger bodies keep their inner semicolons)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete statement in migration script: {pending.strip()[:80]}")
    return statements


def read_version(conn: sa.Connection) -> int:
    """The cache schema version of an open database (0: empty, never migrated).

    Reads through the driver connection, outside any transaction: nothing is locked or written.
    """
    driver = conn.connection.driver_connection
    try:
        version = int(driver.execute("PRAGMA user_version").fetchone()[0])
        application_id = int(driver.execute("PRAGMA application_id").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise CacheError(f"not a readable cache database: {exc}") from None
    if application_id not in (0, APPLICATION_ID) or (version and not application_id):
        raise CacheError("this SQLite file is not a ShopStream Studio cache")
    return version


def check_version(conn: sa.Connection) -> int:
    """The version, or CacheVersionError when this studio is too old for the file."""
    version = read_version(conn)
    if version > LATEST_VERSION:
        raise CacheVersionError(
            f"the cache was written by a newer ShopStream Studio (cache schema {version}; this "
            f"version understands up to {LATEST_VERSION}). Update the studio, or remove the "
            "cache file to download the data again."
        )
    return version


def migrate(conn: sa.Connection, *, target: int = LATEST_VERSION) -> tuple[int, int]:
    """Bring the schema up to `target`; returns (version before, version after)."""
    if not 0 <= target <= LATEST_VERSION:
        raise ValueError(f"no cache schema version {target}")
    start = check_version(conn)
    version = start
    for step in MIGRATIONS:
        if version < step.version <= target:
            with conn.begin():
                for statement in split_statements(step.script):
                    conn.exec_driver_sql(statement)
                # PRAGMA does not take bound parameters; both values are integers.
                conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID:d}")
                conn.exec_driver_sql(f"PRAGMA user_version = {step.version:d}")
            version = step.version
    return start, version
