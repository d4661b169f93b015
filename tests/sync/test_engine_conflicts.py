"""Two devices of one host: stale edits become kept conflicts, deleted rows stay deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_engine_support import FaultyBackend, Recorder, f, lineup_item, make_engine

from studio.sync.cache import CacheStore, Operation
from studio.sync.cache.errors import CacheDataError

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_engine_support"]


def upsert(table: str, **payload) -> Operation:
    return Operation("upsert", table, payload)


async def _two_devices(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
        item = f.create_live_product(cur, show, host.profile_id, live_price="10.00")
    devices = []
    for name in ("a", "b"):
        cache = make_cache(name)
        engine = await make_engine(await server.backend_for(host), cache)
        assert (await engine.sync_now()).state == "online"
        heard = Recorder()
        heard.conflicts = []
        heard.on_conflict = heard.conflicts.append
        engine.add_listener(heard)
        devices.append((engine, cache, heard))
    return host, show, item, devices


def _price(server, item: str) -> Decimal:
    return server.one("select live_price from public.live_products where id = %s", (item,))


async def test_a_stale_edit_is_kept_as_a_conflict_and_can_be_reapplied(server, make_cache):
    _host, _show, item, [(a, cache_a, heard_a), (b, _cache_b, _heard_b)] = (
        await _two_devices(server, make_cache))
    await b.submit(upsert("live_products", id=item, live_price="12.00"))
    assert (await b.sync_now()).pending_ops == 0  # device B's edit lands first
    await a.submit(upsert("live_products", id=item, live_price="9.00", name="Scarf"))

    status = await a.sync_now()

    assert (status.state, status.pending_ops) == ("online", 0)
    assert _price(server, item) == Decimal("12.00")  # B's change was not overwritten
    [conflict] = heard_a.conflicts
    assert cache_a.reader.get("live_products", item)["live_price_cents"] == 1200  # theirs wins
    mine = {c.column: (c.mine, c.theirs) for c in conflict.fields()}
    assert mine["live_price"] == ("9.00", 12.0)
    assert mine["name"][0] == "Scarf"
    assert conflict.server_version == conflict.base_version + 1
    assert [c.id for c in await a.conflicts()] == [conflict.id]  # durable, until decided

    [op_id] = await a.reapply_conflict(conflict.id)
    entry = cache_a.writer.call(CacheStore.get_op, op_id)
    assert entry.base_version == conflict.server_version  # made against the new version
    assert (await a.sync_now()).pending_ops == 0
    assert _price(server, item) == Decimal("9.00")
    assert await a.conflicts() == []
    with pytest.raises(CacheDataError, match="already reapplied"):
        await a.discard_conflict(conflict.id)


async def test_a_discarded_conflict_keeps_the_other_devices_row(server, make_cache):
    _host, _show, item, [(a, cache_a, heard_a), (b, _cache_b, _heard_b)] = (
        await _two_devices(server, make_cache))
    await b.submit(upsert("live_products", id=item, name="From B"))
    await b.sync_now()
    await a.submit(upsert("live_products", id=item, name="From A"))
    await a.sync_now()
    [conflict] = heard_a.conflicts
    await a.discard_conflict(conflict.id)
    assert await a.conflicts() == []
    await a.sync_now()
    assert server.one("select name from public.live_products where id = %s", (item,)) == "From B"
    assert cache_a.reader.get("live_products", item)["name"] == "From B"


async def test_a_resent_add_after_another_device_deleted_the_item_is_not_resurrected(
    server, make_cache
):
    host, show, _item, [(a, cache_a, _heard_a), (b, cache_b, _heard_b)] = (
        await _two_devices(server, make_cache))
    faulty = FaultyBackend(a.backend)
    a_lost = await make_engine(faulty, cache_a)
    added = lineup_item(host, show, None, name="Added on A", position=1)
    await a_lost.submit(upsert("live_products", **added))
    faulty.fail_from(1, reply_lost=True)  # the add reaches the server, its reply is lost
    assert (await a_lost.sync_now()).state == "offline"
    assert cache_a.reader.pending_count() == 1

    await b.sync_now()
    assert cache_b.reader.get("live_products", added["id"]) is not None
    await b.submit(Operation("delete", "live_products", {"id": added["id"]}))
    assert (await b.sync_now()).pending_ops == 0

    faulty.restore()  # device A comes back and sends the add again: a replay, not a new row
    assert (await a_lost.sync_now()).pending_ops == 0
    assert server.one("select count(*) from public.live_products where id = %s",
                      (added["id"],)) == 0
    assert cache_a.reader.get("live_products", added["id"]) is None  # the deletion reached A


async def test_an_add_sent_first_after_the_row_was_deleted_elsewhere_is_gone(server, make_cache):
    """A create (new op id) for an id that was deleted on the server: refused as gone."""
    host, show, _item, [(a, cache_a, heard_a), (_b, _cache_b, _heard_b)] = (
        await _two_devices(server, make_cache))
    added = lineup_item(host, show, None, name="Once", position=1)
    await a.submit(upsert("live_products", **added))
    await a.sync_now()
    server.run("delete from public.live_products where id = %s", (added["id"],))
    again = await a.submit(upsert("live_products", **{**added, "name": "Twice"}))
    await a.sync_now()
    assert server.one("select count(*) from public.live_products where id = %s",
                      (added["id"],)) == 0
    assert cache_a.reader.get("live_products", added["id"]) is None
    assert cache_a.writer.call(CacheStore.get_op, again).status == "gone"
    assert [r.op_id for r in heard_a.rejections] == [again]
    assert "deleted on another device" in heard_a.rejections[0].message


async def test_a_reorder_batch_lands_whole_or_becomes_one_conflict(server, make_cache):
    host, show, first, [(a, cache_a, heard_a), (b, _cache_b, _heard_b)] = (
        await _two_devices(server, make_cache))
    with server.cursor() as cur:
        second = f.create_live_product(cur, show, host.profile_id)  # appended: position 1
    await a.sync_now()
    await b.sync_now()
    # A swaps the two (positions are unique per show: only one transaction can swap them).
    ids = await a.submit_batch([
        upsert("live_products", id=first, position=1),
        upsert("live_products", id=second, position=0),
    ])
    assert len({cache_a.writer.call(CacheStore.get_op, i).batch_id for i in ids}) == 1
    assert (await a.sync_now()).pending_ops == 0
    positions = dict(server.owner.execute(
        "select id::text, position from public.live_products where session_id = %s",
        (show,)).fetchall())
    assert positions == {first: 1, second: 0}

    # B renames the second item; A, not yet aware, swaps back: the whole batch conflicts.
    await b.sync_now()
    await b.submit(upsert("live_products", id=second, name="Renamed on B"))
    await b.sync_now()
    await a.submit_batch([
        upsert("live_products", id=first, position=0),
        upsert("live_products", id=second, position=1),
    ])
    await a.sync_now()
    assert positions == dict(server.owner.execute(
        "select id::text, position from public.live_products where session_id = %s",
        (show,)).fetchall())  # nothing of the batch was applied
    batch = {c.batch_id for c in heard_a.conflicts}
    assert len(heard_a.conflicts) == 2 and len(batch) == 1 and None not in batch
    await a.reapply_conflict(heard_a.conflicts[0].id)  # the batch goes again, whole
    assert (await a.sync_now()).pending_ops == 0
    assert dict(server.owner.execute(
        "select id::text, position from public.live_products where session_id = %s",
        (show,)).fetchall()) == {first: 0, second: 1}
    assert await a.conflicts() == []


async def test_deciding_a_conflict_that_does_not_exist_is_refused_and_changes_nothing(
    server, make_cache
):
    _host, _show, _item, [(a, cache_a, _heard_a), _b] = await _two_devices(server, make_cache)
    before = cache_a.count("outbox")
    for bad, message in ((12345, "no conflict 12345"), ("1", "not a conflict id"),
                         (True, "not a conflict id")):
        with pytest.raises(CacheDataError, match=message):
            await a.reapply_conflict(bad)
        with pytest.raises(CacheDataError, match=message):
            await a.discard_conflict(bad)
    assert cache_a.count("outbox") == before and await a.conflicts() == []
    with pytest.raises(CacheDataError, match="resolution must be one of"):
        cache_a.writer.call(CacheStore.resolve_conflicts, [], "ignored")
