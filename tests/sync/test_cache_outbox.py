"""Offline cache: local operations, the outbox lifecycle, crash recovery and undo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_cache_support import HOST, live_product, open_cache, show, snapshot, uid

from studio.sync.cache import (
    CacheDataError,
    CacheStore,
    Operation,
    OutboxStateError,
    UnknownTableError,
)

OP_1 = "00000000-0000-4000-8000-00000000f001"
OP_2 = "00000000-0000-4000-8000-00000000f002"
OP_3 = "00000000-0000-4000-8000-00000000f003"


@pytest.fixture
def cache(tmp_path: Path):
    with open_cache(tmp_path / "c.sqlite3") as handles:
        _db, writer, _reader = handles
        writer.call(CacheStore.upsert_rows, "live_stream_sessions", [show(1)])
        writer.call(CacheStore.upsert_rows, "live_products", [live_product(1), live_product(2)])
        yield handles


def row(reader, n: int) -> dict[str, Any] | None:
    return reader.get("live_products", uid(n, 4))


def test_local_insert_fills_server_defaults_and_queues_the_canonical_payload(cache) -> None:
    _db, writer, reader = cache
    op = Operation("upsert", "live_products", {
        "id": uid(3, 4), "session_id": uid(1, 3), "influencer_id": HOST, "name": "Scarf",
        "live_price": 19.9, "allocated_quantity": 4, "position": 2}, op_id=OP_1)
    entry = writer.call(CacheStore.apply_local, op)
    assert (entry.op_id, entry.kind, entry.target, entry.row_id, entry.status, entry.attempts,
            entry.can_undo) == (OP_1, "upsert", "live_products", uid(3, 4), "pending", 0, True)
    assert entry.payload == {"id": uid(3, 4), "session_id": uid(1, 3), "influencer_id": HOST,
                             "name": "Scarf", "live_price": "19.90", "allocated_quantity": 4,
                             "position": 2}
    stored = row(reader, 3)
    assert (stored["live_price_cents"], stored["sold_quantity"], stored["revenue_cents"],
            stored["status"], stored["compare_at_price_cents"]) == (1990, 0, 0, "active", None)
    assert stored["created_at"].endswith("Z") and len(stored["created_at"]) == 27
    assert [r["id"] for r in reader.lineup(uid(1, 3))] == [uid(1, 4), uid(2, 4), uid(3, 4)]
    assert reader.pending_count() == 1


def test_local_update_merges_into_the_cached_row(cache) -> None:
    _db, writer, reader = cache
    before = row(reader, 1)
    writer.call(CacheStore.apply_local, Operation(
        "upsert", "live_products", {"id": uid(1, 4), "live_price": "12.00"}))
    after = row(reader, 1)
    assert after["live_price_cents"] == 1200
    assert {k: v for k, v in after.items() if k not in ("live_price_cents", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("live_price_cents", "updated_at")}
    assert after["updated_at"] > before["updated_at"]


def test_outbox_lifecycle_in_order_with_retries(cache) -> None:
    _db, writer, reader = cache
    ops = [Operation("upsert", "live_products", {"id": uid(1, 4), "position": 5}, op_id=OP_1),
           Operation("delete", "live_products", {"id": uid(2, 4)}, op_id=OP_2),
           Operation("rpc", "start_show", {"p_session_id": uid(1, 3)}, op_id=OP_3)]
    writer.call(CacheStore.apply_local, ops[0])
    writer.call(CacheStore.apply_local, ops[1])
    writer.call(CacheStore.enqueue, ops[2])
    assert row(reader, 2) is None
    assert [e.op_id for e in writer.call(CacheStore.next_pending)] == [OP_1, OP_2, OP_3]
    assert [e.op_id for e in writer.call(CacheStore.next_pending, 2)] == [OP_1, OP_2]

    writer.call(CacheStore.mark_in_flight, [OP_1])
    writer.call(CacheStore.mark_failed, OP_1, "connection reset",
                retry_at="2030-01-01T00:00:00Z")
    first = writer.call(CacheStore.get_op, OP_1)
    assert (first.status, first.attempts, first.last_error, first.next_attempt_at) == (
        "pending", 1, "connection reset", "2030-01-01T00:00:00.000000Z")
    # Delivery is in order: an op waiting for its retry holds back the ones behind it.
    assert writer.call(CacheStore.next_pending) == []
    assert [e.op_id for e in writer.call(
        CacheStore.next_pending, now="2030-01-01T00:00:00Z")] == [OP_1, OP_2, OP_3]

    writer.call(CacheStore.mark_in_flight, [OP_1, OP_2])
    writer.call(CacheStore.mark_done, OP_1)
    writer.call(CacheStore.mark_done, OP_2)
    assert [e.op_id for e in writer.call(CacheStore.next_pending)] == [OP_3]
    assert reader.pending_count() == 1
    writer.call(CacheStore.mark_in_flight, [OP_3])
    writer.call(CacheStore.mark_failed, OP_3, "permission denied", sqlstate="42501")
    refused = writer.call(CacheStore.get_op, OP_3)
    assert (refused.status, refused.sqlstate, refused.attempts) == ("failed", "42501", 1)
    assert [e.op_id for e in reader.failed_ops()] == [OP_3]
    assert reader.pending_count() == 0
    assert writer.call(CacheStore.purge_done, "2100-01-01T00:00:00Z") == 2
    assert writer.call(CacheStore.get_op, OP_1) is None


def test_invalid_transitions_are_refused_and_change_nothing(cache) -> None:
    db, writer, _reader = cache
    writer.call(CacheStore.enqueue, Operation("rpc", "end_show", {}, op_id=OP_1))
    writer.call(CacheStore.enqueue, Operation("rpc", "end_show", {}, op_id=OP_2))
    writer.call(CacheStore.mark_in_flight, [OP_2])
    before = snapshot(db)
    with pytest.raises(OutboxStateError, match=f"operation {OP_2} is in_flight, not pending"):
        writer.call(CacheStore.mark_in_flight, [OP_1, OP_2])  # all or nothing
    with pytest.raises(OutboxStateError, match="no operation 'missing'"):
        writer.call(CacheStore.mark_done, "missing")
    with pytest.raises(OutboxStateError, match="only a refused one can be undone"):
        writer.call(CacheStore.undo, OP_1)
    with pytest.raises(ValueError, match="cannot be undone"):
        writer.call(CacheStore.mark_failed, OP_2, "x", retry_at="2030-01-01T00:00:00Z",
                    undo=True)
    assert snapshot(db) == before


def test_in_flight_ops_go_back_to_pending_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with open_cache(path) as (_db, writer, _reader):
        writer.call(CacheStore.upsert_rows, "live_stream_sessions", [show(1)])
        for op_id, position in ((OP_1, 1), (OP_2, 2)):
            writer.call(CacheStore.apply_local, Operation(
                "upsert", "live_products", live_product(position), op_id=op_id))
        writer.call(CacheStore.mark_in_flight, [OP_1, OP_2])
        writer.call(CacheStore.mark_done, OP_1)
        # The process dies while OP_2 is on the wire.
    with open_cache(path) as (_db, writer, reader):
        assert writer.recovered_ops == 1
        pending = writer.call(CacheStore.next_pending)
        assert [(e.op_id, e.status, e.attempts) for e in pending] == [(OP_2, "pending", 1)]
        assert writer.call(CacheStore.get_op, OP_1).status == "done"
        assert [r["id"] for r in reader.lineup(uid(1, 3))] == [uid(1, 4), uid(2, 4)]


@pytest.mark.parametrize("kind", ["update", "insert", "delete"])
def test_undo_restores_the_previous_row_image_exactly(cache, kind: str) -> None:
    db, writer, _reader = cache
    before = snapshot(db)
    if kind == "update":
        op = Operation("upsert", "live_products",
                       {"id": uid(1, 4), "live_price": "1.00", "name": "Cut price"})
    elif kind == "insert":
        op = Operation("upsert", "live_products", live_product(9))
    else:
        op = Operation("delete", "live_products", {"id": uid(2, 4)})
    writer.call(CacheStore.apply_local, op)
    assert snapshot(db)["live_products"] != before["live_products"]
    writer.call(CacheStore.mark_in_flight, [op.op_id])
    writer.call(CacheStore.mark_failed, op.op_id, "new row violates check constraint",
                sqlstate="23514", undo=True)
    after = snapshot(db)
    assert after["live_products"] == before["live_products"]
    entry = writer.call(CacheStore.get_op, op.op_id)
    assert entry.status == "failed" and entry.undone_at is not None
    assert writer.call(CacheStore.undo, op.op_id) is False  # already undone: no-op
    assert snapshot(db) == after


def test_undo_replays_later_queued_ops_on_the_same_row(cache) -> None:
    _db, writer, reader = cache
    price = Operation("upsert", "live_products", {"id": uid(1, 4), "live_price": "999.00"})
    rename = Operation("upsert", "live_products", {"id": uid(1, 4), "name": "Renamed"})
    writer.call(CacheStore.apply_local, price)
    writer.call(CacheStore.apply_local, rename)
    writer.call(CacheStore.mark_in_flight, [price.op_id])
    writer.call(CacheStore.mark_failed, price.op_id, "price too high", sqlstate="23514",
                undo=True)
    current = row(reader, 1)
    assert (current["live_price_cents"], current["name"]) == (1500, "Renamed")
    # The later op's own undo now leads back to the original row, not to the refused price.
    writer.call(CacheStore.mark_in_flight, [rename.op_id])
    writer.call(CacheStore.mark_failed, rename.op_id, "no", undo=True)
    assert (row(reader, 1)["live_price_cents"], row(reader, 1)["name"]) == (1500, "Live item 1")


def test_server_rows_do_not_overwrite_unpushed_local_edits(cache) -> None:
    _db, writer, reader = cache
    op = Operation("upsert", "live_products", {"id": uid(1, 4), "position": 9})
    writer.call(CacheStore.apply_local, op)
    server = live_product(1, allocated_quantity=7, updated_at="2026-11-21T00:00:00Z")
    writer.call(CacheStore.upsert_rows, "live_products", [server, live_product(2, name="New")])
    mine = row(reader, 1)
    assert (mine["position"], mine["allocated_quantity"]) == (9, 7)  # server base + local edit
    assert row(reader, 2)["name"] == "New"
    # Refused later: the row falls back to the server's version, not the older local one.
    writer.call(CacheStore.mark_in_flight, [op.op_id])
    writer.call(CacheStore.mark_failed, op.op_id, "no", undo=True)
    back = row(reader, 1)
    assert (back["position"], back["allocated_quantity"], back["updated_at"]) == (
        1, 7, "2026-11-21T00:00:00.000000Z")


def test_a_refused_op_superseded_by_the_server_row_no_longer_undoes(cache) -> None:
    _db, writer, reader = cache
    op = Operation("upsert", "live_products", {"id": uid(1, 4), "name": "Mine"})
    writer.call(CacheStore.apply_local, op)
    writer.call(CacheStore.mark_in_flight, [op.op_id])
    writer.call(CacheStore.mark_failed, op.op_id, "no")  # refused, not undone yet
    writer.call(CacheStore.upsert_rows, "live_products", [live_product(1, name="Server")])
    assert writer.call(CacheStore.undo, op.op_id) is False
    assert row(reader, 1)["name"] == "Server"


def test_the_same_op_id_is_applied_once(cache) -> None:
    db, writer, _reader = cache
    op = Operation("upsert", "live_products", {"id": uid(1, 4), "position": 4}, op_id=OP_1)
    first = writer.call(CacheStore.apply_local, op)
    state = snapshot(db)
    assert writer.call(CacheStore.apply_local, op) == first
    assert writer.call(CacheStore.enqueue, op) == first
    assert snapshot(db) == state
    clash = Operation("upsert", "live_products", {"id": uid(1, 4), "position": 5}, op_id=OP_1)
    with pytest.raises(CacheDataError, match="already used by a different operation"):
        writer.call(CacheStore.apply_local, clash)
    assert snapshot(db) == state


def test_a_batch_applies_all_or_nothing(cache) -> None:
    db, writer, reader = cache
    before = snapshot(db)
    batch = [Operation("upsert", "live_products", {"id": uid(1, 4), "position": 2}),
             Operation("upsert", "live_products", {"id": uid(2, 4), "position": -1.5}),
             Operation("upsert", "live_products", {"id": uid(2, 4), "position": 1})]
    with pytest.raises(CacheDataError, match="column position: expected an integer"):
        writer.call(CacheStore.apply_local_batch, batch)
    assert snapshot(db) == before
    del batch[1]
    writer.call(CacheStore.apply_local_batch, batch)
    assert [r["id"] for r in reader.lineup(uid(1, 3))] == [uid(2, 4), uid(1, 4)]
    assert reader.pending_count() == 2


@pytest.mark.parametrize(("op", "error", "message"), [
    (Operation("upsert", "orders", {"id": uid(1, 7)}), UnknownTableError, "unknown cache table"),
    (Operation("upsert", "live_products", {"id": uid(1, 4), "stream_key": "x"}), CacheDataError,
     "unknown column 'stream_key'"),
    (Operation("upsert", "live_products", {"position": 1}), CacheDataError, "needs the row's id"),
    (Operation("upsert", "live_products", {"id": uid(1, 4), "live_price": "-"}), CacheDataError,
     "live_price: '-' is not a number"),
    (Operation("upsert", "live_products", {"id": uid(8, 4), "name": "x"}), CacheDataError,
     "a new row needs column session_id"),
    (Operation("delete", "live_products", {"id": uid(1, 4), "name": "x"}), CacheDataError,
     "a delete carries only the row's id"),
    (Operation("rpc", "start_show", {}), CacheDataError, "no row to apply locally"),
    (Operation("upsert", "live_products", {"id": uid(1, 4)}, op_id="7"), CacheDataError,
     "not a lowercase uuid"),
    (Operation("erase", "live_products", {"id": uid(1, 4)}), CacheDataError,
     "kind must be one of"),
    (Operation("upsert", "live_products", ["id"]), CacheDataError, "payload must be a mapping"),
])
def test_bad_local_ops_are_refused_and_change_nothing(
    cache, op: Operation, error: type[Exception], message: str
) -> None:
    db, writer, _reader = cache
    before = snapshot(db)
    with pytest.raises(error, match=message):
        writer.call(CacheStore.apply_local, op)
    assert snapshot(db) == before


@pytest.mark.parametrize(("op", "message"), [
    (Operation("rpc", "drop table x;", {}), "is not a function name"),
    (Operation("rpc", "start_show", {"when": object()}), "not JSON-serialisable"),
])
def test_bad_rpc_ops_are_refused(cache, op: Operation, message: str) -> None:
    db, writer, _reader = cache
    before = snapshot(db)
    with pytest.raises(CacheDataError, match=message):
        writer.call(CacheStore.enqueue, op)
    assert snapshot(db) == before
