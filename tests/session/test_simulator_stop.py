"""Stopping a rehearsal audience: prompt, viewers leave, tasks end, connections close."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from psycopg import sql
from test_simulator_support import footprint, make_show

from studio.server import db
from studio.session.simulator import Audience, AudienceConfig

pytestmark = pytest.mark.asyncio

# Far below the run's length (ten minutes): a stop that waits for the run to end trips it.
PROMPTLY = 15.0
LONG_RUN = AudienceConfig(viewers=60, chat_rate=20, buy_probability=0.5, duration_s=600)


@pytest.fixture(scope="module")
def conninfo(fresh_db_module: Callable[..., str]) -> str:
    return fresh_db_module()


def open_presences(conninfo: str, show_id: str) -> int:
    with db.connect(conninfo, autocommit=True) as conn:
        return conn.execute("select count(*) from public.live_stream_viewers"
                            " where session_id = %s and left_at is null", (show_id,)).fetchone()[0]


def other_connections(conninfo: str) -> int:
    with db.connect(conninfo, autocommit=True) as conn:
        return conn.execute(
            sql.SQL("select count(*) from pg_stat_activity where datname = current_database()"
                    " and pid <> pg_backend_pid()")).fetchone()[0]


async def running(audience: Audience) -> asyncio.Task:
    task = asyncio.create_task(audience.run())
    async with asyncio.timeout(60):
        while audience.progress.joins == 0 or audience.progress.messages == 0:
            assert not task.done(), task.exception()
            await asyncio.sleep(0.05)
    return task


async def test_stop_returns_promptly_and_leaves_nothing_open(conninfo: str) -> None:
    show = make_show(conninfo)
    audience = Audience(conninfo, show.id, LONG_RUN)
    task = await running(audience)
    assert open_presences(conninfo, show.id) > 0

    async with asyncio.timeout(PROMPTLY) as deadline:
        progress = await audience.stop()
    assert not deadline.expired()
    assert task.done() and task.result() == progress
    assert progress.state == "finished" and progress.stop_reason == "stopped"
    assert progress.steps < LONG_RUN.steps and progress.watching == 0
    assert open_presences(conninfo, show.id) == 0
    assert other_connections(conninfo) == 0
    with db.connect(conninfo, autocommit=True) as conn:
        current = conn.execute("select current_viewers from public.live_stream_sessions"
                               " where id = %s", (show.id,)).fetchone()[0]
    assert current == 0


async def test_cancelling_the_run_cleans_up_the_same_way(conninfo: str) -> None:
    """What Ctrl+C does to the command line's run: the task is cancelled."""
    show = make_show(conninfo)
    audience = Audience(conninfo, show.id, LONG_RUN)
    task = await running(audience)

    task.cancel()
    async with asyncio.timeout(PROMPTLY) as deadline:
        with pytest.raises(asyncio.CancelledError):
            await task
    assert not deadline.expired()
    assert audience.progress.state == "finished"
    assert open_presences(conninfo, show.id) == 0
    assert other_connections(conninfo) == 0


async def test_stop_before_run_changes_nothing(conninfo: str) -> None:
    show = make_show(conninfo)
    with db.connect(conninfo, autocommit=True) as conn:
        before = footprint(conn, show.id)
    audience = Audience(conninfo, show.id, LONG_RUN)
    async with asyncio.timeout(PROMPTLY):
        progress = await audience.stop()
    assert progress.steps == 0 and progress.stop_reason == "stopped"
    with db.connect(conninfo, autocommit=True) as conn:
        assert footprint(conn, show.id) == before


async def test_the_audience_stops_by_itself_when_the_show_ends(conninfo: str) -> None:
    show = make_show(conninfo)
    audience = Audience(conninfo, show.id, LONG_RUN)
    task = await running(audience)
    with db.connect(conninfo, autocommit=True) as conn:
        conn.execute("update public.live_stream_sessions set status = 'ended',"
                     " actual_end = now() where id = %s", (show.id,))
    async with asyncio.timeout(PROMPTLY):
        progress = await task
    assert progress.stop_reason == "the show is ended"
    assert other_connections(conninfo) == 0
