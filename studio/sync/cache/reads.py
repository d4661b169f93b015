"""The cache's read side for views and the sync engine: pooled read-only connections, any thread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from studio.sync.cache.codec import BadValue, to_cache, to_python
from studio.sync.cache.database import CacheDatabase
from studio.sync.cache.errors import CacheDataError
from studio.sync.cache.outbox import OUTBOX, OutboxEntry, entry_from_row, select_entries
from studio.sync.cache.search import (
    ProductFilters,
    ProductSort,
    category_counts_statement,
    count_statement,
    plan_search,
    search_statement,
)
from studio.sync.cache.tables import SA_TABLES, TableSpec, table_spec

Row = dict[str, Any]


def decode_row(spec: TableSpec, row: Any) -> Row:
    """A cache row as views use it: booleans, decimals, JSON decoded; money in cents."""
    return {c.name: to_python(c, row[c.name]) for c in spec.columns}


class CacheReader:
    """Reads of one cache. Each call takes a pooled read-only connection (WAL: readers never
    wait for the writer), so it can be used from any thread."""

    def __init__(self, db: CacheDatabase) -> None:
        self._db = db

    def _rows(self, table: str, *conditions: Any, order_by: Sequence[Any] = (),
              limit: int | None = None) -> list[Row]:
        spec = table_spec(table)
        t = SA_TABLES[spec.name]
        statement = sa.select(*(t.c[name] for name in spec.column_names)).where(*conditions)
        statement = statement.order_by(*order_by).limit(limit)
        with self._db.read() as conn:
            return [decode_row(spec, row) for row in conn.execute(statement).mappings()]

    @staticmethod
    def _id(table: str, column: str, value: Any) -> str:
        try:
            return to_cache(table_spec(table).by_name[column], value)
        except BadValue as exc:
            raise CacheDataError(f"{table}.{column}: {exc}") from None

    # ------------------------------------------------------------------ catalog
    def search_products(
        self,
        query: str | None = None,
        *,
        category_ids: Sequence[str] | None = None,
        wholesaler_id: str | None = None,
        min_price: Any = None,
        max_price: Any = None,
        in_stock: bool | None = None,
        live_eligible: bool | None = None,
        status: str | None = None,
        sort: ProductSort = "relevance",
        limit: int = 50,
        offset: int = 0,
    ) -> list[Row]:
        """One page of the catalog. Prices are wholesale prices (Decimal, int or text)."""
        filters = ProductFilters.build(
            query, category_ids=category_ids, wholesaler_id=wholesaler_id, min_price=min_price,
            max_price=max_price, in_stock=in_stock, live_eligible=live_eligible, status=status)
        spec = table_spec("products")
        with self._db.read() as conn:
            filters, matches = plan_search(conn, filters, count_matches=True)
            statement = search_statement(
                filters, sort=sort, limit=limit, offset=offset, match_count=matches)
            return [decode_row(spec, row) for row in conn.execute(statement).mappings()]

    def count_products(
        self,
        query: str | None = None,
        *,
        category_ids: Sequence[str] | None = None,
        wholesaler_id: str | None = None,
        min_price: Any = None,
        max_price: Any = None,
        in_stock: bool | None = None,
        live_eligible: bool | None = None,
        status: str | None = None,
    ) -> int:
        filters = ProductFilters.build(
            query, category_ids=category_ids, wholesaler_id=wholesaler_id, min_price=min_price,
            max_price=max_price, in_stock=in_stock, live_eligible=live_eligible, status=status)
        with self._db.read() as conn:
            filters, matches = plan_search(conn, filters, count_matches=bool(filters.conditions()))
            return int(conn.execute(count_statement(filters, match_count=matches)).scalar_one())

    def count_products_by_category(
        self,
        query: str | None = None,
        *,
        wholesaler_id: str | None = None,
        min_price: Any = None,
        max_price: Any = None,
        in_stock: bool | None = None,
        live_eligible: bool | None = None,
        status: str | None = None,
    ) -> dict[str | None, int]:
        """How many products match, per category id (the product's own category; None for
        products without one), in one grouped query. Summing a category's subtree gives what
        `count_products(category_ids=[it], ...)` counts."""
        filters = ProductFilters.build(
            query, wholesaler_id=wholesaler_id, min_price=min_price, max_price=max_price,
            in_stock=in_stock, live_eligible=live_eligible, status=status)
        with self._db.read() as conn:
            filters, _matches = plan_search(conn, filters, count_matches=False)
            rows = conn.execute(category_counts_statement(filters))
            return {category: int(count) for category, count in rows}

    def first_pull_done(self, table: str) -> bool:
        """Whether a first (complete) pull of `table` has finished, for any scope: until then
        an empty table means "not fetched yet", not "nothing there"."""
        spec = table_spec(table)
        with self._db.read() as conn:
            return conn.exec_driver_sql(
                "SELECT 1 FROM sync_cursors WHERE table_name = ? AND last_full_sync_at IS NOT"
                " NULL LIMIT 1", (spec.name,)).first() is not None

    def get(self, table: str, row_id: Any) -> Row | None:
        rows = self._rows(table, SA_TABLES[table_spec(table).name].c.id == self._id(
            table, "id", row_id))
        return rows[0] if rows else None

    def categories(self) -> list[Row]:
        c = SA_TABLES["categories"].c
        return self._rows("categories", order_by=(c.sort_order, c.name, c.id))

    def wholesalers(self) -> list[Row]:
        w = SA_TABLES["wholesalers"].c
        return self._rows("wholesalers", order_by=(w.business_name, w.id))

    # ------------------------------------------------------------------ shows
    def shows_of_host(self, influencer_id: str, *, statuses: Sequence[str] | None = None
                      ) -> list[Row]:
        """A host's shows, latest scheduled first."""
        s = SA_TABLES["live_stream_sessions"].c
        conditions = [s.influencer_id == self._id("live_stream_sessions", "influencer_id",
                                                  influencer_id)]
        if statuses is not None:
            conditions.append(s.status.in_(list(statuses)))
        return self._rows("live_stream_sessions", *conditions,
                          order_by=(s.scheduled_start.desc(), s.id))

    def lineup(self, session_id: str) -> list[Row]:
        """A show's live products in lineup order."""
        lp = SA_TABLES["live_products"].c
        return self._rows(
            "live_products", lp.session_id == self._id("live_products", "session_id", session_id),
            order_by=(lp.position, lp.created_at, lp.id))

    def wholesaler_lineups(self, wholesaler_id: str) -> list[Row]:
        """Lineup items that sell a wholesaler's products, with show and host (no buyer data)."""
        lp, p = SA_TABLES["live_products"].c, SA_TABLES["products"].c
        s, i = SA_TABLES["live_stream_sessions"].c, SA_TABLES["influencers"].c
        statement = (
            sa.select(
                lp.id.label("live_product_id"), lp.session_id, s.title.label("show_title"),
                s.status.label("show_status"), s.scheduled_start, s.actual_start,
                i.display_name.label("host_display_name"), p.id.label("product_id"),
                p.name.label("product_name"), p.sku, lp.allocated_quantity, lp.sold_quantity,
                lp.live_price_cents, p.wholesale_price_cents, lp.position,
            )
            .select_from(SA_TABLES["live_products"])
            .join(SA_TABLES["products"], p.id == lp.product_id)
            .outerjoin(SA_TABLES["live_stream_sessions"], s.id == lp.session_id)
            .outerjoin(SA_TABLES["influencers"], i.id == lp.influencer_id)
            .where(p.wholesaler_id == self._id("products", "wholesaler_id", wholesaler_id))
            .order_by(s.scheduled_start, lp.session_id, lp.position, lp.id)
        )
        with self._db.read() as conn:
            return [dict(row) for row in conn.execute(statement).mappings()]

    def recent_chat(self, session_id: str, *, limit: int = 200) -> list[Row]:
        """The newest `limit` chat messages of a show, oldest first."""
        c = SA_TABLES["live_stream_chat"].c
        rows = self._rows(
            "live_stream_chat",
            c.session_id == self._id("live_stream_chat", "session_id", session_id),
            order_by=(c.created_at.desc(), c.id.desc()), limit=limit)
        return rows[::-1]

    def show_rows_since(self, table: str, session_id: str, *, after_seq: int = 0,
                        updated_since: str | None = None, limit: int | None = None,
                        latest: bool = False) -> tuple[int, list[Row]]:
        """A show's rows of `table` stored in the cache after `after_seq` (the cache's insert
        order, whatever their timestamps), plus rows updated at or after `updated_since`.
        Returns the newest sequence number seen (or `after_seq`) and the rows in insert order,
        so a live view reads each batch's new rows instead of the whole show. `latest` with
        `limit`: the last `limit` of those rows (a view's first page)."""
        spec = table_spec(table)
        t = SA_TABLES[spec.name]
        seq = sa.literal_column("rowid")
        changed = seq > int(after_seq)
        if updated_since is not None:
            changed = sa.or_(changed, t.c.updated_at >= updated_since)
        statement = (
            sa.select(seq.label("seq_"), *(t.c[name] for name in spec.column_names))
            .where(t.c.session_id == self._id(spec.name, "session_id", session_id), changed)
            .order_by(seq.desc() if latest else seq).limit(limit))
        with self._db.read() as conn:
            found = list(conn.execute(statement).mappings())
        if latest:
            found.reverse()
        newest = max([int(after_seq), *(int(row["seq_"]) for row in found)])
        return newest, [decode_row(spec, row) for row in found]

    def chat_before(self, session_id: str, created_at: str, message_id: str, *,
                    limit: int = 200) -> list[Row]:
        """The `limit` chat messages of a show just before (created_at, id), oldest first."""
        c = SA_TABLES["live_stream_chat"].c
        rows = self._rows(
            "live_stream_chat",
            c.session_id == self._id("live_stream_chat", "session_id", session_id),
            sa.tuple_(c.created_at, c.id) < sa.tuple_(sa.literal(created_at),
                                                      sa.literal(message_id)),
            order_by=(c.created_at.desc(), c.id.desc()), limit=limit)
        return rows[::-1]

    def chat_flagged(self, session_id: str, since: str) -> list[Row]:
        """A show's pinned or hidden chat messages sent at or after `since` (few rows)."""
        c = SA_TABLES["live_stream_chat"].c
        return self._rows(
            "live_stream_chat",
            c.session_id == self._id("live_stream_chat", "session_id", session_id),
            c.created_at >= since, sa.or_(c.is_pinned == 1, c.is_hidden == 1),
            order_by=(c.created_at, c.id))

    def show_viewers(self, session_id: str) -> list[Row]:
        v = SA_TABLES["live_stream_viewers"].c
        return self._rows(
            "live_stream_viewers",
            v.session_id == self._id("live_stream_viewers", "session_id", session_id),
            order_by=(v.joined_at, v.id))

    def show_order_items(self, session_id: str) -> list[Row]:
        o = SA_TABLES["order_items"].c
        return self._rows(
            "order_items", o.session_id == self._id("order_items", "session_id", session_id),
            order_by=(o.created_at, o.id))

    # ------------------------------------------------------------------ host dashboard
    def goals(self, influencer_id: str) -> list[Row]:
        g = SA_TABLES["influencer_goals"].c
        return self._rows("influencer_goals", g.influencer_id == self._host(influencer_id),
                          order_by=(g.period_start.desc(), g.goal_type, g.id))

    def earnings(self, influencer_id: str) -> list[Row]:
        e = SA_TABLES["influencer_earnings"].c
        return self._rows("influencer_earnings", e.influencer_id == self._host(influencer_id),
                          order_by=(e.earned_at.desc(), e.id))

    def achievements(self, influencer_id: str) -> list[Row]:
        a = SA_TABLES["influencer_achievements"].c
        return self._rows("influencer_achievements", a.influencer_id == self._host(influencer_id),
                          order_by=(a.achievement_key,))

    def notifications(self, influencer_id: str, *, unread_only: bool = False,
                      limit: int = 100) -> list[Row]:
        n = SA_TABLES["influencer_notifications"].c
        conditions = [n.influencer_id == self._host(influencer_id)]
        if unread_only:
            conditions.append(n.is_read == 0)
        return self._rows("influencer_notifications", *conditions,
                          order_by=(n.created_at.desc(), n.id), limit=limit)

    def _host(self, influencer_id: str) -> str:
        return self._id("influencer_goals", "influencer_id", influencer_id)

    # ------------------------------------------------------------------ outbox
    def pending_count(self) -> int:
        with self._db.read() as conn:
            return int(conn.exec_driver_sql(
                "SELECT count(*) FROM outbox WHERE status IN ('pending', 'in_flight')").scalar())

    def failed_ops(self) -> list[OutboxEntry]:
        with self._db.read() as conn:
            rows = conn.execute(
                select_entries().where(OUTBOX.c.status == "failed").order_by(OUTBOX.c.id)).all()
        return [entry_from_row(row) for row in rows]
