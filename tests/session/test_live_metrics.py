"""Live metrics from batches of changed rows: viewers, sales, sold out, goal, conversion."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from studio.session.live_metrics import LiveMetrics, rows_of

SHOW = str(uuid.UUID(int=1))
OTHER = str(uuid.UUID(int=2))
T0 = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
D = Decimal


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def viewer(n: int, joined: float, left: float | None = None, user: int | None = None,
           session: str = SHOW) -> dict[str, Any]:
    return {"id": f"v{n}", "session_id": session, "user_id": f"u{user}" if user else None,
            "joined_at": at(joined), "left_at": None if left is None else at(left)}


def line(n: int, order: str, item: str, quantity: int, total: str, *, minute: float = 1,
         refunded: bool = False, flash: bool = False, session: str = SHOW) -> dict[str, Any]:
    return {"id": f"l{n}", "order_id": order, "live_product_id": item, "session_id": session,
            "product_name": f"Name of {item}", "quantity": quantity, "line_total": total,
            "is_refunded": refunded, "is_flash_price": flash, "created_at": at(minute)}


def product(item: str, sold: int, allocated: int = 5, status: str = "active") -> dict[str, Any]:
    return {"id": item, "session_id": SHOW, "name": f"Item {item}", "status": status,
            "allocated_quantity": allocated, "sold_quantity": sold}


def chat(n: int, minute: float = 0, session: str = SHOW) -> dict[str, Any]:
    return {"id": f"c{n}", "session_id": session, "message": "hi", "created_at": at(minute)}


SHOW_ROW = {"id": SHOW, "actual_start": T0.isoformat(), "peak_viewers": 0, "unique_viewers": 0}


def test_viewers_current_peak_unique_and_a_bucketed_series() -> None:
    metrics = LiveMetrics(SHOW)
    metrics.apply([("live_stream_sessions", SHOW_ROW)])
    metrics.apply(rows_of("live_stream_viewers", [
        viewer(1, 0.1, user=1), viewer(2, 0.2, user=2), viewer(3, 0.5, user=3)]))
    metrics.apply(rows_of("live_stream_viewers", [
        viewer(1, 0.1, left=1.5, user=1), viewer(4, 3.2, user=1)]))  # user 1 comes back

    assert (metrics.current_viewers, metrics.peak_viewers, metrics.unique_viewers) == (3, 3, 3)
    assert metrics.viewer_series() == [
        (T0, 3), (T0 + timedelta(minutes=1), 2), (T0 + timedelta(minutes=2), 2),
        (T0 + timedelta(minutes=3), 3)]


def test_the_same_presence_delivered_twice_counts_once() -> None:
    metrics = LiveMetrics(SHOW)
    rows = rows_of("live_stream_viewers", [viewer(1, 0), viewer(2, 0)])

    metrics.apply(rows)
    metrics.apply(rows)  # a pull after a reconnect brings them again

    assert (metrics.current_viewers, metrics.peak_viewers, metrics.unique_viewers) == (2, 2, 2)


def test_the_servers_peak_and_unique_win_when_higher() -> None:
    metrics = LiveMetrics(SHOW)
    metrics.apply(rows_of("live_stream_viewers", [viewer(1, 0)]))
    metrics.apply([("live_stream_sessions", {**SHOW_ROW, "peak_viewers": 40,
                                             "unique_viewers": 55})])

    assert (metrics.current_viewers, metrics.peak_viewers, metrics.unique_viewers) == (1, 40, 55)


def test_sales_revenue_units_per_product_feed_and_conversion() -> None:
    metrics = LiveMetrics(SHOW)
    metrics.apply(rows_of("live_products", [product("a", 0), product("b", 0)]))
    metrics.apply(rows_of("live_stream_viewers", [viewer(i, 0, user=i) for i in range(1, 5)]))

    update = metrics.apply(rows_of("order_items", [
        line(1, "o1", "a", 2, "30.00"), line(2, "o1", "b", 1, "12.50", minute=2),
        line(3, "o2", "a", 1, "15.00", minute=3)]))

    assert (metrics.revenue, metrics.units, metrics.orders) == (D("57.50"), 4, 2)
    assert dict(metrics.units_by_product) == {"a": 3, "b": 1}
    assert dict(metrics.revenue_by_product) == {"a": D("45.00"), "b": D("12.50")}
    assert [s.order_item_id for s in metrics.feed] == ["l3", "l2", "l1"]
    assert [s.name for s in update.new_sales] == ["Item a", "Item b", "Item a"]
    # Buyers are people, not orders: unknown until the server has counted them.
    assert (metrics.buyers, metrics.conversion) == (None, None)
    metrics.set_buyers(1)  # one customer placed both orders
    assert metrics.conversion == D("0.2500")  # 1 buyer / 4 unique viewers
    for bad in (-1, 1.5, "2", True, None):
        with pytest.raises(ValueError, match="buyers must be a count"):
            metrics.set_buyers(bad)  # type: ignore[arg-type]
    assert metrics.buyers == 1


def test_a_line_delivered_again_or_refunded_moves_the_totals_once() -> None:
    metrics = LiveMetrics(SHOW)
    first = line(1, "o1", "a", 2, "30.00")
    metrics.apply(rows_of("order_items", [first, line(2, "o2", "a", 1, "15.00")]))

    again = metrics.apply(rows_of("order_items", [first]))
    assert (metrics.revenue, metrics.units, again.new_sales) == (D("45.00"), 3, [])

    metrics.apply(rows_of("order_items", [{**first, "is_refunded": True}]))
    assert (metrics.revenue, metrics.units, metrics.orders) == (D("15.00"), 1, 1)
    assert dict(metrics.units_by_product) == {"a": 1}
    assert len(metrics.feed) == 2  # the feed is history: the refund does not erase the sale


def test_cache_shaped_rows_read_the_same() -> None:
    metrics = LiveMetrics(SHOW)
    cached = {**line(1, "o1", "a", 2, "0"), "line_total_cents": 3000}
    del cached["line_total"]

    metrics.apply(rows_of("order_items", [cached]))

    assert metrics.revenue == D("30.00")


def test_sold_out_is_reported_once_when_it_happens() -> None:
    metrics = LiveMetrics(SHOW)
    assert metrics.apply(rows_of("live_products", [product("a", 3)])).sold_out == []

    first = metrics.apply(rows_of("live_products", [product("a", 5, status="sold_out")]))
    second = metrics.apply(rows_of("live_products", [product("a", 5, status="sold_out")]))
    by_count = metrics.apply(rows_of("live_products", [product("b", 4, allocated=4)]))

    assert (first.sold_out, second.sold_out, by_count.sold_out) == (["a"], [], ["b"])


def test_sold_out_follows_the_lines_when_the_product_row_lags_behind() -> None:
    metrics = LiveMetrics(SHOW)
    metrics.apply(rows_of("live_products", [product("a", 0, allocated=3)]))
    assert metrics.remaining("a") == 3 and metrics.remaining("zz") is None

    partly = metrics.apply(rows_of("order_items", [line(1, "o1", "a", 2, "2.00")]))
    sold_out = metrics.apply(rows_of("order_items", [line(2, "o2", "a", 1, "1.00")]))
    row_catches_up = metrics.apply(rows_of("live_products", [
        product("a", 3, allocated=3, status="sold_out")]))

    assert (partly.sold_out, sold_out.sold_out, row_catches_up.sold_out) == ([], ["a"], [])
    assert metrics.is_sold_out("a") and metrics.remaining("a") == 0

    # A refund puts a unit back on sale; selling it again sells the product out again.
    metrics.apply(rows_of("live_products", [product("a", 2, allocated=3)]))
    back = metrics.apply(rows_of("order_items", [line(2, "o2", "a", 1, "1.00", refunded=True)]))
    again = metrics.apply(rows_of("order_items", [line(3, "o3", "a", 1, "1.00")]))
    assert (back.sold_out, again.sold_out) == ([], ["a"])


def goal(kind: str = "revenue", current: str = "100.00", target: str = "150.00",
         updated: float = -60) -> dict[str, Any]:
    return {"id": "g1", "title": "December sales", "goal_type": kind, "target_value": target,
            "current_value": current, "updated_at": at(updated)}


def test_goal_progress_adds_this_shows_sales_and_reaches_the_goal_once() -> None:
    metrics = LiveMetrics(SHOW, goal=goal())

    first = metrics.apply(rows_of("order_items", [line(1, "o1", "a", 1, "30.00")]))
    progress = metrics.goal_progress()
    assert progress is not None
    assert (progress.current, progress.percent, progress.reached) == (D("130.00"), D("86.7"),
                                                                      False)
    assert not first.goal_reached

    reached = metrics.apply(rows_of("order_items", [line(2, "o2", "a", 2, "40.00")]))
    later = metrics.apply(rows_of("order_items", [line(3, "o3", "a", 1, "5.00")]))
    assert reached.goal_reached and not later.goal_reached
    progress = metrics.goal_progress()
    assert progress is not None and progress.percent == D("100.0") and progress.reached


def test_a_goal_the_server_updated_counts_only_the_sales_after_its_update() -> None:
    metrics = LiveMetrics(SHOW, goal=goal(kind="units", current="10", target="50"))
    metrics.apply(rows_of("order_items", [
        line(1, "o1", "a", 2, "30.00", minute=1), line(2, "o2", "a", 3, "45.00", minute=5)]))
    assert metrics.goal_progress().current == D("15")  # type: ignore[union-attr]

    # The server folded the sales up to minute 2 into the goal (10 + 2).
    metrics.apply([("influencer_goals", goal(kind="units", current="12", target="50",
                                             updated=2))])

    assert metrics.goal_progress().current == D("15")  # type: ignore[union-attr]


def test_an_orders_goal_counts_distinct_orders() -> None:
    metrics = LiveMetrics(SHOW, goal=goal(kind="orders", current="0", target="10"))

    metrics.apply(rows_of("order_items", [line(1, "o1", "a", 1, "1.00"),
                                          line(2, "o1", "b", 1, "1.00"),
                                          line(3, "o2", "a", 1, "1.00")]))
    metrics.apply(rows_of("order_items", [{**line(3, "o2", "a", 1, "1.00"),
                                           "is_refunded": True}]))

    assert metrics.goal_progress().current == D("1")  # type: ignore[union-attr]


def test_rows_of_other_shows_and_other_tables_are_ignored() -> None:
    metrics = LiveMetrics(SHOW)

    update = metrics.apply([
        ("live_stream_viewers", viewer(1, 0, session=OTHER)),
        ("order_items", line(1, "o1", "a", 1, "9.00", session=OTHER)),
        ("live_stream_chat", chat(1, session=OTHER)),
        ("products", {"id": "p", "session_id": SHOW}),
    ])

    assert update.tables == set()
    assert (metrics.current_viewers, metrics.revenue, metrics.chat_messages) == (0, D("0"), 0)


def test_chat_is_counted_once_per_message_and_per_bucket() -> None:
    metrics = LiveMetrics(SHOW)
    metrics.apply([("live_stream_sessions", SHOW_ROW)])

    metrics.apply(rows_of("live_stream_chat", [chat(1, 0.5), chat(2, 0.7), chat(3, 2.1)]))
    metrics.apply(rows_of("live_stream_chat", [{**chat(2, 0.7), "is_hidden": True}]))

    assert metrics.chat_messages == 3
    assert metrics.chat_series() == [(T0, 2), (T0 + timedelta(minutes=1), 0),
                                     (T0 + timedelta(minutes=2), 1)]


def test_rows_before_the_show_row_move_to_the_shows_start() -> None:
    metrics = LiveMetrics(SHOW)
    metrics.apply(rows_of("live_stream_chat", [chat(1, 2.5)]))  # the first stamp seen: 2.5

    metrics.apply([("live_stream_sessions", SHOW_ROW)])

    assert metrics.chat_series()[-1] == (T0 + timedelta(minutes=2), 1)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"bucket": timedelta(0)}, "longer than zero"), ({"feed_size": 0}, "at least 1"),
     ({"chat_window": 0}, "at least 1")],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LiveMetrics(SHOW, **options)


def _calls_while(action: Any) -> int:
    """Python and C function calls made by `action()`: a deterministic measure of work."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def _chat_burst(start: int, n: int) -> Iterator[tuple[str, dict[str, Any]]]:
    for i in range(start, start + n):
        yield ("live_stream_chat", chat(i, minute=i / 10_000))


def test_a_batch_costs_the_same_however_much_came_before() -> None:
    """O(batch): the same batch after 200,000 messages and sales does exactly the work it does
    on an empty show (nothing is recomputed over the show so far)."""
    def work_after(prior: int) -> int:
        metrics = LiveMetrics(SHOW, goal=goal(), chat_window=1_000)
        metrics.apply([("live_stream_sessions", SHOW_ROW)])
        metrics.apply(_chat_burst(0, prior))
        metrics.apply(rows_of("order_items", [line(i, f"o{i}", "a", 1, "1.00")
                                              for i in range(prior // 100)]))
        batch = [*_chat_burst(prior, 1_000),
                 *rows_of("order_items", [line(10**9 + i, f"x{i}", "a", 1, "1.00")
                                          for i in range(50)])]
        return _calls_while(lambda: metrics.apply(batch))

    assert work_after(200_000) == work_after(2_000)


def test_memory_for_chat_stays_bounded_by_the_window() -> None:
    metrics = LiveMetrics(SHOW, chat_window=500)

    metrics.apply(_chat_burst(0, 20_000))

    assert metrics.chat_messages == 20_000
    assert len(metrics._chat_recent) == 500
