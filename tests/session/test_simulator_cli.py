"""`shopstream-studio simulate`: runs against the local workspace, refuses clearly, Ctrl+C stops."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_simulator_support import footprint, make_show

from studio.cli import main
from studio.server import db

# Far below the run's length: an interrupted run that goes on to the end trips it.
PROMPTLY = 20.0


@pytest.fixture(scope="module")
def conninfo(fresh_db_module: Callable[..., str]) -> str:
    return fresh_db_module()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPSTREAM_HOME", str(tmp_path))
    return tmp_path


def test_simulate_plays_an_audience_and_prints_what_happened(
    conninfo: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    show = make_show(conninfo)
    code = main(["simulate", "--db-url", conninfo, "--show", show.id, "--viewers", "40",
                 "--chat-rate", "10", "--duration", "1.5", "--seed", "3"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(f"Rehearsal audience for 'Show {show.host_user_id[:8]}': 40 viewers")
    assert "\nFinished. " in out
    with db.connect(conninfo, autocommit=True) as conn:
        _users, chat, presence, _orders = footprint(conn, show.id)
    assert chat > 0 and presence > 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--show", "not-a-show"], "error: show id must be a UUID, not 'not-a-show'"),
        (["--viewers", "-3"], "error: viewers must be between 1 and 20,000, not -3"),
        (["--viewers", "10", "--chat-rate", "100"],
         "error: 100 chat messages per second need at least 250 viewers"),
        (["--duration", "0"], "error: duration must be between 0.1 and 86,400 seconds, not 0"),
        (["--buy-probability", "2"], "error: buy probability must be between 0 and 1"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(
    conninfo: str, home: Path, capsys: pytest.CaptureFixture[str], args: list[str],
    expected: str,
) -> None:
    show = make_show(conninfo)
    with db.connect(conninfo, autocommit=True) as conn:
        before = footprint(conn, show.id)
    argv = ["simulate", "--db-url", conninfo, "--show", show.id, *args]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1 and "Traceback" not in err
    with db.connect(conninfo, autocommit=True) as conn:
        assert footprint(conn, show.id) == before


def test_a_show_that_is_not_live_is_refused(
    conninfo: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    show = make_show(conninfo, status="scheduled")
    assert main(["simulate", "--db-url", conninfo, "--show", show.id]) == 1
    assert "is scheduled: an audience can only join a live show (start it first)" in (
        capsys.readouterr().err)


def test_a_supabase_workspace_is_refused_before_any_server_starts(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "config").mkdir()
    (home / "config" / "settings.json").write_text(json.dumps({
        "version": 2,
        "workspace": {"kind": "supabase", "supabase_url": "https://abc.supabase.co",
                      "supabase_anon_key": "public-anon-key"},
    }))
    assert main(["simulate", "--show", "00000000-0000-4000-8300-000000000900"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: simulate runs only against the local workspace")
    assert not (home / "data").exists()  # no local server was created or started


def test_ctrl_c_stops_the_audience_cleanly(conninfo: str, tmp_path: Path) -> None:
    show = make_show(conninfo)
    env = {**os.environ, "SHOPSTREAM_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "studio", "simulate", "--db-url", conninfo, "--show", show.id,
         "--viewers", "50", "--chat-rate", "10", "--duration", "600"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    # Reading its output blocks: a run that never starts must not hang the suite.
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:  # wait until the audience is in the show and chatting
            if " watching, " in line and " 0 messages" not in line:
                break
        process.send_signal(signal.SIGINT)
        # communicate() raises when the stop is not prompt.
        out, err = process.communicate(timeout=PROMPTLY)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Stopping: viewers are leaving…" in out and "\nStopped. " in out
    with db.connect(conninfo, autocommit=True) as conn:
        still_in = conn.execute("select count(*) from public.live_stream_viewers"
                                " where session_id = %s and left_at is null", (show.id,))
        assert still_in.fetchone()[0] == 0
        # Every connection was closed: their server processes leave within moments of the exit.
        deadline = time.monotonic() + 10
        while True:
            others = conn.execute("select count(*) from pg_stat_activity where datname ="
                                  " current_database() and pid <> pg_backend_pid()")
            left = others.fetchone()[0]
            if left == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert left == 0


def test_go_live_starts_a_scheduled_show_as_its_host_first(
    conninfo: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    show = make_show(conninfo, status="scheduled")
    code = main(["simulate", "--db-url", conninfo, "--show", show.id, "--go-live",
                 "--viewers", "20", "--chat-rate", "5", "--duration", "1"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith(
        "The show is live on the local server: a rehearsal, no real customer can reach it.\n")
    with db.connect(conninfo, autocommit=True) as conn:
        status, started = conn.execute("select status::text, actual_start is not null from"
                                       " public.live_stream_sessions where id = %s",
                                       (show.id,)).fetchone()
        _users, chat, presence, _orders = footprint(conn, show.id)
    assert (status, started) == ("live", True)
    assert chat > 0 and presence > 0


def test_go_live_refuses_a_rehearsal_without_starting_it(
    conninfo: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    show = make_show(conninfo, status="scheduled", rehearsal=True)
    assert main(["simulate", "--db-url", conninfo, "--show", show.id, "--go-live"]) == 1
    assert "is a private rehearsal" in capsys.readouterr().err
    with db.connect(conninfo, autocommit=True) as conn:
        status = conn.execute("select status::text from public.live_stream_sessions"
                              " where id = %s", (show.id,)).fetchone()[0]
    assert status == "scheduled"
