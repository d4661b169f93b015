"""The shopstream-studio command line: schema apply and local-server."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.cli import main
from studio.server.embedded import EmbeddedPostgres

PRODUCTS = "create table public.products (id int primary key, name text not null);"
SEED = "insert into public.products values (1, 'Lamp'), (2, 'Mug'), (3, 'Scarf');"


def test_schema_apply_prints_applied_versions(
    empty_db: str, make_schema_dir, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_schema_dir(
        {"20240101000000_products.sql": PRODUCTS, "20240102000000_more.sql": "select 1;"},
        seed=SEED,
    )
    args = ["schema", "apply", "--db-url", empty_db, "--schema-dir", str(directory)]

    assert main([*args, "--seed"]) == 0
    out = capsys.readouterr().out
    assert "Applied 20240101000000_products.sql" in out
    assert "Applied 20240102000000_more.sql" in out
    assert "Seeded from seed.sql" in out

    assert main(args) == 0
    assert "Migrations: up to date" in capsys.readouterr().out


def test_schema_apply_unreachable_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://postgres@/x?host={tmp_path}&port=1&connect_timeout=2"
    assert main(["schema", "apply", "--db-url", url]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot connect to the database")
    assert "Traceback" not in captured.err


def test_schema_apply_failing_migration(
    empty_db: str, make_schema_dir, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_schema_dir({"20240101000000_bad.sql": "select * from nowhere;"})
    assert main(["schema", "apply", "--db-url", empty_db, "--schema-dir", str(directory)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "20240101000000_bad.sql" in err and "42P01" in err


def test_debug_shows_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://postgres@/x?host={tmp_path}&port=1"
    assert main(["--debug", "schema", "apply", "--db-url", url]) == 1
    assert "Traceback" in capsys.readouterr().err


@pytest.fixture
def local_dir(server_dir: Path):
    data_dir = server_dir / "local"
    yield data_dir
    EmbeddedPostgres(data_dir).stop()


def test_local_server_lifecycle(
    local_dir: Path, make_schema_dir, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_schema_dir({"20240101000000_products.sql": PRODUCTS}, seed=SEED)
    data = ["--data-dir", str(local_dir)]

    assert main(["local-server", "status", *data]) == 0
    assert "not running" in capsys.readouterr().out

    assert main(["local-server", "start", *data, "--schema-dir", str(directory)]) == 0
    out = capsys.readouterr().out
    assert "Started local server" in out
    assert "Applied migration 20240101000000_products.sql" in out
    assert "Seeded database from seed.sql" in out
    assert "Connection URL: postgresql://" in out

    assert main(["local-server", "start", *data, "--schema-dir", str(directory)]) == 0
    out = capsys.readouterr().out
    assert "Already running" in out and "Seeded" not in out

    assert main(["local-server", "status", *data]) == 0
    out = capsys.readouterr().out
    assert "Local server: running" in out
    assert "Applied migrations: 1" in out
    assert "Products: 3 rows in public.products" in out

    assert main(["local-server", "stop", *data]) == 0
    assert "stopped" in capsys.readouterr().out
    assert not EmbeddedPostgres(local_dir).is_running()


def test_local_server_reset(
    local_dir: Path, make_schema_dir, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_schema_dir({"20240101000000_products.sql": PRODUCTS}, seed=SEED)
    data = ["--data-dir", str(local_dir)]
    assert main(["local-server", "start", *data, "--schema-dir", str(directory)]) == 0
    capsys.readouterr()

    assert main(["local-server", "reset", *data]) == 1
    err = capsys.readouterr().err
    assert "--yes" in err
    assert EmbeddedPostgres(local_dir).is_running()  # refused: nothing touched

    assert main(["local-server", "reset", *data, "--yes", "--schema-dir", str(directory)]) == 0
    out = capsys.readouterr().out
    assert f"Deleted {local_dir}" in out
    assert "Seeded database from seed.sql" in out
    assert "Products in the catalog: 3" in out


def test_schema_apply_refuses_out_of_order_then_include_all(
    empty_db: str, make_schema_dir, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_schema_dir({"20240102000000_products.sql": PRODUCTS})
    args = ["schema", "apply", "--db-url", empty_db, "--schema-dir", str(directory)]
    assert main(args) == 0
    (directory / "migrations" / "20240101000000_early.sql").write_text("select 1;")
    capsys.readouterr()

    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert "20240101000000" in err and "--include-all" in err

    assert main([*args, "--include-all"]) == 0
    assert "Applied 20240101000000_early.sql" in capsys.readouterr().out


def test_schema_apply_refuses_versions_missing_locally(
    empty_db: str, make_schema_dir, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_schema_dir(
        {"20240101000000_products.sql": PRODUCTS, "20240102000000_more.sql": "select 1;"}
    )
    args = ["schema", "apply", "--db-url", empty_db, "--schema-dir", str(directory)]
    assert main(args) == 0
    (directory / "migrations" / "20240102000000_more.sql").unlink()
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "no file in" in err and "20240102000000" in err


def test_schema_apply_reports_a_changed_seed(
    empty_db: str, make_schema_dir, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_schema_dir({"20240101000000_products.sql": PRODUCTS}, seed=SEED)
    args = ["schema", "apply", "--db-url", empty_db, "--schema-dir", str(directory), "--seed"]
    assert main(args) == 0
    (directory / "seed.sql").write_text(SEED + "\n-- one more line\n")
    capsys.readouterr()
    assert main(args) == 0
    assert "recorded its new hash" in capsys.readouterr().out
