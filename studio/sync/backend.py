"""The backend interface the sync engine talks to: value types, errors and the protocol.

The filter language (conditions, ordering, keyset cursors) lives in `studio.sync.filters` and is
re-exported here, so callers import everything a backend speaks from one module.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable

from studio.sync.filters import (
    IDENTIFIER,
    KEYSET_ORDER,
    NIL_UUID,
    And,
    Condition,
    Cursor,
    Filter,
    Operator,
    Or,
    Order,
    Related,
    Scalar,
    after_cursor,
    and_,
    check_identifier,
    column_list,
    compile_filters_sql,
    compile_order_sql,
    eq,
    gt,
    gte,
    ilike,
    in_,
    is_null,
    lt,
    lte,
    neq,
    or_,
    refers_to,
)
from studio.sync.protocol import (
    OpResult,
    TombstonePage,
    read_horizon,
    read_tombstone_floor,
    send_ops,
    tombstone_page,
)

# --------------------------------------------------------------------------------------- errors

# SQLSTATEs (or their two-character classes) that say whether sending the same request again can
# succeed: connection trouble, serialization failures, exhausted resources and operator
# intervention are transient; bad data, integrity, privilege and state errors are not.
_RETRYABLE_CLASSES = frozenset({"08", "40", "53", "57"})
_FINAL_CODES = frozenset({"42501", "P0002", "55000"})
_FINAL_CLASSES = frozenset({"22", "23"})
_NOT_FOUND_CODES = frozenset({"P0002", "42P01", "42883", "PGRST116", "PGRST202", "PGRST205"})


class BackendError(Exception):
    """A request the backend refused or could not carry out."""

    def __init__(
        self,
        message: str,
        sqlstate: str | None = None,
        detail: str | None = None,
        hint: str | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate
        self.detail = detail
        self.hint = hint
        self.status = status
        # The server's own error code when it is not a SQLSTATE (PostgREST's PGRSTxxx, Auth's).
        self.code = code if code is not None else sqlstate

    @property
    def retryable(self) -> bool:
        """Whether sending the same request again later can succeed."""
        state = self.sqlstate
        if state is not None:
            if state in _FINAL_CODES or state[:2] in _FINAL_CLASSES:
                return False
            if state[:2] in _RETRYABLE_CLASSES:
                return True
        return self.status is not None and (self.status >= 500 or self.status == 429)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, sqlstate={self.sqlstate!r}, "
            f"status={self.status!r})"
        )


class NetworkError(BackendError):
    """The backend could not be reached, or the connection broke before a reply."""

    @property
    def retryable(self) -> bool:
        return True


class AuthError(BackendError):
    """Signing in failed, or the session is missing, expired or revoked."""


class ValidationError(BackendError):
    """The data broke a rule of the database (SQLSTATE classes 22 and 23)."""


class PermissionDenied(BackendError):
    """The signed-in user may not do this (SQLSTATE 42501, HTTP 401/403)."""


class NotFound(BackendError):
    """The row, table or function asked for does not exist (or is not visible)."""


async def keyset_page(
    select: Callable[..., Any],
    table: str,
    columns: Sequence[str],
    cursor: Cursor | None,
    limit: int,
    scope_filters: Sequence[Condition] = (),
    since: int | None = None,
) -> Page:
    """`pull_page` for any backend, through its own `select`: the rows with change_xid >=
    `since` after `cursor` in (change_xid, id) order, always carrying those two columns."""
    wanted = column_list(columns)
    wanted += [c for c in ("change_xid", "id") if c not in wanted]
    filters = list(scope_filters)
    if since is not None:
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise ValueError(f"since must be a non-negative integer, got {since!r}")
        filters.append(gte("change_xid", since))
    if cursor is not None:
        filters.append(after_cursor(cursor))
    rows = await select(table, wanted, filters, KEYSET_ORDER, limit=limit)
    return Page(rows, Cursor.from_row(rows[-1]) if rows else None)


class SyncRequests:
    """The sync protocol's requests (commit-order pages, horizon, deletions feed, apply_ops),
    made through a backend's own `select` and `rpc`: both backends speak it the same way."""

    select: Callable[..., Any]
    rpc: Callable[..., Any]

    async def pull_page(
        self,
        table: str,
        columns: Sequence[str],
        cursor: Cursor | None,
        limit: int,
        scope_filters: Sequence[Condition] = (),
        since: int | None = None,
    ) -> Page:
        return await keyset_page(self.select, table, columns, cursor, limit, scope_filters, since)

    async def sync_horizon(self) -> int:
        return await read_horizon(self.rpc)

    async def tombstone_floor(self) -> int | None:
        return await read_tombstone_floor(self.rpc)

    async def pull_tombstones(
        self,
        tables: Collection[str],
        since: int | None,
        after: tuple[int, int] | None,
        limit: int,
    ) -> TombstonePage:
        return await tombstone_page(self.select, tables, since, after, limit)

    async def apply_ops(self, ops: Sequence[Mapping[str, Any]]) -> list[OpResult]:
        return await send_ops(self.rpc, ops)


