"""Stopping the engine returns at once, whatever the background task is waiting for."""

from __future__ import annotations

import asyncio

import pytest
from test_engine_support import f, lineup_item, make_engine

from studio.sync.cache import Operation

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_engine_support"]

# Far below the engine's poll interval (an hour in these tests): a stop that waits for the
# next cycle instead of returning trips it.
PROMPTLY = 10.0


async def _idle_engine(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        wholesaler = f.create_wholesaler(cur)
        product = f.create_product(cur, wholesaler.profile_id, stock=10)
        show = f.create_session(cur, host.profile_id)
    engine = await make_engine(await server.backend_for(host), make_cache())
    await engine.start()
    async with asyncio.timeout(30):
        await engine.wait_synced()
        while engine.status.state != "online":
            await asyncio.sleep(0.01)
    return engine, lineup_item(host, show, product)


async def test_stop_right_after_a_write_woke_the_engine_returns_at_once(server, make_cache):
    engine, item = await _idle_engine(server, make_cache)
    # The write sets the wake-up event; the stop's cancel arrives before the task runs again.
    task = engine._task
    await engine.submit(Operation("upsert", "live_products", item))
    async with asyncio.timeout(PROMPTLY) as deadline:
        await engine.stop()
    # stop() swallowing the timeout's own cancel would hide a hang: check it never fired.
    assert not deadline.expired()
    assert task is not None and task.done() and not engine.running


async def test_stop_of_an_idle_engine_returns_at_once(server, make_cache):
    engine, _item = await _idle_engine(server, make_cache)
    task = engine._task
    async with asyncio.timeout(PROMPTLY) as deadline:
        await engine.stop()
    # stop() swallowing the timeout's own cancel would hide a hang: check it never fired.
    assert not deadline.expired()
    assert task is not None and task.done() and not engine.running
    async with asyncio.timeout(PROMPTLY):
        await engine.stop()  # stopping twice is harmless


async def test_a_caller_cancelled_while_stopping_sees_its_cancellation(server, make_cache):
    """stop() must not swallow a cancel aimed at its caller (e.g. a close timeout)."""
    engine, _item = await _idle_engine(server, make_cache)
    engine._wake.set()  # the task wakes for a cycle, so stop() really waits for it

    async def stop_then_continue() -> str:
        await engine.stop()
        return "carried on"

    stopper = asyncio.create_task(stop_then_continue())
    await asyncio.sleep(0)  # stop() is now awaiting the engine task
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(PROMPTLY):
            await stopper
