"""The session's figures from the server: distinct buyers (people, not orders) counted by
show_figures(), and the lines of a failed payment leaving every figure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from session_support import make_show
from test_local_support import Workspace

from studio.session.errors import SessionError
from studio.session.live_metrics import LiveMetrics, rows_of
from studio.session.show_report import ORDER_ITEM_COLUMNS
from studio.session.show_session import SessionEvent, ShowSession

pytestmark = pytest.mark.asyncio


async def test_buyers_are_people_and_a_failed_payment_counts_nowhere(ws: Workspace) -> None:
    show = await make_show(ws, status="live")
    session = await ShowSession.open(show.server, show.session_id)
    events: list[SessionEvent] = []
    session.subscribe(events.append)
    first, second, _third = show.items
    await show.buy(first, 2)
    await show.buy(second, 1, customer=show.customers[0])  # the same buyer again
    failed = await show.buy(second, 3)
    ws.owner.execute("select public.record_payment_event(%s, 'failed')", (failed["order_id"],))

    await session.refresh_figures()

    assert session.buyers == 1
    assert [e.kind for e in events] == ["figures"]
    lines = await show.server.show_rows("order_items", show.session_id,
                                        (*ORDER_ITEM_COLUMNS, "session_id"))
    metrics = LiveMetrics(show.session_id)
    metrics.apply(rows_of("order_items", lines))
    metrics.set_buyers(session.buyers)
    assert (metrics.revenue, metrics.units, metrics.orders) == (Decimal("75.00"), 3, 2)
    assert metrics.conversion is None  # nobody watched
    report = await session.end_show()
    assert (report.revenue, report.units, report.orders, report.buyers) == (
        Decimal("75.00"), 3, 2, 1)


async def test_another_hosts_figures_are_refused(ws: Workspace) -> None:
    show = await make_show(ws, status="live")
    other = await make_show(ws, status="live")
    session = ShowSession(show.server, other.session_id, {"status": "live"})

    refusal = "Only the host of this show or its co-hosts can see its figures"
    with pytest.raises(SessionError, match=refusal):
        await session.refresh_figures()

    assert session.buyers is None
