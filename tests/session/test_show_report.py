"""The end-of-show report equals SQL over the same rows; CSV export; the figures' edge cases."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from session_support import Show, make_show
from test_local_support import Workspace

from studio.session.show_report import compute_report, report_csv, viewer_curve, write_report_csv
from studio.session.show_session import ShowSession

D = Decimal


def add_audience(show: Show) -> None:
    """Presences (one viewer comes back, one is still watching at the end) and chat."""
    with show.ws.cursor() as cur:
        cur.execute("select actual_start from public.live_stream_sessions where id = %s",
                    (show.session_id,))
        start = cur.fetchone()[0]
        users = []
        for _ in range(4):
            cur.execute("insert into auth.users (instance_id, id, aud, role, email) values"
                        " ('00000000-0000-0000-0000-000000000000', gen_random_uuid(),"
                        " 'authenticated', 'authenticated', gen_random_uuid() || '@x.test')"
                        " returning id")
            users.append(cur.fetchone()[0])
        presences = [  # (user, joined, left) in seconds after the start
            (users[0], 5, 100), (users[1], 10, 60), (users[2], 60, 200), (users[0], 150, 250),
            (users[3], 30, None),
        ]
        for user, joined, left in presences:
            cur.execute(
                "insert into public.live_stream_viewers (session_id, user_id, joined_at, left_at)"
                " values (%s, %s, %s, %s)",
                (show.session_id, user, start + timedelta(seconds=joined),
                 None if left is None else start + timedelta(seconds=left)))
        cur.execute("insert into public.live_stream_viewers (session_id, hms_peer_id, joined_at,"
                    " left_at) values (%s, 'peer-7', %s, %s)",
                    (show.session_id, start + timedelta(seconds=20),
                     start + timedelta(seconds=40)))
        for i in range(7):
            cur.execute("insert into public.live_stream_chat (session_id, user_id, message,"
                        " is_hidden) values (%s, %s, %s, %s)",
                        (show.session_id, users[i % 4], f"message {i}", i == 3))


SQL_FIGURES = """
with s as (select actual_start, actual_end from public.live_stream_sessions where id = %(s)s),
lines as (select * from public.order_items where session_id = %(s)s and not is_refunded),
events as (
  select v.joined_at as t, 1 as d from public.live_stream_viewers v where v.session_id = %(s)s
  union all
  select coalesce(v.left_at, (select actual_end from s)), -1
    from public.live_stream_viewers v where v.session_id = %(s)s),
running as (select sum(d) over (order by t, d rows unbounded preceding) as n from events),
-- Every flash window the host started (the audit trail keeps them all), ending early when
-- cancelled; the test's windows do not overlap, so their lengths add up.
windows as (
  select pc.flash_starts_at as a,
         coalesce((select min(c.changed_at) from private.price_changes c
                    where c.live_product_id = pc.live_product_id
                      and c.change_kind = 'flash_cancel'
                      and c.flash_starts_at = pc.flash_starts_at), pc.flash_ends_at) as b
    from private.price_changes pc join public.live_products lp on lp.id = pc.live_product_id
   where lp.session_id = %(s)s and pc.change_kind = 'flash_start')
select
  (select sum(line_total) from lines), (select sum(quantity) from lines),
  (select count(distinct order_id) from lines),
  (select coalesce(sum(quantity), 0) from lines where is_flash_price),
  (select coalesce(sum(quantity), 0) from lines where not is_flash_price),
  (select count(*) from public.live_stream_chat where session_id = %(s)s),
  (select count(*) from public.live_stream_chat where session_id = %(s)s and is_hidden),
  (select count(distinct coalesce(user_id::text, hms_peer_id, id::text))
     from public.live_stream_viewers where session_id = %(s)s),
  (select max(n) from running),
  (select actual_end - actual_start from s),
  (select sum(extract(epoch from least(w.b, s.actual_end) - greatest(w.a, s.actual_start))) / 60
     from windows w, s),
  (select count(distinct o.customer_id) from lines l join public.orders o on o.id = l.order_id)
