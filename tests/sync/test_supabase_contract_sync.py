"""The PostgREST requests the sync engine relies on: idempotent inserts, counts, related filters."""

from __future__ import annotations

import json

import httpx
import pytest
from supabase_support import (
    ITEM_ID,
    LINEUP_ROW,
    SHOW_ID,
    assert_user_headers,
    rest,
    sent,
    sent_json,
    user_token,
)

from studio.sync.backend import BackendError, Cursor, eq, in_, refers_to

pytest_plugins = ["supabase_support"]

WHOLESALER_ID = "33333333-3333-4333-8333-333333333333"


def head(respx_mock, path: str, content_range: str):
    return respx_mock.route(method="HEAD", path=f"/rest/v1/{path}").mock(
        httpx.Response(200, headers={"Content-Range": content_range})
    )


@pytest.mark.asyncio
async def test_insert_ignoring_duplicates_asks_postgrest_to_leave_existing_rows(
    signed_in, respx_mock
):
    route = rest(respx_mock, "POST", "live_products", 201, body=[{"id": ITEM_ID}])
    rows = await signed_in.insert(
        "live_products", [LINEUP_ROW], ignore_duplicates=True, columns=["id", "updated_at"]
    )
    request = sent(route)
    assert request.method == "POST"
    assert request.url.params["on_conflict"] == "id"
    assert request.url.params["select"] == "id,updated_at"
    assert request.headers["prefer"] == "resolution=ignore-duplicates,return=representation"
    assert json.loads(request.content) == [sent_json(LINEUP_ROW)]
    assert_user_headers(request, user_token(1))
    assert rows == [{"id": ITEM_ID}]


@pytest.mark.asyncio
async def test_insert_ignoring_duplicates_of_an_existing_row_returns_nothing(signed_in, respx_mock):
    route = rest(respx_mock, "POST", "live_products", 201, body=[])
    assert await signed_in.insert("live_products", [LINEUP_ROW], ignore_duplicates=True) == []
    assert sent(route).headers["prefer"] == "return=representation,resolution=ignore-duplicates"


@pytest.mark.asyncio
async def test_a_plain_insert_has_no_conflict_resolution(signed_in, respx_mock):
    route = rest(respx_mock, "POST", "live_products", 201)
    assert await signed_in.insert("live_products", [LINEUP_ROW], returning=False) == []
    request = sent(route)
    assert request.headers["prefer"] == "return=minimal"
    assert "on_conflict" not in request.url.params
    assert json.loads(request.content) == [sent_json(LINEUP_ROW)]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("rows", "kwargs", "message"),
    [
        ({"id": ITEM_ID}, {}, "takes a list of rows"),
        ([LINEUP_ROW, {"id": SHOW_ID}], {}, "same columns"),
        ([LINEUP_ROW], {"ignore_duplicates": True, "on_conflict": " "}, "on_conflict names"),
        ([{"bad key": 1}], {}, "not a valid table or column name"),
    ],
)
async def test_insert_refuses_bad_rows_without_a_request(
    signed_in, respx_mock, rows, kwargs, message
):
    with pytest.raises(ValueError, match=message):
        await signed_in.insert("live_products", rows, **kwargs)
    assert await signed_in.insert("live_products", []) == []
    assert respx_mock.calls.call_count == 0


@pytest.mark.asyncio
async def test_count_sends_a_head_request_and_reads_the_content_range_total(signed_in, respx_mock):
    route = head(respx_mock, "products", "*/4082")
    assert await signed_in.count("products", [eq("status", "active")]) == 4082
    request = sent(route)
    assert request.method == "HEAD"
    assert request.url.params.multi_items() == [("select", "id"), ("status", "eq.active")]
    assert request.headers["prefer"] == "count=exact"
    assert_user_headers(request, user_token(1))


@pytest.mark.asyncio
async def test_count_without_a_total_is_an_error(signed_in, respx_mock):
    head(respx_mock, "products", "0-24/*")
    with pytest.raises(BackendError, match="did not say how many rows"):
        await signed_in.count("products")


@pytest.mark.asyncio
async def test_related_filters_become_an_empty_inner_embed(signed_in, respx_mock):
    route = rest(
        respx_mock,
        "GET",
        "live_products",
        body=[{"id": ITEM_ID, "name": "a", "change_xid": 900}],
    )
    mine = refers_to("product_id", "products", eq("wholesaler_id", WHOLESALER_ID))
    page = await signed_in.pull_page("live_products", ["id", "name"], None, 500, [mine])
    assert sent(route).url.params.multi_items() == [
        ("select", "id,name,change_xid,products!inner()"),
        ("products.wholesaler_id", f"eq.{WHOLESALER_ID}"),
        ("order", "change_xid.asc,id.asc"),
        ("limit", "500"),
    ]
    assert page.next_cursor == Cursor(900, ITEM_ID)


@pytest.mark.asyncio
async def test_related_filters_reach_id_lists_and_counts(signed_in, respx_mock):
    ids_route = rest(respx_mock, "GET", "live_products", body=[])
    count_route = head(respx_mock, "live_products", "*/3")
    mine = refers_to("product_id", "products", eq("wholesaler_id", WHOLESALER_ID))
    assert await signed_in.select_ids("live_products", [mine]) == set()
    assert await signed_in.count("live_products", [mine]) == 3
    for route in (ids_route, count_route):
        params = sent(route).url.params
        assert params["select"] == "id,products!inner()"
        assert params["products.wholesaler_id"] == f"eq.{WHOLESALER_ID}"


@pytest.mark.asyncio
async def test_related_filters_are_refused_in_writes(signed_in, respx_mock):
    mine = refers_to("product_id", "products", eq("wholesaler_id", WHOLESALER_ID))
    with pytest.raises(ValueError, match="names rows by id"):
        await signed_in.update("live_products", {"position": 1}, [mine])
    with pytest.raises(ValueError, match="names rows by id"):
        await signed_in.delete("live_products", [mine, in_("id", [ITEM_ID])])
    assert respx_mock.calls.call_count == 0


@pytest.mark.asyncio
async def test_transport_failure_of_a_count_is_a_network_error(signed_in, respx_mock):
    respx_mock.route(method="HEAD").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(BackendError) as caught:
        await signed_in.count("products")
    assert caught.value.retryable
