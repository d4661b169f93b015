"""The exact HTTP requests SupabaseBackend sends through supabase-py, and how replies map back."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import keyring
import keyring.errors
import pytest
import pytest_asyncio
from keyring.backend import KeyringBackend

from studio.sync.backend import (
    AuthError,
    Backend,
    BackendError,
    Cursor,
    NetworkError,
    NotFound,
    Order,
    PermissionDenied,
    Role,
    ValidationError,
    eq,
    gte,
    in_,
)
from studio.sync.session_store import SERVICE_NAME, KeyringSessionStore
from studio.sync.supabase_backend import ServiceRoleKeyRefused, SupabaseBackend, check_anon_key

URL = "https://proj.supabase.co"
HOST = "proj.supabase.co"
USER_ID = "00000000-0000-4000-a000-000000000101"
EMAIL = "host@demo.shopstream.app"
SHOW_ID = "11111111-1111-4111-8111-111111111111"
ITEM_ID = "22222222-2222-4222-8222-222222222222"
AUTH_HEADERS = {"X-Supabase-Api-Version": "2024-01-01"}


def jwt(payload: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


ANON_KEY = jwt({"iss": "supabase", "ref": "proj", "role": "anon"})


def user_token(n: int = 1) -> str:
    return jwt({"sub": USER_ID, "role": "authenticated", "session": n})


def session_body(n: int = 1, expires_in: int = 3600) -> dict:
    return {
        "access_token": user_token(n),
        "token_type": "bearer",
        "expires_in": expires_in,
        "expires_at": int(time.time()) + expires_in,
        "refresh_token": f"refresh-{n}",
        "user": {
            "id": USER_ID,
            "aud": "authenticated",
            "role": "authenticated",
            "email": EMAIL,
            "app_metadata": {"provider": "email"},
            "user_metadata": {},
            "created_at": "2026-01-01T00:00:00Z",
        },
    }


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


@pytest.fixture
def ring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def stored_session(ring: MemoryKeyring) -> dict | None:
    raw = ring.secrets.get((SERVICE_NAME, URL))
    return None if raw is None else json.loads(raw)


@pytest_asyncio.fixture
async def backend(ring, respx_mock):
    b = SupabaseBackend(URL, ANON_KEY, KeyringSessionStore(URL))
    yield b
    await b.close()


@pytest_asyncio.fixture
async def signed_in(backend, ring, respx_mock):
    """The backend with a stored, valid session restored (no request needed)."""
    ring.secrets[(SERVICE_NAME, URL)] = json.dumps(session_body())
    await backend.restore_session()
    return backend


def rest(respx_mock, method: str, path: str, status: int = 200, body=None, **kw):
    return respx_mock.route(method=method, host=HOST, path=f"/rest/v1/{path}").mock(
        httpx.Response(status, json=body, **kw) if body is not None else httpx.Response(status)
    )


def sent(route) -> httpx.Request:
    assert route.call_count == 1
    return route.calls.last.request


def assert_user_headers(request: httpx.Request, token: str) -> None:
    assert request.headers["apikey"] == ANON_KEY
    assert request.headers["authorization"] == f"Bearer {token}"


# ----------------------------------------------------------------------------------- auth


@pytest.mark.asyncio
async def test_sign_in_posts_the_password_grant_and_remembers_the_session(
    backend, ring, respx_mock
):
    route = respx_mock.post(f"{URL}/auth/v1/token").mock(
        httpx.Response(200, json=session_body(), headers=AUTH_HEADERS)
    )
    session = await backend.sign_in(EMAIL, "s3cret")
    request = sent(route)
    assert request.url.params.multi_items() == [("grant_type", "password")]
    assert request.headers["apikey"] == ANON_KEY
    assert request.headers["authorization"] == f"Bearer {ANON_KEY}"
    assert json.loads(request.content) == {
        "email": EMAIL,
        "password": "s3cret",
        "data": {},
        "gotrue_meta_security": {"captcha_token": None},
    }
    assert session.user.id == USER_ID and session.user.email == EMAIL
    assert backend.current_user == session.user
    assert stored_session(ring)["refresh_token"] == "refresh-1"
    assert stored_session(ring)["access_token"] == user_token(1)


@pytest.mark.asyncio
async def test_wrong_password_is_an_auth_error_and_stores_nothing(backend, ring, respx_mock):
    respx_mock.post(f"{URL}/auth/v1/token").mock(
        httpx.Response(
            400,
            json={"code": "invalid_credentials", "message": "Invalid login credentials"},
            headers=AUTH_HEADERS,
        )
    )
    with pytest.raises(AuthError, match="Invalid login credentials") as caught:
        await backend.sign_in(EMAIL, "wrong")
    assert caught.value.code == "invalid_credentials"
    assert caught.value.status == 400
    assert caught.value.retryable is False
    assert ring.secrets == {}
    assert backend.current_user is None


@pytest.mark.asyncio
@pytest.mark.parametrize(("email", "password"), [("", "pw"), ("not-an-email", "pw"), (EMAIL, "")])
async def test_sign_in_refuses_blank_input_without_a_request(backend, respx_mock, email, password):
    with pytest.raises(ValueError, match="enter"):
        await backend.sign_in(email, password)
    assert respx_mock.calls.call_count == 0


@pytest.mark.asyncio
async def test_sign_in_offline_is_a_retryable_network_error(backend, ring, respx_mock):
    respx_mock.post(f"{URL}/auth/v1/token").mock(side_effect=httpx.ConnectError("down"))
    with pytest.raises(NetworkError) as caught:
        await backend.sign_in(EMAIL, "pw")
    assert caught.value.retryable is True
    assert ring.secrets == {}


@pytest.mark.asyncio
async def test_restore_uses_a_valid_stored_session_without_a_request(signed_in, respx_mock):
    assert signed_in.current_user.id == USER_ID
    assert respx_mock.calls.call_count == 0
    route = rest(respx_mock, "GET", "products", body=[])
    await signed_in.select("products", ["id"])
    assert_user_headers(sent(route), user_token(1))


@pytest.mark.asyncio
async def test_restore_with_nothing_stored_returns_none(backend, respx_mock):
    assert await backend.restore_session() is None
    assert backend.current_user is None
    assert respx_mock.calls.call_count == 0


@pytest.mark.asyncio
async def test_restore_refreshes_an_expired_session(backend, ring, respx_mock):
    ring.secrets[(SERVICE_NAME, URL)] = json.dumps(session_body(1, expires_in=-60))
    route = respx_mock.post(f"{URL}/auth/v1/token").mock(
        httpx.Response(200, json=session_body(2), headers=AUTH_HEADERS)
    )
    session = await backend.restore_session()
    request = sent(route)
    assert request.url.params.multi_items() == [("grant_type", "refresh_token")]
    assert json.loads(request.content) == {"refresh_token": "refresh-1"}
    assert session.user.id == USER_ID
    assert stored_session(ring)["refresh_token"] == "refresh-2"


@pytest.mark.asyncio
async def test_restore_drops_an_unreadable_stored_session(backend, ring, respx_mock):
    ring.secrets[(SERVICE_NAME, URL)] = "{not json"
    assert await backend.restore_session() is None
    assert ring.secrets == {}
    assert respx_mock.calls.call_count == 0


@pytest.mark.asyncio
async def test_concurrent_requests_refresh_an_expired_token_once(signed_in, ring, respx_mock):
    stale = session_body(1, expires_in=-60)
    signed_in._storage._session = json.dumps(stale)  # the token expired while the app ran

    async def slow_refresh(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)  # let the other requests reach their token check meanwhile
        return httpx.Response(200, json=session_body(2), headers=AUTH_HEADERS)

    refresh = respx_mock.post(f"{URL}/auth/v1/token").mock(side_effect=slow_refresh)
    route = rest(respx_mock, "GET", "products", body=[])
    await asyncio.gather(*(signed_in.select("products", ["id"]) for _ in range(5)))
    assert refresh.call_count == 1
    assert route.call_count == 5
    for call in route.calls:
        assert_user_headers(call.request, user_token(2))


@pytest.mark.asyncio
async def test_restore_drops_a_revoked_session(backend, ring, respx_mock):
    ring.secrets[(SERVICE_NAME, URL)] = json.dumps(session_body(1, expires_in=-60))
    respx_mock.post(f"{URL}/auth/v1/token").mock(
        httpx.Response(
            400,
            json={"code": "refresh_token_not_found", "message": "Invalid Refresh Token"},
            headers=AUTH_HEADERS,
        )
    )
    assert await backend.restore_session() is None
    assert ring.secrets == {}
    assert backend.current_user is None


@pytest.mark.asyncio
async def test_restore_offline_keeps_the_session_and_requests_fail_as_network(
    backend, ring, respx_mock
):
    ring.secrets[(SERVICE_NAME, URL)] = json.dumps(session_body(1, expires_in=-60))
    respx_mock.post(f"{URL}/auth/v1/token").mock(side_effect=httpx.ConnectError("down"))
    products = rest(respx_mock, "GET", "products", body=[])
    session = await backend.restore_session()
    assert session.user.id == USER_ID
    assert stored_session(ring)["refresh_token"] == "refresh-1"
    # Never falls back to the anon key for a signed-in user.
    with pytest.raises(NetworkError):
        await backend.select("products", ["id"])
    assert products.call_count == 0


@pytest.mark.asyncio
async def test_explicit_refresh_posts_the_refresh_grant(signed_in, ring, respx_mock):
    route = respx_mock.post(f"{URL}/auth/v1/token").mock(
        httpx.Response(200, json=session_body(2), headers=AUTH_HEADERS)
    )
    await signed_in.refresh()
    request = sent(route)
    assert request.url.params.multi_items() == [("grant_type", "refresh_token")]
    assert json.loads(request.content) == {"refresh_token": "refresh-1"}
    assert stored_session(ring)["refresh_token"] == "refresh-2"
    products = rest(respx_mock, "GET", "products", body=[])
    await signed_in.select("products", ["id"])
    assert_user_headers(sent(products), user_token(2))


@pytest.mark.asyncio
async def test_sign_out_revokes_this_session_and_clears_the_keyring(signed_in, ring, respx_mock):
    route = respx_mock.post(f"{URL}/auth/v1/logout").mock(httpx.Response(204))
    await signed_in.sign_out()
    request = sent(route)
    assert request.url.params.multi_items() == [("scope", "local")]
    assert request.headers["authorization"] == f"Bearer {user_token(1)}"
    assert request.headers["apikey"] == ANON_KEY
    assert ring.secrets == {}
    assert signed_in.current_user is None


@pytest.mark.asyncio
async def test_sign_out_offline_still_forgets_the_session(signed_in, ring, respx_mock):
    respx_mock.post(f"{URL}/auth/v1/logout").mock(side_effect=httpx.ConnectError("down"))
    await signed_in.sign_out()
    assert ring.secrets == {}
    assert signed_in.current_user is None


@pytest.mark.asyncio
async def test_tokens_and_keys_never_reach_the_logs(backend, respx_mock, caplog):
    caplog.set_level(logging.DEBUG)
    respx_mock.post(f"{URL}/auth/v1/token").mock(
        httpx.Response(200, json=session_body(), headers=AUTH_HEADERS)
    )
    respx_mock.post(f"{URL}/auth/v1/logout").mock(side_effect=httpx.ConnectError("down"))
    session = await backend.sign_in(EMAIL, "pw")
    await backend.sign_out()
    text = caplog.text + repr(session)
    assert caplog.records  # the offline sign-out is logged...
    for secret in (user_token(1), "refresh-1", ANON_KEY, "pw"):
        assert secret not in text  # ...without any secret


@pytest.mark.asyncio
async def test_my_profiles_calls_the_rpc_and_reads_the_roles(signed_in, respx_mock):
    route = rest(
        respx_mock,
        "POST",
        "rpc/my_profiles",
        body={"influencer": {"id": "p1", "handle": "mayalive"}, "customer": None},
    )
    profiles = await signed_in.my_profiles()
    assert json.loads(sent(route).content) == {}
    assert profiles.roles == {Role.HOST}
    assert profiles.profile_id(Role.HOST) == "p1"
    assert profiles.profile_id(Role.CUSTOMER) is None


# ------------------------------------------------------------------------------- service keys


def test_service_role_keys_are_refused():
    with pytest.raises(ServiceRoleKeyRefused, match="service-role"):
        check_anon_key(jwt({"iss": "supabase", "role": "service_role"}))
    with pytest.raises(ServiceRoleKeyRefused, match="anon \\(public\\) key"):
        check_anon_key("sb_secret_abcdef")
    with pytest.raises(ServiceRoleKeyRefused):
        SupabaseBackend(URL, jwt({"role": "service_role"}), KeyringSessionStore(URL))


@pytest.mark.parametrize("bad", ["", "nonsense", "a.b.c", "a.!!!.c"])
def test_garbage_keys_are_refused(bad):
    with pytest.raises(ValueError, match="not a Supabase API key"):
        check_anon_key(bad)


def test_public_keys_are_accepted():
    assert check_anon_key(ANON_KEY) == ANON_KEY
    assert check_anon_key(" sb_publishable_abc ") == "sb_publishable_abc"


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
    stamp = datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=UTC)
    rows = [
        {"id": ITEM_ID, "name": "a", "updated_at": "2026-11-24T10:00:00.5+00:00"},
        {"id": SHOW_ID, "name": "b", "updated_at": "2026-11-24T10:00:01+00:00"},
    ]
    route = rest(respx_mock, "GET", "live_products", body=rows)
    page = await signed_in.pull_page(
        "live_products", ["id", "name"], Cursor(stamp, ITEM_ID), 500, [eq("session_id", SHOW_ID)]
    )
    quoted = '"2026-11-24T10:00:00.123456+00:00"'
    assert sent(route).url.params.multi_items() == [
        ("select", "id,name,updated_at"),
        ("session_id", f"eq.{SHOW_ID}"),
        ("or", f"(updated_at.gt.{quoted},and(updated_at.eq.{quoted},id.gt.{ITEM_ID}))"),
        ("order", "updated_at.asc,id.asc"),
        ("limit", "500"),
    ]
    assert page.rows == rows
    assert page.next_cursor == Cursor(datetime(2026, 11, 24, 10, 0, 1, tzinfo=UTC), SHOW_ID)


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
        ("select", "name,updated_at,id"),
        ("order", "updated_at.asc,id.asc"),
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

LINEUP_ROW = {
    "id": ITEM_ID,
    "session_id": SHOW_ID,
    "name": "Linen tote",
    "live_price": Decimal("19.99"),
    "allocated_quantity": 5,
}


def sent_json(row: dict) -> dict:
    return {**row, "live_price": "19.99"}


def columns_param(request: httpx.Request) -> set[str]:
    return {c.strip('"') for c in request.url.params["columns"].split(",")}


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
