"""apply_ops (A2, A4): replays change nothing, deleted rows stay deleted, stale edits conflict."""

from __future__ import annotations

import uuid

import factories as f
import psycopg
from test_fn_support import build_show, checkout, fill_cart, one
from test_sync_protocol_support import (
    apply_ops,
    ledger_size,
    nothing_written,
    op,
    row_version,
    statuses,
)


def _live_price(conn: psycopg.Connection, item_id: str) -> str:
    return str(one(conn, "select live_price from public.live_products where id = %s", (item_id,)))


def test_an_applied_update_returns_the_row_with_its_new_version(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    item = show.live_product_id
    edit = op("live_products", item, base=1, values={"live_price": "17.50", "name": "Mug"})

    [result] = apply_ops(conn, show.host.user_id, [edit])

    assert result["status"] == "applied"
    assert result["op_id"] == edit["op_id"]
    assert result["row"]["id"] == item
    assert result["row"]["row_version"] == 2
    assert str(result["row"]["live_price"]) == "17.50"
    assert result["row"]["change_xid"] > 0
    assert _live_price(conn, item) == "17.50"


def test_a_replayed_op_is_a_no_op(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    edit = op("live_products", show.live_product_id, base=1, values={"live_price": "17.50"})
    apply_ops(conn, show.host.user_id, [edit])

    with nothing_written(conn):
        [again] = apply_ops(conn, show.host.user_id, [edit])

    assert again["status"] == "replayed"
    assert again["row"]["row_version"] == 2


def test_a_replayed_update_does_not_undo_a_later_change(conn: psycopg.Connection) -> None:
    """Device A's edit lands, device B edits after it, A resends its edit: B's value stays."""
    show = build_show(conn, status="scheduled")
    item = show.live_product_id
    first = op("live_products", item, base=1, values={"live_price": "17.50"})
    apply_ops(conn, show.host.user_id, [first])
    apply_ops(conn, show.host.user_id,
              [op("live_products", item, base=2, values={"live_price": "15.00"})])

    with nothing_written(conn):
        [again] = apply_ops(conn, show.host.user_id, [first])

    assert again["status"] == "replayed"
    assert _live_price(conn, item) == "15.00"
    assert row_version(conn, "live_products", item) == 3


def test_an_add_resent_after_another_device_removed_it_is_gone(conn: psycopg.Connection) -> None:
    """A adds an item, dies before the ack; B removes it; A resends the add: no resurrection."""
    show = build_show(conn, status="scheduled")
    with conn.cursor() as cur:
        second_product = f.create_product(cur, show.wholesaler.profile_id)
    new_id = str(uuid.uuid4())
    add = op("live_products", new_id, values={
        "session_id": show.session_id, "influencer_id": show.host.profile_id,
        "product_id": second_product, "name": "Second item", "live_price": "9.99",
        "allocated_quantity": 3})
    [added] = apply_ops(conn, show.host.user_id, [add])
    assert added["status"] == "applied"
    assert added["row"]["position"] == 1  # appended after the first item
    [removed] = apply_ops(conn, show.host.user_id,
                          [op("live_products", new_id, kind="delete")])
    assert removed == {"op_id": removed["op_id"], "status": "applied", "row": None}

    # Resent with its op id: answered from the ledger.
    with nothing_written(conn):
        [again] = apply_ops(conn, show.host.user_id, [add])
    assert again["status"] == "replayed" and again["row"] is None
    # Resent as a new op (the ledger entry was never seen by the device): the tombstone answers.
    with nothing_written(conn):
        [fresh] = apply_ops(conn, show.host.user_id, [{**add, "op_id": str(uuid.uuid4())}])
    assert fresh["status"] == "gone" and fresh["row"] is None
    assert one(conn, "select count(*) from public.live_products where id = %s", (new_id,)) == 0


def test_a_stale_base_version_is_a_conflict_and_changes_nothing(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    item = show.live_product_id
    apply_ops(conn, show.host.user_id,
              [op("live_products", item, base=1, values={"live_price": "15.00"})])

    stale = op("live_products", item, base=1, values={"live_price": "12.00", "name": "Lost"})
    with nothing_written(conn):
        [result] = apply_ops(conn, show.host.user_id, [stale])

    assert result["status"] == "conflict"
    assert result["row"]["row_version"] == 2
    assert str(result["row"]["live_price"]) == "15.00"
    # Nothing is remembered for a conflict: the same op may be re-applied on the new base.
    [rebased] = apply_ops(conn, show.host.user_id, [{**stale, "base_version": 2}])
    assert rebased["status"] == "applied"
    assert _live_price(conn, item) == "12.00"


def test_a_create_sent_again_on_an_existing_row(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    goal_id = str(uuid.uuid4())
    values = {"influencer_id": show.host.profile_id, "title": "Weekly", "goal_type": "revenue",
              "period": "weekly", "period_start": "2026-11-30", "period_end": "2026-12-06",
              "target_value": 500}
    assert statuses(apply_ops(conn, show.host.user_id, [op("influencer_goals", goal_id,
                                                          values=values)])) == ["applied"]
    with nothing_written(conn, but=["private.applied_ops"]):  # the new op id is recorded
        [same] = apply_ops(conn, show.host.user_id, [op("influencer_goals", goal_id,
                                                        values=values)])
    assert same["status"] == "applied"
    assert same["row"]["title"] == "Weekly"
    with nothing_written(conn):
        [other] = apply_ops(conn, show.host.user_id,
                            [op("influencer_goals", goal_id, values={**values, "title": "Other"})])
    assert other["status"] == "conflict"
    assert other["row"]["title"] == "Weekly"


def test_sales_do_not_bump_row_versions(conn: psycopg.Connection) -> None:
    """A sale between a host's edit and its push does not make the edit a conflict."""
    show = build_show(conn, status="live", allocated=5)
    versions = {
        "live_products": row_version(conn, "live_products", show.live_product_id),
        "products": row_version(conn, "products", show.product_id),
        "live_stream_sessions": row_version(conn, "live_stream_sessions", show.session_id),
    }
    fill_cart(conn, show.customer.profile_id, live={show.live_product_id: 2})
    checkout(conn, show.customer)
    # Server-side counter updates (restock, metrics, a sell-out) do not count either.
    conn.execute("update public.products set stock_quantity = stock_quantity + 50 where id = %s",
                 (show.product_id,))
    conn.execute("update public.live_products set sold_quantity = allocated_quantity,"
                 " revenue = revenue + 1 where id = %s", (show.live_product_id,))
    conn.execute("update public.live_stream_sessions set total_orders = total_orders + 1,"
                 " peak_viewers = peak_viewers + 3 where id = %s", (show.session_id,))
    assert one(conn, "select status::text from public.live_products where id = %s",
               (show.live_product_id,)) == "sold_out"
    for table, row_id in (("live_products", show.live_product_id),
                          ("products", show.product_id),
                          ("live_stream_sessions", show.session_id)):
        assert row_version(conn, table, row_id) == versions[table], table

    [edit] = apply_ops(conn, show.host.user_id, [op(
        "live_products", show.live_product_id, base=versions["live_products"],
        values={"name": "Renamed while selling"})])
    assert edit["status"] == "applied"


def test_client_edits_bump_the_version_once_per_statement(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    conn.execute("update public.live_stream_sessions set title = 'New title' where id = %s",
                 (show.session_id,))
    conn.execute("update public.live_stream_sessions set title = 'New title' where id = %s",
                 (show.session_id,))  # same value: not an edit
    assert row_version(conn, "live_stream_sessions", show.session_id) == 2
    conn.execute("update public.products set retail_price = 30, name = 'Renamed' where id = %s",
                 (show.product_id,))
    assert row_version(conn, "products", show.product_id) == 2


def test_deleting_a_row_already_gone_is_applied(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    missing = str(uuid.uuid4())
    [result] = apply_ops(conn, show.host.user_id, [op("live_products", missing, kind="delete")])
    assert result["status"] == "applied"
    assert ledger_size(conn, show.host.user_id) == 1


def test_values_take_the_column_types(conn: psycopg.Connection) -> None:
    """Arrays, enums, numbers and timestamps arrive as JSON and land in their column types."""
    with conn.cursor() as cur:
        supplier = f.create_wholesaler(cur)
    product_id = str(uuid.uuid4())
    values = {"wholesaler_id": supplier.profile_id, "sku": "TAGGED-1", "name": "Tagged",
              "tags": ["gift", "winter"], "wholesale_price": 4.5, "retail_price": "9.99",
              "status": "draft", "stock_quantity": 12}
    [created] = apply_ops(conn, supplier.user_id, [op("products", product_id, values=values)])
    assert created["status"] == "applied"
    assert created["row"]["tags"] == ["gift", "winter"]
    assert created["row"]["status"] == "draft"
    got = conn.execute("select tags, status::text, wholesale_price::text from public.products"
                       " where id = %s", (product_id,)).fetchone()
    assert got == (["gift", "winter"], "draft", "4.50")
    # The same create sent again compares equal value by value (4.5 is 4.50).
    [again] = apply_ops(conn, supplier.user_id, [op("products", product_id, values=values)])
    assert again["status"] == "applied"
    show = build_show(conn, status="scheduled")
    [moved] = apply_ops(conn, show.host.user_id, [op(
        "live_stream_sessions", show.session_id, base=1,
        values={"scheduled_start": "2030-01-02T18:00:00Z", "scheduled_end": None})])
    assert moved["status"] == "applied"
    assert str(one(conn, "select scheduled_start at time zone 'UTC' from"
                         " public.live_stream_sessions where id = %s", (show.session_id,))
               ) == "2030-01-02 18:00:00"
