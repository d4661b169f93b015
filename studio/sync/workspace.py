"""A workspace: one backend, the signed-in user's offline cache and the engine syncing it.

`Workspace.open_local` starts (or attaches to) the embedded server and signs in the user
remembered from last time, or the demo host; `Workspace.open_supabase` restores a saved cloud
session, or opens signed out. Each (backend, user) pair has its own cache file; switching user
closes the engine and cache and opens the new user's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from studio.server.demo_accounts import DEMO_HOST, DEMO_PASSWORD, by_email
from studio.server.embedded import EmbeddedPostgres
from studio.server.workspace import start_local_workspace
from studio.sync.backend import (
    AuthError,
    Backend,
    BackendError,
    NetworkError,
    Role,
    UserProfiles,
)
from studio.sync.cache import CacheDatabase, CacheReader, CacheStore, CacheWriter, Operation
from studio.sync.cache import cache_path as cache_file
from studio.sync.engine import SyncEngine
from studio.sync.engine.events import Listeners, SyncStatus
from studio.sync.scope import plan_for
from studio.sync.session_store import MemorySessionStore, SessionStore

log = logging.getLogger(__name__)

LOCAL_BACKEND_ID = "local"
LOCAL_SERVER_DIR = "local-server"
LOCAL_SIGN_IN_FILE = "local-sign-in.json"
_PROFILES_META = "workspace:profiles"
_RATE_META = "workspace:host_commission_rate"
Progress = Callable[..., None]


class NotSignedIn(RuntimeError):
    """A write was attempted while nobody is signed in."""


class FileSessionStore:
    """A SessionStore in a file, for the local workspace: who signed in last (no secrets)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def save(self, value: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".sign-in-")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(value)
        os.replace(temp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class SignedOutEngine:
    """The engine of a workspace nobody is signed in to: nothing to sync, listeners welcome."""

    def __init__(self) -> None:
        self._listeners = Listeners()
        self.status = SyncStatus("offline", 0, "Not signed in")
        self.running = False

    def add_listener(self, listener: Any) -> None:
        self._listeners.add(listener)
        handler = getattr(listener, "on_status", None)
        if handler is not None:
            handler(self.status)

    def remove_listener(self, listener: Any) -> None:
        self._listeners.remove(listener)

    async def sync_now(self) -> SyncStatus:
        return self.status

    async def wait_synced(self) -> None:
        return None


def supabase_backend_id(url: str) -> str:
    """The cache's name for a Supabase project: its host (and path, if any)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not a Supabase project URL: {url!r}")
    return f"supabase-{parts.netloc.lower()}{parts.path.rstrip('/')}"


class _ChangeRelay:
    """Forwards the cache writer's change notices to the engine created after it."""

    def __init__(self) -> None:
        self.target: Callable[[frozenset[str]], None] | None = None

    def __call__(self, tables: frozenset[str]) -> None:
        if self.target is not None:
            self.target(tables)


class Workspace:
    """One backend and, while someone is signed in, their cache, reader, writer and engine."""

    def __init__(
        self,
        data_dir: Path,
        backend: Backend,
        backend_id: str,
        *,
        server: EmbeddedPostgres | None = None,
        stop_server: bool = False,
        engine_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.backend = backend
        self.backend_id = backend_id
        self.server = server
        self._stop_server = stop_server
        self._engine_options = dict(engine_options or {})
        self.cache: CacheDatabase | None = None
        self.reader: CacheReader | None = None
        self.writer: CacheWriter | None = None
        self.engine: SyncEngine | SignedOutEngine = SignedOutEngine()
        self.user_id: str | None = None
        self.email: str | None = None
        self.roles: frozenset[str] = frozenset()
        self.profile_ids: dict[str, str] = {}
        self.host_commission_rate: Decimal | None = None
        self._closed = False

    # --------------------------------------------------------------------------- opening
    @classmethod
    async def open_local(
        cls,
        data_dir: Path,
        *,
        email: str | None = None,
        password: str | None = None,
        on_progress: Progress | None = None,
        engine_options: Mapping[str, Any] | None = None,
    ) -> Workspace:
        """Start or attach to the embedded server under `data_dir`, sign in and start syncing.

        With `email` and `password`, that user signs in; otherwise the user remembered from
        last time (if `email` is given, only when it is them), else the demo account with
        that email, else the demo host.
        """
        from studio.sync.local.backend import LocalBackend  # psycopg: only for local mode

        report = on_progress or (lambda *_: None)
        data_dir = Path(data_dir)
        server = EmbeddedPostgres(data_dir / LOCAL_SERVER_DIR)
        loop = asyncio.get_running_loop()
        # Steps ("Creating the local workspace (first run)… Step 2 of 4: …") are reported
        # from the worker thread: hand them to the caller's loop.
        _server, info = await asyncio.to_thread(
            start_local_workspace, server=server,
            on_step=lambda text: loop.call_soon_threadsafe(report, text))
        backend = LocalBackend(info.url, FileSessionStore(data_dir / LOCAL_SIGN_IN_FILE))
        workspace = cls(
            data_dir, backend, LOCAL_BACKEND_ID, server=server,
            stop_server=info.started_here, engine_options=engine_options,
        )
        try:
            report("Signing in…")
            await workspace._sign_in_local(email, password)
            report("Opening the offline cache…")
            await workspace._open_user()
        except BaseException:
            await workspace.close()
            raise
        return workspace

    @classmethod
    async def open_supabase(
        cls,
        data_dir: Path,
        url: str,
        anon_key: str,
        *,
        session_store: SessionStore | None = None,
        engine_options: Mapping[str, Any] | None = None,
    ) -> Workspace:
        """A workspace on a Supabase project: signed in with the saved session when there is
        one (checked with the server when reachable), else signed out."""
        from studio.sync.supabase.backend import SupabaseBackend  # supabase-py: cloud only

        store = session_store if session_store is not None else MemorySessionStore()
        backend = SupabaseBackend(url, anon_key, store)
        workspace = cls(
            Path(data_dir), backend, supabase_backend_id(url), engine_options=engine_options
        )
        try:
            try:
                restored = await backend.restore_session()
            except BackendError as error:
                log.warning("the saved session could not be restored: %s", error.message)
                restored = None
            if restored is not None:
                try:
                    await workspace._open_user()
                except AuthError as error:  # revoked meanwhile: start signed out
                    log.warning("the saved session is no longer valid: %s", error.message)
                    await backend.sign_out()
        except BaseException:
            await workspace.close()
            raise
        return workspace

    async def _sign_in_local(self, email: str | None, password: str | None) -> None:
        if email and password:
            await self.backend.sign_in(email, password)
            return
        restored = await self.backend.restore_session()
        if restored is not None and (not email or _same_email(restored.user.email, email)):
            return
        demo = by_email(email) if email else None
        await self.backend.sign_in((demo or DEMO_HOST).email, DEMO_PASSWORD)

    async def _open_user(self) -> None:
        """Open the signed-in user's cache and start their engine."""
        user = self.backend.current_user
        if user is None:
            raise NotSignedIn("nobody is signed in")
        path = cache_file(self.data_dir, self.backend_id, user.id)
        database = await asyncio.to_thread(CacheDatabase.open, path)
        relay = _ChangeRelay()
        try:
            # A search index left to build is built by the engine, after the app is open.
            writer = await asyncio.to_thread(CacheWriter, database, on_change=relay,
                                             build_search_index=False)
        except BaseException:
            database.close()
            raise
        try:
            profiles = await self._profiles(writer)
            plan = plan_for(profiles.keys(), profiles)
            engine = SyncEngine(self.backend, writer, plan, **self._engine_options)
        except BaseException:
            await asyncio.to_thread(writer.close)
            database.close()
            raise
        relay.target = engine.cache_changed
        self.cache, self.writer, self.reader = database, writer, CacheReader(database)
        self.user_id, self.email = user.id, user.email
        self.roles = frozenset(profiles)
        self.profile_ids = dict(profiles)
        self.engine = engine
        await engine.start()

    async def _profiles(self, writer: CacheWriter) -> dict[str, str]:
        """Role -> profile id, from the server (remembered in the cache for offline starts).

        Also sets `host_commission_rate` from the host profile (a private column only
        `my_profiles()` returns), for the lineup's commission preview.
        """
        try:
            found: UserProfiles = await self.backend.my_profiles()
        except NetworkError:
            saved = await writer.run(CacheStore.get_meta, _PROFILES_META)
            rate = await writer.run(CacheStore.get_meta, _RATE_META)
            self.host_commission_rate = Decimal(rate) if rate else None
            return json.loads(saved) if saved else {}
        profiles = {
            role.value: profile_id
            for role in Role
            if (profile_id := found.profile_id(role)) is not None
        }
        host_row = found.rows.get(Role.HOST) or {}
        rate = host_row.get("commission_rate")
        self.host_commission_rate = Decimal(str(rate)) if rate is not None else None
        await writer.run(CacheStore.set_meta, _PROFILES_META, json.dumps(profiles))
        if self.host_commission_rate is not None:
            await writer.run(CacheStore.set_meta, _RATE_META, str(self.host_commission_rate))
        return profiles

    async def _close_user(self) -> None:
        engine, self.engine = self.engine, SignedOutEngine()
        if isinstance(engine, SyncEngine):
            await engine.stop()
        writer, database = self.writer, self.cache
        self.cache = self.reader = self.writer = None
        self.user_id = self.email = None
        self.roles, self.profile_ids = frozenset(), {}
        self.host_commission_rate = None
        if writer is not None:
            await asyncio.to_thread(writer.close)
        if database is not None:
            database.close()

    # ------------------------------------------------------------------------ signed in
    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    async def submit(self, op: Operation) -> str:
        """Apply a write to the cache and queue it for the server; returns the op id."""
        if not isinstance(self.engine, SyncEngine):
            raise NotSignedIn("sign in to make changes")
        return await self.engine.submit(op)

    async def submit_batch(self, ops: Sequence[Operation]) -> list[str]:
        """One user action's writes: applied together locally and on the server (all or none)."""
        if not isinstance(self.engine, SyncEngine):
            raise NotSignedIn("sign in to make changes")
        return await self.engine.submit_batch(ops)

    async def sign_in(self, email: str, password: str) -> None:
        """Switch to another user: the current user's engine and cache close first. If the
        sign-in fails, the previous user (if any) is reopened and the error raised."""
        if not email or not password:
            raise ValueError("enter your email address and password")
        await self._close_user()
        try:
            await self.backend.sign_in(email, password)
        except BaseException:
            if self.backend.current_user is not None:
                await self._open_user()
            raise
        await self._open_user()

    async def sign_out(self) -> None:
        """Close the user's engine and cache (kept on disk, with unsent writes) and sign out."""
        await self._close_user()
        await self.backend.sign_out()

    async def close(self) -> None:
        """Stop syncing, close the cache and the backend, and stop the embedded server if this
        workspace started it."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._close_user()
        finally:
            try:
                await self.backend.close()
            finally:
                if self.server is not None and self._stop_server:
                    try:  # only the very server this process started, not one restarted since
                        await asyncio.to_thread(self.server.stop_if_started_here)
                    except Exception:
                        log.exception("could not stop the local server")


def _same_email(a: str | None, b: str | None) -> bool:
    return (a or "").strip().lower() == (b or "").strip().lower()
