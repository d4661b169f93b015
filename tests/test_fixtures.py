"""The shared database fixtures behave as documented in conftest.py."""

from __future__ import annotations

import psycopg
import pytest

from studio.server.migrations import MigrationRunner, schema_dir


@pytest.fixture(scope="module")
def module_db(fresh_db_module) -> str:
    return fresh_db_module()


def test_fresh_db_gives_independent_migrated_copies(fresh_db, pg_connect) -> None:
    first, second = fresh_db(), fresh_db()
    assert first != second
    with pg_connect(first) as conn:
        conn.execute("create table public.only_in_first (id int)")
    with pg_connect(second) as conn:
        assert conn.execute("select to_regclass('public.only_in_first')").fetchone() == (None,)
        assert conn.execute("select to_regclass('auth.users')").fetchone() == ("auth.users",)
    runner = MigrationRunner(second, schema_dir())
    assert runner.pending() == []
    assert not runner.seed_applied()


def test_module_scoped_database_is_shared(module_db: str, pg_connect) -> None:
    with pg_connect(module_db) as conn:
        conn.execute("create table if not exists public.shared_marker (id int)")
        conn.execute("insert into public.shared_marker values (1)")


def test_module_scoped_database_keeps_state(module_db: str, pg_connect) -> None:
    with pg_connect(module_db) as conn:
        assert conn.execute("select count(*) from public.shared_marker").fetchone() == (1,)


def test_seeded_db_has_migrations_and_seed(seeded_db: str) -> None:
    runner = MigrationRunner(seeded_db, schema_dir())
    assert runner.pending() == []
    assert runner.seed_applied() == runner.seed_file.is_file()


def test_fresh_db_is_dropped_after_the_test(fresh_db, pg_server) -> None:
    conninfo = fresh_db()
    name = psycopg.conninfo.conninfo_to_dict(conninfo)["dbname"]
    with pg_server.connect() as conn:
        assert conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
