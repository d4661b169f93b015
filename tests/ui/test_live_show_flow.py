"""A whole show in one flow on the local server: rehearse with a simulated audience, feature a
product, a flash sale that ends on time, orders until a product sells out, the goal bar, the
end of the show, and a report whose every figure equals SQL over the same rows."""

from __future__ import annotations

import os
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from test_live_rehearsal import WAIT, status
from test_live_support import LiveWorld, f, live_world, open_room

from studio.core.money import format_money
from studio.server.request_context import request_transaction
from studio.session.simulator import AudienceConfig
from studio.ui.screens.live.control_room import LiveScreen
from studio.ui.screens.live.report_export import format_ratio

__all__ = ["live_world", "open_room"]
D = Decimal
RATIO = D("0.0001")

# The report's figures, computed by SQL alone over the show's rows (and the price audit trail,
# which keeps every flash window: a product's row keeps only its latest).
REPORT_SQL = """
with s as (select actual_start, actual_end from public.live_stream_sessions where id = %(s)s),
lines as (select oi.*, o.customer_id from public.order_items oi
            join public.orders o on o.id = oi.order_id
           where oi.session_id = %(s)s and not oi.is_refunded),
events as (
  select v.joined_at as t, 1 as d from public.live_stream_viewers v where v.session_id = %(s)s
  union all
  select coalesce(v.left_at, (select actual_end from s)), -1
    from public.live_stream_viewers v where v.session_id = %(s)s),
running as (select sum(d) over (order by t, d rows unbounded preceding) as n from events),
windows as (
  select pc.flash_starts_at as a,
         coalesce((select min(c.changed_at) from private.price_changes c
                    where c.live_product_id = pc.live_product_id
                      and c.change_kind = 'flash_cancel'
                      and c.flash_starts_at = pc.flash_starts_at), pc.flash_ends_at) as b
    from private.price_changes pc join public.live_products lp on lp.id = pc.live_product_id
   where lp.session_id = %(s)s and pc.change_kind = 'flash_start'),
minutes as (
  select extract(epoch from (select actual_end - actual_start from s)) / 60 as show_minutes,
         coalesce((select sum(extract(epoch from least(w.b, s.actual_end)
                                               - greatest(w.a, s.actual_start)))
                     from windows w, s), 0) / 60 as flash_minutes)
select
  (select actual_end - actual_start from s) as duration,
  (select max(n) from running) as peak,
  (select count(distinct coalesce(user_id::text, hms_peer_id, id::text))
     from public.live_stream_viewers where session_id = %(s)s) as unique_viewers,
  (select sum(line_total) from lines) as revenue,
  (select sum(quantity) from lines) as units,
  (select count(distinct order_id) from lines) as orders,
  (select count(distinct customer_id) from lines) as buyers,
  (select count(*) from public.live_stream_chat where session_id = %(s)s) as chat,
  (select coalesce(sum(quantity), 0) from lines where is_flash_price) as flash_units,
  (select coalesce(sum(quantity), 0) from lines where not is_flash_price) as regular_units,
  (select flash_minutes from minutes) as flash_minutes,
  (select show_minutes - flash_minutes from minutes) as regular_minutes,
  (select json_agg(json_build_object('id', p.live_product_id, 'units', p.units,
                                     'revenue', p.revenue)
                   order by p.revenue desc, p.units desc, p.name)
     from (select l.live_product_id, lp.name, sum(l.quantity) as units,
                  sum(l.line_total) as revenue
             from lines l join public.live_products lp on lp.id = l.live_product_id
            group by 1, 2) p) as top_products
"""


def buy(world: LiveWorld, item: str, quantity: int = 1,
        customer: f.Account | None = None) -> f.Account:
    """A customer (a new one unless given) checks out through the real function, as
    themselves."""
    with world.owner.cursor() as cur:
        customer = customer or f.create_customer(cur)
        f.add_to_cart(cur, customer.profile_id, live_product_id=item, quantity=quantity)
    with request_transaction(world.owner, "authenticated", customer.user_id) as cur:
        cur.execute("select public.checkout(%s, null, null)", (str(uuid.uuid4()),))
    return customer


def keep(widget: Any, folder: Path, name: str) -> None:
    """A screenshot for the record (SHOPSTREAM_SCREENSHOTS keeps them)."""
    image = widget.grab()
    folder.mkdir(parents=True, exist_ok=True)
    assert not image.isNull() and image.save(str(folder / f"{name}.png"))


def count(world: LiveWorld, table: str) -> int:
    return world.one(f"select count(*) from public.{table} where session_id = %s",
                     (world.session_id,))


