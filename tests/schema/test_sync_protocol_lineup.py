"""Lineup integrity (A4, A5): a product once per show, unique dense positions, atomic batches."""

from __future__ import annotations

import uuid

import factories as f
import psycopg
import pytest
from test_fn_support import Show, assert_refused, build_show, one, refused, rpc
from test_sync_protocol_support import (
    apply_ops,
    apply_refused,
    ledger_size,
    nothing_written,
    op,
    row_version,
    statuses,
)


def _lineup(conn: psycopg.Connection, session_id: str) -> list[str]:
    """Item ids in position order, after checking the positions are exactly 0 .. n-1."""
    got = conn.execute("select id::text, position from public.live_products"
                       " where session_id = %s order by position", (session_id,)).fetchall()
    assert [p for _, p in got] == list(range(len(got)))
    return [i for i, _ in got]


def _show_of(conn: psycopg.Connection, items: int) -> tuple[Show, list[str]]:
    """A scheduled show with `items` items (the first from build_show), appended in order."""
    show = build_show(conn, status="scheduled")
    with conn.cursor() as cur:
        for _ in range(items - 1):
            f.create_live_product(cur, show.session_id, show.host.profile_id)
    ids = _lineup(conn, show.session_id)
    assert ids[0] == show.live_product_id
    return show, ids


def _reorder(conn: psycopg.Connection, user_id: str, session_id: str, ids: list[str]) -> None:
    rpc(conn, user_id, "select public.set_lineup_order(%s, %s::uuid[])", (session_id, ids))


def test_items_added_without_a_position_are_appended(conn: psycopg.Connection) -> None:
    show, ids = _show_of(conn, 2)
    added = rpc(conn, show.host.user_id,
                "insert into public.live_products (session_id, influencer_id, name, live_price,"
                " allocated_quantity, position) values (%s, %s, 'Own goods', 4, 1, null)"
                " returning id::text", (show.session_id, show.host.profile_id))
    assert _lineup(conn, show.session_id) == [*ids, added]


def test_a_product_appears_once_per_show(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="scheduled")
    with pytest.raises(psycopg.errors.UniqueViolation) as caught, conn.cursor() as cur:
        f.create_live_product(cur, show.session_id, show.host.profile_id,
                              product_id=show.product_id)
    assert caught.value.diag.constraint_name == "live_products_session_product_key"

    twin = op("live_products", str(uuid.uuid4()), values={
        "session_id": show.session_id, "influencer_id": show.host.profile_id,
        "product_id": show.product_id, "name": "Twin", "live_price": "5.00",
        "allocated_quantity": 1})
    with nothing_written(conn):
        err = apply_refused(conn, show.host.user_id, [twin])
    assert err.sqlstate == "23505"
    assert err.diag.constraint_name == "live_products_session_product_key"


def test_one_position_per_item(conn: psycopg.Connection) -> None:
    show, (first, _) = _show_of(conn, 2)
    # The old way, one op per transaction: the first half of a swap already collides.
    with nothing_written(conn):
        err = apply_refused(conn, show.host.user_id,
                            [op("live_products", first, base=1, values={"position": 1})])
    assert err.sqlstate == "23505"
    assert err.diag.constraint_name == "live_products_session_position_key"


def test_a_batch_swapping_two_positions_applies_atomically(conn: psycopg.Connection) -> None:
    show, (first, second) = _show_of(conn, 2)
    results = apply_ops(conn, show.host.user_id, [
        op("live_products", first, base=1, values={"position": 1}),
        op("live_products", second, base=1, values={"position": 0}),
    ])
    assert statuses(results) == ["applied", "applied"]
    assert _lineup(conn, show.session_id) == [second, first]
    assert [r["row"]["position"] for r in results] == [1, 0]


