"""The exact PostgREST requests SupabaseBackend sends for reads, writes and RPC; error mapping."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from supabase_support import (
    ANON_KEY,
    HOST,
    ITEM_ID,
    LINEUP_ROW,
    SHOW_ID,
    assert_user_headers,
    columns_param,
    rest,
    sent,
    sent_json,
    user_token,
)

from studio.sync.backend import (
    AuthError,
    Backend,
    BackendError,
    Cursor,
    NetworkError,
    NotFound,
    Order,
    PermissionDenied,
    ValidationError,
    eq,
    gte,
    in_,
)

pytest_plugins = ["supabase_support"]


# ------------------------------------------------------------------------------------- reads


@pytest.mark.asyncio
async def test_select_sends_columns_filters_order_and_range(signed_in, respx_mock):
    route = rest(respx_mock, "GET", "products", body=[{"id": "a", "name": "Mug"}])
    rows = await signed_in.select(
        "products",
        ["id", "name"],
        [eq("status", "active"), gte("retail_price", Decimal("10.50")), in_("brand", ["A", "B,C"])],
        [Order("updated_at"), Order("id"), Order("name", descending=True, nulls_first=False)],
        limit=50,
        offset=100,
    )
    request = sent(route)
    assert request.method == "GET"
    assert request.url.params.multi_items() == [
        ("select", "id,name"),
        ("status", "eq.active"),
        ("retail_price", "gte.10.50"),
        ("brand", 'in.(A,"B,C")'),
        ("order", "updated_at.asc,id.asc,name.desc.nullslast"),
        ("limit", "50"),
        ("offset", "100"),
    ]
    assert_user_headers(request, user_token(1))
    assert request.headers["accept-profile"] == "public"
    assert request.content == b""
    assert rows == [{"id": "a", "name": "Mug"}]


@pytest.mark.asyncio
async def test_supabase_backend_implements_the_backend_interface(backend):
    assert isinstance(backend, Backend)


@pytest.mark.asyncio
async def test_select_without_a_session_uses_the_anon_key(backend, respx_mock):
    route = rest(respx_mock, "GET", "categories", body=[])
    assert await backend.select("categories", ["id", "name"]) == []
    assert sent(route).url.params.multi_items() == [("select", "id,name")]
    assert_user_headers(sent(route), ANON_KEY)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("table", "columns", "kwargs", "message"),
    [
        ("products", ["*"], {}, "not a valid table or column name"),
        ("products", [], {}, "list the columns explicitly"),
        ("products", "id,name", {}, "list the columns explicitly"),
        ("products; drop", ["id"], {}, "not a valid table or column name"),
        ("products", ["id"], {"limit": 0}, "limit must be a positive integer"),
        ("products", ["id"], {"offset": -1}, "offset must be a non-negative integer"),
    ],
)
async def test_select_refuses_bad_input_without_a_request(
    signed_in, respx_mock, table, columns, kwargs, message
):
    with pytest.raises(ValueError, match=message):
        await signed_in.select(table, columns, **kwargs)
    assert respx_mock.calls.call_count == 0


@pytest.mark.asyncio
async def test_pull_page_sends_the_keyset_cursor(signed_in, respx_mock):
    rows = [
        {"id": ITEM_ID, "name": "a", "change_xid": 812},
        {"id": SHOW_ID, "name": "b", "change_xid": 815},
    ]
    route = rest(respx_mock, "GET", "live_products", body=rows)
    page = await signed_in.pull_page(
        "live_products", ["id", "name"], Cursor(812, ITEM_ID), 500,
        [eq("session_id", SHOW_ID)], since=800,
    )
    assert sent(route).url.params.multi_items() == [
        ("select", "id,name,change_xid"),
        ("session_id", f"eq.{SHOW_ID}"),
        ("change_xid", "gte.800"),
        ("or", f"(change_xid.gt.812,and(change_xid.eq.812,id.gt.{ITEM_ID}))"),
        ("order", "change_xid.asc,id.asc"),
        ("limit", "500"),
    ]
    assert page.rows == rows
    assert page.next_cursor == Cursor(815, SHOW_ID)


@pytest.mark.asyncio
async def test_pull_page_refuses_a_column_string(signed_in, respx_mock):
    with pytest.raises(ValueError, match="list the columns explicitly"):
        await signed_in.pull_page("products", "id,name", None, 10)
    assert respx_mock.calls.call_count == 0


@pytest.mark.asyncio
async def test_first_pull_has_no_cursor_and_an_empty_page_ends_paging(signed_in, respx_mock):
    route = rest(respx_mock, "GET", "products", body=[])
    page = await signed_in.pull_page("products", ["name"], None, 1000)
    assert sent(route).url.params.multi_items() == [
        ("select", "name,change_xid,id"),
        ("order", "change_xid.asc,id.asc"),
        ("limit", "1000"),
    ]
    assert page.rows == [] and page.next_cursor is None


@pytest.mark.asyncio
async def test_select_ids_pages_by_id_until_an_empty_page(signed_in, respx_mock):
    route = respx_mock.route(method="GET", host=HOST, path="/rest/v1/live_products").mock(
        side_effect=[
            httpx.Response(200, json=[{"id": "a"}, {"id": "b"}]),
            httpx.Response(200, json=[{"id": "c"}]),
            httpx.Response(200, json=[]),
        ]
    )
    ids = await signed_in.select_ids("live_products", [eq("session_id", SHOW_ID)])
    assert ids == {"a", "b", "c"}
    params = [call.request.url.params.multi_items() for call in route.calls]
    base = [("select", "id"), ("session_id", f"eq.{SHOW_ID}")]
    tail = [("order", "id.asc"), ("limit", "1000")]
    assert params == [base + tail, [*base, ("id", "gt.b"), *tail], [*base, ("id", "gt.c"), *tail]]


# ------------------------------------------------------------------------------------ writes


@pytest.mark.asyncio
async def test_upsert_merges_duplicates_on_conflict(signed_in, respx_mock):
    route = rest(respx_mock, "POST", "live_products", 201, body=[sent_json(LINEUP_ROW)])
    rows = await signed_in.upsert("live_products", [LINEUP_ROW])
    request = sent(route)
    assert request.url.params["on_conflict"] == "id"
    assert columns_param(request) == set(LINEUP_ROW)
    assert [k for k, _ in request.url.params.multi_items()] == ["on_conflict", "columns"]
    assert request.headers["prefer"] == "return=representation,resolution=merge-duplicates"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["content-profile"] == "public"
    assert_user_headers(request, user_token(1))
    assert json.loads(request.content) == [sent_json(LINEUP_ROW)]
    assert rows == [sent_json(LINEUP_ROW)]


@pytest.mark.asyncio
async def test_upsert_without_returning_asks_for_a_minimal_reply(signed_in, respx_mock):
    route = rest(respx_mock, "POST", "live_products", 201)
    assert await signed_in.upsert("live_products", [LINEUP_ROW], returning=False) == []
    assert sent(route).headers["prefer"] == "return=minimal,resolution=merge-duplicates"


@pytest.mark.asyncio
async def test_upsert_can_limit_the_returned_columns(signed_in, respx_mock):
    route = rest(respx_mock, "POST", "live_stream_sessions", 201, body=[{"id": SHOW_ID}])
    row = {"id": SHOW_ID, "title": "Friday finds"}
    await signed_in.upsert(
        "live_stream_sessions", [row], on_conflict="id", columns=["id", "updated_at"]
    )
    request = sent(route)
    assert request.url.params["select"] == "id,updated_at"
    assert request.headers["prefer"] == "resolution=merge-duplicates,return=representation"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("rows", "on_conflict", "message"),
    [
        ([LINEUP_ROW, {"id": SHOW_ID}], "id", "same columns"),
        ([{"bad key": 1}], "id", "not a valid table or column name"),
        ([LINEUP_ROW], "id;drop", "not a valid table or column name"),
    ],
)
async def test_upsert_refuses_bad_rows_without_a_request(
    signed_in, respx_mock, rows, on_conflict, message
):
    with pytest.raises(ValueError, match=message):
        await signed_in.upsert("live_products", rows, on_conflict=on_conflict)
    assert respx_mock.calls.call_count == 0
    assert await signed_in.upsert("live_products", []) == []
    assert respx_mock.calls.call_count == 0


@pytest.mark.asyncio
async def test_update_patches_the_filtered_rows(signed_in, respx_mock):
    route = rest(respx_mock, "PATCH", "live_products", body=[{"id": ITEM_ID, "position": 3}])
    rows = await signed_in.update("live_products", {"position": 3}, [eq("id", ITEM_ID)])
    request = sent(route)
    assert request.url.params.multi_items() == [("id", f"eq.{ITEM_ID}")]
    assert request.headers["prefer"] == "return=representation"
    assert json.loads(request.content) == {"position": 3}
    assert rows == [{"id": ITEM_ID, "position": 3}]


@pytest.mark.asyncio
async def test_delete_sends_the_filters_and_a_minimal_reply(signed_in, respx_mock):
    route = rest(respx_mock, "DELETE", "live_products", 204)
    assert await signed_in.delete("live_products", [eq("id", ITEM_ID)]) == []
    request = sent(route)
    assert request.url.params.multi_items() == [("id", f"eq.{ITEM_ID}")]
    assert request.headers["prefer"] == "return=minimal"
    assert request.content == b"{}"  # supabase-py sends an empty JSON object; PostgREST ignores it


@pytest.mark.asyncio
async def test_unfiltered_update_and_delete_are_refused(signed_in, respx_mock):
    with pytest.raises(ValueError, match="without filters"):
        await signed_in.delete("live_products", [])
    with pytest.raises(ValueError, match="without filters"):
        await signed_in.update("live_products", {"position": 1}, [])
    with pytest.raises(ValueError, match="at least one column"):
        await signed_in.update("live_products", {}, [eq("id", ITEM_ID)])
    assert respx_mock.calls.call_count == 0


@pytest.mark.asyncio
async def test_rpc_posts_the_parameters_as_json(signed_in, respx_mock):
    reply = {"order_id": "o1", "order_number": "SS-000001", "total_amount": 25.9}
    route = rest(respx_mock, "POST", "rpc/checkout", body=reply)
    key = "33333333-3333-4333-8333-333333333333"
    result = await signed_in.rpc("checkout", {"p_idempotency_key": key, "p_notes": None})
    request = sent(route)
    assert request.url.params.multi_items() == []
    assert json.loads(request.content) == {"p_idempotency_key": key, "p_notes": None}
    assert_user_headers(request, user_token(1))
    assert result == reply


@pytest.mark.asyncio
async def test_rpc_returning_a_table_gives_rows(signed_in, respx_mock):
    rows = [{"goal_id": "g1", "percent": 40.0, "achieved": False}]
    route = rest(respx_mock, "POST", "rpc/goal_progress", body=rows)
    assert await signed_in.rpc("goal_progress") == rows
    assert json.loads(sent(route).content) == {}


# ------------------------------------------------------------------------------------ errors


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "body", "error_type", "sqlstate", "retryable"),
    [
        (400, {"code": "23514", "message": "Sold out: 0 left"}, ValidationError, "23514", False),
        (409, {"code": "23505", "message": "duplicate key"}, ValidationError, "23505", False),
        (
            400,
            {"code": "22P02", "message": "invalid input syntax"},
            ValidationError,
            "22P02",
            False,
        ),
        (403, {"code": "42501", "message": "permission denied"}, PermissionDenied, "42501", False),
        (401, {"code": "42501", "message": "permission denied"}, PermissionDenied, "42501", False),
        (401, {"code": "PGRST303", "message": "JWT expired"}, AuthError, None, False),
        (404, {"code": "PGRST205", "message": "no such table"}, NotFound, None, False),
        (400, {"code": "P0002", "message": "show not found"}, NotFound, "P0002", False),
        (400, {"code": "55000", "message": "show is not live"}, BackendError, "55000", False),
        (409, {"code": "40001", "message": "could not serialize"}, BackendError, "40001", True),
        (503, {"code": "PGRST002", "message": "schema cache"}, BackendError, None, True),
        (500, {"code": "57014", "message": "statement timeout"}, BackendError, "57014", True),
        (429, None, BackendError, None, True),
        (502, None, BackendError, None, True),
    ],
)
async def test_errors_map_to_backend_errors(
    signed_in, respx_mock, status, body, error_type, sqlstate, retryable
):
    rest(respx_mock, "POST", "rpc/checkout", status, body=body)
    with pytest.raises(BackendError) as caught:
        await signed_in.rpc("checkout", {"p_idempotency_key": ITEM_ID})
    error = caught.value
    assert type(error) is error_type
    assert error.sqlstate == sqlstate
    assert error.status == status
    assert error.retryable is retryable
    if body is not None:
        assert error.message == body["message"]
        assert error.code == body["code"]


@pytest.mark.asyncio
async def test_error_details_and_hints_are_kept(signed_in, respx_mock):
    body = {
        "code": "23514",
        "message": "Sold out",
        "details": "Failing row contains (...)",
        "hint": "Lower the quantity",
    }
    rest(respx_mock, "PATCH", "live_products", 400, body=body)
    with pytest.raises(ValidationError) as caught:
        await signed_in.update("live_products", {"allocated_quantity": 99}, [eq("id", ITEM_ID)])
    assert caught.value.detail == "Failing row contains (...)"
    assert caught.value.hint == "Lower the quantity"
    assert str(caught.value) == "Sold out"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("reset")],
)
async def test_transport_failures_are_retryable_network_errors(signed_in, respx_mock, failure):
    respx_mock.route(method="POST", host=HOST, path="/rest/v1/live_products").mock(
        side_effect=failure
    )
    with pytest.raises(NetworkError) as caught:
        await signed_in.upsert("live_products", [LINEUP_ROW])
    assert caught.value.retryable is True
    assert respx_mock.calls.call_count == 1  # no silent retries: the engine owns backoff
