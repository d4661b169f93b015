"""A live-show world for the control room tests: a local server with a verified host, a show
with a lineup, a product of another show and a weekly goal; the host's workspace (cache, sync
engine, realtime) and a ScreenContext over it (this module holds no tests)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from studio.core.goals import period_bounds
from studio.core.models import GoalPeriod
from studio.server.demo_accounts import DEMO_PASSWORD, DEMO_PASSWORD_BCRYPT
from studio.sync.local.backend import LocalBackend
from studio.sync.show_server import BackendShowServer
from studio.sync.workspace import Workspace
from studio.ui.actions import ActionRegistry
from studio.ui.context import ScreenContext
from studio.ui.screens.live.control_room import LiveScreen
from studio.ui.sync_bridge import SyncBridge

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "schema"))
import factories as f

FAST = {"retry_base": 0.01, "retry_cap": 0.05, "poll_interval": 3600.0}
SYNC_TIMEOUT = 120.0
PRICES = ("20.00", "35.00", "12.50")


@dataclass
class LiveWorld:
    conninfo: str
    owner: psycopg.Connection
    workspace: Workspace
    session_id: str
    items: list[str]
    other_item: str
    goal_id: str
    contexts: list[tuple[ScreenContext, SyncBridge]]

    def one(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        row = self.owner.execute(query, params).fetchone()
        return row[0] if row else None

    def state(self) -> tuple[Any, ...]:
        """What the control room's actions may change on the server (to prove a refusal
        changed nothing)."""
        show = self.owner.execute(
            "select status, is_rehearsal, featured_live_product_id, actual_start, actual_end"
            " from public.live_stream_sessions where id = %s", (self.session_id,)).fetchone()
        items = self.owner.execute(
            "select id, flash_price, flash_starts_at, flash_ends_at, featured_at"
            " from public.live_products order by id").fetchall()
        return show, tuple(items)

    def context(self) -> ScreenContext:
        """A ScreenContext over the workspace, as the shell builds it for the local kind."""
        ws = self.workspace
        bridge = SyncBridge()
        bridge.attach(ws.engine)
        ctx = ScreenContext(
            reader=ws.reader, submit=ws.submit, submit_batch=ws.submit_batch,
            signals=bridge.signals, user_id=ws.user_id, roles=ws.roles,
            profile_ids=dict(ws.profile_ids), show_server=BackendShowServer(ws.backend),
            follow_show=ws.engine.follow_show, workspace_kind="local",
            local_conninfo=self.conninfo)
        self.contexts.append((ctx, bridge))
        return ctx


def _make_world(cur: psycopg.Cursor[Any]) -> tuple[f.Account, str, list[str], str, str]:
    host = f.create_influencer(cur)
    wholesaler = f.create_wholesaler(cur)
    session = f.create_session(cur, host.profile_id, "scheduled")
    items = [f.create_live_product(cur, session, host.profile_id,
                                   product_id=f.create_product(cur, wholesaler.profile_id),
                                   live_price=price, allocated=3)
             for price in PRICES]
    other_show = f.create_session(cur, host.profile_id, "scheduled")
    other_item = f.create_live_product(
        cur, other_show, host.profile_id,
        product_id=f.create_product(cur, wholesaler.profile_id), live_price="15.00")
    start, end = period_bounds(GoalPeriod.WEEKLY, datetime.now(UTC).date())
    cur.execute(
        "insert into public.influencer_goals (influencer_id, title, goal_type, period,"
        " period_start, period_end, target_value) values (%s, 'Weekly sales target',"
        " 'revenue', 'weekly', %s, %s, 2000) returning id", (host.profile_id, start, end))
    goal_id = str(cur.fetchone()[0])
    return host, session, items, other_item, goal_id


@pytest.fixture
def live_world(run, fresh_db, pg_connect, tmp_path: Path) -> Iterator[LiveWorld]:
    conninfo = fresh_db()
    owner = pg_connect(conninfo)
    with owner.cursor() as cur:
        host, session, items, other_item, goal_id = _make_world(cur)
    email = owner.execute(
        "update auth.users set encrypted_password = %s where id = %s returning email",
        (DEMO_PASSWORD_BCRYPT, host.user_id)).fetchone()[0]
    workspace = Workspace(tmp_path / "data", LocalBackend(conninfo), "local",
                          engine_options=FAST)
    run(workspace.sign_in(email, DEMO_PASSWORD), timeout=SYNC_TIMEOUT)
    run(workspace.engine.wait_synced(), timeout=SYNC_TIMEOUT)
    world = LiveWorld(conninfo, owner, workspace, session, items, other_item, goal_id, [])
    try:
        yield world
    finally:
        for ctx, bridge in world.contexts:
            bridge.detach()
            ctx.close()
        run(workspace.close(), timeout=30)


@pytest.fixture
def open_room(qtbot, run, live_world: LiveWorld) -> Callable[..., LiveScreen]:
    """open_room(size=(1100, 700)) -> a LiveScreen shown, on the world's show."""

    def make(size: tuple[int, int] = (1100, 700), *, choose: bool = True) -> LiveScreen:
        actions = ActionRegistry()
        screen = LiveScreen(live_world.context(), actions)
        screen.actions_registry = actions
        qtbot.addWidget(screen)
        screen.resize(*size)
        screen.show()
        run(screen.wait_idle(), timeout=30)
        if choose and screen.room.session is None:
            screen.open_show(live_world.session_id)
            run(screen.wait_idle(), timeout=30)
        return screen

    return make
