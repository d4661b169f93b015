"""Viewers and sales panels: figures equal LiveMetrics over the same rows, updated per batch."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from test_live_monitor_support import (
    OTHER_SHOW,
    SHOW,
    line_row,
    product_row,
    show_row,
    viewer_row,
)

from studio.core.money import format_money
from studio.session.live_metrics import LiveMetrics, rows_of
from studio.session.rows import timestamp
from studio.ui.models.live_figures import CHART_BUCKET
from studio.ui.screens.live.monitor_panels import SalesPanel, ViewersPanel
from studio.ui.screens.live.sales_panel import conversion_text
from studio.ui.widgets.line_chart import LineChart, downsample


def expected(ctx: Any) -> LiveMetrics:
    """What the session layer computes from the cache's rows of the show, in one batch."""
    metrics = LiveMetrics(SHOW, bucket=CHART_BUCKET)
    reader = ctx.reader
    metrics.apply([("live_stream_sessions", reader.get("live_stream_sessions", SHOW)),
                   *rows_of("live_products", reader.lineup(SHOW)),
                   *rows_of("live_stream_viewers", reader.show_viewers(SHOW)),
                   *rows_of("order_items", reader.show_order_items(SHOW))])
    return metrics


def timeline(ctx: Any) -> tuple[int, list[tuple[float, float]]]:
    """The peak and the chart worked out by hand from the cache's presences of the show:
    every join and leave in time order, the most open at once per 10 s since the start."""
    events = []
    for row in ctx.reader.show_viewers(SHOW):
        events.append((timestamp(row["joined_at"]), +1))
        if row["left_at"] is not None:
            events.append((timestamp(row["left_at"]), -1))
    origin = timestamp(ctx.reader.get("live_stream_sessions", SHOW)["actual_start"])
    most: dict[int, int] = {}
    last: dict[int, int] = {}
    current = peak = 0
    for at, change in sorted(events):
        current += change
        peak = max(peak, current)
        bucket = int((at - origin) / CHART_BUCKET)
        most[bucket] = max(most.get(bucket, 0), current)
        last[bucket] = current
    points, level = [], 0
    for bucket in range(max(most) + 1):
        level = last.get(bucket, level)
        points.append(((origin + bucket * CHART_BUCKET).timestamp(),
                       float(most.get(bucket, level))))
    return peak, points


def start(qtbot: Any, run: Any, fake_context: Any) -> tuple[Any, ViewersPanel, SalesPanel]:
    ctx = fake_context({
        "live_stream_sessions": [show_row()],
        "live_products": [product_row(1, "20.00"), product_row(2, "35.00", allocated=3)],
        "live_stream_viewers": [viewer_row(n, joined=n, left=n + 30.5 if n % 3 == 0 else None)
                                for n in range(1, 41)]
        + [viewer_row(99, joined=5, session=OTHER_SHOW)],
        "order_items": [line_row(1, 1, 1, 2, "40.00", seconds=50),
                        line_row(2, 1, 2, 1, "35.00", seconds=50),
                        line_row(3, 2, 1, 1, "20.00", seconds=70),
                        line_row(4, 3, 1, 1, "20.00", seconds=80, session=OTHER_SHOW)],
    })
    viewers, sales = ViewersPanel(ctx), SalesPanel(ctx)
    for panel in (viewers, sales):
        qtbot.addWidget(panel)
        panel.resize(400, 700)
        panel.follow(SHOW)
        run(panel.feed.idle())
    return ctx, viewers, sales


def assert_panels_match(viewers: ViewersPanel, sales: SalesPanel, metrics: LiveMetrics,
                        ctx: Any, *, feed: bool = True) -> None:
    peak, points = timeline(ctx)
    assert (viewers.current.value, viewers.peak.value, viewers.unique.value) == (
        f"{metrics.current_viewers:,}", f"{peak:,}", f"{metrics.unique_viewers:,}")
    assert viewers.chart.points == points
    assert (sales.revenue.value, sales.units.value, sales.orders_tile.value) == (
        format_money(metrics.revenue), f"{metrics.units:,}", f"{metrics.orders:,}")
    assert sales.conversion.value == conversion_text(sales.feed.snapshot)
    assert sales.feed.snapshot.conversion == metrics.conversion
    assert {p.live_product_id: (p.units, p.revenue) for p in sales.products.products()
            if p.units} == {k: (v, metrics.revenue_by_product[k])
                            for k, v in metrics.units_by_product.items() if v}
    if feed:
        assert [s.order_item_id for s in sales.orders.sales()] == [
            s.order_item_id for s in metrics.feed]