def test_a_batch_with_one_conflict_applies_nothing(conn: psycopg.Connection) -> None:
    show, (first, second, third) = _show_of(conn, 3)
    # Another device renamed the third item since this one read it.
    conn.execute("update public.live_products set name = 'Renamed elsewhere' where id = %s",
                 (third,))
    batch = [
        op("live_products", first, base=1, values={"position": 2}),
        op("live_products", third, base=1, values={"position": 0}),
        op("live_products", second, base=1, values={"live_price": "1.00"}),
    ]
    with nothing_written(conn):
        results = apply_ops(conn, show.host.user_id, batch)

    assert statuses(results) == ["skipped", "conflict", "skipped"]
    assert [r["op_id"] for r in results] == [o["op_id"] for o in batch]
    assert results[1]["row"]["name"] == "Renamed elsewhere"
    assert results[0]["row"] is None and results[2]["row"] is None
    assert ledger_size(conn, show.host.user_id) == 0
    assert _lineup(conn, show.session_id) == [first, second, third]

    # Rebased on what the server holds, the same user action goes through in one piece.
    batch[1]["base_version"] = results[1]["row"]["row_version"]
    assert statuses(apply_ops(conn, show.host.user_id, batch)) == ["applied"] * 3
    assert _lineup(conn, show.session_id) == [third, second, first]


def test_a_batch_hitting_a_deleted_row_is_gone_and_applies_nothing(
    conn: psycopg.Connection,
) -> None:
    show, (first, second) = _show_of(conn, 2)
    apply_ops(conn, show.host.user_id, [op("live_products", second, kind="delete")])
    with nothing_written(conn):
        results = apply_ops(conn, show.host.user_id, [
            op("live_products", first, base=1, values={"name": "Kept?"}),
            op("live_products", second, base=1, values={"name": "Edited after removal"}),
        ])
    assert statuses(results) == ["skipped", "gone"]
    assert one(conn, "select name from public.live_products where id = %s",
               (first,)) != "Kept?"


def test_set_lineup_order_keeps_positions_dense(conn: psycopg.Connection) -> None:
    show, (a, b, c) = _show_of(conn, 3)
    _reorder(conn, show.host.user_id, show.session_id, [c, a, b])
    assert _lineup(conn, show.session_id) == [c, a, b]
    assert row_version(conn, "live_products", c) == 2


@pytest.mark.parametrize("mistake", ["missing", "twice", "foreign", "null", "empty"])
def test_set_lineup_order_wants_each_item_exactly_once(conn: psycopg.Connection,
                                                       mistake: str) -> None:
    show, (a, b, c) = _show_of(conn, 3)
    other = build_show(conn, status="scheduled")
    ids: list[str | None] = {
        "missing": [a, b], "twice": [a, b, c, a], "foreign": [a, b, other.live_product_id],
        "null": [a, b, None], "empty": [],
    }[mistake]
    with nothing_written(conn):
        err = refused(conn, show.host.user_id,
                      "select public.set_lineup_order(%s, %s::uuid[])", (show.session_id, ids))
    assert_refused(err, "22023", "p_item_ids")


def test_only_the_host_reorders_a_lineup(conn: psycopg.Connection) -> None:
    show, (a, b) = _show_of(conn, 2)
    with conn.cursor() as cur:
        other_host = f.create_influencer(cur)
    for intruder in (show.customer, other_host, show.wholesaler):
        with nothing_written(conn):
            err = refused(conn, intruder.user_id,
                          "select public.set_lineup_order(%s, %s::uuid[])",
                          (show.session_id, [b, a]))
        assert_refused(err, "42501", "Only the host of this show")
    assert _lineup(conn, show.session_id) == [a, b]


def test_deleting_an_item_closes_the_gap(conn: psycopg.Connection) -> None:
    show, (a, b, c, d) = _show_of(conn, 4)
    [result] = apply_ops(conn, show.host.user_id, [op("live_products", b, kind="delete")])
    assert result["status"] == "applied"
    assert _lineup(conn, show.session_id) == [a, c, d]
    # Closing the gap is the server's doing: the other items' pending edits stay valid.
    assert row_version(conn, "live_products", d) == 1
    rpc(conn, show.host.user_id, "delete from public.live_products where id = any(%s::uuid[])",
        ([a, d],))
    assert _lineup(conn, show.session_id) == [c]


def test_the_lineup_of_an_ended_show_stays_as_it_was(conn: psycopg.Connection) -> None:
    show = build_show(conn, status="ended")
    with conn.cursor() as cur:
        extra = f.create_live_product(cur, show.session_id, show.host.profile_id)
    with nothing_written(conn):
        err = refused(conn, show.host.user_id, "select public.set_lineup_order(%s, %s::uuid[])",
                      (show.session_id, [extra, show.live_product_id]))
    assert_refused(err, "42501", "This lineup can no longer be changed.")
