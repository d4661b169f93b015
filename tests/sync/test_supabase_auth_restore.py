"""Restoring and renewing a saved session: only a definitive answer signs the user out, and
every failure says what happened."""

from __future__ import annotations

import json

import httpx
import pytest
from supabase_support import (
    ANON_KEY,
    AUTH_HEADERS,
    EMAIL,
    URL,
    USER_ID,
    rest,
    session_body,
    stored_session,
)

from studio.sync.backend import AuthError, BackendError, NetworkError
from studio.sync.session_store import SERVICE_NAME
from studio.sync.supabase.failures import ApiKeyRejected, AuthUnavailable
from studio.sync.supabase.signin import SessionEnded

pytest_plugins = ["supabase_support"]

GATEWAY_REFUSAL = {
    "message": "Invalid API key",
    "hint": "Double check your Supabase `anon` or `service_role` API key.",
}


def token_route(respx_mock):
    return respx_mock.post(f"{URL}/auth/v1/token")


def expired(ring) -> dict:
    saved = session_body(1, expires_in=-60)
    ring.secrets[(SERVICE_NAME, URL)] = json.dumps(saved)
    return saved


ENDED = {
    "not found (2024-01-01 format)": httpx.Response(
        400,
        json={"code": "refresh_token_not_found", "message": "Invalid Refresh Token: Not Found"},
        headers=AUTH_HEADERS,
    ),
    "already used": httpx.Response(
        400,
        json={
            "code": "refresh_token_already_used",
            "message": "Invalid Refresh Token: Already Used",
        },
        headers=AUTH_HEADERS,
    ),
    "session gone (initial format)": httpx.Response(
        404, json={"code": 404, "error_code": "session_not_found", "msg": "Session not found"}
    ),
    "user banned": httpx.Response(
        400, json={"code": "user_banned", "message": "User is banned"}, headers=AUTH_HEADERS
    ),
    "GoTrue before error codes": httpx.Response(
        400,
        json={"error": "invalid_grant", "error_description": "Invalid Refresh Token"},
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("reply", list(ENDED))
async def test_a_definitively_ended_session_signs_out(backend, ring, respx_mock, reply):
    expired(ring)
    token_route(respx_mock).mock(ENDED[reply])
    assert await backend.restore_session() is None
    assert ring.secrets == {}
    assert backend.current_user is None


KEPT = {
    "rotated anon key": (httpx.Response(401, json=GATEWAY_REFUSAL), ApiKeyRejected,
                         "refused the app's API key (Invalid API key)"),
    "rate limited": (
        httpx.Response(
            429,
            json={"code": "over_request_rate_limit", "message": "Request rate limit reached"},
            headers=AUTH_HEADERS,
        ),
        AuthUnavailable,
        "limiting requests (HTTP 429): Request rate limit reached",
    ),
    "rate limited by a proxy (HTML)": (
        httpx.Response(429, text="<html>slow down</html>"),
        AuthUnavailable,
        "not JSON (HTTP 429 Too Many Requests)",
    ),
    "server error": (
        httpx.Response(
            500,
            json={"code": "unexpected_failure", "message": "Unexpected failure"},
            headers=AUTH_HEADERS,
        ),
        AuthUnavailable,
        "failed (HTTP 500): Unexpected failure",
    ),
    "bad gateway page": (
        httpx.Response(502, text="<html>Bad gateway</html>"),
        AuthUnavailable,
        "not JSON (HTTP 502 Bad Gateway)",
    ),
    "other refusal": (
        httpx.Response(
            400, json={"code": "validation_failed", "message": "bad"}, headers=AUTH_HEADERS
        ),
        AuthUnavailable,
        "did not renew the session (HTTP 400): bad",
    ),
    "connect timeout": (
        httpx.ConnectTimeout(""),
        AuthUnavailable,
        "could not reach the sign-in server: timed out after 10 s while connecting",
    ),
    "read timeout": (
        httpx.ReadTimeout(""),
        AuthUnavailable,
        "could not reach the sign-in server: timed out after 30 s waiting for the reply",
    ),
    "refused connection": (
        httpx.ConnectError("[Errno 111] Connection refused"),
        AuthUnavailable,
        "could not reach the sign-in server: connection failed: [Errno 111] Connection refused",
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", list(KEPT))
async def test_any_other_failure_keeps_the_session_and_says_why(backend, ring, respx_mock, case):
    reply, error_type, words = KEPT[case]
    expired(ring)
    if isinstance(reply, Exception):
        token_route(respx_mock).mock(side_effect=reply)
    else:
        token_route(respx_mock).mock(reply)
    products = rest(respx_mock, "GET", "products", body=[])

    session = await backend.restore_session()
    assert session is not None and session.user.id == USER_ID
    assert backend.current_user.id == USER_ID
    assert stored_session(ring)["refresh_token"] == "refresh-1"
    assert words in backend.restore_problem

    # Requests meanwhile fail as retryable (offline) errors naming the reason, and never go out
    # with the anon key instead of the user's token.
    with pytest.raises(NetworkError) as caught:
        await backend.select("products", ["id"])
    assert isinstance(caught.value, error_type)
    assert not isinstance(caught.value, AuthError)
    assert caught.value.retryable
    assert words in caught.value.message
    assert products.call_count == 0
    assert stored_session(ring)["refresh_token"] == "refresh-1"


@pytest.mark.asyncio
async def test_a_rotated_key_on_a_valid_session_keeps_it(signed_in, ring, respx_mock):
    rest(respx_mock, "POST", "rpc/my_profiles", status=401, body=GATEWAY_REFUSAL)
    with pytest.raises(ApiKeyRejected) as caught:
        await signed_in.my_profiles()
    assert not isinstance(caught.value, AuthError) and caught.value.retryable
    assert "paste the current one in Settings" in caught.value.message
    assert stored_session(ring) is not None
    assert signed_in.current_user.id == USER_ID


@pytest.mark.asyncio
async def test_postgrest_token_errors_stay_auth_errors(signed_in, respx_mock):
    rest(respx_mock, "GET", "products", status=401,
         body={"code": "PGRST301", "message": "JWT expired", "details": None, "hint": None})
    with pytest.raises(AuthError):
        await signed_in.select("products", ["id"])


@pytest.mark.asyncio
async def test_a_session_ended_while_running_signs_out_with_the_reason(signed_in, ring, respx_mock):
    signed_in._storage._session = json.dumps(session_body(1, expires_in=-60))
    token_route(respx_mock).mock(ENDED["already used"])
    with pytest.raises(SessionEnded, match="your session has ended") as caught:
        await signed_in.select("products", ["id"])
    assert "Already Used" in caught.value.message
    assert ring.secrets == {}
    assert signed_in.current_user is None


@pytest.mark.asyncio
async def test_a_timeout_during_sign_in_says_how_long(backend, respx_mock):
    token_route(respx_mock).mock(side_effect=httpx.ReadTimeout(""))
    with pytest.raises(NetworkError) as caught:
        await backend.sign_in(EMAIL, "pw")
    assert caught.value.message == (
        "could not reach the sign-in server: timed out after 30 s waiting for the reply"
    )


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("reply", "words", "retryable"),
    [
        (httpx.Response(502, text="<html>oops</html>"),
         "unexpected reply from the sign-in server (HTTP 502 Bad Gateway): not JSON", True),
        (httpx.Response(429, json={"code": "over_request_rate_limit", "message": "slow down"},
                        headers=AUTH_HEADERS),
         "could not answer now (HTTP 429): slow down", True),
        (httpx.Response(401, json=GATEWAY_REFUSAL), "refused the app's API key", True),
        (httpx.Response(400, json={"code": "invalid_credentials",
                                   "message": "Invalid login credentials"},
                        headers=AUTH_HEADERS),
         "Invalid login credentials", False),
    ],
)
async def test_sign_in_failures_name_what_happened(backend, ring, respx_mock, reply, words,
                                                   retryable):
    token_route(respx_mock).mock(reply)
    with pytest.raises(BackendError) as caught:
        await backend.sign_in(EMAIL, "pw")
    assert words in caught.value.message
    assert caught.value.retryable is retryable
    assert ring.secrets == {}


@pytest.mark.asyncio
async def test_postgrest_transport_failures_name_what_happened(signed_in, respx_mock):
    rest(respx_mock, "GET", "products").mock(side_effect=httpx.ConnectError(""))
    with pytest.raises(NetworkError) as caught:
        await signed_in.select("products", ["id"])
    assert caught.value.message == "could not reach the server: connection failed"
    rest(respx_mock, "GET", "products").mock(side_effect=httpx.ReadTimeout(""))
    with pytest.raises(NetworkError) as caught:
        await signed_in.select("products", ["id"])
    assert caught.value.message == (
        "could not reach the server: timed out after 30 s waiting for the reply"
    )
    assert ANON_KEY not in caught.value.message


@pytest.mark.asyncio
async def test_postgrest_replies_without_json_say_the_status(signed_in, respx_mock):
    rest(respx_mock, "GET", "products").mock(
        return_value=httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(BackendError) as caught:
        await signed_in.select("products", ["id"])
    assert caught.value.message == "the server refused the request (HTTP 502 Bad Gateway)"
    assert caught.value.retryable
    rest(respx_mock, "GET", "products").mock(return_value=httpx.Response(200, text="<html>"))
    with pytest.raises(BackendError, match=r"not JSON \(HTTP 200\)"):
        await signed_in.select("products", ["id"])


@pytest.mark.asyncio
async def test_a_workspace_opens_offline_when_the_session_cannot_be_renewed(
    ring, respx_mock, tmp_path
):
    from studio.sync.session_store import KeyringSessionStore
    from studio.sync.workspace import Workspace

    expired(ring)
    token_route(respx_mock).mock(
        httpx.Response(503, text="<html>Service Unavailable</html>"))
    workspace = await Workspace.open_supabase(
        tmp_path, URL, ANON_KEY, session_store=KeyringSessionStore(URL))
    try:
        assert workspace.user_id == USER_ID  # still signed in, from the cache
        status = await workspace.engine.sync_now()
        assert status.state == "offline"
        assert "not JSON (HTTP 503 Service Unavailable)" in status.detail
        assert stored_session(ring)["refresh_token"] == "refresh-1"
    finally:
        await workspace.close()
