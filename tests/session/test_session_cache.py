"""The session layer on the offline cache's rows: the running show found after a restart, and
live metrics from cached rows agreeing with the report from the server's."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from session_support import Show, make_show
from test_cache_support import open_cache
from test_local_support import Workspace

from studio.session.live_metrics import LiveMetrics, rows_of
from studio.session.show_report import build_report
from studio.session.show_session import ShowSession, find_running_show
from studio.sync.backend import RowChange, eq
from studio.sync.cache import CacheReader, CacheStore, CacheWriter
from studio.sync.scope import complete_rows, readable_columns
from studio.sync.show_server import BackendShowServer

pytestmark = pytest.mark.asyncio


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[tuple[CacheWriter, CacheReader]]:
    with open_cache(tmp_path / "cache.db") as (_db, writer, reader):
        yield writer, reader


async def mirror(show: Show, writer: CacheWriter, table: str, column: str, value: str) -> None:
    """Pull a table's rows into the cache the way the engine stores them."""
    rows = await show.backend.select(table, readable_columns(table), [eq(column, value)])
    await writer.run(lambda store: CacheStore.upsert_rows(store, table,
                                                          complete_rows(table, rows)))


async def test_the_running_show_is_found_in_the_cache_after_a_restart(
        ws: Workspace, cache: tuple[CacheWriter, CacheReader]) -> None:
    writer, reader = cache
    show = await make_show(ws)
    ws.owner.execute("update public.live_stream_sessions set status = 'ended'"
                     " where id = %s", (show.other_show,))
    session = await ShowSession.open(show.server, show.session_id)
    await mirror(show, writer, "live_stream_sessions", "influencer_id", show.host.profile_id)
    assert await find_running_show(reader, show.host.profile_id) is None

    await session.go_live(rehearsal=True)
    await mirror(show, writer, "live_stream_sessions", "influencer_id", show.host.profile_id)

    running = await find_running_show(reader, show.host.profile_id)
    assert running is not None and running["id"] == show.session_id
    assert running["is_rehearsal"] is True


async def test_metrics_from_cached_rows_agree_with_the_report(
        ws: Workspace, cache: tuple[CacheWriter, CacheReader]) -> None:
    writer, reader = cache
    show = await make_show(ws, status="live")
    await show.buy(show.items[0], 2)
    await show.buy(show.items[1])
    metrics = LiveMetrics(show.session_id)
    for table in ("live_products", "order_items"):
        await mirror(show, writer, table, "session_id", show.session_id)

    update = metrics.apply([*rows_of("live_products", reader.lineup(show.session_id)),
                            *rows_of("order_items", reader.show_order_items(show.session_id))])
    report = await build_report(show.server, show.session_id)

    assert (metrics.revenue, metrics.units, metrics.orders) == (
        report.revenue, report.units, report.orders) == (Decimal("75.00"), 3, 2)
    assert report.buyers == 2  # two customers, counted by the server
    assert dict(metrics.units_by_product) == {p.live_product_id: p.units
                                              for p in report.products}
    assert len(update.new_sales) == 2


async def test_realtime_changes_feed_the_metrics(ws: Workspace) -> None:
    show = await make_show(ws, status="live")
    order = await show.buy(show.items[0], 2)
    lines = await show.backend.select("order_items", ["id", "order_id", "live_product_id",
                                                      "session_id", "quantity", "line_total",
                                                      "is_refunded", "created_at"],
                                      [eq("order_id", order["order_id"])])
    metrics = LiveMetrics(show.session_id)

    metrics.apply_changes([RowChange("order_items", "INSERT", row, None, None) for row in lines]
                          + [RowChange("order_items", "DELETE", None, {"id": "x"}, None)])

    assert (metrics.units, metrics.revenue) == (2, Decimal("40.00"))


async def test_show_rows_reads_every_page(ws: Workspace) -> None:
    show = await make_show(ws, prices=("1.00", "2.00", "3.00", "4.00", "5.00"))
    server = BackendShowServer(show.backend, page_size=2)

    rows = await server.show_rows("live_products", show.session_id, ["name"])

    assert sorted(r["id"] for r in rows) == sorted(show.items)
