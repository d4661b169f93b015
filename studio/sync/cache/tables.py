"""The mirrored tables of the cache: their columns, server names and SQLAlchemy descriptions.

Cache tables carry the names of the server tables they mirror, so the sync engine passes one
name to both the backend and the cache. Only columns every reader of a row may see are
mirrored (no secrets, no customer personal data); `server_columns` is the explicit select list
(column-granted tables refuse `select=*`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from studio.sync.cache.codec import NOW, Column, Kind, sql_type
from studio.sync.cache.errors import UnknownTableError

PRODUCT_STATUS = ("draft", "active", "inactive", "discontinued")
LIVE_PRODUCT_STATUS = ("draft", "active", "sold_out", "hidden")
SESSION_STATUS = ("scheduled", "live", "ended", "cancelled")
VERIFICATION_STATUS = ("pending", "verified", "rejected", "suspended")
CHAT_MESSAGE_TYPE = ("message", "question", "purchase", "system")
GOAL_TYPE = ("revenue", "orders", "units", "viewers", "shows")
GOAL_PERIOD = ("weekly", "monthly", "quarterly")
GOAL_STATUS = ("active", "achieved", "missed")
EARNING_STATUS = ("pending", "available", "paid_out", "reversed")
NOTIFICATION_TYPE = ("order", "sold_out", "goal_reached", "achievement", "show", "system")


def _uuid(name: str, *, required: bool = False) -> Column:
    return Column(name, Kind.UUID, nullable=not required)


def _text(name: str, *, required: bool = False, default: Any = None) -> Column:
    if default is None:
        return Column(name, Kind.TEXT, nullable=not required)
    return Column(name, Kind.TEXT, nullable=not required, default=default)


def _int(name: str, *, default: int | None = None, nullable: bool = False) -> Column:
    if default is None:
        return Column(name, Kind.INT, nullable=nullable)
    return Column(name, Kind.INT, nullable=nullable, default=default)


def _bool(name: str, default: bool) -> Column:
    return Column(name, Kind.BOOL, nullable=False, default=int(default))


def _ts(name: str, *, required: bool = False, now: bool = False) -> Column:
    if now:
        return Column(name, Kind.TIMESTAMP, nullable=False, default=NOW)
    return Column(name, Kind.TIMESTAMP, nullable=not required)


def _money(server_name: str, *, required: bool = True, default: int | None = None) -> Column:
    name = f"{server_name}_cents"
    if default is None:
        return Column(name, Kind.MONEY, nullable=not required)
    return Column(name, Kind.MONEY, nullable=False, default=default)


def _decimal(name: str, scale: int, *, default: str | None = None) -> Column:
    if default is None:
        return Column(name, Kind.DECIMAL, nullable=False, scale=scale)
    return Column(name, Kind.DECIMAL, nullable=False, scale=scale, default=default)


def _enum(name: str, choices: tuple[str, ...], default: str | None = None) -> Column:
    if default is None:
        return Column(name, Kind.TEXT, nullable=False, choices=choices)
    return Column(name, Kind.TEXT, nullable=False, choices=choices, default=default)


_ID = _uuid("id", required=True)
_STAMPS = (_ts("created_at", now=True), _ts("updated_at", now=True))
# The server's version of a row the studio writes: the base an edit is made against.
_VERSION = _int("row_version", default=1)


@dataclass(frozen=True)
class TableSpec:
    """A mirrored table: its columns in storage order and what the cache does with it."""

    name: str
    columns: tuple[Column, ...]
    # Tables holding a live show's activity keep only this many recent rows per show.
    retain_per_session: int | None = None
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)
    by_source: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})
        object.__setattr__(self, "by_source", {c.source: c for c in self.columns})

    @property
    def server_columns(self) -> tuple[str, ...]:
        """The server columns to select: exactly what `upsert_rows` expects in each row."""
        return tuple(c.source for c in self.columns)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


CATEGORIES = TableSpec(
    "categories",
    (
        _ID,
        _uuid("parent_id"),
        _text("name", required=True),
        _text("slug", required=True),
        _text("description"),
        _int("sort_order", default=0),
        _bool("is_active", True),
        *_STAMPS,
    ),
)
WHOLESALERS = TableSpec(
    "wholesalers",
    (
        _ID,
        _text("business_name", required=True),
        _text("description"),
        _text("website"),
        _text("logo_url"),
        _enum("verification_status", VERIFICATION_STATUS, "pending"),
        *_STAMPS,
    ),
)
INFLUENCERS = TableSpec(
    "influencers",
    (
        _ID,
        _text("display_name", required=True),
        _text("handle", required=True),
        _text("bio"),
        _text("avatar_url"),
        _int("follower_count", default=0),
        _enum("verification_status", VERIFICATION_STATUS, "pending"),
        *_STAMPS,
    ),
)
PRODUCTS = TableSpec(
    "products",
    (
        _ID,
        _uuid("wholesaler_id", required=True),
        _uuid("category_id"),
        _text("sku", required=True),
        _text("name", required=True),
        _text("description"),
        _text("brand"),
        Column("tags", Kind.TEXT_LIST, nullable=False, default="[]"),
        _text("image_url"),
        _money("wholesale_price"),
        _money("retail_price"),
        _int("stock_quantity", default=0),
        _int("min_order_quantity", default=1),
        _enum("status", PRODUCT_STATUS, "active"),
        _bool("is_live_eligible", True),
        _int("weight_grams", nullable=True),
        *_STAMPS,
        _VERSION,
    ),
)
LIVE_STREAM_SESSIONS = TableSpec(
    "live_stream_sessions",
    (
        _ID,
        _uuid("influencer_id", required=True),
        _text("title", required=True),
        _text("description"),
        _text("thumbnail_url"),
        _text("session_code"),  # assigned by the server: empty on a show created offline
        _enum("status", SESSION_STATUS, "scheduled"),
        _ts("scheduled_start", required=True),
        _ts("scheduled_end"),
        _ts("actual_start"),
        _ts("actual_end"),
        _bool("is_rehearsal", False),
        _bool("chat_enabled", True),
        _uuid("featured_live_product_id"),
        _int("current_viewers", default=0),
        _int("peak_viewers", default=0),
        _int("unique_viewers", default=0),
        _int("total_orders", default=0),
        _int("total_units", default=0),
        _money("total_revenue", default=0),
        *_STAMPS,
        _VERSION,
    ),
)
LIVE_PRODUCTS = TableSpec(
    "live_products",
    (
        _ID,
        _uuid("session_id", required=True),
        _uuid("influencer_id", required=True),
        _uuid("product_id"),
        _text("name", required=True),
        _text("description"),
        _text("image_url"),
        _int("position", default=0),
        _money("live_price"),
        _money("compare_at_price", required=False),
        _money("flash_price", required=False),
        _ts("flash_starts_at"),
        _ts("flash_ends_at"),
        _int("allocated_quantity"),
        _int("sold_quantity", default=0),
        _money("revenue", default=0),
        _int("max_per_buyer", nullable=True),
        _enum("status", LIVE_PRODUCT_STATUS, "active"),
        _ts("featured_at"),
        *_STAMPS,
        _VERSION,
    ),
)
LIVE_STREAM_VIEWERS = TableSpec(
    "live_stream_viewers",
    (
        _ID,
        _uuid("session_id", required=True),
        _ts("joined_at", now=True),
        _ts("left_at"),
        *_STAMPS,
    ),
    retain_per_session=20_000,
)
LIVE_STREAM_CHAT = TableSpec(
    "live_stream_chat",
    (
        _ID,
        _uuid("session_id", required=True),
        _uuid("user_id"),
        _text("display_name", required=True, default="viewer"),
        _text("message", required=True),
        _enum("message_type", CHAT_MESSAGE_TYPE, "message"),
        _bool("is_pinned", False),
        _bool("is_hidden", False),
        *_STAMPS,
        _VERSION,
    ),
    retain_per_session=20_000,
)
ORDER_ITEMS = TableSpec(
    "order_items",
    (
        _ID,
        _uuid("order_id", required=True),
        _uuid("product_id"),
        _uuid("live_product_id"),
        _uuid("session_id"),
        _uuid("influencer_id"),
        _uuid("wholesaler_id"),
        _text("product_name", required=True),
        _text("sku"),
        _money("list_unit_price"),
        _money("unit_price"),
        _bool("is_flash_price", False),
        _int("quantity"),
        _money("line_total"),
        _decimal("commission_rate", 4, default="0.0000"),
        _money("commission_amount", default=0),
        _bool("is_refunded", False),
        *_STAMPS,
    ),
    retain_per_session=20_000,
)
INFLUENCER_GOALS = TableSpec(
    "influencer_goals",
    (
        _ID,
        _uuid("influencer_id", required=True),
        _text("title", required=True),
        _enum("goal_type", GOAL_TYPE),
        _enum("period", GOAL_PERIOD),
        Column("period_start", Kind.DATE, nullable=False),
        Column("period_end", Kind.DATE, nullable=False),
        _decimal("target_value", 2),
        _decimal("current_value", 2, default="0.00"),
        _enum("status", GOAL_STATUS, "active"),
        _ts("achieved_at"),
        *_STAMPS,
        _VERSION,
    ),
)
INFLUENCER_EARNINGS = TableSpec(
    "influencer_earnings",
    (
        _ID,
        _uuid("influencer_id", required=True),
        _uuid("order_id", required=True),
        _uuid("order_item_id", required=True),
        _uuid("session_id"),
        _money("gross_amount"),
        _decimal("commission_rate", 4),
        _money("amount"),
        _enum("status", EARNING_STATUS, "pending"),
        _ts("earned_at", now=True),
        _ts("available_at"),
        _ts("paid_out_at"),
        _ts("reversed_at"),
        *_STAMPS,
    ),
)
INFLUENCER_ACHIEVEMENTS = TableSpec(
    "influencer_achievements",
    (
        _ID,
        _uuid("influencer_id", required=True),
        _text("achievement_key", required=True),
        _text("title", required=True),
        _text("description"),
        _decimal("progress", 2, default="0.00"),
        _decimal("target", 2),
        _ts("unlocked_at"),
        *_STAMPS,
    ),
)
INFLUENCER_NOTIFICATIONS = TableSpec(
    "influencer_notifications",
    (
        _ID,
        _uuid("influencer_id", required=True),
        _enum("type", NOTIFICATION_TYPE),
        _text("title", required=True),
        _text("body"),
        Column("data", Kind.JSON_OBJECT, nullable=False, default="{}"),
        _bool("is_read", False),
        _ts("read_at"),
        *_STAMPS,
        _VERSION,
    ),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        CATEGORIES,
        WHOLESALERS,
        INFLUENCERS,
        PRODUCTS,
        LIVE_STREAM_SESSIONS,
        LIVE_PRODUCTS,
        LIVE_STREAM_VIEWERS,
        LIVE_STREAM_CHAT,
        ORDER_ITEMS,
        INFLUENCER_GOALS,
        INFLUENCER_EARNINGS,
        INFLUENCER_ACHIEVEMENTS,
        INFLUENCER_NOTIFICATIONS,
    )
}
# Tables whose rows carry the server's row_version (the ones the studio writes).
VERSIONED: frozenset[str] = frozenset(
    name for name, spec in TABLES.items() if "row_version" in spec.by_name
)
# Tables whose rows are indexed for full-text search (kept in step by triggers).
FTS_TABLES: dict[str, str] = {"products": "products_fts"}


def table_spec(name: str) -> TableSpec:
    """The spec of a mirrored table; UnknownTableError names the tables that exist."""
    try:
        return TABLES[name]
    except (KeyError, TypeError):
        raise UnknownTableError(
            f"unknown cache table {name!r}; known: {', '.join(sorted(TABLES))}"
        ) from None


METADATA = sa.MetaData()


def _sa_table(spec: TableSpec) -> sa.Table:
    columns: list[sa.Column[Any]] = []
    if spec.name in FTS_TABLES:  # a stable integer rowid the FTS index points at
        columns.append(sa.Column("pk", sa.Integer, primary_key=True))
    for column in spec.columns:
        type_ = sa.Integer if sql_type(column) == "INTEGER" else sa.Text
        is_id = column.name == "id"
        columns.append(
            sa.Column(
                column.name,
                type_,
                nullable=column.nullable,
                primary_key=is_id and spec.name not in FTS_TABLES,
                unique=is_id and spec.name in FTS_TABLES,
            )
        )
    return sa.Table(spec.name, METADATA, *columns)


SA_TABLES: dict[str, sa.Table] = {name: _sa_table(spec) for name, spec in TABLES.items()}
PRODUCTS_FTS = sa.table(
    "products_fts",
    sa.column("rowid"),
    sa.column("rank"),
    sa.column("products_fts"),
)
