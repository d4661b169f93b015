"""The Backend over a Supabase project: Auth, PostgREST and Realtime through supabase-py."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from postgrest.types import CountMethod
from supabase import AsyncClient, AsyncClientOptions
from supabase_auth import Session
from supabase_auth import errors as auth_errors
from supabase_auth.constants import EXPIRY_MARGIN, STORAGE_KEY
from supabase_auth.types import AuthChangeEvent

from studio.sync.backend import (
    AuthError,
    AuthSession,
    AuthUser,
    BackendError,
    ChangeCallback,
    Condition,
    Filter,
    NetworkError,
    Order,
    SyncRequests,
    UserProfiles,
    check_identifier,
    gt,
)
from studio.sync.filters import column_list, row_values
from studio.sync.session_store import SessionStore
from studio.sync.supabase.auth_storage import SessionStoreAuthStorage
from studio.sync.supabase.failures import api_key_rejected, describe_transport, json_body
from studio.sync.supabase.query import (
    conflict_target,
    embeds,
    error_from_response,
    filter_params,
    parse_body,
    realtime_filter,
    refuse_related,
    require_filters,
    return_method,
    rows_body,
    to_json,
)
from studio.sync.supabase.realtime import ChangeBinding
from studio.sync.supabase.realtime_feed import RealtimeFeeds, RealtimeSubscription, StatusListener
from studio.sync.supabase.signin import (
    ServiceRoleKeyRefused,
    SessionEnded,
    auth_failure,
    auth_session,
    check_anon_key,
    session_failure,
)

log = logging.getLogger(__name__)

ID_PAGE_SIZE = 1000
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class SupabaseBackend(SyncRequests):
    """Talks to one Supabase project as the signed-in user, holding only the anon key.

    PostgREST requests carry the user's access token, refreshed first when it is about to
    expire; supabase-py's own retries are off because the sync engine owns retry and backoff.
    """

    def __init__(
        self,
        supabase_url: str,
        anon_key: str,
        session_store: SessionStore,
        *,
        http_client: httpx.AsyncClient | None = None,
        auto_refresh: bool = True,
    ) -> None:
        self._key = check_anon_key(anon_key)
        self._url = supabase_url.rstrip("/")
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=DEFAULT_TIMEOUT, follow_redirects=True, http2=True
        )
        self._storage = SessionStoreAuthStorage(session_store)
        options = AsyncClientOptions(
            storage=self._storage,
            httpx_client=self._http,
            auto_refresh_token=auto_refresh,
            postgrest_client_retry=False,
        )
        self._client = AsyncClient(self._url, self._key, options)
        self._user: AuthUser | None = None
        self.restore_problem: str | None = None
        """Why the session restored at start could not be renewed (it was kept), else None."""
        # One token check at a time: concurrent requests must not each spend the refresh token.
        self._token_lock = asyncio.Lock()
        self._client.auth.on_auth_state_change(self._on_auth_event)
        self._feeds: RealtimeFeeds | None = None

    # ------------------------------------------------------------------------------ auth

    def _on_auth_event(self, event: AuthChangeEvent, session: Session | None) -> None:
        if event == "SIGNED_OUT" or session is None:
            self._user = None
        else:
            self._user = AuthUser(session.user.id, session.user.email)

    @property
    def current_user(self) -> AuthUser | None:
        return self._user

    @property
    def session_notice(self) -> str | None:
        """One line for the user when the session cannot be remembered (keyring missing,
        locked or failing): it is kept until the app closes. None when all is well."""
        return self._storage.notice

    async def sign_in(self, email: str, password: str) -> AuthSession:
        email = (email or "").strip()
        if not email or "@" not in email:
            raise ValueError("enter the email address you signed up with")
        if not password:
            raise ValueError("enter your password")
        try:
            response = await self._client.auth.sign_in_with_password(
                {"email": email, "password": password}
            )
        except auth_errors.AuthError as e:
            raise auth_failure(e) from e
        if response.session is None:
            raise AuthError("sign-in returned no session (is the email confirmed?)")
        return auth_session(response.session)

    async def restore_session(self) -> AuthSession | None:
        """The remembered session, refreshed if expired; None when none is stored or the server
        says it is over (revoked, reused, user gone).

        Any other failure to refresh (offline, timeouts, 429, 5xx, a reply that is not JSON, a
        refused API key) keeps the session: it is returned, `restore_problem` says why it could
        not be renewed, and the next request tries again (failing with AuthUnavailable, a
        NetworkError, meanwhile).
        """
        self.restore_problem = None
        raw = await self._storage.get_item(STORAGE_KEY)
        if raw is None:
            return None
        try:
            session = Session.model_validate_json(raw)
        except ValueError:
            log.warning("the saved session is unreadable; it is removed")
            await self._forget_session()
            return None
        if not session.refresh_token or not session.expires_at:
            await self._forget_session()
            return None
        self._user = AuthUser(session.user.id, session.user.email)
        if session.expires_at > time.time() + EXPIRY_MARGIN:
            # Valid: no request; only starts the refresh timer.
            await self._client.auth.initialize_from_storage()
            return auth_session(session)
        try:
            async with self._token_lock:
                response = await self._client.auth.refresh_session(session.refresh_token)
        except auth_errors.AuthError as e:
            failure = session_failure(e)
            if isinstance(failure, SessionEnded):
                log.warning("the saved session has ended: %s", failure.message)
                await self._forget_session()
                return None
            log.warning("the saved session is kept but could not be renewed: %s", failure.message)
            self.restore_problem = failure.message
            return auth_session(session)
        return auth_session(response.session or session)

    async def _forget_session(self) -> None:
        """Drop the session here (storage and refresh timer) without asking the server."""
        await self._client.auth._remove_session()  # supabase-py has no public local-only drop
        self._user = None

    async def refresh(self) -> AuthSession:
        try:
            async with self._token_lock:
                response = await self._client.auth.refresh_session()
        except auth_errors.AuthError as e:
            raise await self._session_failure(e) from e
        if response.session is None:
            raise AuthError("the session could not be refreshed; sign in again")
        return auth_session(response.session)

    async def _session_failure(self, error: auth_errors.AuthError) -> BackendError:
        """The error for a failed renewal; a definitive one also drops the session here."""
        failure = session_failure(error)
        if isinstance(failure, SessionEnded):
            await self._forget_session()
        return failure

    async def sign_out(self) -> None:
        try:
            await self._client.auth.sign_out({"scope": "local"})
        except auth_errors.AuthError as e:
            # The local session is already gone; an unreachable server only means the refresh
            # token is not revoked now and simply expires on its own.
            log.warning("signed out locally; the server was not told: %s", type(e).__name__)
        finally:
            await self._storage.remove_item(STORAGE_KEY)
            self._user = None

    async def my_profiles(self) -> UserProfiles:
        payload = await self.rpc("my_profiles")
        try:
            return UserProfiles.from_payload(payload)
        except ValueError as e:
            raise BackendError(str(e)) from None

    async def _access_token(self) -> str:
        """The bearer for the next request: the user's fresh token, or the anon key."""
        try:
            async with self._token_lock:
                session = await self._client.auth.get_session()
        except auth_errors.AuthError as e:
            # Never fall back to the anon key for a signed-in user: their reads would come back
            # empty and look like removals.
            raise await self._session_failure(e) from e
        return session.access_token if session is not None else self._key

    @property
    def project_url(self) -> str:
        """The project's address (its edge functions live under /functions/v1)."""
        return self._url

    async def function_headers(self) -> dict[str, str]:
        """Headers for calling one of the project's edge functions as the signed-in user."""
        return {"Authorization": f"Bearer {await self._access_token()}", "apikey": self._key}

    # ----------------------------------------------------------------------------- PostgREST

    async def _send(self, builder: Any) -> Any:
        return parse_body(await self._send_for_response(builder))

    async def _send_for_response(self, builder: Any) -> httpx.Response:
        request = builder.request
        request.headers["Authorization"] = f"Bearer {await self._access_token()}"
        try:
            response = await request.send(httpx.Headers())
        except httpx.TransportError as e:
            raise NetworkError(f"could not reach the server: {describe_transport(e)}") from e
        if response.is_success:
            return response
        # A refused anon key is not the user's session ending: keep it (see ApiKeyRejected).
        raise api_key_rejected(response.status_code, json_body(response)) or error_from_response(
            response
        )

    def _table(self, table: str) -> Any:
        return self._client.table(check_identifier(table))

    @staticmethod
    def _filtered(builder: Any, filters: Sequence[Condition]) -> Any:
        for key, value in filter_params(filters):
            if key == "or":
                builder = builder.or_(value[1:-1])
            else:
                operator, _, criteria = value.partition(".")
                builder = builder.filter(key, operator, criteria)
        return builder

    async def select(
        self,
        table: str,
        columns: Sequence[str],
        filters: Sequence[Condition] = (),
        order: Sequence[Order] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Rows matching the filters. Without `limit`, the project's max-rows cap applies."""
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValueError(f"limit must be a positive integer, got {limit!r}")
        if not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be a non-negative integer, got {offset!r}")
        selected = [*column_list(columns), *embeds(filters)]
        builder = self._filtered(self._table(table).select(*selected), filters)
        for o in order:
            builder = builder.order(o.column, desc=o.descending, nullsfirst=o.nulls_first)
        if limit is not None:
            builder = builder.limit(limit)
        if offset:
            builder = builder.offset(offset)
        return list(await self._send(builder) or [])

    async def select_ids(self, table: str, scope_filters: Sequence[Condition] = ()) -> set[str]:
        ids: set[str] = set()
        last: str | None = None
        while True:
            after = [gt("id", last)] if last is not None else []
            rows = await self.select(
                table, ["id"], [*scope_filters, *after], [Order("id")], limit=ID_PAGE_SIZE
            )
            # Stop on an empty page, not a short one: the project may cap pages lower.
            if not rows:
                return ids
            ids.update(str(r["id"]) for r in rows)
            last = str(rows[-1]["id"])

    async def count(self, table: str, scope_filters: Sequence[Condition] = ()) -> int:
        """`HEAD /table?select=id&filters` with `Prefer: count=exact`; the total is the number
        after the slash of the reply's `Content-Range` (`*/1234`)."""
        selected = ["id", *embeds(scope_filters)]
        builder = self._table(table).select(*selected, count=CountMethod.exact, head=True)
        response = await self._send_for_response(self._filtered(builder, scope_filters))
        total = response.headers.get("content-range", "").rpartition("/")[2]
        if not total.isdigit():
            raise BackendError(
                "the server did not say how many rows there are (no Content-Range total)",
                status=response.status_code,
            )
        return int(total)

    async def upsert(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        on_conflict: str = "id",
        returning: bool = True,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Insert or merge rows. `columns` limits what comes back (needed for tables whose
        private columns the user may not read)."""
        body = rows_body(rows, "upsert")
        if not body:
            return []
        builder = self._table(table).upsert(
            body, on_conflict=conflict_target(on_conflict), returning=return_method(returning)
        )
        return await self._send_returning(builder, returning, columns)

    async def insert(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        ignore_duplicates: bool = False,
        on_conflict: str = "id",
        returning: bool = True,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Insert rows; with `ignore_duplicates`, rows whose `on_conflict` key exists are left
        as they are (`Prefer: resolution=ignore-duplicates`), needing only the insert grant.
        Only the rows actually inserted come back."""
        body = rows_body(rows, "insert")
        if not body:
            return []
        table_builder = self._table(table)
        if ignore_duplicates:
            builder = table_builder.upsert(
                body,
                ignore_duplicates=True,
                on_conflict=conflict_target(on_conflict),
                returning=return_method(returning),
            )
        else:
            builder = table_builder.insert(body, returning=return_method(returning))
        return await self._send_returning(builder, returning, columns)

    async def update(
        self,
        table: str,
        values: Mapping[str, Any],
        filters: Sequence[Condition],
        returning: bool = True,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        body = to_json(row_values(values))
        if not body:
            raise ValueError("an update needs at least one column to set")
        require_filters(filters, "update")
        refuse_related(filters, "update")
        builder = self._table(table).update(body, returning=return_method(returning))
        return await self._send_returning(self._filtered(builder, filters), returning, columns)

    async def delete(
        self,
        table: str,
        filters: Sequence[Condition],
        returning: bool = False,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        require_filters(filters, "delete")
        refuse_related(filters, "delete")
        builder = self._table(table).delete(returning=return_method(returning))
        return await self._send_returning(self._filtered(builder, filters), returning, columns)

    async def _send_returning(
        self, builder: Any, returning: bool, columns: Sequence[str] | None
    ) -> list[dict[str, Any]]:
        if returning and columns is not None:
            builder = builder.select(*column_list(columns))
        data = await self._send(builder)
        return list(data) if returning and data else []

    async def rpc(self, function: str, params: Mapping[str, Any] | None = None) -> Any:
        body = to_json(row_values(params or {}))
        return await self._send(self._client.rpc(check_identifier(function), body))

    # ------------------------------------------------------------------------------ realtime

    async def subscribe(
        self,
        table: str,
        filter: Filter | None,
        callback: ChangeCallback,
        on_status: StatusListener | None = None,
    ) -> RealtimeSubscription:
        """A live feed of `table`'s changes; its `status` (and `on_status`) says whether it is
        joining, joined, reconnecting, closed or failed, and why."""
        binding = ChangeBinding(check_identifier(table), filter=realtime_filter(filter))
        token = await self._access_token()
        if self._feeds is None:
            self._feeds = RealtimeFeeds(self._client.realtime)
        return await self._feeds.subscribe(
            binding, callback, None if token == self._key else token, on_status
        )

    async def close(self) -> None:
        # supabase-py has no public way to stop its refresh timer short of removing the session.
        timer = self._client.auth._refresh_token_timer
        if timer is not None:
            timer.cancel()
            self._client.auth._refresh_token_timer = None
        try:
            if self._feeds is not None:
                await self._feeds.close()
            else:
                await self._client.realtime.remove_all_channels()
        finally:
            if self._owns_http:
                await self._http.aclose()


__all__ = ["ServiceRoleKeyRefused", "SupabaseBackend", "check_anon_key"]
