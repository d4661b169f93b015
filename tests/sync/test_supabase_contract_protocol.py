"""The sync protocol on the wire: horizon and floor RPCs, the deletions feed, apply_ops."""

from __future__ import annotations

import json

import pytest
from supabase_support import ITEM_ID, SHOW_ID, assert_user_headers, rest, sent, user_token

from studio.sync.backend import BackendError
from studio.sync.protocol import OpResult, ProtocolError, Tombstone

pytest_plugins = ["supabase_support"]
pytestmark = pytest.mark.asyncio

OP_ID = "44444444-4444-4444-8444-444444444444"


async def test_the_horizon_is_an_rpc_post(signed_in, respx_mock):
    route = rest(respx_mock, "POST", "rpc/sync_horizon", body=812)
    assert await signed_in.sync_horizon() == 812
    request = sent(route)
    assert json.loads(request.content) == {}
    assert_user_headers(request, user_token())


async def test_the_tombstone_floor_may_be_null(signed_in, respx_mock):
    route = rest(respx_mock, "POST", "rpc/sync_tombstone_floor", body=None)
    assert await signed_in.tombstone_floor() is None
    route.mock(return_value=route.return_value.__class__(200, json=455))
    assert await signed_in.tombstone_floor() == 455


async def test_a_horizon_that_is_not_a_number_is_a_protocol_error(signed_in, respx_mock):
    rest(respx_mock, "POST", "rpc/sync_horizon", body={"oops": 1})
    with pytest.raises(ProtocolError, match="sync_horizon"):
        await signed_in.sync_horizon()


async def test_tombstones_are_keyset_paged_in_commit_order(signed_in, respx_mock):
    rows = [{"id": 41, "table_name": "live_products", "row_id": ITEM_ID, "change_xid": 900}]
    route = rest(respx_mock, "GET", "sync_tombstones", body=rows)
    page = await signed_in.pull_tombstones(["products", "live_products"], 812, (899, 40), 1000)
    assert sent(route).url.params.multi_items() == [
        ("select", "id,table_name,row_id,change_xid"),
        ("table_name", "in.(live_products,products)"),
        ("change_xid", "gte.812"),
        ("or", "(change_xid.gt.899,and(change_xid.eq.899,id.gt.40))"),
        ("order", "change_xid.asc,id.asc"),
        ("limit", "1000"),
    ]
    assert page.tombstones == [Tombstone(41, "live_products", ITEM_ID, 900)]
    assert page.next_after == (900, 41)


async def test_apply_ops_posts_the_batch_and_reads_each_result(signed_in, respx_mock):
    row = {"id": ITEM_ID, "row_version": 4, "live_price": 21.5}
    reply = {"results": [{"op_id": OP_ID, "status": "conflict", "row": row}]}
    route = rest(respx_mock, "POST", "rpc/apply_ops", body=reply)
    op = {"op_id": OP_ID, "table": "live_products", "kind": "upsert", "id": ITEM_ID,
          "base_version": 3, "values": {"live_price": "21.00"}}
    assert await signed_in.apply_ops([op]) == [OpResult(OP_ID, "conflict", row)]
    assert json.loads(sent(route).content) == {"p_ops": [op]}


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ([], "non-empty list"),
        ([{"op_id": OP_ID, "table": "live_products", "kind": "merge", "id": ITEM_ID}], "kind"),
        ([{"op_id": "x", "table": "live_products", "kind": "delete", "id": ITEM_ID}], "op_id"),
        ([{"op_id": OP_ID, "table": "live_products", "kind": "upsert", "id": SHOW_ID,
           "values": [1]}], "values must be a mapping"),
        ([{"op_id": OP_ID, "table": "live_products", "kind": "upsert", "id": SHOW_ID,
           "base_version": "3"}], "base_version"),
        ([{"table": "live_products", "kind": "delete", "id": SHOW_ID}], "missing op_id"),
    ],
)
async def test_malformed_batches_are_refused_before_sending(signed_in, respx_mock, ops, message):
    with pytest.raises(ValueError, match=message):
        await signed_in.apply_ops(ops)
    assert respx_mock.calls.call_count == 0


async def test_an_answer_for_other_operations_is_a_protocol_error(signed_in, respx_mock):
    other = "55555555-5555-4555-8555-555555555555"
    rest(respx_mock, "POST", "rpc/apply_ops",
         body={"results": [{"op_id": other, "status": "applied", "row": None}]})
    op = {"op_id": OP_ID, "table": "live_products", "kind": "delete", "id": ITEM_ID}
    with pytest.raises(ProtocolError, match="another operation"):
        await signed_in.apply_ops([op])


async def test_a_refused_batch_raises_with_its_sqlstate(signed_in, respx_mock):
    rest(respx_mock, "POST", "rpc/apply_ops", 400,
         body={"code": "22023", "message": "apply_ops: table orders is not writable through sync",
               "details": None, "hint": None})
    op = {"op_id": OP_ID, "table": "orders", "kind": "delete", "id": ITEM_ID}
    with pytest.raises(BackendError, match="not writable") as caught:
        await signed_in.apply_ops([op])
    assert caught.value.sqlstate == "22023" and not caught.value.retryable
