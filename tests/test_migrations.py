"""MigrationRunner: discovery, apply, re-apply, failures and seeding."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest

from studio.server.migrations import (
    MigrationError,
    MigrationRunner,
    MissingLocalMigrations,
    OutOfOrderMigrations,
    discover,
    schema_dir,
)

CREATE_ITEMS = "create table public.items (id int primary key, label text not null);"
ADD_COLOUR = """
-- A comment; with a semicolon.
alter table public.items add column colour text default 'red';
create function public.item_label(i public.items) returns text language plpgsql as $$
begin
  return i.label || ';' || i.colour;
end
$$;
"""


def _versions(conninfo: str) -> list[tuple[str, str, list[str]]]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "select version, name, statements from supabase_migrations.schema_migrations"
            " order by version"
        ).fetchall()


def test_fresh_apply_applies_everything_in_order(empty_db: str, make_schema_dir) -> None:
    directory = make_schema_dir(
        {"20240102000000_add_colour.sql": ADD_COLOUR, "20240101000000_items.sql": CREATE_ITEMS}
    )
    runner = MigrationRunner(empty_db, directory)

    assert [m.version for m in runner.pending()] == ["20240101000000", "20240102000000"]
    assert runner.apply() == ["20240101000000", "20240102000000"]

    rows = _versions(empty_db)
    assert [(v, n) for v, n, _ in rows] == [
        ("20240101000000", "items"),
        ("20240102000000", "add_colour"),
    ]
    assert len(rows[1][2]) == 2  # two statements; the comment and the $$ body don't split
    assert rows[1][2][1].startswith("create function public.item_label")
    assert runner.pending() == []


def test_second_apply_is_a_noop_and_new_files_apply(empty_db: str, make_schema_dir) -> None:
    directory = make_schema_dir({"20240101000000_items.sql": CREATE_ITEMS})
    runner = MigrationRunner(empty_db, directory)
    assert runner.apply() == ["20240101000000"]
    assert runner.apply() == []

    (directory / "migrations" / "20240102000000_add_colour.sql").write_text(ADD_COLOUR)
    assert [m.name for m in runner.pending()] == ["add_colour"]
    assert runner.apply() == ["20240102000000"]
    assert runner.apply() == []


def test_broken_migration_raises_and_records_nothing(empty_db: str, make_schema_dir) -> None:
    directory = make_schema_dir(
        {
            "20240101000000_items.sql": CREATE_ITEMS,
            "20240102000000_broken.sql": (
                "create table public.half_done (id int);\n"
                "insert into public.items values (1, 'one');\n"
                "select * from public.no_such_table;\n"
            ),
            "20240103000000_later.sql": "create table public.later (id int);",
        }
    )
    runner = MigrationRunner(empty_db, directory)

    with pytest.raises(MigrationError) as info:
        runner.apply()

    error = info.value
    assert error.path.name == "20240102000000_broken.sql"
    assert error.sqlstate == "42P01"
    assert "no_such_table" in error.message
    assert error.line == 3
    assert error.applied == ["20240101000000"]
    text = str(error)
    assert "20240102000000_broken.sql" in text and "42P01" in text
    assert [v for v, _, _ in _versions(empty_db)] == ["20240101000000"]
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select to_regclass('public.half_done')").fetchone() == (None,)
        assert conn.execute("select count(*) from public.items").fetchone() == (0,)
        assert conn.execute("select to_regclass('public.later')").fetchone() == (None,)

    # Fixing the file lets the run continue where it stopped.
    (directory / "migrations" / "20240102000000_broken.sql").write_text(
        "create table public.half_done (id int);"
    )
    assert runner.apply() == ["20240102000000", "20240103000000"]


def test_seed_runs_once(empty_db: str, make_schema_dir) -> None:
    directory = make_schema_dir(
        {"20240101000000_items.sql": CREATE_ITEMS},
        seed="insert into public.items values (1, 'one'), (2, 'two');",
    )
    runner = MigrationRunner(empty_db, directory)
    assert runner.apply(seed=True) == ["20240101000000"]
    assert runner.seeded
    assert runner.seed_applied()
    runner.apply(seed=True)
    assert not runner.seeded
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select count(*) from public.items").fetchone() == (2,)
        assert conn.execute("select path from supabase_migrations.seed_files").fetchall() == [
            ("supabase/seed.sql",)
        ]


def test_broken_seed_raises_migration_error(empty_db: str, make_schema_dir) -> None:
    directory = make_schema_dir({}, seed="insert into public.nope values (1);")
    runner = MigrationRunner(empty_db, directory)
    with pytest.raises(MigrationError) as info:
        runner.apply(seed=True)
    assert info.value.path.name == "seed.sql"
    assert info.value.sqlstate == "42P01"
    assert not runner.seed_applied()


def test_discover_skips_badly_named_files(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    for name in ("20240101000000_ok.sql", "notes.sql", "README.md", "2_second.sql"):
        (tmp_path / "migrations" / name).write_text("select 1;")
    assert [m.path.name for m in discover(tmp_path)] == ["20240101000000_ok.sql", "2_second.sql"]
    assert discover(tmp_path / "missing") == []


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    for name in ("1_a.sql", "1_b.sql"):
        (tmp_path / "migrations" / name).write_text("select 1;")
    with pytest.raises(MigrationError, match="also used by"):
        discover(tmp_path)


def test_schema_dir_points_at_backend_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPSTREAM_SCHEMA_DIR", raising=False)
    found = schema_dir()
    assert found.parts[-2:] == ("backend_schema", "supabase")
    monkeypatch.setenv("SHOPSTREAM_SCHEMA_DIR", "/somewhere/else")
    assert schema_dir() == Path("/somewhere/else")


def test_project_migrations_apply_cleanly(fresh_db) -> None:
    """Every backend_schema migration is in the template the fixtures copy."""
    runner = MigrationRunner(fresh_db(), schema_dir())
    assert runner.applied_versions() == [m.version for m in runner.migrations()]
    assert runner.pending() == []


# ------------------------------------------------------------------ history checks (as the CLI)


def _migration(directory: Path, name: str, sql: str = "select 1;") -> None:
    (directory / "migrations" / name).write_text(sql)


def test_out_of_order_migration_is_refused_unless_include_all(
    empty_db: str, make_schema_dir
) -> None:
    directory = make_schema_dir(
        {"20240101000000_items.sql": CREATE_ITEMS, "20240103000000_later.sql": "select 1;"}
    )
    runner = MigrationRunner(empty_db, directory)
    assert runner.apply() == ["20240101000000", "20240103000000"]
    # A file dated before the newest applied one appears (a merged branch, say).
    _migration(directory, "20240102000000_add_colour.sql", ADD_COLOUR)
    _migration(directory, "20240104000000_newest.sql", "create table public.newest (id int);")

    with pytest.raises(OutOfOrderMigrations) as info:
        runner.apply()
    assert info.value.versions == ["20240102000000"]
    assert "20240103000000" in str(info.value) and "--include-all" in str(info.value)
    # Nothing ran: not the old file, not the newer one either.
    assert [v for v, _, _ in _versions(empty_db)] == ["20240101000000", "20240103000000"]
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select to_regclass('public.newest')").fetchone() == (None,)

    assert runner.apply(include_all=True) == ["20240102000000", "20240104000000"]
    assert runner.pending() == []


def test_versions_recorded_but_missing_locally_are_refused(
    empty_db: str, make_schema_dir
) -> None:
    directory = make_schema_dir(
        {"20240101000000_items.sql": CREATE_ITEMS, "20240102000000_gone.sql": "select 1;"}
    )
    runner = MigrationRunner(empty_db, directory)
    runner.apply()
    (directory / "migrations" / "20240102000000_gone.sql").unlink()
    _migration(directory, "20240103000000_next.sql", "create table public.next_one (id int);")

    for include_all in (False, True):
        with pytest.raises(MissingLocalMigrations) as info:
            runner.apply(include_all=include_all)
        assert info.value.versions == ["20240102000000"]
        assert "20240102000000" in str(info.value)
        assert str(directory / "migrations") in str(info.value)
    assert [v for v, _, _ in _versions(empty_db)] == ["20240101000000", "20240102000000"]
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select to_regclass('public.next_one')").fetchone() == (None,)


def _seed_hash(conninfo: str) -> str:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "select hash from supabase_migrations.seed_files where path = 'supabase/seed.sql'"
        ).fetchone()
    assert row is not None
    return row[0]


def test_changed_seed_updates_its_hash_without_running_again(
    empty_db: str, make_schema_dir
) -> None:
    first = b"insert into public.items values (1, 'one');\r\n"
    directory = make_schema_dir({"20240101000000_items.sql": CREATE_ITEMS})
    (directory / "seed.sql").write_bytes(first)
    runner = MigrationRunner(empty_db, directory)
    runner.apply(seed=True)
    # The hash is of the file's bytes, CRLF included, as the Supabase CLI computes it.
    assert _seed_hash(empty_db) == hashlib.sha256(first).hexdigest()

    changed = b"insert into public.items values (1, 'one'), (2, 'two');\n"
    (directory / "seed.sql").write_bytes(changed)
    runner.apply(seed=True)
    assert not runner.seeded and runner.seed_rehashed
    assert _seed_hash(empty_db) == hashlib.sha256(changed).hexdigest()
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select count(*) from public.items").fetchone() == (1,)

    runner.apply(seed=True)  # unchanged now: nothing to record
    assert not runner.seeded and not runner.seed_rehashed
