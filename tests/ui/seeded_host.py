"""The demo host's real workspace for end-to-end screen tests: a database of the module's own
with the migrations and the seed, a local backend, the offline cache and the sync engine,
synced once, and the screen context over them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from studio.server.demo_accounts import DEMO_HOST, DEMO_PASSWORD
from studio.server.migrations import MigrationRunner, schema_dir
from studio.sync.local.backend import LocalBackend
from studio.sync.workspace import Workspace
from studio.ui.context import ScreenContext
from studio.ui.sync_bridge import SyncBridge

FAST = {"retry_base": 0.01, "retry_cap": 0.05, "poll_interval": 3600.0}
SYNC_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def seeded_copy(fresh_db_module) -> str:
    """A database of its own with the migrations and the seed (the tests write to it)."""
    conninfo = fresh_db_module()
    MigrationRunner(conninfo, schema_dir()).apply(seed=True)
    return conninfo


@contextmanager
def synced_host(run: Callable[..., Any], conninfo: str,
                folder: Path) -> Iterator[tuple[Workspace, ScreenContext]]:
    """The demo host signed in and synced once; the context is closed and the workspace shut
    on the way out."""
    workspace = Workspace(folder, LocalBackend(conninfo), "local", engine_options=FAST)
    run(workspace.sign_in(DEMO_HOST.email, DEMO_PASSWORD), timeout=SYNC_TIMEOUT)
    run(workspace.engine.wait_synced(), timeout=SYNC_TIMEOUT)
    bridge = SyncBridge()
    bridge.attach(workspace.engine)
    ctx = ScreenContext(reader=workspace.reader, submit=workspace.submit,
                        submit_batch=workspace.submit_batch, signals=bridge.signals,
                        user_id=workspace.user_id, roles=workspace.roles,
                        profile_ids=workspace.profile_ids)
    try:
        yield workspace, ctx
    finally:
        bridge.detach()
        ctx.close()
        run(workspace.close(), timeout=30)
