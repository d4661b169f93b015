"""Catalog search: user text to a safe FTS5 query, filters and sort orders over products.

The plan depends on how many products the text matches (a cheap count inside the FTS index):
relevance order ranks with bm25 (name 10, brand 6, tags 4, description 1) up to RANK_LIMIT
matches, and lists broader queries by name; other orders walk their index keeping the matches
when there are many, or sort the matches when there are few. Either way the page is chosen on
(sort key, rowid) and full rows are read for that page only.

While a first sync's search index is still being built (`SEARCH_INDEX_PENDING` in cache_meta),
text queries fall back to a substring scan of name, brand and tags: the catalog is browsable and
findable before it is fully indexed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import sqlalchemy as sa

from studio.sync.cache.codec import BadValue, money_cents, to_cache
from studio.sync.cache.errors import CacheDataError
from studio.sync.cache.tables import PRODUCT_STATUS, PRODUCTS, PRODUCTS_FTS, SA_TABLES

ProductSort = Literal["relevance", "name", "price_asc", "price_desc", "stock", "newest"]
SORTS: tuple[str, ...] = ("relevance", "name", "price_asc", "price_desc", "stock", "newest")
MAX_QUERY_TOKENS = 12
MAX_TOKEN_CHARS = 64
MAX_PAGE = 1_000
# FTS5's unicode61 keeps letters and numbers together and splits on everything else.
_TOKEN = re.compile(r"[^\W_]+")

_products = SA_TABLES["products"]
_categories = SA_TABLES["categories"]
_fts_match = sa.literal_column("products_fts").op("MATCH")
_QUOTED = re.compile(r'"([^"]*)"')
SEARCH_INDEX_PENDING = "search_index_pending:products"


def fts_query(text: str) -> str | None:
    """User text as an FTS5 MATCH expression, or None when it holds no searchable token.

    Every token is quoted (so `AND`, `NEAR`, `*`, `"`, `(`, `name:` are plain words) and the
    last one, from two letters on, is a prefix, for type-ahead. Tokens are all required.
    """
    if not isinstance(text, str):
        raise CacheDataError("search text must be a string")
    tokens = _TOKEN.findall(unicodedata.normalize("NFKC", text))[:MAX_QUERY_TOKENS]
    if not tokens:
        return None
    quoted = [f'"{token[:MAX_TOKEN_CHARS]}"' for token in tokens]
    if len(tokens[-1]) > 1:  # a one-letter prefix would match most of the catalog
        quoted[-1] += "*"
    return " ".join(quoted)


@dataclass(frozen=True)
class ProductFilters:
    """Everything that narrows a catalog search (validated on construction)."""

    match: str | None = None  # FTS5 expression built by fts_query
    category_ids: tuple[str, ...] | None = None
    wholesaler_id: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    in_stock: bool | None = None
    live_eligible: bool | None = None
    status: str | None = None
    # Lower-cased words every product must contain somewhere (the unindexed fallback of `match`).
    words: tuple[str, ...] | None = None

    @classmethod
    def build(
        cls,
        query: str | None = None,
        *,
        category_ids: Sequence[str] | None = None,
        wholesaler_id: str | None = None,
        min_price: Any = None,
        max_price: Any = None,
        in_stock: bool | None = None,
        live_eligible: bool | None = None,
        status: str | None = None,
    ) -> ProductFilters:
        uuid_column = PRODUCTS.by_name["id"]
        try:
            match = fts_query(query) if query is not None else None
            categories = None
            if category_ids is not None:
                if isinstance(category_ids, str):
                    raise BadValue("category_ids must be a list of ids, not one string")
                categories = tuple(to_cache(uuid_column, c) for c in category_ids)
            wholesaler = None if wholesaler_id is None else to_cache(uuid_column, wholesaler_id)
            low = None if min_price is None else _price(min_price)
            high = None if max_price is None else _price(max_price)
        except BadValue as exc:
            raise CacheDataError(f"catalog search: {exc}") from None
        for name, flag in (("in_stock", in_stock), ("live_eligible", live_eligible)):
            if flag is not None and not isinstance(flag, bool):
                raise CacheDataError(f"catalog search: {name} must be true, false or None")
        if status is not None and status not in PRODUCT_STATUS:
            raise CacheDataError(f"catalog search: unknown product status {status!r}")
        return cls(match, categories, wholesaler, low, high, in_stock, live_eligible, status)

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        p = _products
        conditions: list[sa.ColumnElement[bool]] = []
        if self.category_ids is not None:
            conditions.append(p.c.category_id.in_(_category_tree(self.category_ids)))
        if self.wholesaler_id is not None:
            conditions.append(p.c.wholesaler_id == self.wholesaler_id)
        if self.min_price_cents is not None:
            conditions.append(p.c.wholesale_price_cents >= self.min_price_cents)
        if self.max_price_cents is not None:
            conditions.append(p.c.wholesale_price_cents <= self.max_price_cents)
        if self.in_stock is not None:
            stocked = p.c.stock_quantity > 0
            conditions.append(stocked if self.in_stock else sa.not_(stocked))
        if self.live_eligible is not None:
            conditions.append(p.c.is_live_eligible == int(self.live_eligible))
        if self.status is not None:
            conditions.append(p.c.status == self.status)
        for word in self.words or ():
            conditions.append(sa.or_(*(
                sa.func.instr(sa.func.lower(sa.func.coalesce(p.c[name], "")), word) > 0
                for name in ("name", "brand", "tags")
            )))
        return conditions

    def unindexed(self) -> ProductFilters:
        """The same search without the FTS index: each query word as a substring condition."""
        if self.match is None:
            return self
        words = tuple(word.lower() for word in _QUOTED.findall(self.match))
        return replace(self, match=None, words=words)


def search_index_pending(conn: sa.Connection) -> bool:
    """Whether the catalog's search index is still being built after a first sync."""
    statement = sa.text("SELECT 1 FROM cache_meta WHERE key = :key")
    return conn.execute(statement, {"key": SEARCH_INDEX_PENDING}).first() is not None


