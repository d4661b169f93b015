"""Under the Qt event loop the local backend talks to PostgreSQL from worker threads."""

from __future__ import annotations

import asyncio

from studio.sync.local.driver import AsyncDriver, ThreadDriver, make_driver


def test_auto_mode_uses_threads_on_the_qt_loop(run) -> None:
    async def choose() -> object:
        return make_driver("dbname=unused", 1, "auto")

    assert isinstance(run(choose()), ThreadDriver)


def test_auto_mode_uses_asyncio_sockets_on_a_plain_loop() -> None:
    async def choose() -> object:
        return make_driver("dbname=unused", 1, "auto")

    loop = asyncio.new_event_loop()
    try:
        assert isinstance(loop.run_until_complete(choose()), AsyncDriver)
    finally:
        loop.close()
