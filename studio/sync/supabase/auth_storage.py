"""supabase-py's auth storage over a SessionStore, so the signed-in session survives restarts."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from supabase_auth import AsyncSupportedStorage
from supabase_auth.constants import STORAGE_KEY

from studio.sync.session_store import SecretStoreUnavailable, SessionStore

log = logging.getLogger(__name__)

# What supabase-py's Session model needs of the user; the rest (metadata, identities) comes back
# with the next token refresh.
_USER_FIELDS = ("id", "aud", "email", "role", "created_at", "app_metadata")


def compact_session(raw: str, keep_access_token: bool = True) -> str:
    """The session trimmed to what restoring it needs, small enough for every OS keyring.

    Without the access token it is marked expired, so restoring it refreshes at once.
    """
    session: dict[str, Any] = json.loads(raw)
    user = session.get("user") or {}
    kept: dict[str, Any] = {
        "refresh_token": session["refresh_token"],
        "token_type": session.get("token_type", "bearer"),
        "user": {
            **{k: user[k] for k in _USER_FIELDS if k in user},
            "app_metadata": user.get("app_metadata") or {},
            "user_metadata": {},
        },
    }
    if keep_access_token:
        kept |= {
            "access_token": session["access_token"],
            "expires_in": session.get("expires_in", 0),
            "expires_at": session.get("expires_at"),
        }
    else:
        # expires_at must be truthy and past: 0 would read as "no expiry" and skip the refresh.
        kept |= {"access_token": "", "expires_in": 0, "expires_at": 1}
    return json.dumps(kept, separators=(",", ":"))


class SessionStoreAuthStorage(AsyncSupportedStorage):
    """Keeps the auth session in a SessionStore (the keyring), with an in-memory copy.

    Blocking keyring calls run in a worker thread, one at a time so writes land in order.
    Other keys supabase-py may use (PKCE verifiers) live in memory only.

    When the keyring fails in any way (missing, locked, unlock prompt dismissed, refused), the
    session is kept in memory for the rest of the run and `notice` says so in one line: signing
    in and out keep working, the session is just not remembered. The keyring is not asked again
    in that run, so a dismissed unlock prompt does not come back on every token refresh.
    """

    def __init__(self, store: SessionStore) -> None:
        self._store = store
        self._session: str | None = None
        self._loaded = False
        self._other: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._memory_only = False
        self.notice: str | None = None
        """One line for the user when the session is kept for this run only, else None."""

    @property
    def memory_only(self) -> bool:
        return self._memory_only

    def _fall_back(self, problem: SecretStoreUnavailable, consequence: str) -> None:
        self._memory_only = True
        reason = problem.reason
        self.notice = f"{reason[:1].upper()}{reason[1:]}: {consequence}."
        log.warning("session kept in memory only: %s", problem.reason)

    async def get_item(self, key: str) -> str | None:
        if key != STORAGE_KEY:
            return self._other.get(key)
        async with self._lock:
            if not self._loaded:
                self._loaded = True
                if not self._memory_only:
                    try:
                        self._session = await asyncio.to_thread(self._store.load)
                    except SecretStoreUnavailable as problem:
                        self._fall_back(
                            problem, "no saved session could be read; once signed in, you "
                            "stay signed in until the app closes")
            return self._session

    async def set_item(self, key: str, value: str) -> None:
        if key != STORAGE_KEY:
            self._other[key] = value
            return
        async with self._lock:
            if self._loaded and value == self._session:
                return
            if not self._memory_only:
                try:
                    await self._save(value)
                except SecretStoreUnavailable as problem:
                    self._fall_back(
                        problem, "you stay signed in until the app closes (not remembered)")
            self._session = value
            self._loaded = True

    async def _save(self, value: str) -> None:
        try:
            await asyncio.to_thread(self._store.save, compact_session(value))
        except SecretStoreUnavailable as problem:
            if problem.locked:
                raise  # asking again would only bring the unlock prompt back
            # Some keyrings cap secret size (Windows: 2.5 kB); the refresh token alone fits.
            await asyncio.to_thread(
                self._store.save, compact_session(value, keep_access_token=False)
            )

    async def remove_item(self, key: str) -> None:
        if key != STORAGE_KEY:
            self._other.pop(key, None)
            return
        async with self._lock:
            self._session = None
            self._loaded = True
            if self._memory_only:
                return
            try:
                await asyncio.to_thread(self._store.clear)
            except SecretStoreUnavailable as problem:
                self._fall_back(
                    problem, "signed out here, but the saved session may still be in the "
                    "keyring and come back at the next start")
