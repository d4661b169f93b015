"""Local realtime under a burst: notices cross to the event loop in runs, decoded in one go."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from test_local_support import Workspace, f, wait_until

from studio.sync.backend import RowChange, eq
from studio.sync.local.realtime import _decode_notices

pytest_plugins = ["test_local_support"]

BURST = 200


def insert_chat(ws: Workspace, session: str, count: int, *, extra_notice: str | None = None
                ) -> list[str]:
    """`count` chat messages committed in one transaction (with an extra raw notice sent in
    the same transaction); returns their ids in insert order."""
    with ws.owner.transaction(), ws.cursor() as cur:
        if extra_notice is not None:
            cur.execute("select pg_notify('studio_local_changes', %s)", (extra_notice,))
        cur.execute(
            "insert into public.live_stream_chat (session_id, display_name, message, created_at)"
            " select %s, 'viewer', 'message ' || g, clock_timestamp()"
            " from generate_series(1, %s) g returning id", (session, count))
        return [str(row[0]) for row in cur.fetchall()]


@pytest.mark.asyncio
@pytest.mark.parametrize("io_mode", ["threads"])
async def test_a_committed_burst_wakes_the_loop_in_runs_not_per_notice(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        session = f.create_session(cur, host.profile_id)
    backend = await ws.signed_in(host)
    changes: list[RowChange] = []
    await backend.subscribe("live_stream_chat", eq("session_id", session), changes.append)

    loop = asyncio.get_running_loop()
    wakeups = 0
    original = loop.call_soon_threadsafe

    def counted(callback: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal wakeups
        wakeups += 1
        return original(callback, *args, **kwargs)

    loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
    try:
        ids = insert_chat(ws, session, BURST)
        await wait_until(lambda: len(changes) >= BURST)
    finally:
        del loop.call_soon_threadsafe  # the instance attribute goes; the method is back

    assert [c.record["id"] for c in changes if c.record] == ids  # all, in commit order
    assert all(c.type == "INSERT" for c in changes)
    # One wake-up per notice before; now one per run that arrived while the loop was busy
    # (the row read's hops back to the loop count here too).
    assert wakeups < BURST // 2


@pytest.mark.asyncio
async def test_a_malformed_notice_in_a_run_is_ignored_and_the_rest_arrive(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        session = f.create_session(cur, host.profile_id)
    backend = await ws.signed_in(host)
    changes: list[RowChange] = []
    await backend.subscribe("live_stream_chat", eq("session_id", session), changes.append)

    ids = insert_chat(ws, session, 20, extra_notice='{"table": "live_stream_chat"')
    await wait_until(lambda: len(changes) >= 20)
    await asyncio.sleep(0.2)  # nothing more comes from the broken notice

    assert [c.record["id"] for c in changes if c.record] == ids


def notice(table: str = "live_stream_chat", kind: str = "INSERT", row_id: str | None = None,
           at: str = "2026-12-03T04:00:00.123Z") -> str:
    return json.dumps({"table": table, "type": kind, "id": row_id or str(uuid.uuid4()),
                       "at": at})


def test_a_run_of_notices_decodes_to_its_events_in_order() -> None:
    run = [notice(row_id=f"id-{n}") for n in range(5)] + [notice(kind="DELETE", row_id="gone")]
    events = _decode_notices(run)
    assert [(e[1], e[2]) for e in events] == [
        *(("INSERT", f"id-{n}") for n in range(5)), ("DELETE", "gone")]
    assert {e[3] for e in events} == {"2026-12-03T04:00:00.123Z"}


@pytest.mark.parametrize("bad", [
    "not json",
    '{"table": "live_stream_chat", "type": "INSERT"}',  # no id
    "[1, 2]",
    # two notices in one payload would shift every later notice if taken as two
    notice(row_id="a") + "," + notice(row_id="b"),
    "",
])
def test_a_bad_notice_in_a_run_is_left_out_alone(bad: str) -> None:
    run = [notice(row_id="first"), bad, notice(row_id="last")]
    events = _decode_notices(run)
    assert [e[2] for e in events] == ["first", "last"]
