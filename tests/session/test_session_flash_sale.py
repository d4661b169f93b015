"""Flash-sale countdowns: the server's window and clock decide, presets, and ending on time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from session_support import make_show
from test_local_support import Workspace

from studio.core.lineup_rules import LineupLimits
from studio.session.flash_sale import (
    PRESETS,
    CountdownState,
    FlashCountdown,
    FlashWindow,
    ServerClock,
    preset_seconds,
    server_confirms_end,
)
from studio.session.show_session import ShowSession

T0 = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


def window(start: datetime = T0, seconds: int = 60) -> FlashWindow:
    return FlashWindow("item-1", Decimal("9.99"), Decimal("19.99"), start,
                       start + timedelta(seconds=seconds))


def test_the_clock_offset_is_measured_from_the_middle_of_the_round_trip() -> None:
    clock = ServerClock.measure(T0, T0 + timedelta(seconds=31), T0 + timedelta(seconds=2))

    assert clock.offset == timedelta(seconds=30)
    assert clock.now(T0) == T0 + timedelta(seconds=30)


@pytest.mark.parametrize(
    ("sent", "server", "received", "message"),
    [
        (T0, T0, T0 - timedelta(seconds=1), "received_at is before sent_at"),
        (T0.replace(tzinfo=None), T0, T0, "sent_at needs a time zone"),
        (T0, T0.replace(tzinfo=None), T0, "server_time needs a time zone"),
    ],
)
def test_a_bad_measure_is_refused(sent: datetime, server: datetime, received: datetime,
                                  message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerClock.measure(sent, server, received)


def test_the_countdown_follows_the_servers_clock_not_the_local_one() -> None:
    # The server runs 45 s ahead of this machine; the window opened at the server's T0.
    clock = ServerClock(timedelta(seconds=45))
    countdown = FlashCountdown(window(), clock)
    local_at_server_t0 = T0 - timedelta(seconds=45)

    assert countdown.seconds_left(local_at_server_t0) == 60
    assert countdown.seconds_left(local_at_server_t0 + timedelta(seconds=20)) == 40
    # Read by the local clock alone it would still show a minute and more.
    assert countdown.remaining(T0) == timedelta(seconds=15)
    assert countdown.progress(local_at_server_t0 + timedelta(seconds=30)) == 0.5


def test_seconds_left_rounds_up_and_never_goes_below_zero() -> None:
    countdown = FlashCountdown(window(), ServerClock())

    assert countdown.seconds_left(T0 + timedelta(seconds=59, milliseconds=1)) == 1
    assert countdown.seconds_left(T0 + timedelta(minutes=5)) == 0
    assert countdown.progress(T0 + timedelta(minutes=5)) == 1.0


def test_it_ends_on_time_once_and_tells_its_listeners_once() -> None:
    countdown = FlashCountdown(window(), ServerClock())
    ended: list[CountdownState] = []
    countdown.on_end(lambda c: ended.append(c.state))

    assert countdown.tick(T0 + timedelta(seconds=59)) is CountdownState.RUNNING
    assert countdown.tick(T0 + timedelta(seconds=60)) is CountdownState.ENDED
    assert countdown.tick(T0 + timedelta(seconds=61)) is CountdownState.ENDED

    assert ended == [CountdownState.ENDED] and countdown.ended_on_time


def test_a_cancelled_sale_did_not_end_on_time() -> None:
    countdown = FlashCountdown(window(), ServerClock())
    ended: list[CountdownState] = []
    unsubscribe = countdown.on_end(lambda c: ended.append(c.state))
    countdown.on_end(lambda c: ended.append(c.state))
    unsubscribe()

    countdown.cancel()
    countdown.tick(T0 + timedelta(hours=1))

    assert ended == [CountdownState.CANCELLED] and not countdown.ended_on_time
    assert countdown.remaining(T0) == timedelta(0)


def test_a_window_comes_from_the_servers_reply_or_a_cached_row() -> None:
    reply = {"live_product_id": "a", "live_price": 20.0, "flash_price": 15.0,
             "flash_starts_at": "2026-12-03T20:00:00+00:00",
             "flash_ends_at": "2026-12-03T20:01:00+00:00", "duration_seconds": 60}
    cached = {"id": "a", "live_price_cents": 2000, "flash_price_cents": 1500,
              "flash_starts_at": "2026-12-03T20:00:00.000000Z",
              "flash_ends_at": "2026-12-03T20:01:00.000000Z"}

    assert FlashWindow.from_row(reply) == FlashWindow.from_row(cached) == FlashWindow(
        "a", Decimal("15.00"), Decimal("20.00"), T0, T0 + timedelta(minutes=1))
    assert window().is_open(T0) and not window().is_open(T0 + timedelta(seconds=60))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: window(seconds=0), "must end after it starts"),
        (lambda: FlashWindow("a", Decimal(1), None, T0.replace(tzinfo=None), T0),
         "starts_at needs a time zone"),
        (lambda: FlashWindow.from_row({"id": "a", "flash_price": None}), "no flash window"),
    ],
)
def test_bad_windows_are_refused(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("choice", "seconds"),
    [("30 s", 30), ("60 s", 60), ("5 min", 300), ("45", 45), ("45 s", 45), (" 90s ", 90),
     (120, 120), (10, 10), (3600, 3600)],
)
def test_presets_and_custom_durations(choice: str | int, seconds: int) -> None:
    assert preset_seconds(choice) == seconds


@pytest.mark.parametrize(
    ("choice", "message"),
    [(0, "between 10 and 3600 seconds"), (3601, "between 10 and 3600 seconds"),
     ("0", "between 10 and 3600"), ("ten", "Choose 30 s, 60 s, 5 min or a number"),
     (True, "whole number of seconds"), (12.5, "whole number of seconds"),
     ("-5", "Choose 30 s")],
)
def test_bad_durations_are_refused_in_words(choice: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        preset_seconds(choice)  # type: ignore[arg-type]


def test_the_presets_are_the_panels() -> None:
    assert dict(PRESETS) == {"30 s": 30, "60 s": 60, "5 min": 300}


@pytest.mark.asyncio
async def test_a_flash_sale_ends_on_time_on_the_server(ws: Workspace) -> None:
    """A real window, shortened so the test need not wait long: the countdown reaches zero by
    the server's clock, and the server has reverted the price by then."""
    show = await make_show(ws, status="live")
    ws.owner.execute("update private.commerce_settings set min_flash_seconds = 1")
    session = await ShowSession.open(show.server, show.session_id)
    session.limits = LineupLimits(min_flash_seconds=1)
    countdown = await session.start_flash_sale(show.items[0], Decimal("15.00"), 1)
    ended: list[CountdownState] = []
    countdown.on_end(lambda c: ended.append(c.state))

    async with asyncio.timeout(15):
        while countdown.tick() is CountdownState.RUNNING:
            await asyncio.sleep(0.05)
        # The local clock may run a little ahead of the measured offset: the server decides.
        while not server_confirms_end(countdown.window, stats := await show.server.rpc(
                "show_live_stats", {"p_session_id": show.session_id})):
            await asyncio.sleep(0.05)

    assert ended == [CountdownState.ENDED] and countdown.ended_on_time
    product = next(p for p in stats["products"] if p["live_product_id"] == show.items[0])
    assert product["effective_price"] == 20.0
    order = await show.buy(show.items[0])  # bought after the end: the regular price
    assert show.row("select unit_price, is_flash_price from public.order_items"
                    " where order_id = %s", (order["order_id"],)) == (Decimal("20.00"), False)


def test_server_confirms_end_reads_show_live_stats() -> None:
    w = window()
    running = {"flash_sale": {"live_product_id": "item-1"}, "products": []}
    reverted = {"flash_sale": None, "products": [
        {"live_product_id": "item-1", "live_price": 19.99, "effective_price": 19.99}]}
    still_cheap = {"flash_sale": None, "products": [
        {"live_product_id": "item-1", "live_price": 19.99, "effective_price": 9.99}]}

    assert not server_confirms_end(w, running)
    assert server_confirms_end(w, reverted)
    assert not server_confirms_end(w, still_cheap)
    assert not server_confirms_end(w, {"flash_sale": None, "products": []})
