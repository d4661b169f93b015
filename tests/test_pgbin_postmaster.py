"""Reading postmaster.pid: a live postmaster counts as running, a dead or unreaped one does not."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from studio.server import pgbin
from studio.server.embedded import EmbeddedPostgres

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="zombie processes are POSIX")


@pytest.fixture
def fake_postgres(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process whose name is ``postgres`` (a copy of ``sleep``), reaped at the end."""
    sleep = shutil.which("sleep")
    assert sleep is not None
    exe = tmp_path / "postgres"
    shutil.copy(sleep, exe)
    child = subprocess.Popen([str(exe), "300"])
    yield child
    child.kill()
    child.wait()


def _write_pidfile(pgdata: Path, pid: int) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    lines = [str(pid), str(pgdata), "1700000000", "5432", "/tmp", "localhost", "  0  0", "ready"]
    (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")


def _make_zombie(child: subprocess.Popen[bytes]) -> None:
    """Kill ``child`` without reaping it, and wait until the kernel shows it as a zombie."""
    child.send_signal(signal.SIGKILL)
    process = psutil.Process(child.pid)
    # A loaded machine may take a while to run the kill (the child can still be loading its
    # program), so wait up to 10 s, sleeping between looks.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.status() == psutil.STATUS_ZOMBIE:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {child.pid} never became a zombie ({process.status()})")


def test_live_postmaster_is_read(tmp_path: Path, fake_postgres: subprocess.Popen[bytes]) -> None:
    pgdata = tmp_path / "pgdata"
    _write_pidfile(pgdata, fake_postgres.pid)
    postmaster = pgbin.read_postmaster(pgdata)
    assert postmaster is not None
    assert (postmaster.pid, postmaster.port, postmaster.state) == (fake_postgres.pid, 5432, "ready")


def test_zombie_postmaster_counts_as_not_running(
    tmp_path: Path, fake_postgres: subprocess.Popen[bytes]
) -> None:
    pgdata = tmp_path / "pgdata"
    _write_pidfile(pgdata, fake_postgres.pid)
    _make_zombie(fake_postgres)
    assert psutil.Process(fake_postgres.pid).name() == "postgres"  # still named, still a pid
    assert pgbin.read_postmaster(pgdata) is None


def test_stop_with_a_zombie_postmaster_returns_at_once(
    server_dir: Path, fake_postgres: subprocess.Popen[bytes]
) -> None:
    server = EmbeddedPostgres(server_dir, durable=False)
    _write_pidfile(server.pgdata, fake_postgres.pid)
    _make_zombie(fake_postgres)
    assert not server.is_running()
    assert not server.status().running
    server.stop()  # before: pg_ctl waited on the zombie, then failed
    assert not server.is_running()


def test_pidfile_of_a_vanished_process_is_stale(tmp_path: Path) -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    pgdata = tmp_path / "pgdata"
    _write_pidfile(pgdata, child.pid)
    assert pgbin.read_postmaster(pgdata) is None
