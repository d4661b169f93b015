"""The Backend over the local workspace's PostgreSQL, answering exactly as PostgREST would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql

from studio.sync.backend import (
    AuthError,
    AuthSession,
    AuthUser,
    BackendError,
    ChangeCallback,
    Condition,
    Filter,
    NetworkError,
    NotFound,
    Order,
    SyncRequests,
    UserProfiles,
    check_identifier,
)
from studio.sync.filters import row_values
from studio.sync.local.auth import (
    RememberedUser,
    banned,
    identity,
    invalid_credentials,
    password_matches,
    record_sign_in,
    user_by_email,
    user_by_id,
)
from studio.sync.local.driver import IO_MODES, Driver, IoMode, error_from_psycopg, make_driver
from studio.sync.local.realtime import LocalRealtime, LocalSubscription
from studio.sync.local.rpc import (
    FUNCTION_LOOKUP,
    FunctionSignature,
    choose_overload,
    rpc_statement,
)
from studio.sync.local.sql import (
    Statement,
    check_paging,
    count_statement,
    delete_statement,
    ids_statement,
    request_settings,
    select_statement,
    update_statement,
    upsert_statement,
)
from studio.sync.session_store import MemorySessionStore, SessionStore

# PostgREST's max_rows in backend_schema/supabase/config.toml: no read returns more rows.
DEFAULT_MAX_ROWS = 1000
DEFAULT_MAX_CONNECTIONS = 4

_EMPTY_SEARCH_PATH: Statement = (sql.SQL("select set_config('search_path', '', true)"), [])


class LocalBackend(SyncRequests):
    """Talks to a PostgreSQL database with the Supabase schema, as the signed-in user.

    Each request is one transaction that first sets what PostgREST sets (`role`
    authenticated or anon, `request.jwt.claims` with sub/role/email/aud, the search_path), so
    RLS, grants, triggers and functions decide exactly as on Supabase; replies are the JSON
    PostgREST sends (numbers for numeric, ISO-8601 UTC timestamps, strings for uuids and enums).
    Sign-in checks `auth.users` as the database owner. Only the user id and email are
    remembered in `session_store`; no password or token exists anywhere.
    """

    def __init__(
        self,
        conninfo: str,
        session_store: SessionStore | None = None,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_rows: int | None = DEFAULT_MAX_ROWS,
        io: IoMode = "auto",
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if max_rows is not None and max_rows < 1:
            raise ValueError("max_rows must be a positive integer or None")
        if io not in IO_MODES:
            raise ValueError(f"io must be one of {IO_MODES}, not {io!r}")
        self._conninfo = conninfo
        store = session_store if session_store is not None else MemorySessionStore()
        self._remembered = RememberedUser(store)
        self._max_connections = max_connections
        self._max_rows = max_rows
        self._io: IoMode = io
        self._driver: Driver | None = None
        self._realtime: LocalRealtime | None = None
        self._user: AuthUser | None = None
        self._claims: dict[str, Any] = identity(None)[1]
        self._functions: dict[str, list[FunctionSignature]] = {}
        self._closed = False

    # ------------------------------------------------------------------------------ requests

    def _get_driver(self) -> Driver:
        if self._closed:
            raise BackendError("the local backend is closed")
        if self._driver is None:
            self._driver = make_driver(self._conninfo, self._max_connections, self._io)
        return self._driver

    async def _run_as(
        self, claims: Mapping[str, Any] | None, statements: Sequence[Statement]
    ) -> Any:
        """Run statements in one transaction as `claims` (None: as the database owner)."""
        if claims is not None:
            statements = [request_settings(claims), *statements]
        try:
            return await self._get_driver().run(statements)
        except psycopg.Error as e:
            signed_in = claims is None or claims.get("role") != "anon"
            raise error_from_psycopg(e, signed_in) from e

    async def _request(self, statement: Statement) -> Any:
        return await self._run_as(self._claims, [statement])

    async def _rows(self, statement: Statement) -> list[dict[str, Any]]:
        text = await self._request(statement)
        return json.loads(text) if text is not None else []

    # ---------------------------------------------------------------------------------- auth

    @property
    def current_user(self) -> AuthUser | None:
        return self._user

    def _become(self, user: Mapping[str, Any] | None) -> AuthSession | None:
        self._user, self._claims = identity(user)
        return AuthSession(self._user) if self._user is not None else None

    async def _find_user(self, statement: Statement) -> dict[str, Any] | None:
        text = await self._run_as(None, [statement])
        return json.loads(text) if text is not None else None

    async def sign_in(self, email: str, password: str) -> AuthSession:
        email = (email or "").strip()
        if not email or "@" not in email:
            raise ValueError("enter the email address you signed up with")
        if not password:
            raise ValueError("enter your password")
        user = await self._find_user(user_by_email(email))
        stored_hash = user["password_hash"] if user else None
        if user is None or not await asyncio.to_thread(password_matches, password, stored_hash):
            raise invalid_credentials()
        if user["banned"]:
            raise banned()
        await self._run_as(None, [record_sign_in(str(user["id"]))])
        session = self._become(user)
        assert session is not None
        await self._remembered.save(session.user)
        return session

    async def restore_session(self) -> AuthSession | None:
        """The user remembered last time, if their account still exists and may sign in.

        When the database cannot be reached, the remembered user is returned unchecked (as a
        cloud session is restored offline) and checked by the next `refresh()`.
        """
        remembered = await self._remembered.load()
        if remembered is None:
            return None
        try:
            user = await self._find_user(user_by_id(remembered.id))
        except NetworkError:
            return self._become({"id": remembered.id, "email": remembered.email})
        if user is None or user["banned"]:
            await self.sign_out()
            return None
        return self._become(user)

    async def refresh(self) -> AuthSession:
        """Check the signed-in account again (there are no tokens to renew locally)."""
        if self._user is None:
            raise AuthError("not signed in", status=401)
        user = await self._find_user(user_by_id(self._user.id))
        if user is None or user["banned"]:
            await self.sign_out()
            raise AuthError("this account can no longer sign in; sign in again", status=401)
        session = self._become(user)
        assert session is not None
        return session

    async def sign_out(self) -> None:
        self._become(None)
        await self._remembered.clear()

    async def my_profiles(self) -> UserProfiles:
        payload = await self.rpc("my_profiles")
        try:
            return UserProfiles.from_payload(payload)
        except ValueError as e:
            raise BackendError(str(e)) from None

    # --------------------------------------------------------------------------------- reads

    def _capped(self, limit: int | None) -> int | None:
        if self._max_rows is None:
            return limit
        return self._max_rows if limit is None else min(limit, self._max_rows)

    async def select(
        self,
        table: str,
        columns: Sequence[str],
        filters: Sequence[Condition] = (),
        order: Sequence[Order] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Rows matching the filters; never more than `max_rows` (as PostgREST caps them)."""
        check_paging(limit, offset)
        capped = self._capped(limit)
        return await self._rows(select_statement(table, columns, filters, order, capped, offset))

    async def count(self, table: str, scope_filters: Sequence[Condition] = ()) -> int:
        """How many rows of `table` the user sees under the filters (`count=exact`)."""
        return int(await self._request(count_statement(table, scope_filters)))

    async def select_ids(self, table: str, scope_filters: Sequence[Condition] = ()) -> set[str]:
        """Every visible id, read in one statement (one snapshot, no page cap)."""
        text = await self._request(ids_statement(table, scope_filters))
        return set(json.loads(text)) if text is not None else set()

    # -------------------------------------------------------------------------------- writes

    async def upsert(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        on_conflict: str = "id",
        returning: bool = True,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Insert or merge rows (PostgREST's `resolution=merge-duplicates`): on conflict every
        column given is set, so the user needs the update grant on all of them."""
        if isinstance(rows, Mapping) or not rows:
            if isinstance(rows, Mapping):
                raise ValueError("upsert takes a list of rows")
            return []
        return await self._write(
            upsert_statement(table, rows, on_conflict, returning, columns), returning
        )

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
        as they are (`resolution=ignore-duplicates`), needing only the insert grant."""
        if isinstance(rows, Mapping):
            raise ValueError("insert takes a list of rows")
        if not rows:
            return []
        resolution = "ignore" if ignore_duplicates else None
        statement = upsert_statement(table, rows, on_conflict, returning, columns, resolution)
        return await self._write(statement, returning)

    async def update(
        self,
        table: str,
        values: Mapping[str, Any],
        filters: Sequence[Condition],
        returning: bool = True,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        return await self._write(
            update_statement(table, values, filters, returning, columns), returning
        )

    async def delete(
        self,
        table: str,
        filters: Sequence[Condition],
        returning: bool = False,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        return await self._write(delete_statement(table, filters, returning, columns), returning)

    async def _write(self, statement: Statement, returning: bool) -> list[dict[str, Any]]:
        rows = await self._rows(statement)
        return rows if returning else []

    # ----------------------------------------------------------------------------------- rpc

    async def rpc(self, function: str, params: Mapping[str, Any] | None = None) -> Any:
        """Call `public.<function>` with named parameters; the reply is what PostgREST sends:
        the value of a scalar or JSON function, a list of row dicts for set-returning ones,
        None for void."""
        name = check_identifier(function)
        body = row_values(params or {})
        signature = await self._signature(name, body)
        statement = rpc_statement(signature, body, self._max_rows)
        try:
            text = await self._request(statement)
        except NotFound:
            self._functions.pop(name, None)  # dropped or replaced since it was looked up
            raise
        if signature.returns_void or text is None:
            return None
        return json.loads(text)

    async def _signature(self, name: str, body: Mapping[str, Any]) -> FunctionSignature:
        """The overload to call, from a per-backend cache of the catalog (like PostgREST's
        schema cache), refreshed once when no cached overload fits."""
        for attempt in ("cached", "fresh"):
            if attempt == "fresh" or name not in self._functions:
                # An empty search_path makes format_type qualify every type name.
                text = await self._run_as(None, [_EMPTY_SEARCH_PATH, (FUNCTION_LOOKUP, [name])])
                found = (FunctionSignature.from_catalog(name, e) for e in json.loads(text))
                self._functions[name] = [s for s in found if s is not None]
            try:
                return choose_overload(name, self._functions[name], body.keys())
            except NotFound:
                if attempt == "fresh":
                    raise
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------------------ realtime

    async def subscribe(
        self, table: str, filter: Filter | None, callback: ChangeCallback
    ) -> LocalSubscription:
        """Committed changes to `table` (one of the realtime-published tables), in commit order,
        as the current user sees them, like Supabase Realtime: inserts and updates carry the row
        with only the columns the user may read and only if RLS lets them see it (and it
        matches `filter`); deletes carry `{"id": ...}`, unfiltered.

        Rows are read when the change is delivered, so an update brings the row as it is by
        then, and a row deleted meanwhile arrives only as its delete. Changes made while the
        feed reconnects after a lost connection are not replayed: pulls bring them.
        """
        if self._realtime is None:
            self._realtime = LocalRealtime(
                self._get_driver(), self._run_as, lambda: self._user is not None
            )
        return await self._realtime.subscribe(table, filter, callback, dict(self._claims))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._realtime is not None:
            await self._realtime.close()
        if self._driver is not None:
            await self._driver.close()