def backend_error(
    message: str,
    sqlstate: str | None = None,
    detail: str | None = None,
    hint: str | None = None,
    status: int | None = None,
    code: str | None = None,
) -> BackendError:
    """Build the BackendError subclass that matches a SQLSTATE / server code and HTTP status."""
    args = (message, sqlstate, detail, hint, status, code)
    key = sqlstate or code
    if sqlstate == "42501":
        return PermissionDenied(*args)
    if sqlstate is not None and sqlstate[:2] in _FINAL_CLASSES:
        return ValidationError(*args)
    if key in _NOT_FOUND_CODES:
        return NotFound(*args)
    if status == 401 or (code or "").startswith("PGRST30"):
        return AuthError(*args)
    if status == 403:
        return PermissionDenied(*args)
    if status == 404:
        return NotFound(*args)
    return BackendError(*args)


# ---------------------------------------------------------------------------------- value types


class Role(StrEnum):
    """The kinds of profile a user can hold."""

    HOST = "host"
    WHOLESALER = "wholesaler"
    CUSTOMER = "customer"
    ADMIN = "admin"


@dataclass(frozen=True)
class AuthUser:
    """The signed-in user: the auth user id (what `auth.uid()` returns) and email."""

    id: str
    email: str | None


@dataclass(frozen=True)
class AuthSession:
    """A signed-in session. Tokens stay inside the backend; `expires_at` is epoch seconds."""

    user: AuthUser
    expires_at: int | None = None


# my_profiles() names each profile by its table; accept the role names as well.
_PROFILE_KEYS: Mapping[Role, tuple[str, ...]] = {
    Role.HOST: ("influencer", "host"),
    Role.WHOLESALER: ("wholesaler",),
    Role.CUSTOMER: ("customer",),
    Role.ADMIN: ("admin", "admin_user"),
}


@dataclass(frozen=True)
class UserProfiles:
    """The caller's own profile rows, one per role they hold (from `my_profiles()`)."""

    rows: Mapping[Role, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: object) -> UserProfiles:
        if not isinstance(payload, Mapping):
            raise ValueError(f"my_profiles() should return a JSON object, got {payload!r}")
        rows: dict[Role, Mapping[str, Any]] = {}
        for role, keys in _PROFILE_KEYS.items():
            for key in keys:
                row = payload.get(key)
                if isinstance(row, Mapping):
                    rows[role] = dict(row)
                    break
        return cls(rows)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(self.rows)

    def profile_id(self, role: Role) -> str | None:
        row = self.rows.get(role)
        if row is None or row.get("id") is None:
            return None
        return str(row["id"])


@dataclass(frozen=True)
class Page:
    """One page of a keyset pull. `next_cursor` is None when no row follows the cursor."""

    rows: list[dict[str, Any]]
    next_cursor: Cursor | None


@dataclass(frozen=True)
class RowChange:
    """A committed change to one row, as realtime delivers it."""

    table: str
    type: Literal["INSERT", "UPDATE", "DELETE"]
    record: dict[str, Any] | None
    old_record: dict[str, Any] | None
    commit_timestamp: str | None


# ------------------------------------------------------------------------------------ interface


class Subscription(Protocol):
    """A live feed of row changes; stop it with `unsubscribe()`."""

    async def unsubscribe(self) -> None: ...


ChangeCallback = Callable[[RowChange], None]


