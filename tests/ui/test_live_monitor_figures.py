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


def start(qtbot: Any, run: Any, fake_context: Any) -> tuple[Any, ViewersPanel, SalesPanel]:
    ctx = fake_context({
        "live_stream_sessions": [show_row()],
        "live_products": [product_row(1, "20.00"), product_row(2, "35.00", allocated=3)],
        "live_stream_viewers": [viewer_row(n, joined=n, left=n + 30 if n % 3 == 0 else None)
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


def assert_panels_match(viewers: ViewersPanel, sales: SalesPanel, metrics: LiveMetrics) -> None:
    assert (viewers.current.value, viewers.peak.value, viewers.unique.value) == (
        f"{metrics.current_viewers:,}", f"{metrics.peak_viewers:,}",
        f"{metrics.unique_viewers:,}")
    series = metrics.viewer_series()
    assert viewers.chart.points == [(at.timestamp(), float(n)) for at, n in series]
    assert (sales.revenue.value, sales.units.value, sales.buyers.value) == (
        format_money(metrics.revenue), f"{metrics.units:,}", f"{metrics.buyers:,}")
    assert sales.conversion.value == conversion_text(sales.feed.snapshot)
    assert sales.feed.snapshot.conversion == metrics.conversion
    assert {p.live_product_id: (p.units, p.revenue) for p in sales.products.products()
            if p.units} == {k: (v, metrics.revenue_by_product[k])
                            for k, v in metrics.units_by_product.items() if v}
    assert [s.order_item_id for s in sales.orders.sales()] == [
        s.order_item_id for s in metrics.feed]


def test_figures_equal_what_live_metrics_computes_from_the_same_rows(
        qtbot: Any, run: Any, fake_context: Any) -> None:
    ctx, viewers, sales = start(qtbot, run, fake_context)
    metrics = expected(ctx)

    assert_panels_match(viewers, sales, metrics)
    # the numbers themselves, so a shared mistake cannot hide: 40 joined, 13 left at +30 s
    assert (metrics.current_viewers, metrics.unique_viewers, metrics.units) == (27, 40, 4)
    assert (sales.revenue.value, sales.buyers.value, sales.conversion.value) == (
        "$95.00", "2", "5.0%")


def test_batches_update_the_figures_and_read_only_the_changed_rows(
        qtbot: Any, qtmodeltester: Any, run: Any, fake_context: Any) -> None:
    ctx, viewers, sales = start(qtbot, run, fake_context)
    before = expected(ctx)  # the first batch: every row of the show
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

    # the same rows in the same two batches (the second in the cache's insert order)
    reader = ctx.reader
    viewers_changed = {viewer_row(n, 0)["id"] for n in (2, 41, 42, 43, 44, 45)}
    lines_changed = {line_row(n, 0, 1, 1, "1.00")["id"] for n in (3, 5, 6)}
    before.apply([("live_stream_sessions", reader.get("live_stream_sessions", SHOW)),
                  *rows_of("live_products", reader.lineup(SHOW)),
                  *[("live_stream_viewers", r) for r in reader.show_viewers(SHOW)
                    if r["id"] == viewer_row(2, 0)["id"]],
                  *[("live_stream_viewers", r) for r in reader.show_viewers(SHOW)
                    if r["id"] in viewers_changed - {viewer_row(2, 0)["id"]}],
                  *[("order_items", r) for r in reader.show_order_items(SHOW)
                    if r["id"] in lines_changed]])
    assert_panels_match(viewers, sales, before)
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
