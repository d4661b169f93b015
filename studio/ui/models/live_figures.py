"""A followed show's live figures from the cache: LiveMetrics fed with each batch's changed rows.

`FiguresSource.refresh(reader, tables)` runs on the cache's reader thread (through
`ScreenContext.read`): it reads only what changed since the last call (new rows by the cache's
insert order, updated rows by their server stamp), folds them into the session layer's
`LiveMetrics` in one `apply`, and returns an immutable `FiguresSnapshot` for the UI thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from studio.session.live_metrics import LiveMetrics, Sale
from studio.session.rows import optional_timestamp
from studio.sync.cache import CacheReader

SESSIONS = "live_stream_sessions"
VIEWERS = "live_stream_viewers"
ORDER_ITEMS = "order_items"
LIVE_PRODUCTS = "live_products"
FIGURE_TABLES = frozenset({SESSIONS, VIEWERS, ORDER_ITEMS, LIVE_PRODUCTS})
#: Rows updated this long before the newest stamp seen are read again: transactions commit
#: out of stamp order by a few milliseconds, and LiveMetrics folds a row in idempotently.
UPDATE_GRACE = timedelta(seconds=2)
#: The viewers chart's resolution.
CHART_BUCKET = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class ProductSales:
    live_product_id: str | None
    name: str
    units: int
    revenue: Decimal
    sold_out: bool


@dataclass(frozen=True, slots=True)
class FiguresSnapshot:
    """Everything the viewers and sales panels show, at one moment."""

    session_id: str
    current_viewers: int = 0
    peak_viewers: int = 0
    unique_viewers: int = 0
    viewer_series: tuple[tuple[datetime, int], ...] = ()
    revenue: Decimal = Decimal("0.00")
    units: int = 0
    orders: int = 0
    buyers: int | None = None  # the server's count (show_figures); None until it answered
    conversion: Decimal | None = None
    feed: tuple[Sale, ...] = ()
    products: tuple[ProductSales, ...] = ()
    new_sales: tuple[Sale, ...] = ()


def snapshot_of(metrics: LiveMetrics, new_sales: Iterable[Sale] = ()) -> FiguresSnapshot:
    """The panels' figures as `metrics` holds them now."""
    names = {pid: p.get("name") or "" for pid, p in metrics.products.items()}
    feed = tuple(metrics.feed)
    for sale in feed:  # lines of products the lineup does not list (any more) keep their name
        names.setdefault(sale.live_product_id or "", sale.name)
    products = []
    for pid in {*metrics.products, *(p for p in metrics.units_by_product if p is not None)}:
        state = metrics.products.get(pid, {})
        sold_out = bool(state) and (state.get("status") == "sold_out" or (
            state.get("allocated", 0) > 0 and state.get("sold", 0) >= state.get("allocated", 0)))
        products.append(ProductSales(pid, names.get(pid, ""), metrics.units_by_product.get(pid, 0),
                                     metrics.revenue_by_product.get(pid, Decimal("0.00")),
                                     sold_out))
    products.sort(key=lambda p: (-p.units, -p.revenue, p.name, p.live_product_id or ""))
    return FiguresSnapshot(
        metrics.session_id, metrics.current_viewers, metrics.peak_viewers,
        metrics.unique_viewers, tuple(metrics.viewer_series()), metrics.revenue, metrics.units,
        metrics.orders, metrics.buyers, metrics.conversion, feed, tuple(products),
        tuple(new_sales))


class FiguresSource:
    """One show's figures, kept on the reader thread (never touch it from two threads)."""

    def __init__(self, session_id: str, *, bucket: timedelta = CHART_BUCKET) -> None:
        self.session_id = session_id
        self.metrics = LiveMetrics(session_id, bucket=bucket)
        self._seq: dict[str, int] = {VIEWERS: 0, ORDER_ITEMS: 0}
        self._newest: dict[str, datetime | None] = {VIEWERS: None, ORDER_ITEMS: None}
        # each row's last stamp: a row read again within the grace is not applied again (a
        # re-applied open presence would lift its old bucket of the chart to today's count)
        self._stamps: dict[str, str] = {}
        self.rows_read = 0  # for tests and benchmarks: work done per batch

    def refresh(self, reader: CacheReader, tables: Iterable[str] = FIGURE_TABLES
                ) -> FiguresSnapshot:
        """Read what changed in `tables`, apply it as one batch, return the figures."""
        wanted = FIGURE_TABLES & set(tables)
        batch: list[tuple[str, Mapping[str, Any]]] = []
        if SESSIONS in wanted:
            row = reader.get(SESSIONS, self.session_id)
            if row is not None:
                batch.append((SESSIONS, row))
        if LIVE_PRODUCTS in wanted:  # a lineup is a few dozen rows: read it whole
            batch += [(LIVE_PRODUCTS, row) for row in reader.lineup(self.session_id)]
        if VIEWERS in wanted:
            batch += [(VIEWERS, row) for row in _viewer_events(self._changed(reader, VIEWERS))]
        if ORDER_ITEMS in wanted:
            batch += [(ORDER_ITEMS, row) for row, _new in self._changed(reader, ORDER_ITEMS)]
        self.rows_read += len(batch)
        update = self.metrics.apply(batch)
        return snapshot_of(self.metrics, update.new_sales)

    def _changed(self, reader: CacheReader, table: str
                 ) -> list[tuple[Mapping[str, Any], bool]]:
        """Rows of `table` that changed since the last read, each with whether it is new."""
        newest = self._newest[table]
        since = None if newest is None else _stamp(newest - UPDATE_GRACE)
        seq, rows = reader.show_rows_since(table, self.session_id, after_seq=self._seq[table],
                                           updated_since=since)
        self._seq[table] = seq
        changed = []
        for row in rows:
            key, text = f"{table}:{row['id']}", str(row.get("updated_at"))
            known = self._stamps.get(key)
            if known == text:
                continue
            self._stamps[key] = text
            changed.append((row, known is None))
            stamp = optional_timestamp(row.get("updated_at"))
            if stamp is not None and (newest is None or stamp > newest):
                newest = stamp
        self._newest[table] = newest
        return changed


def _viewer_events(rows: Iterable[tuple[Mapping[str, Any], bool]]
                   ) -> list[Mapping[str, Any]]:
    """Presences in the order things happened: a presence first seen already closed (the
    first load, or a catch-up after a reconnect) also counts as open from its join until its
    leave, so the peak and the chart include it; then joins and leaves by their time."""
    events: list[tuple[str, int, Mapping[str, Any]]] = []
    for row, new in rows:
        joined, left = str(row.get("joined_at") or ""), row.get("left_at")
        if left is not None and new:
            events.append((joined, 0, {**row, "left_at": None}))
        events.append((joined if left is None else str(left), 1, row))
    events.sort(key=lambda event: (event[0], event[1]))
    return [row for _at, _order, row in events]


def _stamp(moment: datetime) -> str:
    """Cache timestamp text (UTC, microseconds, Z), comparable as text with stored stamps."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


__all__ = ["CHART_BUCKET", "FIGURE_TABLES", "FiguresSnapshot", "FiguresSource",
           "ProductSales", "snapshot_of"]