def test_figures_equal_what_live_metrics_computes_from_the_same_rows(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    ctx, viewers, sales = start(qtbot, run, fake_context)
    metrics = expected(ctx)

    assert_panels_match(viewers, sales, metrics, ctx)
    # the numbers themselves, so a shared mistake cannot hide: 40 joined one a second, every
    # third left 30.5 s after joining (37 open at 39 s and at 40 s), 27 still watching
    assert (metrics.current_viewers, metrics.unique_viewers, metrics.units) == (27, 40, 4)
    assert viewers.peak.value == "37"
    # Conversion needs the server's count of buyers (people, not orders)
    assert (sales.revenue.value, sales.orders_tile.value, sales.conversion.value) == (
        "$95.00", "2", "—")
    sales.feed.set_buyers("another show", 7)  # a count for a show the panel left: ignored
    assert sales.conversion.value == "—"
    sales.feed.set_buyers(SHOW, 1)
    assert sales.conversion.value == "2.5%"  # 1 buyer / 40 unique viewers
    metrics.set_buyers(1)
    assert_panels_match(viewers, sales, metrics, ctx)


def test_batches_update_the_figures_and_read_only_the_changed_rows(
        qtbot: Any, qtmodeltester: Any, run: Any, fake_context: Any) -> None:
    ctx, viewers, sales = start(qtbot, run, fake_context)
    qtmodeltester.check(sales.orders)
    qtmodeltester.check(sales.products)
    source = sales.feed._source
    read_before = source.rows_read
    inserted: list[tuple[int, int]] = []
    sales.orders.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))

    ctx.insert("live_stream_viewers", [viewer_row(n, joined=200 + n) for n in range(41, 46)]
               + [viewer_row(2, joined=2, left=210)])
    ctx.insert("order_items", [line_row(5, 4, 2, 2, "70.00", seconds=220),
                               line_row(6, 5, 1, 1, "20.00", seconds=221),
                               line_row(3, 2, 1, 1, "20.00", seconds=70, refunded=True,
                                        updated=222)])
    ctx.insert("live_products", [product_row(2, "35.00", allocated=3, sold=3)])
    qtbot.waitUntil(lambda: sales.units.value == "6" and viewers.current.value == "31",
                    timeout=3000)
    run(sales.feed.idle())

    # (the feed lists sales as they happened: a line refunded later stays in it)
    assert_panels_match(viewers, sales, expected(ctx), ctx, feed=False)
    assert [s.order_item_id for s in sales.orders.sales()] == [
        line_row(n, 0, 1, 1, "1.00")["id"] for n in (6, 5, 3, 2, 1)]
    assert inserted and all(first == 0 for first, _last in inserted)  # newest at the top
    # a batch reads its own rows (and a lineup), not the show's 40 viewers and 3 lines again
    assert source.rows_read - read_before < 20
    sold_out = [p for p in sales.products.products() if p.sold_out]
    assert [p.name for p in sold_out] == ["Product 2"]


def test_following_nothing_empties_the_panels(qtbot: Any, run: Any, fake_context: Any) -> None:
    ctx, viewers, sales = start(qtbot, run, fake_context)
    viewers.follow(None)
    sales.follow(None)
    ctx.insert("order_items", [line_row(9, 9, 1, 1, "20.00", seconds=300)])
    qtbot.wait(120)

    assert (viewers.current.value, sales.revenue.value) == ("—", "—")
    assert sales.orders.rowCount() == 0 and sales.products.rowCount() == 0
    assert viewers.chart.points == []


def test_the_chart_keeps_peaks_when_it_has_more_points_than_pixels(qtbot: Any) -> None:
    points = [(float(i), float(i % 100)) for i in range(100_000)]
    points[54_321] = (54_321.0, 5_000.0)
    shown = downsample(points, 300)

    assert len(shown) <= 2 * 300 + 1  # two per pixel column, and the latest
    assert max(y for _x, y in shown) == 5_000.0
    assert shown[0] == points[0] and shown[-1][0] == points[-1][0]

    chart = LineChart("Viewers")
    qtbot.addWidget(chart)
    chart.resize(380, 160)
    chart.set_series(points)
    assert chart.grab().width() == 380


def test_the_chart_refuses_bad_input_and_keeps_its_series(qtbot: Any) -> None:
    chart = LineChart("Viewers")
    qtbot.addWidget(chart)
    chart.set_series([(1.0, 3.0), (2.0, 4.0)])
    with pytest.raises(ValueError, match="time order"):
        chart.set_series([(2.0, 1.0), (1.0, 1.0)])
    with pytest.raises(ValueError, match="pixel column"):
        downsample([(1.0, 1.0)], 0)
    assert chart.points == [(1.0, 3.0), (2.0, 4.0)]


def test_conversion_is_a_dash_before_anyone_watched(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    ctx = fake_context({"live_stream_sessions": [show_row()]})
    sales = SalesPanel(ctx)
    qtbot.addWidget(sales)
    sales.follow(SHOW)
    run(sales.feed.idle())
    assert (sales.conversion.value, sales.revenue.value) == ("—", format_money(Decimal(0)))