def test_a_whole_rehearsal_from_going_live_to_a_report_that_equals_the_database(
        qtbot: Any, run: Any, wait_until: Any, live_world: LiveWorld, open_room: Any,
        tmp_path: Path) -> None:
    world = live_world
    shots = Path(os.environ.get("SHOPSTREAM_SCREENSHOTS") or tmp_path)
    screen: LiveScreen = open_room((1280, 720))
    scarf, gloves, hat = world.items  # $20.00, $35.00, $12.50; 3 units each
    screen.audience.config = AudienceConfig(viewers=8, chat_rate=2.0, buy_probability=0.0,
                                            duration_s=600.0, seed=11)

    # Go live as a rehearsal: the simulated audience joins and chats.
    wait_until(screen.header.rehearse.isEnabled, WAIT)
    qtbot.mouseClick(screen.header.rehearse, Qt.MouseButton.LeftButton)
    wait_until(lambda: status(world) == "live", WAIT)
    wait_until(lambda: screen.header.state.text() == "◐ Rehearsal", WAIT)
    wait_until(lambda: count(world, "live_stream_viewers") > 0
               and count(world, "live_stream_chat") > 0, WAIT)
    wait_until(lambda: screen.chat.model.rowCount() > 0, WAIT)

    # Feature a product: the card and the queue follow the server.
    screen.feature_product(scarf)
    wait_until(lambda: world.one("select featured_live_product_id::text from"
                                 " public.live_stream_sessions where id = %s",
                                 (world.session_id,)) == scarf, WAIT)
    wait_until(lambda: screen.queue.row_for(scarf).featured
               and screen.card.stock.text() == "3", WAIT)

    # A flash sale on the hat sells at the flash price and ends on time.
    screen.queue.select(hat)
    screen.flash.price.setText("10.00")
    screen.flash.duration.setCurrentText("Custom…")
    screen.flash.custom.setValue(10)  # the shortest sale the server allows
    qtbot.mouseClick(screen.flash.start_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: "left" in screen.flash.countdown.text(), WAIT)
    regular = buy(world, gloves)  # a sale at the regular price meanwhile
    buy(world, hat, 2)
    wait_until(lambda: screen.sales.feed.snapshot.units == 3, WAIT)
    keep(screen, shots, "rehearsal_flash_sale_1280x720")
    wait_until(lambda: any("Flash sale on" in t and "ended" in t
                           for t in screen.notices.texts()), WAIT)
    assert world.one("select flash_ends_at <= now() from public.live_products where id = %s",
                     (hat,))
    wait_until(lambda: screen.queue.row_for(hat).price == "$12.50", WAIT)

    # Orders until the featured scarf sells out; one buyer comes back for a second order.
    buy(world, scarf, 1, customer=regular)
    wait_until(lambda: screen.card.stock.text() == "2", WAIT)
    buy(world, scarf, 2)
    wait_until(lambda: screen.card.stock.text() == "0", WAIT)
    wait_until(lambda: any("is sold out" in t for t in screen.notices.texts()), WAIT)
    assert "SOLD OUT" in screen.card.name.text() and screen.queue.row_for(scarf).sold_out
    keep(screen, shots, "rehearsal_sold_out_1280x720")
    revenue = world.one("select sum(line_total) from public.order_items where session_id = %s",
                        (world.session_id,))
    # $35.00 + 2 × $10.00 + 3 × $20.00: the goal bar moves with every sale.
    assert revenue == D("115.00")
    wait_until(lambda: screen.goal.text.text() == "$115.00 of $2,000.00 this week", WAIT)
    assert screen.goal.bar.value() == 58  # 5.75 %, in tenths
    # The sales panel: 4 orders by 3 buyers (the server counts people; hosts cannot).
    wait_until(lambda: (screen.sales.feed.snapshot.orders,
                        screen.sales.feed.snapshot.buyers) == (4, 3), WAIT)

    # End the show (the audience leaves first) and read its report.
    qtbot.mouseClick(screen.header.end, Qt.MouseButton.LeftButton)
    box = screen.end_confirm
    assert box is not None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    wait_until(lambda: screen.report_dialog is not None, WAIT)
    wait_until(lambda: not screen.audience.running, WAIT)
    assert status(world) == "ended"
    report = screen.report_dialog.report

    sql = dict(zip(
        ("duration", "peak", "unique", "revenue", "units", "orders", "buyers", "chat",
         "flash_units", "regular_units", "flash_minutes", "regular_minutes", "top"),
        world.owner.execute(REPORT_SQL, {"s": world.session_id}).fetchone(), strict=True))
    assert report.duration == sql["duration"]
    assert (report.peak_viewers, report.unique_viewers) == (sql["peak"], sql["unique"])
    assert sql["unique"] >= 1 and sql["chat"] >= 1
    assert (report.revenue, report.units, report.orders) == (
        sql["revenue"], sql["units"], sql["orders"]) == (D("115.00"), 6, 4)
    assert report.buyers == sql["buyers"] == 3  # the returning buyer counts once
    assert report.conversion == (D(sql["buyers"]) / sql["unique"]).quantize(
        RATIO, rounding=ROUND_HALF_UP)
    assert report.chat_messages == sql["chat"]
    assert [(p.live_product_id, p.units, p.revenue) for p in report.top_products()] == [
        (p["id"], p["units"], D(str(p["revenue"]))) for p in sql["top"]]
    assert (report.flash_units, report.regular_units) == (
        sql["flash_units"], sql["regular_units"]) == (2, 4)
    uplift = (D(sql["flash_units"]) / D(sql["flash_minutes"])) / (
        D(sql["regular_units"]) / D(sql["regular_minutes"]))
    assert report.flash_uplift == uplift.quantize(RATIO, rounding=ROUND_HALF_UP)

    # The dialog shows those numbers.
    dialog = screen.report_dialog

    def shown(key: str) -> str:
        return dialog.findChild(QLabel, f"figure_{key}").text()

    assert (shown("revenue"), shown("units"), shown("orders"), shown("buyers")) == (
        format_money(sql["revenue"]), "6", "4", "3")
    assert shown("flash_uplift") == format_ratio(report.flash_uplift)
    dialog.resize(1280, 720)
    keep(dialog, shots, "rehearsal_report_1280x720")
    dialog.close()
