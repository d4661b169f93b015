"""The local workspace: embedded server + database ``shopstream``, migrated and seeded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.paths import default_local_server_dir
from studio.server import db
from studio.server.embedded import EmbeddedPostgres, ServerStatus
from studio.server.migrations import MigrationRunner

log = logging.getLogger(__name__)

DATABASE = "shopstream"


@dataclass
class WorkspaceInfo:
    """What starting the local workspace did and found."""

    url: str
    status: ServerStatus
    started_here: bool
    database_created: bool
    applied: list[str] = field(default_factory=list)
    """Versions of the migrations this start applied."""
    applied_files: list[str] = field(default_factory=list)
    """File names of the migrations this start applied."""
    seeded: bool = False
    product_count: int | None = None
    """Rows in ``public.products``; None when that table does not exist (yet)."""


def product_count(conninfo: str) -> int | None:
    """Rows in ``public.products``, or None when the table does not exist."""
    with db.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("select to_regclass('public.products') is not null").fetchone()
        if not exists or not exists[0]:
            return None
        row = conn.execute("select count(*) from public.products").fetchone()
        return int(row[0]) if row else 0


def prune_sync_history(conninfo: str) -> dict[str, int] | None:
    """Drop sync history past its retention (what pg_cron does daily on Supabase); the counts
    pruned, or None when the schema has no such function (an older schema). Never raises: a
    failed prune is retried on the next start and must not keep the workspace from opening."""
    try:
        with db.connect(conninfo, autocommit=True) as conn:
            exists = conn.execute(
                "select to_regprocedure('private.prune_sync_history(interval)') is not null"
            ).fetchone()
            if not exists or not exists[0]:
                return None
            row = conn.execute("select private.prune_sync_history()").fetchone()
    except Exception:
        log.warning("Could not prune the local workspace's sync history", exc_info=True)
        return None
    pruned = {str(k): int(v) for k, v in (row[0] if row else {}).items()}
    if any(pruned.values()):
        log.info("Pruned sync history: %s", pruned)
    return pruned


def applied_count(conninfo: str) -> int:
    """Migrations recorded in ``supabase_migrations.schema_migrations``."""
    return len(MigrationRunner(conninfo).applied_versions())


FIRST_RUN = "Creating the local workspace (first run)…"
STARTING = "Starting the local server…"
Step = Callable[[str], None]


def _pending_count(runner: MigrationRunner) -> int:
    try:
        return len(runner.pending())
    except Exception:  # no migration history yet: everything is pending
        return len(runner.migrations())


def start_local_workspace(
    data_dir: Path | None = None,
    *,
    schema_dir: Path | None = None,
    durable: bool = True,
    seed: bool = True,
    server: EmbeddedPostgres | None = None,
    on_step: Step | None = None,
) -> tuple[EmbeddedPostgres, WorkspaceInfo]:
    """Start (or attach to) the local server, create ``shopstream``, migrate and seed once.

    Pass ``server`` to use an existing ``EmbeddedPostgres`` (``data_dir`` and
    ``durable`` are then ignored). ``on_step`` hears what is happening, in words: on the
    first run "Creating the local workspace (first run)… Step 2 of 4: creating the database",
    later "Starting the local server…". Blocking: call it from a worker thread in the UI
    (``on_step`` is called on that thread).
    """
    if server is None:
        server = EmbeddedPostgres(data_dir or default_local_server_dir(), durable=durable)
    step = on_step or (lambda _text: None)
    first_run = not server.is_initialized()
    total = 4 if seed else 3
    numbered = iter(range(1, total + 1))

    def first(what: str) -> None:
        if first_run:
            step(f"{FIRST_RUN} Step {next(numbered)} of {total}: {what}")

    if first_run:
        first("setting up the database server")
    else:
        step(STARTING)
    status = server.start()
    first("creating the database")
    created = server.ensure_database(DATABASE)
    url = server.dsn(DATABASE)
    runner = MigrationRunner(url, schema_dir=schema_dir)
    pending = _pending_count(runner)
    if first_run:
        first(f"applying {pending} migration{'s' if pending != 1 else ''}")
    elif pending:
        step(f"Updating the local workspace: applying {pending} "
             f"migration{'s' if pending != 1 else ''}…")
    applied = runner.apply(seed=False)
    if seed:
        first("loading the demo data")
        applied += runner.apply(seed=True)  # no migrations left: the seed, once
    prune_sync_history(url)
    files = {m.version: m.path.name for m in runner.migrations()}
    info = WorkspaceInfo(
        url=url,
        status=status,
        started_here=server.started_here,
        database_created=created,
        applied=applied,
        applied_files=[files.get(version, version) for version in applied],
        seeded=runner.seeded,
        product_count=product_count(url),
    )
    return server, info
