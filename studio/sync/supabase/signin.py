"""Supabase sign-in helpers: refusing secret API keys, and mapping Auth replies and errors."""

from __future__ import annotations

import base64
import json

from supabase_auth import Session
from supabase_auth import errors as auth_errors

from studio.sync.backend import AuthError, AuthSession, AuthUser, BackendError, NetworkError


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


def auth_failure(error: auth_errors.AuthError) -> BackendError:
    """Map a supabase-py Auth error to the backend's errors (never including tokens)."""
    message = str(getattr(error, "message", None) or error)
    status = getattr(error, "status", None)
    code = getattr(error, "code", None)
    if isinstance(error, auth_errors.AuthRetryableError):
        if not status:
            return NetworkError(f"could not reach the sign-in server: {message}")
        return BackendError(message, status=status, code=code)
    if isinstance(error, auth_errors.AuthApiError) and (status == 429 or status >= 500):
        return BackendError(message, status=status, code=code)
    if isinstance(error, auth_errors.AuthUnknownError):
        return BackendError(f"unexpected reply from the sign-in server: {message}")
    return AuthError(message, status=status, code=code)


def auth_session(session: Session) -> AuthSession:
    return AuthSession(AuthUser(session.user.id, session.user.email), session.expires_at)
