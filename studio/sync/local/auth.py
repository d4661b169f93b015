"""The local stand-in for Supabase Auth: password checks against auth.users, remembered users."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Mapping
from functools import cache
from typing import Any

import bcrypt
from psycopg import sql

from studio.server.request_context import jwt_claims
from studio.sync.backend import AuthError, AuthUser
from studio.sync.local.sql import Statement
from studio.sync.session_store import SessionStore

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = "Invalid email or password"

# Read as the database owner, as GoTrue reads its own table; deleted and SSO users cannot sign
# in with a password.
_FIND_USER = sql.SQL(
    """
select json_build_object(
         'id', u.id, 'email', u.email, 'password_hash', u.encrypted_password,
         'banned', coalesce(u.banned_until > now(), false),
         'app_metadata', coalesce(u.raw_app_meta_data, '{{}}'),
         'user_metadata', coalesce(u.raw_user_meta_data, '{{}}'),
         'is_anonymous', u.is_anonymous)::text
  from auth.users u
 where u.deleted_at is null and not u.is_sso_user and {}
 limit 1
"""
)


def user_by_email(email: str) -> Statement:
    """The auth user with this email (GoTrue compares emails case-insensitively)."""
    return _FIND_USER.format(sql.SQL("lower(u.email) = lower(%s)")), [email]


def user_by_id(user_id: str) -> Statement:
    return _FIND_USER.format(sql.SQL("u.id = %s::uuid")), [user_id]


def record_sign_in(user_id: str) -> Statement:
    return sql.SQL("update auth.users set last_sign_in_at = now() where id = %s::uuid"), [user_id]


def invalid_credentials() -> AuthError:
    """The one answer for an unknown email and for a wrong password."""
    return AuthError(INVALID_CREDENTIALS, status=400, code="invalid_credentials")


def banned() -> AuthError:
    return AuthError("User is banned", status=400, code="user_banned")


@cache
def _decoy_hash() -> bytes:
    """A hash to check unknown emails against, so they take as long as wrong passwords."""
    return bcrypt.hashpw(b"decoy", bcrypt.gensalt(10))


def password_matches(password: str, stored_hash: str | None) -> bool:
    """Whether `password` matches the bcrypt hash GoTrue stored (blocking: ~0.1 s by design)."""
    if not stored_hash:
        bcrypt.checkpw(password.encode()[:72], _decoy_hash())
        return False
    try:
        return bcrypt.checkpw(password.encode(), stored_hash.encode())
    except ValueError:  # not a bcrypt hash, or a password longer than bcrypt takes (72 bytes)
        return False


def identity(user: Mapping[str, Any] | None) -> tuple[AuthUser | None, dict[str, Any]]:
    """The user and the JWT claims Supabase Auth would put in their token (anon for None)."""
    if user is None:
        return None, jwt_claims("anon")
    auth_user = AuthUser(str(user["id"]), user.get("email"))
    extra = {
        "aal": "aal1",
        "app_metadata": user.get("app_metadata") or {},
        "user_metadata": user.get("user_metadata") or {},
        "is_anonymous": bool(user.get("is_anonymous")),
    }
    return auth_user, jwt_claims("authenticated", auth_user.id, auth_user.email, extra)


class RememberedUser:
    """Who signed in last, kept in a SessionStore as `{"user_id", "email"}`: never a secret.

    Store calls may block (a keyring), so they run in a worker thread; a store that fails only
    means the sign-in is not remembered.
    """

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    async def load(self) -> AuthUser | None:
        try:
            raw = await asyncio.to_thread(self._store.load)
        except (RuntimeError, OSError) as e:
            log.warning("could not read the remembered sign-in: %s", e)
            return None
        if not raw:
            return None
        try:
            stored = json.loads(raw)
            return AuthUser(str(uuid.UUID(stored["user_id"])), stored.get("email"))
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("forgot an unreadable remembered sign-in")
            await self.clear()
            return None

    async def save(self, user: AuthUser) -> None:
        value = json.dumps({"user_id": user.id, "email": user.email})
        try:
            await asyncio.to_thread(self._store.save, value)
        except (RuntimeError, OSError) as e:
            log.warning("signed in, but the sign-in will not be remembered: %s", e)

    async def clear(self) -> None:
        try:
            await asyncio.to_thread(self._store.clear)
        except (RuntimeError, OSError) as e:
            log.warning("could not forget the remembered sign-in: %s", e)
