"""apply_ops under real concurrency: two devices of one host, an op resent in flight, appends."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from test_fn_support import build_show, connect, one
from test_sync_protocol_support import apply_ops, ledger_size, op

from studio.server.request_context import as_role


@contextmanager
def _held_batch(conninfo: str, user_id: str, ops: list[dict[str, Any]]
                ) -> Iterator[tuple[psycopg.Connection, list[dict[str, Any]]]]:
    """apply_ops run on its own connection, its transaction left open until the block ends."""
    held = connect(conninfo)
    try:
        with held.transaction():
            as_role(held, "authenticated", user_id)
            answer = held.execute("select public.apply_ops(%s)", (Jsonb(ops),)).fetchone()[0]
            yield held, answer["results"]
    finally:
        held.close()


def _in_thread(conninfo: str, user_id: str, ops: list[dict[str, Any]]
               ) -> tuple[threading.Thread, dict[str, Any], psycopg.Connection]:
    conn = connect(conninfo)
    out: dict[str, Any] = {"pid": conn.info.backend_pid}

    def run() -> None:
        try:
            out["results"] = apply_ops(conn, user_id, ops)
        except psycopg.Error as exc:  # reported to the test, which fails on it
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out, conn


def _wait_until_blocked(observer: psycopg.Connection, pid: int) -> None:
    """Poll until backend `pid` waits for a lock (bounded; not a timing assertion)."""
    for _ in range(600):
        if one(observer, "select wait_event_type from pg_stat_activity where pid = %s",
               (pid,)) == "Lock":
            return
        time.sleep(0.05)
    raise AssertionError("the second device never waited for the first")


def test_two_devices_editing_the_same_row_at_once(conninfo: str,
                                                  conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    item = show.live_product_id
    device_a = [op("live_products", item, base=1, values={"live_price": "15.00"})]
    device_b = [op("live_products", item, base=1, values={"live_price": "12.00"})]

    with _held_batch(conninfo, show.host.user_id, device_a) as (_, results_a):
        assert results_a[0]["status"] == "applied"
        thread, out, other = _in_thread(conninfo, show.host.user_id, device_b)
        _wait_until_blocked(conn, out["pid"])
    thread.join(60)
    other.close()

    assert "error" not in out, out.get("error")
    [result] = out["results"]
    assert result["status"] == "conflict"
    assert str(result["row"]["live_price"]) == "15.00"
    assert result["row"]["row_version"] == 2
    assert str(one(conn, "select live_price from public.live_products where id = %s",
                   (item,))) == "15.00"


def test_an_op_resent_while_the_first_send_is_in_flight(conninfo: str,
                                                        conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    edit = [op("live_products", show.live_product_id, base=1, values={"name": "Once"})]

    with _held_batch(conninfo, show.host.user_id, edit) as (_, first):
        assert first[0]["status"] == "applied"
        thread, out, other = _in_thread(conninfo, show.host.user_id, edit)
        _wait_until_blocked(conn, out["pid"])
    thread.join(60)
    other.close()

    assert "error" not in out, out.get("error")
    assert out["results"][0]["status"] == "replayed"
    assert out["results"][0]["row"]["row_version"] == 2
    assert ledger_size(conn, show.host.user_id) == 1


def test_two_devices_appending_to_one_show_at_once(conninfo: str,
                                                   conn: psycopg.Connection) -> None:
    """Items sent without a position queue up behind each other instead of colliding."""
    show = build_show(conn, status="scheduled")

    def add(name: str) -> list[dict[str, Any]]:
        return [op("live_products", str(uuid.uuid4()), values={
            "session_id": show.session_id, "influencer_id": show.host.profile_id, "name": name,
            "live_price": "3.00", "allocated_quantity": 1})]

    with _held_batch(conninfo, show.host.user_id, add("From the laptop")) as (_, first):
        assert first[0]["row"]["position"] == 1
        thread, out, other = _in_thread(conninfo, show.host.user_id, add("From the tablet"))
        _wait_until_blocked(conn, out["pid"])
    thread.join(60)
    other.close()

    assert "error" not in out, out.get("error")
    assert out["results"][0]["row"]["position"] == 2
    got = conn.execute("select name, position from public.live_products where session_id = %s"
                       " order by position", (show.session_id,)).fetchall()
    assert [p for _, p in got] == [0, 1, 2]
