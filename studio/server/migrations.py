"""Applies backend_schema/supabase migrations and seed the way the Supabase CLI does."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg

from studio.server import db
from studio.server.bootstrap import PLATFORM_SQL, bootstrap, platform_sql
from studio.server.sqlsplit import split_statements

log = logging.getLogger(__name__)

SCHEMA_DIR_ENV = "SHOPSTREAM_SCHEMA_DIR"
SEED_PATH = "supabase/seed.sql"  # the key the Supabase CLI uses in seed_files
_MIGRATION_NAME = re.compile(r"^(\d+)_(.*)\.sql$")
_LOCK_KEY = 0x5EED_5C4E  # pg_advisory_lock key serialising concurrent runners


def schema_dir() -> Path:
    """The ``supabase`` directory holding ``migrations/`` and ``seed.sql``.

    Resolution order: ``$SHOPSTREAM_SCHEMA_DIR``; ``backend_schema/supabase`` of a
    source checkout (found relative to this file); the copy packaged into wheels
    as ``studio/_schema``; the same under PyInstaller's unpack directory.
    """
    override = os.environ.get(SCHEMA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    package_dir = Path(__file__).resolve().parents[1]  # .../studio
    checkout = package_dir.parent / "backend_schema" / "supabase"
    candidates = [checkout, package_dir / "_schema"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "studio" / "_schema")
    return next((c for c in candidates if c.is_dir()), checkout)


_locate_schema_dir = schema_dir  # MigrationRunner's schema_dir argument shadows the name


@dataclass(frozen=True)
class Migration:
    """One ``<version>_<name>.sql`` file."""

    version: str
    name: str
    path: Path


class MigrationError(Exception):
    """A migration (or the seed) failed; nothing of that file was applied."""

    def __init__(
        self,
        path: Path,
        sqlstate: str | None,
        message: str,
        *,
        line: int | None = None,
        detail: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.sqlstate = sqlstate
        self.message = message
        self.line = line
        self.detail = detail
        self.hint = hint
        self.applied: list[str] = []
        """Versions applied (and committed) before the failing file."""
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f", line {self.line}" if self.line else ""
        text = f"{self.path.name}{where}: {self.message} (SQLSTATE {self.sqlstate or 'unknown'})"
        if self.detail:
            text += f"; {self.detail}"
        return text


class MigrationHistoryError(Exception):
    """The database's migration history and the local files disagree; nothing was applied.

    `versions` are the versions the message is about, oldest first.
    """

    def __init__(self, message: str, versions: list[str]) -> None:
        self.versions = versions
        super().__init__(message)


class MissingLocalMigrations(MigrationHistoryError):
    """The database records versions that have no file in the migrations directory."""

    def __init__(self, versions: list[str], migrations_dir: Path) -> None:
        super().__init__(
            f"the database records {len(versions)} migration(s) with no file in "
            f"{migrations_dir}: {', '.join(versions)}. Bring the directory up to date with the "
            "one that was applied (or, if those versions were reverted on purpose, delete their "
            "rows from supabase_migrations.schema_migrations, as `supabase migration repair "
            "--status reverted` does)",
            versions,
        )


class OutOfOrderMigrations(MigrationHistoryError):
    """Local migrations older than the newest applied one, not applied yet."""

    def __init__(self, versions: list[str], newest_applied: str) -> None:
        super().__init__(
            f"{len(versions)} local migration(s) would be inserted before the newest one "
            f"applied ({newest_applied}): {', '.join(versions)}. Rename them to a later "
            "timestamp, or rerun with --include-all to apply them anyway",
            versions,
        )


def discover(directory: Path) -> list[Migration]:
    """Migration files under ``directory/migrations`` in filename order.

    Like the Supabase CLI, files not named ``<digits>_<name>.sql`` are skipped.
    """
    migrations_dir = directory / "migrations"
    if not migrations_dir.is_dir():
        return []
    found: list[Migration] = []
    seen: dict[str, Path] = {}
    for path in sorted(migrations_dir.glob("*.sql"), key=lambda p: p.name):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            log.warning("Skipping %s: migration files are named <timestamp>_<name>.sql", path.name)
            continue
        version, name = match.groups()
        if version in seen:
            raise MigrationError(path, None, f"version {version} is also used by {seen[version]}")
        seen[version] = path
        found.append(Migration(version, name, path))
    return found


class MigrationRunner:
    """Brings a database up to date with a Supabase migrations directory.

    ``apply()`` first runs the platform bootstrap (see ``platform.sql``), then each
    pending migration in its own transaction, recording it in
    ``supabase_migrations.schema_migrations`` exactly like ``supabase db push``.
    """

    def __init__(self, conninfo: str, schema_dir: Path | None = None, *, bootstrap: bool = True):
        self.conninfo = conninfo
        self.schema_dir = Path(schema_dir) if schema_dir is not None else _locate_schema_dir()
        self.run_bootstrap = bootstrap
        self.seeded = False
        """Whether the last ``apply(seed=True)`` ran the seed file."""
        self.seed_rehashed = False
        """Whether the last ``apply(seed=True)`` found seed.sql changed and stored its new hash."""

    @property
    def seed_file(self) -> Path:
        return self.schema_dir / "seed.sql"

    def migrations(self) -> list[Migration]:
        """All migration files, applied or not."""
        return discover(self.schema_dir)

    def applied_versions(self) -> list[str]:
        """Versions recorded in ``supabase_migrations.schema_migrations``."""
        with self._connect() as conn:
            return self._applied(conn)

    def pending(self) -> list[Migration]:
        """Migration files whose version has not been applied yet."""
        done = set(self.applied_versions())
        return [m for m in self.migrations() if m.version not in done]

    def plan(self, applied: list[str], include_all: bool = False) -> list[Migration]:
        """The migrations to apply over `applied`, as `supabase db push` decides.

        Raises MissingLocalMigrations when the database records versions with no local file,
        and OutOfOrderMigrations when an unapplied file is older than the newest applied
        version (unless `include_all`, which applies those too, in filename order).
        """
        local = self.migrations()
        known = {m.version for m in local}
        missing = [v for v in applied if v not in known]
        if missing:
            raise MissingLocalMigrations(missing, self.schema_dir / "migrations")
        done = set(applied)
        pending = [m for m in local if m.version not in done]
        if applied and not include_all:
            newest = max(applied, key=_version_key)
            older = [m.version for m in pending if _version_key(m.version) < _version_key(newest)]
            if older:
                raise OutOfOrderMigrations(older, newest)
        return pending

    def seed_applied(self) -> bool:
        """Whether the seed file has been run on this database."""
        with self._connect() as conn:
            return self._seed_recorded(conn)

    def apply(self, seed: bool = False, include_all: bool = False) -> list[str]:
        """Apply bootstrap and pending migrations (then the seed, once); return new versions.

        The history is checked first (see `plan`): a disagreement raises a
        MigrationHistoryError before any migration runs.
        """
        self.seeded = False
        self.seed_rehashed = False
        applied: list[str] = []
        with self._connect() as conn:
            conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
            try:
                if self.run_bootstrap:
                    self._bootstrap(conn)
                for migration in self.plan(self._applied(conn), include_all):
                    try:
                        self._apply_one(conn, migration)
                    except MigrationError as exc:
                        exc.applied = applied
                        raise
                    log.info("Applied migration %s", migration.path.name)
                    applied.append(migration.version)
                if seed:
                    self.seeded = self._seed(conn)
            finally:
                if not conn.closed and not conn.broken:
                    conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
        return applied

    # ------------------------------------------------------------------ internals

    def _connect(self) -> psycopg.Connection:
        return db.connect(self.conninfo, autocommit=True)

    @staticmethod
    def _bootstrap(conn: psycopg.Connection) -> None:
        try:
            bootstrap(conn)
        except psycopg.Error as exc:
            path = Path(__file__).with_name(PLATFORM_SQL)
            raise _error_for(path, platform_sql(), exc) from exc

    @staticmethod
    def _applied(conn: psycopg.Connection) -> list[str]:
        exists = conn.execute(
            "select to_regclass('supabase_migrations.schema_migrations') is not null"
        ).fetchone()
        if not exists or not exists[0]:
            return []
        rows = conn.execute(
            "select version from supabase_migrations.schema_migrations order by version"
        ).fetchall()
        return [row[0] for row in rows]

    def _apply_one(self, conn: psycopg.Connection, migration: Migration) -> None:
        text = migration.path.read_text(encoding="utf-8")
        statements = split_statements(text)
        try:
            with conn.transaction():
                if statements:
                    conn.execute(text)  # type: ignore[arg-type]  # trusted, parameterless SQL
                conn.execute(
                    "insert into supabase_migrations.schema_migrations (version, name, statements)"
                    " values (%s, %s, %s)",
                    (migration.version, migration.name, statements),
                )
        except psycopg.Error as exc:
            raise _error_for(migration.path, text, exc) from exc

    @staticmethod
    def _seed_recorded(conn: psycopg.Connection) -> bool:
        exists = conn.execute(
            "select to_regclass('supabase_migrations.seed_files') is not null"
        ).fetchone()
        if not exists or not exists[0]:
            return False
        row = conn.execute(
            "select 1 from supabase_migrations.seed_files where path = %s", (SEED_PATH,)
        ).fetchone()
        return row is not None

    def _recorded_seed_hash(self, conn: psycopg.Connection) -> str | None:
        if not self._seed_recorded(conn):
            return None
        row = conn.execute(
            "select hash from supabase_migrations.seed_files where path = %s", (SEED_PATH,)
        ).fetchone()
        return str(row[0]) if row else None

    def _seed(self, conn: psycopg.Connection) -> bool:
        """Run seed.sql once. Like the Supabase CLI, a seed whose content changed since it ran is
        not run again (its rows exist already); only its recorded hash is updated."""
        if not self.seed_file.is_file():
            return False
        content = self.seed_file.read_bytes()
        # The CLI hashes the file's bytes as they are (line endings included).
        digest = hashlib.sha256(content).hexdigest()
        recorded = self._recorded_seed_hash(conn)
        if recorded is not None:
            if recorded != digest:
                conn.execute(_UPSERT_SEED_FILE, (SEED_PATH, digest))
                self.seed_rehashed = True
                log.info("seed.sql changed since it was applied: stored its new hash")
            return False
        text = content.decode("utf-8")
        try:
            with conn.transaction():
                if split_statements(text):
                    conn.execute(text)  # type: ignore[arg-type]  # trusted, parameterless SQL
                conn.execute(_UPSERT_SEED_FILE, (SEED_PATH, digest))
        except psycopg.Error as exc:
            raise _error_for(self.seed_file, text, exc) from exc
        log.info("Seeded the database from %s", self.seed_file)
        return True


# The statement the Supabase CLI records a seed file with (pkg/migration/history.go).
_UPSERT_SEED_FILE = (
    "insert into supabase_migrations.seed_files (path, hash) values (%s, %s)"
    " on conflict (path) do update set hash = excluded.hash"
)


def _version_key(version: str) -> tuple[int, str]:
    """Versions compare as numbers (the CLI parses them as integers), then as text."""
    return (int(version), version)


def _error_for(path: Path, text: str, exc: psycopg.Error) -> MigrationError:
    diag = exc.diag
    line = None
    position = diag.statement_position
    if position and position.isdigit():
        line = text[: int(position) - 1].count("\n") + 1
    message = diag.message_primary or str(exc).strip().splitlines()[0]
    return MigrationError(
        path, exc.sqlstate, message, line=line, detail=diag.message_detail, hint=diag.message_hint
    )
