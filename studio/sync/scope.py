"""What each role pulls into its cache: tables, readable columns and the filters of each scope.

A scope is one keyset-pulled slice of a server table with its own cursor. Most scopes are fixed
by the signed-in user's profile ids; derived scopes depend on rows already cached (the shows
behind the lineup items a wholesaler previews, the chat of a host's recent shows) and are
resolved before each pull, in chunks of ids. Column lists are exactly what the access rules
grant (column-granted tables refuse `select=*`); cache columns no client may read are filled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from studio.sync.backend import Condition, eq, gte, in_, refers_to
from studio.sync.cache.tables import table_spec

# Commission columns of order_items are the host's private data: not readable (ACCESS.md).
# The cache mirrors them; they keep these neutral values (hosts read commissions from
# influencer_earnings).
_UNREADABLE: Mapping[str, Mapping[str, Any]] = {
    "order_items": {"commission_rate": "0.0000", "commission_amount": 0},
}
IDS_PER_CHUNK = 100  # ids per `in.(...)` list: keeps request URLs well under proxy limits
RECENT_ACTIVITY = timedelta(days=90)  # order items, notifications
RECENT_EARNINGS = timedelta(days=365)
RECENT_SHOWS = timedelta(days=14)  # chat and viewers of shows started since
RECENT_SHOW_LIMIT = 10


def readable_columns(table: str) -> tuple[str, ...]:
    """The server columns pulled for a cache table: its mirror minus unreadable columns."""
    fill = _UNREADABLE.get(table, {})
    return tuple(c for c in table_spec(table).server_columns if c not in fill)


def complete_rows(table: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Server rows with the cache's unreadable columns filled, ready for `upsert_rows`."""
    fill = _UNREADABLE.get(table)
    if not fill:
        return rows if isinstance(rows, list) else list(rows)
    return [{**row, **fill} for row in rows]


@dataclass(frozen=True)
class TableScope:
    """One pulled slice of a table: its filters and, optionally, a moving time window.

    `key` names the scope's cursor: it changes when the filters change (a new id set, another
    profile), which makes the next pull of the scope a full one. The window (`recent`) is left
    out of the key: moving it forward only drops rows, which reconciliation removes.
    """

    table: str
    filters: tuple[Condition, ...] = ()
    recent: tuple[str, timedelta] | None = None
    label: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return readable_columns(self.table)

    @property
    def key(self) -> str:
        digest = hashlib.sha256(repr(self.filters).encode()).hexdigest()[:16]
        return f"{self.label or 'all'}:{digest}"

    def filters_at(self, now: datetime) -> list[Condition]:
        """The scope's filters with its time window placed at `now`."""
        if self.recent is None:
            return list(self.filters)
        column, window = self.recent
        return [*self.filters, gte(column, now - window)]


# Runs a read-only SQL query on the cache and returns its first column.
CacheQuery = Callable[[str, Mapping[str, Any]], list[Any]]


@dataclass(frozen=True)
class DerivedScope:
    """Scopes of `table` whose `column` is one of the ids `source_sql` finds in the cache."""

    table: str
    column: str
    source_sql: str
    params: Mapping[str, Any] = field(default_factory=dict)
    recent: tuple[str, timedelta] | None = None
    label: str = ""
    window_params: Mapping[str, timedelta] = field(default_factory=dict)

    def resolve(self, query: CacheQuery, now: datetime) -> list[TableScope]:
        params = dict(self.params)
        for name, window in self.window_params.items():
            params[name] = cache_timestamp(now - window)
        ids = sorted({str(i) for i in query(self.source_sql, params) if i is not None})
        return [
            TableScope(
                self.table,
                (in_(self.column, ids[start : start + IDS_PER_CHUNK]),),
                self.recent,
                f"{self.label}#{start // IDS_PER_CHUNK}",
            )
            for start in range(0, len(ids), IDS_PER_CHUNK)
        ]


Entry = TableScope | DerivedScope


