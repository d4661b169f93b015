"""Starting the local workspace says what it does: the first run creates and seeds it, step by
step; later starts just start the server (and say so when migrations are waiting)."""

from __future__ import annotations

from pathlib import Path

from studio.server.embedded import EmbeddedPostgres
from studio.server.workspace import FIRST_RUN, STARTING, start_local_workspace

MIGRATIONS = {
    "20260101000000_items.sql": "create table public.products (id int primary key);",
    "20260101000100_more.sql": "create table public.notes (id int primary key);",
}
SEED = "insert into public.products values (1), (2);"


def test_first_run_then_plain_starts(server_dir: Path, make_schema_dir) -> None:
    schema = make_schema_dir(MIGRATIONS, seed=SEED)
    steps: list[str] = []
    server, info = start_local_workspace(server_dir, schema_dir=schema, durable=False,
                                         on_step=steps.append)
    try:
        assert steps == [
            f"{FIRST_RUN} Step 1 of 4: setting up the database server",
            f"{FIRST_RUN} Step 2 of 4: creating the database",
            f"{FIRST_RUN} Step 3 of 4: applying 2 migrations",
            f"{FIRST_RUN} Step 4 of 4: loading the demo data",
        ]
        assert info.database_created and info.seeded and info.product_count == 2
        assert len(info.applied) == 2

        server.stop()
        steps.clear()
        _again, info = start_local_workspace(server_dir, schema_dir=schema, durable=False,
                                             on_step=steps.append)
        assert steps == [STARTING]
        assert not info.applied and not info.seeded and info.product_count == 2

        (schema / "migrations" / "20260101000200_tags.sql").write_text(
            "create table public.tags (id int primary key);")
        steps.clear()
        _again, info = start_local_workspace(server_dir, schema_dir=schema, durable=False,
                                             on_step=steps.append)
        assert steps == [STARTING, "Updating the local workspace: applying 1 migration…"]
        assert info.applied == ["20260101000200"]
    finally:
        EmbeddedPostgres(server_dir, durable=False).stop()


def test_no_seed_means_three_steps(server_dir: Path, make_schema_dir) -> None:
    schema = make_schema_dir(MIGRATIONS)
    steps: list[str] = []
    try:
        start_local_workspace(server_dir, schema_dir=schema, durable=False, seed=False,
                              on_step=steps.append)
        assert [step.split(": ", 1)[0] for step in steps] == [
            f"{FIRST_RUN} Step {n} of 3" for n in (1, 2, 3)]
    finally:
        EmbeddedPostgres(server_dir, durable=False).stop()