"""


@pytest.mark.asyncio
async def test_the_report_equals_sql_over_the_shows_rows(ws: Workspace) -> None:
    show = await make_show(ws, status="live")
    add_audience(show)
    session = await ShowSession.open(show.server, show.session_id)
    first, second, third = show.items

    await show.buy(first, 2)
    await session.start_flash_sale(first, D("15.00"), 300)
    flash_order = await show.buy(first, 3)
    await show.buy(second)
    await session.cancel_flash_sale()
    refunded = await show.buy(third, 2)
    await show.buy(third, 1)
    ws.owner.execute("select public.record_payment_event(%s, 'paid')", (refunded["order_id"],))
    ws.owner.execute("select public.record_payment_event(%s, 'refunded')",
                     (refunded["order_id"],))
    failed = await show.buy(second, 2)
    ws.owner.execute("select public.record_payment_event(%s, 'failed')", (failed["order_id"],))
    # A second flash window on the same product: its row keeps only this one.
    await session.start_flash_sale(first, D("16.00"), 300)
    await show.buy(first, 1, customer=show.customers[0])  # a returning buyer

    report = await session.end_show()

    (revenue, units, orders, flash_units, regular_units, chat, hidden, unique, peak, duration,
     flash_minutes, buyers) = ws.owner.execute(SQL_FIGURES, {"s": show.session_id}).fetchone()
    assert (report.revenue, report.units, report.orders) == (revenue, units, orders)
    assert (report.flash_units, report.regular_units) == (flash_units, regular_units) == (4, 4)
    assert (report.orders, report.buyers) == (orders, buyers) == (5, 4)
    assert (report.chat_messages, report.hidden_messages) == (chat, hidden) == (7, 1)
    assert (report.unique_viewers, report.peak_viewers) == (unique, peak)
    assert report.duration == duration
    assert report.flash_minutes == D(flash_minutes).quantize(D("0.0001"))
    regular_minutes = D(duration.total_seconds()) / 60 - D(flash_minutes)
    expected_uplift = (D(flash_units) / D(flash_minutes)) / (D(regular_units) / regular_minutes)
    assert report.flash_uplift == expected_uplift.quantize(D("0.0001"))
    assert report.conversion == (D(buyers) / unique).quantize(D("0.0001"))
    rows = ws.owner.execute(
        "select live_product_id::text, sum(quantity), sum(line_total) from public.order_items"
        " where session_id = %s and not is_refunded group by 1", (show.session_id,)).fetchall()
    assert {(p.live_product_id, p.units, p.revenue) for p in report.products} == set(rows)
    # The server's own totals agree once the show's sales are folded in at its end.
    assert show.row("select total_revenue, total_units, total_orders from"
                    " public.live_stream_sessions where id = %s", (show.session_id,)) == (
        revenue, units, orders)
    assert flash_order["items"][0]["unit_price"] == 15.0


def _rows(start: datetime) -> dict[str, Any]:
    show = {"id": "s", "title": "Winter picks", "actual_start": start.isoformat(),
            "actual_end": (start + timedelta(minutes=10)).isoformat()}
    items = [
        {"id": "l1", "order_id": "o1", "live_product_id": "a", "product_name": "A", "quantity": 2,
         "line_total": "20.00", "is_flash_price": True, "is_refunded": False},
        {"id": "l2", "order_id": "o2", "live_product_id": "b", "product_name": "B", "quantity": 1,
         "line_total": "30.00", "is_flash_price": False, "is_refunded": False},
    ]
    products = [{"id": "a", "name": "Scarf", "flash_starts_at": start.isoformat(),
                 "flash_ends_at": (start + timedelta(minutes=2)).isoformat()},
                {"id": "b", "name": "Hat, \"wool\""}]
    viewers = [{"id": "v1", "user_id": "u1", "joined_at": start.isoformat(), "left_at": None}]
    return {"show": show, "viewers": viewers, "order_items": items, "chat": [{"id": "c"}],
            "live_products": products}


def test_csv_export_holds_the_summary_products_and_viewers(tmp_path: Path) -> None:
    start = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    window = {"live_product_id": "a", "starts_at": start.isoformat(),
              "ends_at": (start + timedelta(minutes=2)).isoformat()}
    report = compute_report(**_rows(start), figures={"buyers": 1, "flash_windows": [window]})

    path = write_report_csv(report, tmp_path / "report.csv")

    text = path.read_text(encoding="utf-8-sig")
    assert text == report_csv(report)
    blocks = [list(csv.reader(io.StringIO(b))) for b in text.split("\n\n")]
    summary = dict(blocks[0][1:])
    assert summary["revenue"] == "50.00" and summary["units"] == "3"
    assert summary["duration_seconds"] == "600" and summary["conversion"] == "1.0000"
    assert (summary["orders"], summary["buyers"]) == ("2", "1")
    assert summary["flash_uplift"] == "8.0000"  # 2 units in 2 min against 1 unit in 8 min
    assert blocks[1] == [["product", "live_product_id", "units", "revenue"],
                         ["Hat, \"wool\"", "b", "1", "30.00"], ["Scarf", "a", "2", "20.00"]]
    assert blocks[2][0] == ["minute_starting", "viewers"]
    assert blocks[2][1] == [start.isoformat(), "1"]


def test_a_show_without_sales_or_viewers_has_no_ratios() -> None:
    start = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    rows = _rows(start)
    report = compute_report(rows["show"], [], [], [], [])

    assert (report.revenue, report.units, report.peak_viewers) == (D("0.00"), 0, 0)
    assert report.conversion is None and report.flash_uplift is None
    assert report.viewer_series == () and report.top_products() == ()
    assert "flash_uplift," in report_csv(report)


def test_viewer_curve_counts_a_leave_before_a_join_at_the_same_instant() -> None:
    start = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    viewers = [
        {"id": "1", "joined_at": start, "left_at": start + timedelta(seconds=30)},
        {"id": "2", "joined_at": start + timedelta(seconds=30), "left_at": None},
    ]

    peak, series = viewer_curve(viewers, start, start + timedelta(minutes=3))

    assert peak == 1
    assert series == ((start, 1), (start + timedelta(minutes=1), 1),
                      (start + timedelta(minutes=2), 1), (start + timedelta(minutes=3), 0))
