"""Live figures of a running show, kept up to date from batches of changed rows.

`LiveMetrics.apply(batch)` takes the rows that changed (as the cache or the server hold them:
chat, viewers, order items, live products, the show row, the host's goal) and updates every
figure in time proportional to the batch, never to the show: each row replaces what its
previous version contributed. Rows of other shows are ignored.

Viewers: current = presences open now, peak = the most open at once as the rows arrived (or the
server's own peak when higher: it also counts presences the studio never received), unique =
distinct viewers (user, else 100ms peer, else presence). Sales count the lines that still
count (a refund or a failed payment marks them `is_refunded`); orders = distinct orders.
Buyers are distinct customers, which hosts cannot read: the server counts them
(`show_figures()`) and `set_buyers` hands the count in. Conversion = buyers / unique viewers,
unknown (None) until the server's count has arrived.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from studio.core.goals import progress_percent
from studio.session.rows import money, optional_timestamp

_ZERO = Decimal("0.00")
_RATIO = Decimal("0.0001")
SALES_GOALS = ("revenue", "units", "orders")


@dataclass(frozen=True, slots=True)
class Sale:
    """One order line in the sales feed."""

    order_item_id: str
    order_id: str
    live_product_id: str | None
    name: str
    quantity: int
    line_total: Decimal
    is_flash_price: bool
    at: datetime | None


@dataclass(frozen=True, slots=True)
class GoalProgress:
    goal_id: str
    title: str
    goal_type: str
    target: Decimal
    current: Decimal
    percent: Decimal
    reached: bool


@dataclass
class MetricsUpdate:
    """What one batch changed, for toasts and repaints."""

    tables: set[str] = field(default_factory=set)
    new_sales: list[Sale] = field(default_factory=list)
    sold_out: list[str] = field(default_factory=list)
    goal_reached: bool = False


@dataclass(slots=True)
class _Line:
    live_product_id: str | None
    order_id: str
    quantity: int
    total: Decimal
    counted: bool
    created_at: datetime | None


class LiveMetrics:
    """Incremental metrics of one show. Not thread-safe: apply batches from one thread."""

    def __init__(
        self,
        session_id: str,
        *,
        goal: Mapping[str, Any] | None = None,
        bucket: timedelta = timedelta(minutes=1),
        feed_size: int = 100,
        chat_window: int = 100_000,
    ) -> None:
        if bucket <= timedelta(0):
            raise ValueError("The time-series bucket must be longer than zero")
        if feed_size < 1 or chat_window < 1:
            raise ValueError("feed_size and chat_window must be at least 1")
        self.session_id = str(session_id)
        self.bucket = bucket
        self._origin: datetime | None = None
        # viewers
        self._presence: dict[str, bool] = {}  # presence id -> open
        self._seen_viewers: set[str] = set()
        self.current_viewers = 0
        self._peak = 0
        self._server_peak = 0
        self._server_unique = 0
        self._viewer_most: dict[int, int] = {}
        self._viewer_last: dict[int, int] = {}
        # chat: a bounded window of recent ids, so a re-delivered message is not counted twice
        self._chat_recent: OrderedDict[str, None] = OrderedDict()
        self._chat_window = chat_window
        self.chat_messages = 0
        self._chat_per_bucket: dict[int, int] = defaultdict(int)
        # sales
        self._lines: dict[str, _Line] = {}
        self._order_lines: dict[str, int] = defaultdict(int)
        self.revenue = _ZERO
        self.units = 0
        self._buyers: int | None = None
        self.units_by_product: dict[str | None, int] = defaultdict(int)
        self.revenue_by_product: dict[str | None, Decimal] = defaultdict(lambda: _ZERO)
        self.feed: deque[Sale] = deque(maxlen=feed_size)
        # lineup
        self.products: dict[str, dict[str, Any]] = {}
        self._sold_out: set[str] = set()
        self._touched: set[str] = set()
        # goal
        self._goal: dict[str, Any] | None = None
        self._goal_cutoff: datetime | None = None
        self._goal_extra = _ZERO
        self._goal_orders: dict[str, int] = defaultdict(int)
        self._goal_was_reached = False
        if goal is not None:
            self._set_goal(goal)

    # ------------------------------------------------------------------ applying rows
    def apply(self, batch: Iterable[tuple[str, Mapping[str, Any]]]) -> MetricsUpdate:
        """Fold a batch of (table, row) changes in; O(len(batch))."""
        update = MetricsUpdate()
        for table, row in batch:
            handler = self._HANDLERS.get(table)
            if handler is None:
                continue
            if table != "influencer_goals" and str(
                    row.get("session_id", row.get("id") if table == "live_stream_sessions"
                            else None)) != self.session_id:
                continue
            handler(self, row, update)
            update.tables.add(table)
        for product in self._touched:
            if not self.is_sold_out(product):
                self._sold_out.discard(product)  # a refund put units back on sale
            elif product not in self._sold_out:
                self._sold_out.add(product)
                update.sold_out.append(product)
        self._touched.clear()
        reached = self.goal_progress()
        if reached is not None and reached.reached and not self._goal_was_reached:
            update.goal_reached = True
        self._goal_was_reached = bool(reached and reached.reached)
        return update

    def apply_changes(self, changes: Iterable[Any]) -> MetricsUpdate:
        """`apply` for realtime changes (anything with `table` and `record`, like the
        backends' RowChange). A delete carries no row and changes no figure: presences close
        and lines are refunded by updates, never by deleting them."""
        return self.apply((c.table, c.record) for c in changes if c.record is not None)

    def _bucket(self, at: datetime | None) -> int:
        if at is None:
            return 0
        if self._origin is None:
            self._origin = at
        return max(int((at - self._origin) / self.bucket), 0)

    def _session(self, row: Mapping[str, Any], update: MetricsUpdate) -> None:
        start = optional_timestamp(row.get("actual_start"))
        if start is not None and start != self._origin:
            self._move_origin(start)
        self._server_peak = max(self._server_peak, int(row.get("peak_viewers") or 0))
        self._server_unique = max(self._server_unique, int(row.get("unique_viewers") or 0))

    def _move_origin(self, start: datetime) -> None:
        """Count buckets from the show's start (known once its row arrives; rows that came
        before it were bucketed from the first timestamp seen). Once per show: O(buckets)."""
        if self._origin is not None:
            shift = round((self._origin - start) / self.bucket)
            for series in (self._viewer_most, self._viewer_last, self._chat_per_bucket):
                moved = {max(i + shift, 0): v for i, v in sorted(series.items())}
                series.clear()
                series.update(moved)
        self._origin = start

    def _viewer(self, row: Mapping[str, Any], update: MetricsUpdate) -> None:
        presence = str(row["id"])
        is_open = row.get("left_at") is None
        was_open = self._presence.get(presence)
        self._presence[presence] = is_open
        self.current_viewers += int(is_open) - int(bool(was_open))
        self._seen_viewers.add(str(row.get("user_id") or row.get("hms_peer_id") or presence))
        self._peak = max(self._peak, self.current_viewers)
        at = optional_timestamp(row.get("joined_at") if is_open else row.get("left_at"))
        index = self._bucket(at)
        self._viewer_most[index] = max(self._viewer_most.get(index, 0), self.current_viewers)
        self._viewer_last[index] = self.current_viewers

    def _chat(self, row: Mapping[str, Any], update: MetricsUpdate) -> None:
        message = str(row["id"])
        if message in self._chat_recent:
            return
        self._chat_recent[message] = None
        if len(self._chat_recent) > self._chat_window:
            self._chat_recent.popitem(last=False)
        self.chat_messages += 1
        self._chat_per_bucket[self._bucket(optional_timestamp(row.get("created_at")))] += 1

    def _order_item(self, row: Mapping[str, Any], update: MetricsUpdate) -> None:
        line_id = str(row["id"])
        product = None if row.get("live_product_id") is None else str(row["live_product_id"])
        line = _Line(product, str(row["order_id"]), int(row["quantity"]),
                     money(row, "line_total") or _ZERO, not row.get("is_refunded"),
                     optional_timestamp(row.get("created_at")))
        old = self._lines.get(line_id)
        if old is not None:
            self._count(old, -1)
        self._count(line, +1)
        self._lines[line_id] = line
        if old is None and line.counted:
            name = self.products.get(product or "", {}).get("name") or str(
                row.get("product_name") or "")
            sale = Sale(line_id, line.order_id, product, name, line.quantity, line.total,
                        bool(row.get("is_flash_price")), line.created_at)
            self.feed.appendleft(sale)
            update.new_sales.append(sale)

    def _count(self, line: _Line, sign: int) -> None:
        if not line.counted:
            return
        self.revenue += sign * line.total
        self.units += sign * line.quantity
        self.units_by_product[line.live_product_id] += sign * line.quantity
        if line.live_product_id is not None:
            self._touched.add(line.live_product_id)
        self.revenue_by_product[line.live_product_id] += sign * line.total
        self._order_lines[line.order_id] += sign
        if self._order_lines[line.order_id] == 0:
            del self._order_lines[line.order_id]
        if self._counts_for_goal(line):
            self._goal_add(line, sign)

    def _product(self, row: Mapping[str, Any], update: MetricsUpdate) -> None:
        product = str(row["id"])
        before = self.products.get(product) or {}
        self.products[product] = {
            "name": str(row.get("name") or before.get("name") or ""),
            "status": str(row.get("status") or ""),
            "allocated": int(row.get("allocated_quantity") or 0),
            "sold": int(row.get("sold_quantity") or 0),
        }
        self._touched.add(product)

    def is_sold_out(self, live_product_id: str) -> bool:
        """Sold out by the product's row, or by the lines sold when the row lags behind."""
        state = self.products.get(live_product_id)
        if state is None:
            return False
        sold = max(state["sold"], self.units_by_product.get(live_product_id, 0))
        return state["status"] == "sold_out" or 0 < state["allocated"] <= sold

    def remaining(self, live_product_id: str) -> int | None:
        """Units still for sale (None for a product not seen yet)."""
        state = self.products.get(live_product_id)
        if state is None:
            return None
        sold = max(state["sold"], self.units_by_product.get(live_product_id, 0))
        return max(state["allocated"] - sold, 0)

    # ------------------------------------------------------------------ goal
    def _goal_row(self, row: Mapping[str, Any], update: MetricsUpdate) -> None:
        if self._goal is not None and str(row["id"]) == str(self._goal["id"]):
            self._set_goal(row)

    def _set_goal(self, row: Mapping[str, Any]) -> None:
        """A new version of the goal: the server's value covers sales up to its last update,
        so this show's lines after that moment are added on top (a rare event: a rescan)."""
        self._goal = dict(row)
        self._goal_cutoff = optional_timestamp(row.get("updated_at"))
        self._goal_extra = _ZERO
        self._goal_orders = defaultdict(int)
        for line in self._lines.values():
            if line.counted and self._counts_for_goal(line):
                self._goal_add(line, +1)

    def _counts_for_goal(self, line: _Line) -> bool:
        if self._goal is None or self._goal.get("goal_type") not in SALES_GOALS:
            return False
        cutoff = self._goal_cutoff
        return cutoff is None or line.created_at is None or line.created_at > cutoff

    def _goal_add(self, line: _Line, sign: int) -> None:
        kind = self._goal["goal_type"] if self._goal else None
        if kind == "revenue":
            self._goal_extra += sign * line.total
        elif kind == "units":
            self._goal_extra += sign * line.quantity
        elif kind == "orders":
            before = self._goal_orders[line.order_id]
            self._goal_orders[line.order_id] = before + sign
            self._goal_extra += int(before + sign > 0) - int(before > 0)

    def goal_progress(self) -> GoalProgress | None:
        """The goal for the current period with this show's sales so far."""
        goal = self._goal
        if goal is None:
            return None
        target = Decimal(str(goal["target_value"]))
        current = Decimal(str(goal.get("current_value") or 0)) + self._goal_extra
        return GoalProgress(str(goal["id"]), str(goal.get("title") or ""),
                            str(goal["goal_type"]), target, current,
                            progress_percent(current, target), current >= target)

    # ------------------------------------------------------------------ figures
    @property
    def peak_viewers(self) -> int:
        return max(self._peak, self._server_peak)

    @property
    def unique_viewers(self) -> int:
        return max(len(self._seen_viewers), self._server_unique)

    @property
    def orders(self) -> int:
        """Distinct orders with at least one line that counts."""
        return len(self._order_lines)

    @property
    def buyers(self) -> int | None:
        """Distinct customers as the server last counted them (None before it answered)."""
        return self._buyers

    def set_buyers(self, buyers: int) -> None:
        """The server's count of the show's distinct buyers (`show_figures()`)."""
        if isinstance(buyers, bool) or not isinstance(buyers, int) or buyers < 0:
            raise ValueError(f"buyers must be a count (a whole number >= 0), not {buyers!r}")
        self._buyers = buyers

    @property
    def conversion(self) -> Decimal | None:
        """Buyers per unique viewer (None before anyone watched or the buyers are known)."""
        return conversion_rate(self._buyers, self.unique_viewers)

    def viewer_series(self) -> list[tuple[datetime, int]]:
        """The most viewers in each bucket since the start, empty buckets carried forward."""
        return self._series(self._viewer_most, self._viewer_last)

    def chat_series(self) -> list[tuple[datetime, int]]:
        """Messages per bucket."""
        counts = dict(self._chat_per_bucket)
        if self._origin is None or not counts:
            return []
        return [(self._origin + i * self.bucket, counts.get(i, 0))
                for i in range(max(counts) + 1)]

    def _series(self, most: Mapping[int, int], last: Mapping[int, int]
                ) -> list[tuple[datetime, int]]:
        if self._origin is None or not most:
            return []
        series: list[tuple[datetime, int]] = []
        level = 0
        for index in range(max(most) + 1):
            if index in most:
                series.append((self._origin + index * self.bucket, most[index]))
                level = last[index]
            else:
                series.append((self._origin + index * self.bucket, level))
        return series

    _HANDLERS: Mapping[str, Any] = {
        "live_stream_sessions": _session,
        "live_stream_viewers": _viewer,
        "live_stream_chat": _chat,
        "order_items": _order_item,
        "live_products": _product,
        "influencer_goals": _goal_row,
    }


def conversion_rate(buyers: int | None, unique_viewers: int) -> Decimal | None:
    """Buyers per unique viewer, to 4 places (None when either is unknown or nobody watched)."""
    if buyers is None or unique_viewers <= 0:
        return None
    return (Decimal(buyers) / unique_viewers).quantize(_RATIO, rounding=ROUND_HALF_UP)


def rows_of(table: str, rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any]]]:
    """A batch for `apply` from rows of one table."""
    return [(table, row) for row in rows]


__all__ = ["GoalProgress", "LiveMetrics", "MetricsUpdate", "Sale", "conversion_rate", "rows_of"]