@runtime_checkable
class Backend(Protocol):
    """What the sync engine needs from a server: auth, keyset reads, idempotent writes, RPC.

    Every method raises BackendError subclasses; `err.retryable` tells the engine whether to
    retry with backoff or to undo the operation and show `err.message` to the user.
    Tables and columns are plain identifiers; explicit column lists are required (no `*`).
    Malformed input raises ValueError before anything is sent.
    """

    @property
    def current_user(self) -> AuthUser | None: ...

    async def sign_in(self, email: str, password: str) -> AuthSession: ...

    async def restore_session(self) -> AuthSession | None:
        """The session remembered from last time (refreshed when possible), or None."""
        ...

    async def refresh(self) -> AuthSession: ...

    async def sign_out(self) -> None:
        """Forget the session locally (always) and revoke it on the server (when reachable)."""
        ...

    async def my_profiles(self) -> UserProfiles: ...

    async def select(
        self,
        table: str,
        columns: Sequence[str],
        filters: Sequence[Condition] = (),
        order: Sequence[Order] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]: ...

    async def pull_page(
        self,
        table: str,
        columns: Sequence[str],
        cursor: Cursor | None,
        limit: int,
        scope_filters: Sequence[Condition] = (),
        since: int | None = None,
    ) -> Page:
        """Rows with change_xid >= `since` (all rows when None), after `cursor`, in
        (change_xid, id) order, at most `limit`. `change_xid` and `id` are always selected.
        Keep calling with `page.next_cursor` until it is None: a server may cap pages below
        `limit`.
        """
        ...

    async def sync_horizon(self) -> int:
        """`sync_horizon()`: every transaction with an id below it has finished. Take it
        before reading; it is the cursor to save after."""
        ...

    async def tombstone_floor(self) -> int | None:
        """`sync_tombstone_floor()`: a tombstone cursor below it needs a full reconcile."""
        ...

    async def pull_tombstones(
        self,
        tables: Collection[str],
        since: int | None,
        after: tuple[int, int] | None,
        limit: int,
    ) -> TombstonePage:
        """Deleted rows of `tables` with change_xid >= `since`, keyset-paged by `after`."""
        ...

    async def apply_ops(self, ops: Sequence[Mapping[str, Any]]) -> list[OpResult]:
        """Send a batch to `apply_ops`: applied all together or (on a conflict) not at all."""
        ...

    async def select_ids(self, table: str, scope_filters: Sequence[Condition] = ()) -> set[str]:
        """Every id visible in `table` under the filters: rows cached but absent were removed."""
        ...

    async def count(self, table: str, scope_filters: Sequence[Condition] = ()) -> int:
        """How many rows of `table` are visible under the filters (for progress bars)."""
        ...

    async def upsert(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        on_conflict: str = "id",
        returning: bool = True,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Insert rows, or update them where `on_conflict` matches; all rows share their keys.

        `columns` limits what comes back: needed on tables whose private columns the user may
        not read (live_stream_sessions), where returning every column is refused.
        """
        ...

    async def insert(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        ignore_duplicates: bool = False,
        on_conflict: str = "id",
        returning: bool = True,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Insert rows. With `ignore_duplicates`, rows whose `on_conflict` key exists are left
        untouched and only the rows inserted come back: a replayed create is harmless, and
        only the insert grant is needed (a merge would need the update grant on every column).
        """
        ...

    async def update(
        self,
        table: str,
        values: Mapping[str, Any],
        filters: Sequence[Condition],
        returning: bool = True,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Set `values` on the rows matching `filters` (required: no unfiltered updates)."""
        ...

    async def delete(
        self,
        table: str,
        filters: Sequence[Condition],
        returning: bool = False,
        columns: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Delete the rows matching `filters` (required: no unfiltered deletes)."""
        ...

    async def rpc(self, function: str, params: Mapping[str, Any] | None = None) -> Any: ...

    async def subscribe(
        self, table: str, filter: Filter | None, callback: ChangeCallback
    ) -> Subscription:
        """Deliver committed changes to `table` (matching `filter`) to `callback`."""
        ...

    async def close(self) -> None: ...


# Everything a backend speaks, the re-exported filter language included.
__all__ = [
    "IDENTIFIER", "KEYSET_ORDER", "NIL_UUID", "And", "AuthError", "AuthSession", "AuthUser",
    "Backend", "BackendError", "ChangeCallback", "Condition", "Cursor", "Filter", "NetworkError",
    "NotFound", "Operator", "Or", "Order", "Page", "PermissionDenied", "Related", "Role",
    "RowChange", "Scalar", "Subscription", "UserProfiles", "ValidationError", "after_cursor",
    "and_", "backend_error", "check_identifier", "compile_filters_sql", "compile_order_sql", "eq",
    "gt", "gte", "ilike", "in_", "is_null", "lt", "lte", "neq", "or_", "refers_to"
]