def cache_timestamp(moment: datetime) -> str:
    """A time as the cache spells timestamps (fixed-width UTC text, comparable as text)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ScopePlan:
    """The scopes one user pulls, in pull order (derived scopes after their sources)."""

    entries: tuple[Entry, ...]

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.table for e in self.entries))

    def resolve(self, query: CacheQuery, now: datetime) -> list[TableScope]:
        """Every scope, derived ones resolved against the cache as it is now."""
        scopes: list[TableScope] = []
        for entry in self.entries:
            found = entry.resolve(query, now) if isinstance(entry, DerivedScope) else [entry]
            scopes.extend(s for s in found if s not in scopes)
        return scopes


# ------------------------------------------------------------------------------------- roles


def _browse() -> list[Entry]:
    """What any signed-in user reads: categories, the wholesaler directory, the catalog."""
    return [
        TableScope("categories"),
        TableScope("wholesalers"),
        TableScope("products", (eq("status", "active"),), label="catalog"),
    ]


def _host(host_id: str) -> list[Entry]:
    own = (eq("influencer_id", host_id),)
    recent_shows = (
        "SELECT id FROM live_stream_sessions WHERE influencer_id = :host"
        " AND (status = 'live' OR scheduled_start >= :since)"
        " ORDER BY scheduled_start DESC, id LIMIT :limit"
    )
    show_activity = {"host": host_id, "limit": RECENT_SHOW_LIMIT}
    return [
        TableScope("categories"),
        TableScope("wholesalers"),
        # The catalog a host builds lineups from: what is on sale and may be sold live.
        TableScope(
            "products", (eq("status", "active"), eq("is_live_eligible", True)), label="catalog"
        ),
        TableScope("influencers", (eq("id", host_id),), label="self"),
        TableScope("live_stream_sessions", own, label="own"),
        TableScope("live_products", own, label="own"),
        # Wholesale products behind the host's own lineups, live-eligible or not any more.
        DerivedScope(
            "products",
            "id",
            "SELECT DISTINCT product_id FROM live_products"
            " WHERE influencer_id = :host AND product_id IS NOT NULL",
            {"host": host_id},
            label="lineup",
        ),
        TableScope("influencer_goals", own, label="own"),
        TableScope("influencer_achievements", own, label="own"),
        TableScope("influencer_earnings", own, ("earned_at", RECENT_EARNINGS), "own"),
        TableScope("influencer_notifications", own, ("created_at", RECENT_ACTIVITY), "own"),
        TableScope("order_items", own, ("created_at", RECENT_ACTIVITY), "host"),
        DerivedScope(
            "live_stream_chat",
            "session_id",
            recent_shows,
            show_activity,
            label="recent-shows",
            window_params={"since": RECENT_SHOWS},
        ),
        DerivedScope(
            "live_stream_viewers",
            "session_id",
            recent_shows,
            show_activity,
            label="recent-shows",
            window_params={"since": RECENT_SHOWS},
        ),
    ]


def _wholesaler(wholesaler_id: str) -> list[Entry]:
    lineup_items = (
        "SELECT DISTINCT lp.{column} FROM live_products lp"
        " JOIN products p ON p.id = lp.product_id WHERE p.wholesaler_id = :wholesaler"
    )
    mine = {"wholesaler": wholesaler_id}
    return [
        TableScope("categories"),
        TableScope("wholesalers", (eq("id", wholesaler_id),), label="self"),
        TableScope("products", (eq("wholesaler_id", wholesaler_id),), label="own"),
        # Every lineup item, in any show, that sells one of the wholesaler's products.
        TableScope(
            "live_products",
            (refers_to("product_id", "products", eq("wholesaler_id", wholesaler_id)),),
            label="preview",
        ),
        DerivedScope(
            "live_stream_sessions",
            "id",
            lineup_items.format(column="session_id"),
            mine,
            label="preview",
        ),
        DerivedScope(
            "influencers",
            "id",
            lineup_items.format(column="influencer_id"),
            mine,
            label="preview",
        ),
        TableScope(
            "order_items",
            (eq("wholesaler_id", wholesaler_id),),
            ("created_at", RECENT_ACTIVITY),
            "wholesaler",
        ),
    ]


def plan_for(roles: Collection[str], profile_ids: Mapping[str, str]) -> ScopePlan:
    """The scopes of a user holding `roles` ("host", "wholesaler", "customer", "admin")."""
    unknown = set(roles) - {"host", "wholesaler", "customer", "admin"}
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
    entries: list[Entry] = []
    for role, build in (("host", _host), ("wholesaler", _wholesaler)):
        if role in roles:
            profile = profile_ids.get(role)
            if not profile:
                raise ValueError(f"the {role} role needs its profile id")
            entries.extend(build(profile))
    if not entries:
        entries = _browse()
    unique: list[Entry] = []
    for entry in entries:
        if entry not in unique:
            unique.append(entry)
    return ScopePlan(tuple(unique))


def scopes_by_table(scopes: Sequence[TableScope]) -> dict[str, list[TableScope]]:
    grouped: dict[str, list[TableScope]] = {}
    for scope in scopes:
        grouped.setdefault(scope.table, []).append(scope)
    return grouped
