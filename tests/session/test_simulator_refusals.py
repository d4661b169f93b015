"""What a rehearsal audience refuses, clearly and before it changes anything."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from test_simulator_support import footprint, make_show

from studio.server import db
from studio.session.simulator import Audience, AudienceConfig, SimulatorError, local_database

pytestmark = pytest.mark.asyncio

SMALL = AudienceConfig(viewers=10, chat_rate=2, buy_probability=0.5, duration_s=1)


@pytest.fixture(scope="module")
def conninfo(fresh_db_module: Callable[..., str]) -> str:
    return fresh_db_module()


async def refused(conninfo: str, show_id: str, config: AudienceConfig = SMALL) -> str:
    """Run an audience that must be refused; return the message, checking nothing changed."""
    with db.connect(conninfo, autocommit=True) as conn:
        before = footprint(conn, show_id)
    with pytest.raises(SimulatorError) as caught:
        await Audience(conninfo, show_id, config).run()
    with db.connect(conninfo, autocommit=True) as conn:
        assert footprint(conn, show_id) == before  # no users, chat, presence or orders
        assert conn.execute("select count(*) from pg_stat_activity where datname ="
                            " current_database() and pid <> pg_backend_pid()").fetchone()[0] == 0
    return str(caught.value)


async def test_an_unknown_show_is_refused(conninfo: str) -> None:
    show_id = str(uuid.uuid4())
    assert await refused(conninfo, show_id) == f"no show with id {show_id} in the local workspace"


@pytest.mark.parametrize("status", ["scheduled", "ended"])
async def test_a_show_that_is_not_live_is_refused(conninfo: str, status: str) -> None:
    show = make_show(conninfo, status=status)
    message = await refused(conninfo, show.id)
    assert f"is {status}: an audience can only join a live show" in message


async def test_a_private_rehearsal_is_refused_with_the_reason(conninfo: str) -> None:
    show = make_show(conninfo, rehearsal=True)
    message = await refused(conninfo, show.id)
    assert "is a private rehearsal: customers cannot see it" in message


async def test_a_supabase_database_is_refused(conninfo: str) -> None:
    show = make_show(conninfo)
    with db.connect(conninfo, autocommit=True) as conn:
        conn.execute("create role supabase_admin nologin")  # what every Supabase project has
    try:
        message = await refused(conninfo, show.id)
    finally:
        with db.connect(conninfo, autocommit=True) as conn:
            conn.execute("drop role supabase_admin")
    assert message.startswith("simulate runs only against the local workspace")


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"viewers": 0}, "viewers must be between 1 and 20,000, not 0"),
        ({"viewers": 2.5}, "viewers must be a whole number, not 2.5"),
        ({"chat_rate": -1}, "chat rate must be between 0 and 10,000 messages per second"),
        ({"chat_rate": float("nan")}, "chat rate must be between 0 and 10,000"),
        ({"buy_probability": 1.5}, "buy probability must be between 0 and 1"),
        ({"duration_s": 0}, "duration must be between 0.1 and 86,400 seconds, not 0"),
        ({"seed": "abc"}, "seed must be a whole number, not 'abc'"),
        ({"viewers": 100, "chat_rate": 500},
         "500 chat messages per second need at least 1250 viewers"),
    ],
)
async def test_bad_settings_are_refused_before_anything_happens(
    conninfo: str, settings: dict, expected: str
) -> None:
    show = make_show(conninfo)
    with db.connect(conninfo, autocommit=True) as conn:
        before = footprint(conn, show.id)
    with pytest.raises(SimulatorError, match=expected.replace("(", r"\(")):
        Audience(conninfo, show.id, AudienceConfig(**{**SMALL.__dict__, **settings}))
    with db.connect(conninfo, autocommit=True) as conn:
        assert footprint(conn, show.id) == before


async def test_a_show_id_that_is_not_a_uuid_is_refused() -> None:
    with pytest.raises(SimulatorError, match="show id must be a UUID, not 'show-1'"):
        Audience("dbname=unused", "show-1", SMALL)


async def test_the_app_gets_the_local_database_and_a_supabase_workspace_is_refused(
    pg_server,
) -> None:
    assert local_database(pg_server) == pg_server.dsn("shopstream")
    with pytest.raises(SimulatorError, match=r"^simulate runs only against the local workspace"):
        local_database(None)  # a Supabase workspace has no local server
