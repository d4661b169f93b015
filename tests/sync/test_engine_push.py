"""Pushing the outbox to the embedded server: offline edits, failures mid-push, refusals."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from test_engine_support import FaultyBackend, Recorder, f, lineup_item, make_engine

from studio.sync.backend import AuthError
from studio.sync.cache import CacheStore, Operation

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_engine_support"]


def upsert(table: str, **payload) -> Operation:
    return Operation("upsert", table, payload)


async def lineup_setup(server, stock: int = 20):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        wholesaler = f.create_wholesaler(cur)
        product = f.create_product(cur, wholesaler.profile_id, stock=stock)
        show = f.create_session(cur, host.profile_id)
    return host, product, show


def server_lineup(server, show: str) -> dict[str, tuple]:
    rows = server.owner.execute(
        "select id::text, name, live_price, compare_at_price, position"
        " from public.live_products where session_id = %s",
        (show,),
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def price_audit(server, item: str) -> list[tuple]:
    return server.owner.execute(
        "select change_kind, old_price, new_price from private.price_changes"
        " where live_product_id = %s order by changed_at, id",
        (item,),
    ).fetchall()


@pytest.mark.parametrize("reply_lost", [False, True], ids=["request-lost", "reply-lost"])
@pytest.mark.parametrize("fail_at", [1, 3, 5, 7, 8])
async def test_offline_edits_survive_a_connection_lost_mid_push_and_apply_exactly_once(
    server, make_cache, fail_at, reply_lost
):
    host, product, show = await lineup_setup(server)
    faulty = FaultyBackend(await server.backend_for(host))
    cache = make_cache()
    engine = await make_engine(faulty, cache)
    assert (await engine.sync_now()).state == "online"

    faulty.offline = True
    scarf = lineup_item(host, show, product, name="Scarf", position=0)
    # A product appears once per show: the other items are the host's own (no product).
    mug = lineup_item(host, show, None, name="Mug", position=1)
    tote = lineup_item(host, show, None, name="Tote", position=2)
    for item in (scarf, mug, tote):
        await engine.submit(upsert("live_products", **item))
    await engine.submit(upsert("live_products", id=scarf["id"], live_price="24.00"))
    await engine.submit(upsert("live_products", id=scarf["id"], live_price="22.50"))
    await engine.submit_batch([
        upsert("live_products", id=mug["id"], position=0),
        upsert("live_products", id=scarf["id"], position=1),
    ])
    await engine.submit(Operation("delete", "live_products", {"id": tote["id"]}))
    await engine.submit(upsert("live_products", id=scarf["id"], compare_at_price="30.00"))
    offline = await engine.sync_now()
    assert (offline.state, offline.pending_ops) == ("offline", 9)
    assert [r["name"] for r in cache.reader.lineup(show)] == ["Mug", "Scarf"]  # local already

    faulty.restore()
    faulty.fail_from(fail_at, reply_lost=reply_lost)  # the connection drops mid-push
    dropped = await engine.sync_now()
    assert dropped.state == "offline" and dropped.pending_ops > 0

    faulty.restore()
    done = await engine.sync_now()
    assert (done.state, done.pending_ops) == ("online", 0)
    assert server_lineup(server, show) == {
        mug["id"]: ("Mug", Decimal("19.99"), None, 0),
        scarf["id"]: ("Scarf", Decimal("22.50"), Decimal("30.00"), 1),
    }
    assert price_audit(server, scarf["id"]) == [
        ("live_price", Decimal("19.99"), Decimal("24.00")),
        ("live_price", Decimal("24.00"), Decimal("22.50")),
        ("compare_at_price", None, Decimal("30.00")),
    ]
    assert price_audit(server, mug["id"]) == [] and cache.reader.failed_ops() == []
    cached = cache.reader.lineup(show)
    assert [(r["id"], r["live_price_cents"], r["position"]) for r in cached] == [
        (mug["id"], 1999, 0),
        (scarf["id"], 2250, 1),
    ]


async def test_a_failed_attempt_waits_its_backoff_and_holds_back_later_operations(
    server, make_cache
):
    host, product, show = await lineup_setup(server)
    faulty = FaultyBackend(await server.backend_for(host))
    cache = make_cache()
    engine = await make_engine(faulty, cache, retry_base=30.0, retry_cap=60.0)
    faulty.offline = True
    await engine.submit(upsert("live_products", **lineup_item(host, show, product)))
    await engine.submit(upsert("live_products", **lineup_item(host, show, product)))
    assert (await engine.sync_now()).state == "offline"
    first, second = (cache.writer.call(CacheStore.get_op, op) for op in await _op_ids(cache))
    assert (first.status, first.attempts) == ("pending", 1)
    assert "could not reach" in first.last_error and first.next_attempt_at is not None
    assert (second.status, second.attempts) == ("pending", 0)  # never sent ahead of the first
    # The first waits 15-30 s before its next attempt, and the second waits behind it.
    assert cache.writer.call(CacheStore.next_pending) == []


async def _op_ids(cache) -> list[str]:
    with cache.db.read() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT op_id FROM outbox ORDER BY id")]


async def test_refused_edits_are_undone_reported_at_their_field_and_later_ops_still_go(
    server, make_cache
):
    host, product, show = await lineup_setup(server, stock=20)
    cache = make_cache()
    engine = await make_engine(await server.backend_for(host), cache)
    heard = Recorder()
    engine.add_listener(heard)
    item = lineup_item(host, show, product, live_price="19.99")
    await engine.submit(upsert("live_products", **item))
    # Sent directly, past the lineup editor's own checks.
    negative = await engine.submit(upsert("live_products", id=item["id"], live_price="-5.00"))
    with server.cursor() as cur:  # a product appears once per show: the second is another
        wholesaler = server.one("select wholesaler_id::text from public.products where id = %s",
                                (product,))
        other = f.create_product(cur, wholesaler, stock=20)
    greedy_item = lineup_item(host, show, other, allocated_quantity=50)
    greedy = await engine.submit(upsert("live_products", **greedy_item))
    await engine.submit(upsert("live_products", id=item["id"], name="Renamed"))
    assert cache.reader.get("live_products", item["id"])["live_price_cents"] == -500

    status = await engine.sync_now()

    assert (status.state, status.pending_ops) == ("online", 0)
    rejected = {r.op_id: r for r in heard.rejections}
    assert set(rejected) == {negative, greedy}
    assert rejected[negative].sqlstate == "23514"
    assert rejected[negative].field == "live_price"
    assert "live_products_live_price_check" in rejected[negative].message
    assert rejected[greedy].sqlstate == "23514"
    assert rejected[greedy].field == "allocated_quantity"
    assert rejected[greedy].message.startswith("Allocation of 50 ")
    # Undone locally: the price is back, the refused item is gone; the rename went through.
    row = cache.reader.get("live_products", item["id"])
    assert (row["name"], row["live_price_cents"]) == ("Renamed", 1999)
    assert cache.reader.get("live_products", greedy_item["id"]) is None
    assert server_lineup(server, show) == {
        item["id"]: ("Renamed", Decimal("19.99"), None, 0),
    }
    assert {e.op_id for e in cache.reader.failed_ops()} == {negative, greedy}


async def test_an_edit_of_a_row_the_user_may_no_longer_change_is_refused(server, make_cache):
    host, product, show = await lineup_setup(server)
    with server.cursor() as cur:
        item = f.create_live_product(cur, show, host.profile_id, product_id=product)
    cache = make_cache()
    engine = await make_engine(await server.backend_for(host), cache)
    heard = Recorder()
    engine.add_listener(heard)
    await engine.sync_now()
    op = await engine.submit(upsert("live_products", id=item, live_price="9.00"))
    server.run("update public.live_stream_sessions set status = 'cancelled' where id = %s",
               (show,))

    await engine.sync_now()

    [refusal] = heard.rejections
    assert (refusal.op_id, refusal.sqlstate) == (op, "42501")
    assert refusal.message == "This lineup item can no longer be changed."
    assert cache.reader.get("live_products", item)["live_price_cents"] == 1999


async def test_function_calls_are_sent_then_their_effects_pulled(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
    cache = make_cache()
    engine = await make_engine(await server.backend_for(host), cache)
    await engine.sync_now()
    await engine.submit(Operation("rpc", "start_show", {"p_session_id": show}))
    assert cache.reader.pending_count() == 1

    assert (await engine.sync_now(reconcile=False)).pending_ops == 0

    assert cache.reader.get("live_stream_sessions", show)["status"] == "live"


@pytest.mark.parametrize(
    ("op", "message"),
    [
        (Operation("upsert", "orders", {"id": "00000000-0000-4000-8000-000000000001"}),
         "does not write 'orders'"),
        (upsert("live_products", id="00000000-0000-4000-8000-000000000001", sold_quantity=3),
         "sold_quantity: set by the server"),
        (upsert("live_stream_sessions", id="00000000-0000-4000-8000-000000000001",
                influencer_id="00000000-0000-4000-8000-000000000002"), "nothing to change"),
        (Operation("delete", "influencer_achievements",
                   {"id": "00000000-0000-4000-8000-000000000001"}), "does not write"),
    ],
)
async def test_writes_the_server_could_never_accept_are_refused_before_storing(
    server, make_cache, op, message
):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
    cache = make_cache()
    engine = await make_engine(await server.backend_for(host), cache)
    with pytest.raises(ValueError, match=message):
        await engine.submit(op)
    assert cache.reader.pending_count() == 0 and cache.count("outbox") == 0


async def test_connectivity_states_follow_the_connection(server, make_cache):
    host, product, show = await lineup_setup(server)
    faulty = FaultyBackend(await server.backend_for(host))
    cache = make_cache()
    engine = await make_engine(faulty, cache)
    heard = Recorder()
    engine.add_listener(heard)
    await engine.start()
    try:
        await asyncio.wait_for(engine.wait_synced(), 30)
        await _until(lambda: engine.status.state == "online")
        faulty.offline = True
        await engine.submit(upsert("live_products", **lineup_item(host, show, product)))
        await _until(lambda: engine.status.state == "offline")
        assert engine.status.pending_ops == 1
        retries = len(faulty.calls)
        await _until(lambda: len(faulty.calls) > retries + 2)  # it keeps trying, backing off
        assert engine.status.state == "offline"
        faulty.restore()
        await _until(lambda: engine.status.state == "online" and engine.status.pending_ops == 0)
    finally:
        await engine.stop()
    assert not engine.running
    states = [s for i, s in enumerate(heard.states) if i == 0 or heard.states[i - 1] != s]
    assert states == ["syncing", "online", "syncing", "offline", "online"]
    assert heard.statuses[-1].last_synced_at is not None
    assert len(server_lineup(server, show)) == 1


async def _until(condition, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_an_expired_session_pauses_syncing_without_refusing_anything(server, make_cache):
    host, product, show = await lineup_setup(server)
    faulty = FaultyBackend(await server.backend_for(host))
    cache = make_cache()
    engine = await make_engine(faulty, cache)
    heard = Recorder()
    engine.add_listener(heard)
    await engine.submit(upsert("live_products", **lineup_item(host, show, product)))
    faulty.error = AuthError("JWT expired", status=401, code="PGRST301")

    status = await engine.sync_now()

    assert status.state == "error" and status.detail.startswith("Sign in again to sync")
    assert status.pending_ops == 1 and heard.rejections == []
    faulty.error = None
    assert (await engine.sync_now()).state == "online"
    assert len(server_lineup(server, show)) == 1


async def test_a_batch_is_stored_whole_or_not_at_all(server, make_cache):
    host, product, show = await lineup_setup(server)
    cache = make_cache()
    engine = await make_engine(await server.backend_for(host), cache)
    good = lineup_item(host, show, product)
    broken = lineup_item(host, show, product, live_price="cheap")
    with pytest.raises(ValueError, match="live_price"):
        await engine.submit_batch([
            upsert("live_products", **good),
            Operation("rpc", "start_show", {"p_session_id": show}),
            upsert("live_products", **broken),
        ])
    assert cache.count("outbox") == 0 and cache.count("live_products") == 0
    ids = await engine.submit_batch([
        Operation("rpc", "start_show", {"p_session_id": show}),
        upsert("live_products", **good),
    ])
    assert ids == await _op_ids(cache)  # queued in the order given


def _made_days_ago(store: CacheStore, op_ids: list[str], days: float) -> None:
    stamp = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for op_id in op_ids:
        store.connection.exec_driver_sql(
            "UPDATE outbox SET created_at = ? WHERE op_id = ?", (stamp, op_id))


async def test_a_change_older_than_the_servers_sync_history_is_undone_not_sent(
    server, make_cache
):
    host, _product, show = await lineup_setup(server)
    cache = make_cache()
    engine = await make_engine(await server.backend_for(host), cache)
    heard = Recorder()
    engine.add_listener(heard)
    mug = lineup_item(host, show, None, name="Mug", position=0)
    tote = lineup_item(host, show, None, name="Tote", position=1)
    for item in (mug, tote):
        await engine.submit(upsert("live_products", **item))
    assert (await engine.sync_now()).pending_ops == 0

    # Queued offline: a rename and a reorder a month and a day ago, a rename 29 days ago.
    old_rename = await engine.submit(upsert("live_products", id=mug["id"], name="Old mug"))
    reorder = await engine.submit_batch([
        upsert("live_products", id=tote["id"], position=0),
        upsert("live_products", id=mug["id"], position=1),
    ])
    recent = await engine.submit(upsert("live_products", id=tote["id"], name="Recent tote"))
    await cache.writer.run(_made_days_ago, [old_rename, *reorder], 31)
    await cache.writer.run(_made_days_ago, [recent], 29)

    status = await engine.sync_now()

    assert (status.state, status.pending_ops) == ("online", 0)
    rejected = {r.op_id: r for r in heard.rejections}
    assert set(rejected) == {old_rename, *reorder}
    assert all("made offline 31 days ago" in r.message for r in rejected.values())
    # Undone here, never sent: the server has the first names and order plus the recent rename.
    assert server_lineup(server, show) == {
        mug["id"]: ("Mug", Decimal("19.99"), None, 0),
        tote["id"]: ("Recent tote", Decimal("19.99"), None, 1),
    }
    assert [r["name"] for r in cache.reader.lineup(show)] == ["Mug", "Recent tote"]
    assert {e.op_id for e in cache.reader.failed_ops()} == {old_rename, *reorder}
