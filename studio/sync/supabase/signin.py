"""Supabase sign-in helpers: refusing secret API keys, and mapping Auth replies and errors."""

from __future__ import annotations

import base64
import json

import httpx
from supabase_auth import Session
from supabase_auth import errors as auth_errors

from studio.sync.backend import AuthError, AuthSession, AuthUser, BackendError, NetworkError
from studio.sync.supabase.failures import (
    AuthUnavailable,
    api_key_rejected,
    describe_transport,
    json_body,
    status_text,
)


class ServiceRoleKeyRefused(ValueError):
    """The key given is a secret (service-role) key, which the studio must never hold."""


def check_anon_key(key: str) -> str:
    """Return `key` if it is a public (anon / publishable) Supabase API key; refuse the others.

    A service-role key bypasses every access rule, so holding one in a desktop app would hand
    the whole database to anyone who opens the app's settings. The JWT is decoded without
    verifying its signature: only its claimed role matters here.
    """
    key = (key or "").strip()
    if key.startswith("sb_secret_"):
        raise ServiceRoleKeyRefused(_SECRET_KEY_MESSAGE)
    if key.startswith("sb_publishable_"):
        return key
    parts = key.split(".")
    try:
        if len(parts) != 3:
            raise ValueError
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        raise ValueError(
            "not a Supabase API key: paste the project's anon (public) key from "
            "Project Settings > API"
        ) from None
    if not isinstance(payload, dict) or payload.get("role") == "service_role":
        raise ServiceRoleKeyRefused(_SECRET_KEY_MESSAGE)
    return key


_SECRET_KEY_MESSAGE = (
    "this is a service-role (secret) key: it bypasses every access rule and must never be "
    "given to the studio; paste the project's anon (public) key instead"
)


# GoTrue's codes for a refresh token that can never work again (supabase/auth,
# internal/api/apierrors/errorcode.go; its OAuth server maps the first four to invalid_grant).
REVOKED_CODES = frozenset({
    "refresh_token_not_found",
    "refresh_token_already_used",
    "session_not_found",
    "session_expired",
    "user_not_found",
    "user_banned",
})


class SessionEnded(AuthError):
    """The server says the saved session is over (refresh token revoked, reused or unknown,
    user gone or banned): the user must sign in again."""


def _response(error: auth_errors.AuthError) -> httpx.Response | None:
    cause = error.__cause__
    return cause.response if isinstance(cause, httpx.HTTPStatusError) else None


def session_revoked(error: auth_errors.AuthError) -> bool:
    """Whether a failed token refresh means the session is definitively over.

    Only GoTrue's own answer counts: HTTP 400/401/403/404 with one of REVOKED_CODES, or, from a
    GoTrue older than error codes, the OAuth `{"error": "invalid_grant"}` of the refresh grant.
    """
    if not isinstance(error, auth_errors.AuthApiError) or error.status not in (400, 401, 403, 404):
        return False
    if error.code in REVOKED_CODES:
        return True
    response = _response(error)
    body = json_body(response) if response is not None else None
    return isinstance(body, dict) and body.get("error") == "invalid_grant"


def _server_words(error: auth_errors.AuthError) -> str:
    message = str(getattr(error, "message", None) or "").strip()
    return message.splitlines()[0] if message else ""


def _failure_parts(error: auth_errors.AuthError) -> tuple[httpx.Response | None, int | None, str]:
    response = _response(error)
    status = response.status_code if response is not None else getattr(error, "status", None)
    return response, status or None, _server_words(error)


def _unreachable(error: auth_errors.AuthError) -> str | None:
    """The transport failure behind `error`, in words, or None when the server answered."""
    cause = error.__cause__
    if isinstance(cause, httpx.TransportError):
        return describe_transport(cause)
    if isinstance(error, auth_errors.AuthRetryableError) and not error.status:
        return _server_words(error) or type(error).__name__
    return None


def auth_failure(error: auth_errors.AuthError) -> BackendError:
    """Map a supabase-py Auth error from signing in to the backend's errors, in words that say
    what happened (never including tokens)."""
    unreachable = _unreachable(error)
    if unreachable is not None:
        return NetworkError(f"could not reach the sign-in server: {unreachable}")
    response, status, words = _failure_parts(error)
    code = getattr(error, "code", None)
    if response is not None:
        rejected = api_key_rejected(response.status_code, json_body(response))
        if rejected is not None:
            return rejected
    if isinstance(error, auth_errors.AuthUnknownError) or (
        response is not None and json_body(response) is None
    ):
        where = status_text(response) if response is not None else "no status"
        return BackendError(
            f"unexpected reply from the sign-in server ({where}): not JSON", status=status
        )
    if status is not None and (status == 429 or status >= 500):
        return BackendError(
            f"the sign-in server could not answer now (HTTP {status}): {words or 'no reason'}",
            status=status,
            code=code,
        )
    return AuthError(words or f"the sign-in server refused (HTTP {status})", status=status,
                     code=code)


def session_failure(error: auth_errors.AuthError) -> BackendError:
    """Map a failed session renewal (token refresh) to the backend's errors.

    Only a definitive answer (see `session_revoked`) becomes SessionEnded, which signs the user
    out. Everything else (unreachable, timeouts, 429, 5xx, a reply that is not JSON, a refused
    API key, any other refusal) is AuthUnavailable: the session is kept and retried later.
    """
    if session_revoked(error):
        _, status, words = _failure_parts(error)
        return SessionEnded(
            f"your session has ended ({words or error.code or 'refresh token not accepted'}); "
            "sign in again",
            status=status,
            code=getattr(error, "code", None),
        )
    if isinstance(error, auth_errors.AuthSessionMissingError):
        return AuthError("nobody is signed in")
    unreachable = _unreachable(error)
    if unreachable is not None:
        return AuthUnavailable(f"could not reach the sign-in server: {unreachable}")
    response, status, words = _failure_parts(error)
    code = getattr(error, "code", None)
    if response is not None:
        body = json_body(response)
        rejected = api_key_rejected(response.status_code, body)
        if rejected is not None:
            return rejected
        if body is None:
            return AuthUnavailable(
                f"the sign-in server sent a reply that is not JSON ({status_text(response)}); "
                "the session is kept",
                status=status,
            )
    if status == 429:
        what = "the sign-in server is limiting requests (HTTP 429)"
    elif status is not None and status >= 500:
        what = f"the sign-in server failed (HTTP {status})"
    else:
        what = f"the sign-in server did not renew the session (HTTP {status or 'unknown'})"
    reason = f": {words}" if words else ""
    return AuthUnavailable(f"{what}{reason}; the session is kept", status=status, code=code)


def auth_session(session: Session) -> AuthSession:
    return AuthSession(AuthUser(session.user.id, session.user.email), session.expires_at)
