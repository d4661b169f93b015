"""Workspaces: the local one over its own embedded server, switching users, signed-out cloud."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from studio.server.demo_accounts import DEMO_HOST, DEMO_PASSWORD, DEMO_WHOLESALER
from studio.server.embedded import EmbeddedPostgres
from studio.server.migrations import MigrationRunner
from studio.server.workspace import FIRST_RUN, start_local_workspace
from studio.sync.cache import Operation, cache_path
from studio.sync.engine import SyncEngine
from studio.sync.workspace import (
    LOCAL_SERVER_DIR,
    FileSessionStore,
    NotSignedIn,
    SignedOutEngine,
    Workspace,
    supabase_backend_id,
)

FAST = {"poll_interval": 3600.0, "retry_base": 0.05, "retry_cap": 0.5}


def other_tasks() -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


@pytest.mark.asyncio
async def test_open_local_signs_in_the_demo_host_syncs_switches_user_and_closes(server_dir):
    steps: list[str] = []
    workspace = await Workspace.open_local(
        server_dir, on_progress=steps.append, engine_options=FAST
    )
    server = EmbeddedPostgres(server_dir / LOCAL_SERVER_DIR)
    try:
        assert steps[:4] == [f"{FIRST_RUN} Step {n} of 4: {what}" for n, what in enumerate(
            ["setting up the database server", "creating the database",
             f"applying {len(MigrationRunner(server.dsn()).migrations())} migrations",
             "loading the demo data"], start=1)]
        assert "Signing in…" in steps
        assert workspace.user_id == DEMO_HOST.user_id
        assert "host" in workspace.roles
        assert workspace.profile_ids["host"] == DEMO_HOST.profile_id
        # The host's own rate, a private column only my_profiles() returns (seed: 15 %).
        assert workspace.host_commission_rate == Decimal("0.15")
        assert workspace.cache.path == cache_path(server_dir, "local", DEMO_HOST.user_id)
        assert isinstance(workspace.engine, SyncEngine) and workspace.engine.running
        await asyncio.wait_for(workspace.engine.wait_synced(), 120)
        assert workspace.reader.count_products() > 3000
        shows = workspace.reader.shows_of_host(DEMO_HOST.profile_id)
        assert shows and workspace.reader.lineup(shows[0]["id"]) is not None
        assert server.is_running()

        await workspace.sign_in(DEMO_WHOLESALER.email, DEMO_PASSWORD)
        assert (workspace.user_id, workspace.roles) == (DEMO_WHOLESALER.user_id,
                                                        frozenset({"wholesaler"}))
        assert workspace.host_commission_rate is None
        assert workspace.cache.path == cache_path(server_dir, "local", DEMO_WHOLESALER.user_id)
        await asyncio.wait_for(workspace.engine.wait_synced(), 120)
        assert workspace.reader.wholesaler_lineups(DEMO_WHOLESALER.profile_id)

        with pytest.raises(Exception, match="Invalid email or password"):
            await workspace.sign_in(DEMO_HOST.email, "wrong password")
        assert workspace.user_id == DEMO_WHOLESALER.user_id  # still the previous user
        assert workspace.engine.running

        await workspace.sign_out()
        assert workspace.user_id is None and workspace.roles == frozenset()
        assert workspace.cache is None and isinstance(workspace.engine, SignedOutEngine)
        assert workspace.engine.status.state == "offline"
        with pytest.raises(NotSignedIn):
            await workspace.submit(Operation("delete", "live_products", {"id": DEMO_HOST.user_id}))
    finally:
        await workspace.close()
    assert not server.is_running()  # this workspace started it, so it stopped it
    assert other_tasks() == []


@pytest.mark.asyncio
async def test_open_local_attaches_to_a_running_server_and_restores_the_last_user(server_dir):
    server, _info = await asyncio.to_thread(
        start_local_workspace, server=EmbeddedPostgres(server_dir / LOCAL_SERVER_DIR,
                                                       durable=False))
    try:
        first = await Workspace.open_local(
            server_dir, email=DEMO_WHOLESALER.email, password=DEMO_PASSWORD,
            engine_options=FAST)
        assert first.roles == frozenset({"wholesaler"})
        await first.close()
        assert server.is_running()  # it was running before: left running

        again = await Workspace.open_local(server_dir, engine_options=FAST)
        try:
            assert again.user_id == DEMO_WHOLESALER.user_id  # remembered from last time
            remembered = json.loads((server_dir / "local-sign-in.json").read_text())
            assert remembered == {"user_id": DEMO_WHOLESALER.user_id,
                                  "email": DEMO_WHOLESALER.email}
        finally:
            await again.close()
        asked = await Workspace.open_local(server_dir, email=DEMO_HOST.email, engine_options=FAST)
        try:
            assert asked.user_id == DEMO_HOST.user_id  # a demo account by its email
        finally:
            await asked.close()
        assert server.is_running() and other_tasks() == []
    finally:
        await asyncio.to_thread(server.stop)


@pytest.mark.asyncio
async def test_open_supabase_without_a_saved_session_is_signed_out(tmp_path, respx_mock):
    anon = ("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiIsImlzcyI6InN1cGFiYXNlIn0.c2ln")
    workspace = await Workspace.open_supabase(tmp_path, "https://proj.supabase.co", anon)
    try:
        assert workspace.user_id is None and workspace.cache is None
        assert workspace.backend_id == "supabase-proj.supabase.co"
        assert workspace.engine.status.state == "offline"
        assert respx_mock.calls.call_count == 0
    finally:
        await workspace.close()
    assert not list(tmp_path.iterdir())  # no cache for nobody


def test_backend_ids_of_supabase_projects():
    assert supabase_backend_id("https://Proj.Supabase.co/") == "supabase-proj.supabase.co"
    with pytest.raises(ValueError, match="not a Supabase project URL"):
        supabase_backend_id("proj.supabase.co")


def test_the_local_sign_in_file_holds_one_value(tmp_path: Path):
    store = FileSessionStore(tmp_path / "dir" / "sign-in.json")
    assert store.load() is None
    store.save('{"user_id": "x"}')
    store.save('{"user_id": "y"}')
    assert store.load() == '{"user_id": "y"}'
    store.clear()
    store.clear()
    assert store.load() is None
