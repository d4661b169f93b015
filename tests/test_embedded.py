"""EmbeddedPostgres: provisioning, attach, stop, status and restart."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from studio.server import embedded
from studio.server.embedded import EmbeddedPostgres, EmbeddedServerError


@pytest.fixture
def server(server_dir: Path):
    srv = EmbeddedPostgres(server_dir, durable=False)
    yield srv
    srv.stop()


def test_start_initialises_and_serves_queries(server: EmbeddedPostgres) -> None:
    began = time.monotonic()
    status = server.start()
    elapsed = time.monotonic() - began

    assert status.running and status.pid
    assert server.started_here
    assert server.is_initialized()
    assert elapsed < 30, f"first start took {elapsed:.1f}s"
    with psycopg.connect(server.dsn("postgres")) as conn:
        settings = dict(
            conn.execute(
                "select name, setting from pg_settings where name in"
                " ('max_connections', 'fsync', 'listen_addresses', 'server_encoding', 'TimeZone')"
            ).fetchall()
        )
    assert settings["max_connections"] == "300"
    assert settings["fsync"] == "off"
    assert settings["server_encoding"] == "UTF8"
    assert settings["TimeZone"] == "UTC"
    if not embedded.IS_WINDOWS:
        assert settings["listen_addresses"] == ""
        assert status.socket_dir == server.socket_dir
        assert status.port == embedded.POSIX_PORT


def test_start_attaches_to_running_server(server: EmbeddedPostgres) -> None:
    first = server.start()
    other = EmbeddedPostgres(server.data_dir, durable=False)
    second = other.start()
    assert second.pid == first.pid
    assert not other.started_here
    assert other.is_running()


def test_stop_and_status(server: EmbeddedPostgres) -> None:
    server.start()
    server.stop()
    status = server.status()
    assert not status.running
    assert status.pid is None
    assert not server.is_running()
    assert status.version and status.version.split(".")[0].isdigit()
    server.stop()  # stopping a stopped server is fine


def test_restart_preserves_data(server: EmbeddedPostgres) -> None:
    server.start()
    server.ensure_database("keep")
    with psycopg.connect(server.dsn("keep"), autocommit=True) as conn:
        conn.execute("create table kept (v text); insert into kept values ('still here')")
    server.stop()
    server.start()
    with psycopg.connect(server.dsn("keep")) as conn:
        assert conn.execute("select v from kept").fetchone() == ("still here",)


def test_database_helpers(pg_server: EmbeddedPostgres) -> None:
    assert pg_server.ensure_database("helpers_src") is True
    assert pg_server.ensure_database("helpers_src") is False
    with psycopg.connect(pg_server.dsn("helpers_src"), autocommit=True) as conn:
        conn.execute("create table t (v int); insert into t values (7)")
        # An open session on the template must not make the copy fail.
        pg_server.create_database_from_template("helpers_copy", "helpers_src")
    with psycopg.connect(pg_server.dsn("helpers_copy")) as conn:
        assert conn.execute("select v from t").fetchone() == (7,)
    with pg_server.connect() as conn:
        conn.execute("alter database helpers_copy is_template true allow_connections false")
    pg_server.drop_database("helpers_copy")  # templates can be dropped too
    pg_server.drop_database("helpers_src")
    pg_server.drop_database("helpers_src")  # dropping a missing database is fine
    with pg_server.connect() as conn:
        names = {r[0] for r in conn.execute("select datname from pg_database").fetchall()}
    assert not {"helpers_src", "helpers_copy"} & names


def test_long_data_dir_uses_short_socket_dir(server_dir: Path) -> None:
    deep = server_dir.joinpath(*(["a-rather-long-directory-name"] * 5))
    server = EmbeddedPostgres(deep, durable=False)
    if embedded.IS_WINDOWS:
        pytest.skip("no unix sockets on Windows")
    assert server.socket_dir is not None
    assert len(str(server.socket_dir / ".s.PGSQL.5432")) <= embedded.MAX_SOCKET_PATH
    try:
        server.start()
        with psycopg.connect(server.dsn("postgres")) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        server.stop()


def test_start_failure_reports_server_log(server_dir: Path) -> None:
    server = EmbeddedPostgres(server_dir, durable=False, shared_buffers="not-a-size")
    with pytest.raises(EmbeddedServerError) as info:
        server.start()
    message = str(info.value)
    assert "pg_ctl start failed" in message.splitlines()[0]
    assert "shared_buffers" in message  # the log tail names the bad setting
    assert info.value.log_file == server.log_file
    assert not server.is_running()


def test_dsn_is_a_url_psycopg_accepts(server: EmbeddedPostgres) -> None:
    server.start()
    url = server.dsn("postgres", user="postgres")
    assert url.startswith("postgresql://postgres@")
    params = psycopg.conninfo.conninfo_to_dict(url)
    assert params["dbname"] == "postgres"
