"""The exact HTTP requests SupabaseBackend sends for sign-in, sessions and keys."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from supabase_support import (
    ANON_KEY,
    AUTH_HEADERS,
    EMAIL,
    URL,
    USER_ID,
    assert_user_headers,
    jwt,
    rest,
    sent,
    session_body,
    stored_session,
    user_token,
)

from studio.sync.backend import (
    AuthError,
    NetworkError,
    Role,
)
from studio.sync.session_store import SERVICE_NAME, KeyringSessionStore
from studio.sync.supabase.backend import ServiceRoleKeyRefused, SupabaseBackend, check_anon_key

pytest_plugins = ["supabase_support"]


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
