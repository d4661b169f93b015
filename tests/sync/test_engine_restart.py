"""A studio killed while pushing loses nothing and duplicates nothing once it starts again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from test_engine_support import f, lineup_item, make_engine

from studio.server.demo_accounts import DEMO_PASSWORD
from studio.sync.cache import Operation

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_engine_support"]

ROOT = Path(__file__).resolve().parents[2]

# Pushes the outbox of a cache file; every write reaches the server at once but its reply
# takes a while, so a kill lands between the server applying an operation and the cache
# recording it.
CHILD = """
import asyncio, sys
from studio.sync.cache import CacheDatabase, CacheWriter
from studio.sync.engine import SyncEngine
from studio.sync.local.backend import LocalBackend
from studio.sync.scope import plan_for

class SlowReplies:
    def __init__(self, inner):
        self.inner = inner
    def __getattr__(self, name):
        target = getattr(self.inner, name)
        if name not in ("apply_ops", "rpc"):
            return target
        async def call(*args, **kwargs):
            result = await target(*args, **kwargs)
            await asyncio.sleep(1.0)
            return result
        return call

async def main(conninfo, email, password, path, host_id):
    backend = LocalBackend(conninfo)
    await backend.sign_in(email, password)
    writer = CacheWriter(CacheDatabase.open(path))
    engine = SyncEngine(SlowReplies(backend), writer, plan_for(["host"], {"host": host_id}))
    await engine.sync_now()

asyncio.run(main(*sys.argv[1:]))
"""


async def test_killed_mid_push_nothing_is_lost_or_applied_twice(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        wholesaler = f.create_wholesaler(cur)
        product = f.create_product(cur, wholesaler.profile_id, stock=100)
        show = f.create_session(cur, host.profile_id)
    backend = await server.backend_for(host)
    cache = make_cache("host")
    engine = await make_engine(backend, cache)
    # A product appears once per show: the later items are the host's own (no product).
    items = [lineup_item(host, show, product if n == 0 else None, name=f"Item {n}", position=n)
             for n in range(6)]
    for item in items:
        await engine.submit(Operation("upsert", "live_products", item))
    first = items[0]["id"]
    for price in ("24.00", "22.50"):
        edit = {"id": first, "live_price": price}
        await engine.submit(Operation("upsert", "live_products", edit))
    cache.close()  # the studio quits with eight operations waiting

    email = server.one("select email from auth.users where id = %s", (host.user_id,))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, server.conninfo, email, DEMO_PASSWORD, str(cache.path),
         host.profile_id],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while _count(server, show) < 3:  # a third create is on the server, unacknowledged
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the pushing process made no progress"
            await asyncio.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert 3 <= _count(server, show) < len(items)

    reopened = make_cache("host")
    assert reopened.writer.recovered_ops == 1  # the operation caught in flight
    status = await (await make_engine(backend, reopened)).sync_now()

    assert (status.state, status.pending_ops) == ("online", 0)
    rows = server.owner.execute(
        "select id::text, name, live_price from public.live_products where session_id = %s"
        " order by position", (show,)).fetchall()
    assert [(r[0], r[1]) for r in rows] == [(i["id"], i["name"]) for i in items]
    assert rows[0][2] == Decimal("22.50")
    audit = server.owner.execute(
        "select old_price, new_price from private.price_changes where live_product_id = %s"
        " order by changed_at, id", (first,)).fetchall()
    assert audit == [(Decimal("19.99"), Decimal("24.00")), (Decimal("24.00"), Decimal("22.50"))]
    assert reopened.reader.failed_ops() == []


def _count(server, show: str) -> int:
    return server.one("select count(*) from public.live_products where session_id = %s", (show,))
