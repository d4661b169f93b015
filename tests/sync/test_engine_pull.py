"""Pulls against the embedded server: each role's scopes, first-pull progress, incremental pulls
(late commits included) and removals."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from test_engine_support import FaultyBackend, Recorder, f, lineup_item, make_engine

from studio.server.demo_accounts import DEMO_HOST, DEMO_WHOLESALER
from studio.sync.backend import NetworkError, PermissionDenied
from studio.sync.cache import Operation

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_engine_support"]


def ids(cache, table: str, where: str = "1 = 1", params: tuple = ()) -> set[str]:
    with cache.db.read() as conn:
        rows = conn.exec_driver_sql(f"SELECT id FROM {table} WHERE {where}", params)
        return {r[0] for r in rows}


def server_ids(conn, query: str, params: tuple = ()) -> set[str]:
    return {str(r[0]) for r in conn.execute(query, params).fetchall()}


async def test_first_pull_fills_the_cache_with_the_catalog_and_the_hosts_shows(
    signed_in, make_cache, pg_connect, seeded_db
):
    backend = await signed_in(DEMO_HOST.email)
    cache = make_cache()
    engine = await make_engine(backend, cache)
    heard = Recorder()
    engine.add_listener(heard)

    status = await engine.sync_now()

    assert status.state == "online" and status.pending_ops == 0
    owner = pg_connect(seeded_db)
    host = DEMO_HOST.profile_id
    catalog = server_ids(
        owner,
        "select id from public.products where status = 'active' and (is_live_eligible"
        " or id in (select product_id from public.live_products where influencer_id = %s))",
        (host,),
    )
    shows = server_ids(
        owner, "select id from public.live_stream_sessions where influencer_id = %s", (host,)
    )
    lineups = server_ids(
        owner, "select id from public.live_products where influencer_id = %s", (host,)
    )
    assert len(catalog) > 3000 and len(shows) > 3 and len(lineups) > 10
    assert ids(cache, "products") == catalog
    assert ids(cache, "live_stream_sessions") == shows
    assert ids(cache, "live_products") == lineups
    assert ids(cache, "influencers") == {host}
    assert ids(cache, "categories") == server_ids(
        owner, "select id from public.categories where is_active"
    )
    # Only the host's own dashboard rows.
    for table in ("influencer_goals", "influencer_notifications", "order_items"):
        assert ids(cache, table, "influencer_id != ?", (host,)) == set()
        assert ids(cache, table)

    # Progress: counted first, then page by page, ending at the total for every table.
    by_table: dict[str, list] = {}
    for event in heard.progress:
        assert event.total is not None and 0 <= event.done <= event.total
        by_table.setdefault(event.table, []).append(event)
    assert {"products", "live_stream_sessions", "live_products"} <= set(by_table)
    for table, events in by_table.items():
        assert events[0].done == 0, table
        dones = [e.done for e in events]
        assert dones == sorted(dones), table
        assert events[-1].done == events[-1].total, table
    assert by_table["live_stream_sessions"][-1].total == len(shows)
    # Two scopes reach products (the catalog and the products of the host's lineups).
    assert by_table["products"][-1].total >= len(catalog)
    assert heard.states[-1] == "online" and "syncing" in heard.states


async def test_first_pull_builds_the_search_index(signed_in, make_cache, pg_connect, seeded_db):
    backend = await signed_in(DEMO_HOST.email)
    cache = make_cache()
    await (await make_engine(backend, cache)).sync_now()
    owner = pg_connect(seeded_db)
    sku, name = owner.execute(
        "select sku, name from public.products where status = 'active' and is_live_eligible"
        " order by sku limit 1"
    ).fetchone()
    found = cache.reader.search_products(name, limit=500)
    assert sku in {row["sku"] for row in found}
    assert cache.reader.count_products() == cache.count("products")


async def test_wholesaler_pulls_own_products_and_the_lineups_that_use_them(
    signed_in, make_cache, pg_connect, seeded_db
):
    backend = await signed_in(DEMO_WHOLESALER.email)
    cache = make_cache()
    status = await (await make_engine(backend, cache)).sync_now()
    assert status.state == "online"
    owner = pg_connect(seeded_db)
    mine = DEMO_WHOLESALER.profile_id
    own_products = server_ids(
        owner, "select id from public.products where wholesaler_id = %s", (mine,)
    )
    items = server_ids(
        owner,
        "select lp.id from public.live_products lp join public.products p on p.id = lp.product_id"
        " where p.wholesaler_id = %s",
        (mine,),
    )
    shows = server_ids(
        owner, "select distinct session_id from public.live_products where id = any(%s::uuid[])",
        (list(items),),
    )
    assert items and shows
    assert ids(cache, "products") == own_products  # every status, nobody else's
    assert ids(cache, "live_products") == items  # not the other items of those lineups
    assert ids(cache, "live_stream_sessions") == shows
    assert ids(cache, "wholesalers") == {mine}
    preview = cache.reader.wholesaler_lineups(mine)
    assert {row["live_product_id"] for row in preview} == items
    assert all(row["host_display_name"] for row in preview)
    assert cache.count("influencer_goals") == 0 and cache.count("live_stream_chat") == 0


async def test_incremental_pull_brings_changes_and_reconciliation_removals(
    server, make_cache
):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        wholesaler = f.create_wholesaler(cur)
        product = f.create_product(cur, wholesaler.profile_id, stock=50)
        show = f.create_session(cur, host.profile_id)
        kept = f.create_live_product(cur, show, host.profile_id, product_id=product)
        doomed = f.create_live_product(cur, show, host.profile_id)
    backend = await server.backend_for(host)
    cache = make_cache()
    engine = await make_engine(backend, cache)
    await engine.sync_now()
    assert ids(cache, "live_products") == {kept, doomed}

    server.run("update public.live_products set live_price = 27.50 where id = %s", (kept,))
    with server.cursor() as cur:
        added = f.create_live_product(cur, show, host.profile_id)
    server.run("delete from public.live_products where id = %s", (doomed,))
    server.run("update public.products set status = 'inactive' where id = %s", (product,))

    status = await engine.sync_now(reconcile=False)
    assert status.state == "online"
    assert cache.reader.get("live_products", kept)["live_price_cents"] == 2750
    assert added in ids(cache, "live_products")
    # The deletions feed brings deletions with the pull, no reconcile needed.
    assert doomed not in ids(cache, "live_products")
    assert product in ids(cache, "products")  # out of scope, not deleted: reconcile removes

    await engine.sync_now()
    assert ids(cache, "live_products") == {kept, added}
    assert product not in ids(cache, "products")  # no longer visible to hosts: removed


async def test_a_transaction_held_open_across_pulls_is_pulled_when_it_commits(
    server, make_cache, pg_connect
):
    """A transaction that writes first and commits last: rows of later transactions are
    pulled meanwhile, yet its rows are not skipped once it commits (the cursor is the server's
    horizon, which stays below an open transaction, not a wall-clock stamp)."""
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
        # Another show: appending to one show's lineup waits for the open transaction.
        other_show = f.create_session(cur, host.profile_id)
    backend = await server.backend_for(host)
    cache = make_cache()
    engine = await make_engine(backend, cache)
    await engine.sync_now()

    slow = pg_connect(server.conninfo, autocommit=False)
    late = str(uuid.uuid4())
    slow.execute(
        "insert into public.live_products (id, session_id, influencer_id, name, live_price,"
        " allocated_quantity) values (%s, %s, %s, 'Late', 5, 1)",
        (late, show, host.profile_id),
    )
    with server.cursor() as cur:
        early = f.create_live_product(cur, other_show, host.profile_id)  # commits now
    assert (await engine.sync_now(reconcile=False)).state == "online"
    assert ids(cache, "live_products") == {early}  # the open one is not visible yet
    assert (await engine.sync_now(reconcile=False)).state == "online"  # pulls again meanwhile

    slow.commit()
    xids = dict(server.owner.execute(
        "select id::text, change_xid from public.live_products").fetchall())
    assert xids[late] < xids[early]  # written before, committed after the pulled row

    assert (await engine.sync_now(reconcile=False)).state == "online"
    assert ids(cache, "live_products") == {early, late}


async def test_pulls_keep_local_edits_that_wait_to_be_pushed(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
        item = f.create_live_product(cur, show, host.profile_id, live_price="10.00")
    backend = await server.backend_for(host)
    cache = make_cache()
    engine = await make_engine(backend, cache)
    await engine.sync_now()
    await engine.submit(Operation("upsert", "live_products", {"id": item, "live_price": "12.00"}))
    # A server-kept column changes: no new row version, so the edit is no conflict.
    server.run("update public.live_products set featured_at = now() where id = %s", (item,))

    await engine.sync_now(push=False)  # the server's row arrives; the price edit still waits

    row = cache.reader.get("live_products", item)
    assert row["featured_at"] is not None and row["live_price_cents"] == 1200
    assert cache.reader.pending_count() == 1
    await engine.sync_now()
    assert server.one("select live_price from public.live_products where id = %s",
                      (item,)) == Decimal("12.00")
    assert cache.reader.pending_count() == 0


async def test_created_rows_get_their_server_computed_columns(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
    backend = await server.backend_for(host)
    cache = make_cache()
    engine = await make_engine(backend, cache)
    show = str(uuid.uuid4())
    await engine.submit(Operation("upsert", "live_stream_sessions", {
        "id": show, "influencer_id": host.profile_id, "title": "Friday finds",
        "scheduled_start": "2030-01-10T18:00:00+00:00",
    }))
    assert cache.reader.get("live_stream_sessions", show)["session_code"] is None
    item = lineup_item(host, show, None)
    await engine.submit(Operation("upsert", "live_products", item))

    await engine.sync_now()

    code = server.one("select session_code from public.live_stream_sessions where id = %s",
                      (show,))
    row = cache.reader.get("live_stream_sessions", show)
    assert len(code) == 8 and row["session_code"] == code
    assert row["updated_at"].startswith(str(server.one(
        "select to_char(updated_at at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        " from public.live_stream_sessions where id = %s", (show,))))
    assert cache.reader.lineup(show)[0]["id"] == item["id"]


async def test_a_scope_the_server_refuses_is_reported_and_the_others_still_sync(
    server, make_cache
):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
        item = f.create_live_product(cur, show, host.profile_id)
    faulty = FaultyBackend(await server.backend_for(host))
    faulty.broken["influencer_goals"] = PermissionDenied(
        "permission denied for table influencer_goals", sqlstate="42501", status=403)
    cache = make_cache()
    engine = await make_engine(faulty, cache)

    status = await engine.sync_now()

    assert status.state == "error"
    assert status.detail.startswith("Could not sync influencer_goals: permission denied")
    assert ids(cache, "live_products") == {item}
    del faulty.broken["influencer_goals"]
    assert (await engine.sync_now()).state == "online"


async def test_a_first_pull_cut_short_goes_on_where_it_stopped(server, make_cache):
    with server.cursor() as cur:
        host = f.create_influencer(cur)
        show = f.create_session(cur, host.profile_id)
        items = {f.create_live_product(cur, show, host.profile_id) for _ in range(7)}
    faulty = FaultyBackend(await server.backend_for(host))
    pages: list[tuple] = []

    def drop_third_page(method: str, args: tuple) -> None:
        if method == "pull_page" and args[0] == "live_products":
            pages.append(args)
            if len(pages) == 3:
                raise NetworkError("could not reach the server: connection reset")

    faulty.before = drop_third_page
    cache = make_cache()
    engine = await make_engine(faulty, cache, page_size=2)
    assert (await engine.sync_now()).state == "offline"
    assert len(ids(cache, "live_products")) == 4  # two pages of two made it

    heard = Recorder()
    engine.add_listener(heard)
    assert (await engine.sync_now()).state == "online"
    assert ids(cache, "live_products") == items
    resumed = [p for p in heard.progress if p.table == "live_products"]
    # Only what was left: the three rows after the cursor, and the cursor's own row again
    # (rows at the saved change are always read again).
    assert (resumed[0].done, resumed[0].total) == (0, 4)
    assert resumed[-1].done == resumed[-1].total == 4  # it went on, not from the start
