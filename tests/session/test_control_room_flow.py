"""A whole show through the session layer on the local server, the way the control room runs
it: go live, feature, a flash sale that ends on time, orders until a product sells out, the goal
bar moving to the goal, the end of the show, and a report that agrees with the database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from session_support import Show, make_show
from test_local_support import Workspace

from studio.core.goals import period_bounds
from studio.core.lineup_rules import LineupLimits
from studio.core.models import GoalPeriod
from studio.core.show_state import ShowState
from studio.session.flash_sale import CountdownState, server_confirms_end
from studio.session.live_metrics import LiveMetrics, MetricsUpdate
from studio.session.show_report import LIVE_PRODUCT_COLUMNS, ORDER_ITEM_COLUMNS, VIEWER_COLUMNS
from studio.session.show_session import ShowSession
from studio.sync.backend import eq

pytestmark = pytest.mark.asyncio
D = Decimal
GOAL_COLUMNS = ["id", "title", "goal_type", "target_value", "current_value", "updated_at"]
PRODUCT_COLUMNS = (*LIVE_PRODUCT_COLUMNS, "session_id", "status", "allocated_quantity",
                   "sold_quantity")


async def deliver(show: Show, metrics: LiveMetrics) -> MetricsUpdate:
    """Every row of the show as the engine would hand them over (unchanged ones included)."""
    batch: list[tuple[str, dict[str, Any]]] = []
    for table, columns in (("live_products", PRODUCT_COLUMNS),
                           ("order_items", (*ORDER_ITEM_COLUMNS, "session_id")),
                           ("live_stream_viewers", (*VIEWER_COLUMNS, "session_id"))):
        batch += [(table, r) for r in await show.server.show_rows(table, show.session_id,
                                                                   columns)]
    row = await show.server.show_row(show.session_id)
    assert row is not None
    batch.append(("live_stream_sessions", row))
    return metrics.apply(batch)


async def test_a_whole_show(ws: Workspace) -> None:
    show = await make_show(ws, prices=("20.00", "35.00", "12.50"), allocated=3)
    first, second, third = show.items
    start, end = period_bounds(GoalPeriod.MONTHLY, datetime.now(UTC).date())
    ws.owner.execute(
        "insert into public.influencer_goals (influencer_id, title, goal_type, period,"
        " period_start, period_end, target_value) values (%s, 'December', 'revenue', 'monthly',"
        " %s, %s, 100)", (show.host.profile_id, start, end))
    ws.owner.execute("update private.commerce_settings set min_flash_seconds = 1")
    goal = (await show.backend.select("influencer_goals", GOAL_COLUMNS,
                                      [eq("influencer_id", show.host.profile_id)]))[0]
    session = await ShowSession.open(show.server, show.session_id)
    session.limits = LineupLimits(min_flash_seconds=1)
    metrics = LiveMetrics(show.session_id, goal=goal)

    await session.go_live(rehearsal=False)
    await deliver(show, metrics)
    assert session.state is ShowState.LIVE and metrics.goal_progress().percent == 0  # type: ignore[union-attr]

    # A one-second flash sale on the featured product ends on time, by the server's clock.
    await session.next()
    assert session.featured_id == first
    countdown = await session.start_flash_sale(first, D("15.00"), 1)
    await show.buy(first, 2)
    async with asyncio.timeout(15):
        while countdown.tick() is CountdownState.RUNNING:
            await asyncio.sleep(0.05)
        while not server_confirms_end(countdown.window, await show.server.rpc(
                "show_live_stats", {"p_session_id": show.session_id})):
            await asyncio.sleep(0.05)
    assert countdown.ended_on_time and session.current_flash() is None

    # The last unit sells at the regular price: the product is sold out.
    await show.buy(first, 1)
    update = await deliver(show, metrics)
    assert update.sold_out == [first]
    assert metrics.is_sold_out(first) and metrics.remaining(first) == 0
    progress = metrics.goal_progress()
    assert progress is not None and progress.current == D("50.00") and not progress.reached

    # The goal bar moves, and reaches the goal exactly once.
    await session.next()
    await show.buy(second, 2)
    update = await deliver(show, metrics)
    assert update.goal_reached and metrics.goal_progress().reached  # type: ignore[union-attr]
    assert not (await deliver(show, metrics)).goal_reached
    assert (metrics.revenue, metrics.units, metrics.orders) == (D("120.00"), 5, 3)

    report = await session.end_show()

    assert session.state is ShowState.ENDED
    revenue, units, orders = ws.owner.execute(
        "select sum(line_total), sum(quantity), count(distinct order_id) from public.order_items"
        " where session_id = %s and not is_refunded", (show.session_id,)).fetchone()
    assert (report.revenue, report.units, report.orders) == (revenue, units, orders) == (
        metrics.revenue, metrics.units, metrics.orders)
    assert (report.flash_units, report.regular_units) == (2, 3)
    assert {p.live_product_id: p.units for p in report.top_products()} == {first: 3, second: 2}
    assert third not in {p.live_product_id for p in report.products}
    # The server caught the goal up at the end of the show: the bar had it right all along.
    assert ws.one("select current_value from public.influencer_goals where influencer_id = %s",
                  (show.host.profile_id,)) == metrics.goal_progress().current  # type: ignore[union-attr]
