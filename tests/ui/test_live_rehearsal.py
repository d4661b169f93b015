"""The control room during a show on the local server: the Rehearse button with its simulated
audience, and sales arriving through realtime (product card, goal bar, sold-out toast)."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from test_live_support import LiveWorld, f, live_world, open_room

from studio.server.demo_accounts import DEMO_PASSWORD, DEMO_PASSWORD_BCRYPT
from studio.session.simulator import AudienceConfig
from studio.sync.local.backend import LocalBackend
from studio.ui.screens.live.control_room import LiveScreen

__all__ = ["live_world", "open_room"]
WAIT = 60.0


def status(world: LiveWorld) -> str:
    return world.one("select status::text from public.live_stream_sessions where id = %s",
                     (world.session_id,))


def buy(run, world: LiveWorld, item: str, quantity: int) -> None:
    """A new customer buys through the real checkout function, as themselves."""
    with world.owner.cursor() as cur:
        customer = f.create_customer(cur)
        f.add_to_cart(cur, customer.profile_id, live_product_id=item, quantity=quantity)
    email = world.one("update auth.users set encrypted_password = %s where id = %s"
                      " returning email", (DEMO_PASSWORD_BCRYPT, customer.user_id))
    backend = LocalBackend(world.conninfo)
    try:
        run(backend.sign_in(email, DEMO_PASSWORD), timeout=WAIT)
        run(backend.rpc("checkout", {"p_idempotency_key": str(uuid.uuid4())}), timeout=WAIT)
    finally:
        run(backend.close(), timeout=WAIT)


def test_rehearse_starts_the_show_and_a_simulated_audience_that_stops_on_request(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen: LiveScreen = open_room()
    screen.audience.config = AudienceConfig(viewers=4, chat_rate=1.0, buy_probability=0.0,
                                            duration_s=120.0, seed=3)
    assert screen.header.rehearse.isVisible()
    wait_until(screen.header.rehearse.isEnabled, WAIT)
    qtbot.mouseClick(screen.header.rehearse, Qt.MouseButton.LeftButton)
    wait_until(lambda: status(live_world) == "live", WAIT)
    wait_until(lambda: screen.audience.last is not None
               and screen.audience.last.state == "running", WAIT)
    wait_until(lambda: "watching" in screen.header.audience.text(), WAIT)
    assert screen.header.state.text() == "◐ Rehearsal"
    # It went live as Go live does: the video panel says where video comes from (here none).
    assert screen.video.mode.text().startswith("▢ Rehearsal without video")
    assert screen.header.stop_audience.isEnabled()
    assert not screen.header.rehearse.isEnabled()
    wait_until(lambda: live_world.one(
        "select count(*) from public.live_stream_viewers where session_id = %s",
        (live_world.session_id,)) > 0, WAIT)

    qtbot.mouseClick(screen.header.stop_audience, Qt.MouseButton.LeftButton)
    wait_until(lambda: not screen.audience.running, WAIT)
    run(screen.wait_idle(), timeout=WAIT)
    assert screen.header.audience.text().startswith("Simulated audience: finished")
    assert not screen.header.stop_audience.isEnabled()
    assert live_world.one("select count(*) from public.live_stream_viewers where session_id = %s"
                          " and left_at is null", (live_world.session_id,)) == 0


def test_sales_move_the_card_and_the_goal_bar_and_a_sold_out_product_raises_a_toast(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen: LiveScreen = open_room()
    assert screen.goal.text.text() == "$0.00 of $2,000.00 this week"
    qtbot.mouseClick(screen.header.go_live, Qt.MouseButton.LeftButton)
    wait_until(lambda: status(live_world) == "live", WAIT)
    run(screen.wait_idle(), timeout=WAIT)
    item = live_world.items[0]
    screen.feature_product(item)
    wait_until(lambda: screen.card.stock.text() == "3", WAIT)

    buy(run, live_world, item, 1)
    # The lineup row (published by the server) and the order line may arrive in either order.
    wait_until(lambda: (screen.card.sold.text(), screen.card.stock.text(),
                        screen.card.revenue.text()) == ("1", "2", "$20.00"), WAIT)
    wait_until(lambda: screen.goal.text.text() == "$20.00 of $2,000.00 this week", WAIT)
    assert screen.goal.bar.value() == 10  # 1.0 %, in tenths

    buy(run, live_world, item, 2)
    wait_until(lambda: screen.card.stock.text() == "0", WAIT)
    wait_until(lambda: any("is sold out" in t for t in screen.notices.texts()), WAIT)
    assert "SOLD OUT" in screen.card.name.text()
    row = screen.queue.row_for(item)
    assert row is not None and row.sold_out and "3 / 3 sold" in row.text()
    wait_until(lambda: screen.goal.text.text() == "$60.00 of $2,000.00 this week", WAIT)


def test_reaching_the_goal_raises_a_toast_once(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen: LiveScreen = open_room()
    qtbot.mouseClick(screen.header.go_live, Qt.MouseButton.LeftButton)
    wait_until(lambda: status(live_world) == "live", WAIT)
    run(screen.wait_idle(), timeout=WAIT)
    live_world.owner.execute("update public.influencer_goals set target_value = 30"
                             " where id = %s", (live_world.goal_id,))
    wait_until(lambda: screen.goal.text.text() == "$0.00 of $30.00 this week", WAIT)
    buy(run, live_world, live_world.items[0], 2)
    wait_until(lambda: "goal reached" in screen.goal.text.text(), WAIT)
    assert screen.goal.bar.value() == screen.goal.bar.maximum()
    wait_until(lambda: any("Goal reached" in t for t in screen.notices.texts()), WAIT)
    buy(run, live_world, live_world.items[1], 1)
    wait_until(lambda: screen.goal.text.text().startswith("$75.00 of $30.00"), WAIT)
    assert sum("Goal reached" in t for t in screen.notices.texts()) == 1


def test_a_flash_sale_ends_on_time_with_a_toast_and_the_regular_price(
        qtbot, run, wait_until, live_world, open_room) -> None:
    screen: LiveScreen = open_room()
    qtbot.mouseClick(screen.header.go_live, Qt.MouseButton.LeftButton)
    wait_until(lambda: status(live_world) == "live", WAIT)
    run(screen.wait_idle(), timeout=WAIT)
    item = live_world.items[2]
    screen.queue.select(item)
    screen.flash.duration.setCurrentText("Custom…")
    screen.flash.custom.setValue(10)  # the shortest sale the server allows
    qtbot.mouseClick(screen.flash.start_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: "left" in screen.flash.countdown.text(), WAIT)
    assert screen.queue.row_for(item).price.startswith("⚡ $10.00")
    wait_until(lambda: any("Flash sale on" in t and "ended" in t
                           for t in screen.notices.texts()), WAIT)
    assert live_world.one("select flash_ends_at <= now() from public.live_products"
                          " where id = %s", (item,))
    wait_until(lambda: screen.queue.row_for(item).price == "$12.50", WAIT)
    assert screen.flash.countdown.text() == "No flash sale running"