def plan_search(
    conn: sa.Connection, filters: ProductFilters, *, count_matches: bool
) -> tuple[ProductFilters, int]:
    """The filters to run now and the FTS match count that picks the plan (0 when not needed).

    While the search index is pending, text becomes substring conditions (no match count).
    """
    if filters.match is None:
        return filters, 0
    if search_index_pending(conn):
        return filters.unindexed(), 0
    if not count_matches:
        return filters, 0
    return filters, int(conn.execute(fts_count_statement(filters.match)).scalar_one())


def _price(value: Any) -> int:
    if isinstance(value, float):
        raise BadValue("give prices as Decimal, int or text, not float")
    return money_cents(value)


def _category_tree(category_ids: tuple[str, ...]) -> sa.Select[Any]:
    """The ids of the given categories and all their descendants."""
    c = _categories
    tree = sa.select(c.c.id).where(c.c.id.in_(category_ids)).cte("category_tree", recursive=True)
    # UNION (not UNION ALL) also stops on a cycle, should the cached tree ever hold one.
    tree = tree.union(sa.select(c.c.id).join(tree, c.c.parent_id == tree.c.id))
    return sa.select(tree.c.id)


# (column, descending) per sort; each has an index, and the rowid tie-break runs the same way,
# so an index walk can produce the order without sorting.
_SORT_KEYS: dict[str, tuple[str, bool]] = {
    "name": ("name", False),
    "price_asc": ("wholesale_price_cents", False),
    "price_desc": ("wholesale_price_cents", True),
    "stock": ("stock_quantity", True),
    "newest": ("created_at", True),
}
# Ranking costs about a microsecond per match: a query matching more products than this is
# too broad to rank within a keystroke, and lists its matches by name instead.
RANK_LIMIT = 5_000
# Above this many matches, walking the sort order's index and keeping the matches (they are
# at least 1 % of rows) beats collecting and sorting them all.
WALK_LIMIT = 1_000


def search_statement(
    filters: ProductFilters, *, sort: str, limit: int, offset: int, match_count: int = 0
) -> sa.Select[Any]:
    """One page of products matching `filters`, in `sort` order (ties broken by rowid).

    `match_count` (from `fts_count_statement`) picks the plan when there is a text query. The
    page is chosen on (sort key, rowid) only, and full rows are read for that page alone.
    """
    if sort not in SORTS:
        raise CacheDataError(f"catalog search: sort must be one of {', '.join(SORTS)}")
    for name, value, top in (("limit", limit, MAX_PAGE), ("offset", offset, None)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (
            top is not None and value > top
        ):
            raise CacheDataError(f"catalog search: bad {name} {value!r}")
    p = _products
    conditions = filters.conditions()
    # Ranking with filters also looks up each match's row: count that as a second unit.
    rank_cost = match_count * (2 if conditions else 1)
    if filters.match is not None and sort == "relevance" and rank_cost <= RANK_LIMIT:
        rank = sa.func.bm25(sa.literal_column("products_fts"), 10.0, 6.0, 4.0, 1.0)
        if conditions:
            page_query = sa.select(p.c.pk.label("page_pk"), rank.label("sort_key")).select_from(
                PRODUCTS_FTS.join(p, p.c.pk == PRODUCTS_FTS.c.rowid)).where(*conditions)
        else:  # rank inside the FTS table alone: no row lookups for the whole match set
            page_query = sa.select(
                PRODUCTS_FTS.c.rowid.label("page_pk"), rank.label("sort_key")
            ).select_from(PRODUCTS_FTS)
        page_query = page_query.where(_fts_match(filters.match))
        descending = False
    else:
        column, descending = _SORT_KEYS["name" if sort == "relevance" else sort]
        key = p.c[column].collate("NOCASE") if column == "name" else p.c[column]
        page_query = sa.select(p.c.pk.label("page_pk"), key.label("sort_key"))
        if filters.match is None:
            page_query = page_query.select_from(p)
        elif match_count > WALK_LIMIT:
            # "pk + 0" keeps the planner from driving the query by the match set.
            page_query = page_query.select_from(p).where((p.c.pk + 0).in_(
                sa.select(PRODUCTS_FTS.c.rowid).where(_fts_match(filters.match))))
        else:
            page_query = page_query.select_from(
                PRODUCTS_FTS.join(p, p.c.pk == PRODUCTS_FTS.c.rowid)
            ).where(_fts_match(filters.match))
        page_query = page_query.where(*conditions)
    order = [sa.literal_column("sort_key"), sa.literal_column("page_pk")]
    page = page_query.order_by(*(c.desc() if descending else c for c in order)).limit(
        limit).offset(offset).subquery("page")
    outer = [page.c.sort_key, page.c.page_pk]
    columns = [p.c[name] for name in PRODUCTS.column_names]
    return (
        sa.select(*columns)
        .select_from(page.join(p, p.c.pk == page.c.page_pk))
        .order_by(*(c.desc() if descending else c for c in outer))
    )


def fts_count_statement(match: str) -> sa.Select[Any]:
    """How many products a text query matches, before filters (cheap: no row lookups)."""
    return sa.select(sa.func.count()).select_from(PRODUCTS_FTS).where(_fts_match(match))


def category_counts_statement(filters: ProductFilters) -> sa.Select[Any]:
    """(category_id, count) of the products matching `filters`, grouped by their own category."""
    p = _products
    statement = sa.select(p.c.category_id, sa.func.count()).select_from(p)
    if filters.match is not None:
        statement = statement.where(p.c.pk.in_(
            sa.select(PRODUCTS_FTS.c.rowid).where(_fts_match(filters.match))))
    return statement.where(*filters.conditions()).group_by(p.c.category_id)


def count_statement(filters: ProductFilters, *, match_count: int = 0) -> sa.Select[Any]:
    """How many products match `filters` (`match_count` as for search_statement)."""
    conditions = filters.conditions()
    if filters.match is not None and not conditions:
        return fts_count_statement(filters.match)
    p = _products
    statement = sa.select(sa.func.count())
    if filters.match is None:
        statement = statement.select_from(p)
    elif match_count > WALK_LIMIT and (
        filters.category_ids is not None or filters.wholesaler_id is not None
    ):  # a broad match inside a category or a wholesaler: drive by their index
        statement = statement.select_from(p).where((p.c.pk + 0).in_(
            sa.select(PRODUCTS_FTS.c.rowid).where(_fts_match(filters.match))))
    else:
        statement = statement.select_from(
            PRODUCTS_FTS.join(p, p.c.pk == PRODUCTS_FTS.c.rowid)
        ).where(_fts_match(filters.match))
    return statement.where(*conditions)
