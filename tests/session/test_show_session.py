"""ShowSession against the local server: going live, featuring, flash sales, ending, refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from session_support import Show, make_show
from test_local_support import Workspace

from studio.core.show_state import ShowState
from studio.session.errors import SessionError, from_backend
from studio.session.show_session import SessionEvent, ShowSession, find_running_show
from studio.sync.backend import BackendError

pytestmark = pytest.mark.asyncio


async def opened(ws: Workspace, status: str = "scheduled") -> tuple[Show, ShowSession]:
    show = await make_show(ws, status=status)
    return show, await ShowSession.open(show.server, show.session_id)


async def test_go_live_as_a_rehearsal_starts_the_show_on_the_server(ws: Workspace) -> None:
    show, session = await opened(ws)
    events: list[SessionEvent] = []
    session.subscribe(events.append)

    await session.go_live(rehearsal=True)

    assert show.row("select status, is_rehearsal from public.live_stream_sessions where id = %s",
                    (show.session_id,)) == ("live", True)
    assert session.state is ShowState.LIVE and session.is_rehearsal
    assert [e.id for e in session.lineup] == show.items
    assert "state" in [e.kind for e in events]


async def test_going_live_in_public_keeps_the_show_public(ws: Workspace) -> None:
    show, session = await opened(ws)

    await session.go_live(rehearsal=False)

    assert show.row("select status, is_rehearsal from public.live_stream_sessions where id = %s",
                    (show.session_id,)) == ("live", False)


async def test_a_refused_start_puts_the_rehearsal_flag_back(ws: Workspace) -> None:
    show, session = await opened(ws)
    # An unverified host may only rehearse: going live in public is refused by the server...
    show.ws.owner.execute(
        "update public.influencers set verification_status = 'pending' where id = %s",
        (show.host.profile_id,))
    show.ws.owner.execute("update public.live_stream_sessions set is_rehearsal = true"
                          " where id = %s", (show.session_id,))
    session = await ShowSession.open(show.server, show.session_id)
    before = show.state()

    with pytest.raises(SessionError, match="Only verified hosts can go live in public"):
        await session.go_live(rehearsal=False)

    # ...after the flag was switched to public for the attempt: it is a rehearsal again.
    assert show.state() == before
    assert session.state is ShowState.SCHEDULED and session.is_rehearsal


@pytest.mark.parametrize("status", ["ended", "cancelled"])
async def test_going_live_again_is_refused_in_words(ws: Workspace, status: str) -> None:
    show, session = await opened(ws, status=status)
    before = show.state()

    with pytest.raises(SessionError, match=r"Cannot go live with this show: it (has already "
                                           r"ended|was cancelled)") as refused:
        await session.go_live(rehearsal=True)

    assert refused.value.field == "show"
    assert show.state() == before


async def test_ending_a_show_that_is_not_live_is_refused_and_changes_nothing(
        ws: Workspace) -> None:
    show, session = await opened(ws)
    before = show.state()

    with pytest.raises(SessionError, match="Cannot end this show: it has not gone live yet"):
        await session.end_show()

    assert show.state() == before and session.state is ShowState.SCHEDULED


async def test_a_stale_session_gets_the_servers_refusal_in_words(ws: Workspace) -> None:
    show, session = await opened(ws, status="live")
    # Ended elsewhere (another device) after this session was opened.
    show.ws.owner.execute("update public.live_stream_sessions set status = 'ended'"
                          " where id = %s", (show.session_id,))
    before = show.state()

    with pytest.raises(SessionError, match="Cannot end the show: it is ended") as refused:
        await session.end_show()

    assert refused.value.sqlstate == "55000"
    assert show.state() == before and session.state is ShowState.LIVE


async def test_feature_next_and_previous_follow_the_lineup(ws: Workspace) -> None:
    show, session = await opened(ws, status="live")
    first, second, third = show.items
    featured = lambda: show.one(  # noqa: E731
        "select featured_live_product_id::text from public.live_stream_sessions where id = %s",
        (show.session_id,))

    assert (await session.next()).id == first and featured() == first
    assert (await session.next()).id == second and featured() == second
    await session.feature(third)
    assert featured() == third and session.featured_id == third
    with pytest.raises(SessionError, match="Already at the last product"):
        await session.next()
    assert featured() == third
    assert (await session.previous()).id == second and featured() == second
    await session.feature(None)
    assert featured() is None and session.featured_id is None
    assert (await session.previous()).id == third


async def test_featuring_a_product_of_another_show_is_refused_and_changes_nothing(
        ws: Workspace) -> None:
    show, session = await opened(ws, status="live")
    await session.feature(show.items[0])
    before = show.state()

    with pytest.raises(SessionError, match="not in this show's lineup") as refused:
        await session.feature(show.other_item)

    assert refused.value.field == "live_product"
    assert show.state() == before and session.featured_id == show.items[0]


async def test_the_server_refuses_another_shows_product_in_words_too(ws: Workspace) -> None:
    show = await make_show(ws, status="live")
    before = show.state()

    with pytest.raises(BackendError) as raw:
        await show.server.rpc("feature_live_product", {
            "p_session_id": show.session_id, "p_live_product_id": show.other_item})

    refused = from_backend(raw.value)
    assert refused.field == "live_product"
    assert refused.message.endswith("belongs to another show")
    assert show.state() == before


async def test_a_flash_sale_runs_on_the_servers_window(ws: Workspace) -> None:
    show, session = await opened(ws, status="live")
    events: list[str] = []
    session.subscribe(lambda e: events.append(e.kind))

    countdown = await session.start_flash_sale(show.items[0], Decimal("15.00"), 60)

    starts, ends, price = show.row(
        "select flash_starts_at, flash_ends_at, flash_price from public.live_products"
        " where id = %s", (show.items[0],))
    assert (countdown.window.starts_at, countdown.window.ends_at) == (starts, ends)
    assert countdown.window.duration == timedelta(seconds=60)
    assert price == Decimal("15.00") and countdown.window.flash_price == Decimal("15.00")
    # At the server's start of the window the countdown reads the full minute.
    assert countdown.seconds_left(countdown.window.starts_at - session.clock.offset) == 60
    assert countdown.state == "running"
    assert session.current_flash() is countdown and events[-1] == "flash_started"


async def test_cancelling_the_flash_sale_reverts_the_price_on_the_server(ws: Workspace) -> None:
    show, session = await opened(ws, status="live")
    countdown = await session.start_flash_sale(show.items[1], "30.00", 300)

    await session.cancel_flash_sale()

    stats = await show.server.rpc("show_live_stats", {"p_session_id": show.session_id})
    assert stats["flash_sale"] is None
    product = next(p for p in stats["products"] if p["live_product_id"] == show.items[1])
    assert product["effective_price"] == product["live_price"] == 35.0
    assert countdown.state == "cancelled" and not countdown.ended_on_time
    assert session.current_flash() is None
    with pytest.raises(SessionError, match="No flash sale is running"):
        await session.cancel_flash_sale()


@pytest.mark.parametrize(
    ("price", "duration", "field", "message"),
    [
        (Decimal("25.00"), 60, "flash_price", r"Flash price \$25.00 must be below the live "
                                               r"price \$20.00"),
        (Decimal("20.00"), 60, "flash_price", "must be below the live price"),
        (Decimal("15.00"), 0, "flash_duration", "between 10 and 3600 seconds"),
        (Decimal("15.00"), 3601, "flash_duration", "between 10 and 3600 seconds"),
        (Decimal("-1.00"), 60, "flash_price", "cannot be negative"),
        (Decimal("15.001"), 60, "flash_price", "more than 2 decimal places"),
        ("fifteen", 60, "flash_price", "Flash price: Not a price: 'fifteen'"),
        (Decimal("15.00"), 60.5, "flash_duration", "whole number of seconds"),
        (Decimal("15.00"), True, "flash_duration", "whole number of seconds"),
    ],
)
async def test_bad_flash_sales_are_refused_before_sending_and_change_nothing(
        ws: Workspace, price: object, duration: object, field: str, message: str) -> None:
    show, session = await opened(ws, status="live")
    before = show.state()

    with pytest.raises(SessionError, match=message) as refused:
        await session.start_flash_sale(show.items[0], price, duration)  # type: ignore[arg-type]

    assert refused.value.field == field and refused.value.sqlstate is None  # never sent
    assert show.state() == before and session.flash is None


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"p_flash_price": 25, "p_duration_seconds": 60}, "flash_price",
         r"The flash price must be below the regular price \(20.00\)"),
        ({"p_flash_price": 15, "p_duration_seconds": 0}, "flash_duration",
         "A flash sale lasts between 10 and 3600 seconds"),
    ],
)
async def test_the_servers_own_flash_refusals_read_the_same(
        ws: Workspace, params: dict[str, object], field: str, message: str) -> None:
    show = await make_show(ws, status="live")
    before = show.state()

    with pytest.raises(BackendError) as raw:
        await show.server.rpc("start_flash_sale", {"p_live_product_id": show.items[0], **params})

    refused = from_backend(raw.value)
    assert re.fullmatch(message, refused.message)
    assert refused.field == field and refused.sqlstate == "22023"
    assert show.state() == before


async def test_flash_sale_of_another_shows_product_is_refused(ws: Workspace) -> None:
    show, session = await opened(ws, status="live")
    before = show.state()

    with pytest.raises(SessionError, match="not in this show's lineup"):
        await session.start_flash_sale(show.other_item, Decimal("5.00"), 60)

    assert show.state() == before


async def test_one_flash_sale_at_a_time(ws: Workspace) -> None:
    show, session = await opened(ws, status="live")
    await session.start_flash_sale(show.items[0], Decimal("15.00"), 60)
    before = show.state()

    with pytest.raises(SessionError, match="already running on Live item"):
        await session.start_flash_sale(show.items[1], Decimal("30.00"), 60)

    assert show.state() == before


async def test_actions_need_a_live_show(ws: Workspace) -> None:
    show, session = await opened(ws)
    before = show.state()

    for action in (lambda: session.feature(show.items[0]), session.next,
                   lambda: session.start_flash_sale(show.items[0], Decimal("1.00"), 60),
                   session.cancel_flash_sale):
        with pytest.raises(SessionError, match=r"Go live before .* \(the show is scheduled\)"):
            await action()

    assert show.state() == before


async def test_a_draft_show_cannot_go_live(ws: Workspace) -> None:
    show = await make_show(ws)
    # Planned offline: in the cache, not on the server, no session code yet.
    planned = {"id": "00000000-0000-4000-8000-00000000d4af", "influencer_id":
               show.host.profile_id, "title": "Planned offline", "status": "scheduled",
               "session_code": None, "is_rehearsal": False}

    session = await ShowSession.open(show.server, planned["id"], cached=planned)
    before = show.state()

    with pytest.raises(SessionError, match="it has not reached the server yet"):
        await session.go_live(rehearsal=True)
    with pytest.raises(SessionError, match="does not exist"):
        await ShowSession.open(show.server, planned["id"])

    assert session.state is ShowState.DRAFT and show.state() == before


async def test_end_show_ends_it_and_returns_the_report(ws: Workspace) -> None:
    show, session = await opened(ws, status="live")
    await session.start_flash_sale(show.items[0], Decimal("15.00"), 60)
    await show.buy(show.items[0], 2)

    report = await session.end_show()

    assert show.row("select status from public.live_stream_sessions where id = %s",
                    (show.session_id,)) == ("ended",)
    assert session.state is ShowState.ENDED and session.flash is None
    assert (report.units, report.revenue, report.orders) == (2, Decimal("30.00"), 1)
    assert report.flash_units == 2


async def test_reopening_after_a_restart_finds_the_live_show_as_it_was(ws: Workspace) -> None:
    show, session = await opened(ws)
    await session.go_live(rehearsal=False)
    await session.feature(show.items[1])
    countdown = await session.start_flash_sale(show.items[2], Decimal("10.00"), 300)

    running = await find_running_show(show.server, show.host.profile_id)
    assert running is not None and str(running["id"]) == show.session_id
    again = await ShowSession.open(show.server, str(running["id"]))

    assert again.state is ShowState.LIVE and again.featured_id == show.items[1]
    flash = again.current_flash()
    assert flash is not None and flash.window == countdown.window


async def test_no_running_show_is_none_and_a_bad_source_is_refused(ws: Workspace) -> None:
    show = await make_show(ws)
    show.ws.owner.execute("update public.live_stream_sessions set status = 'ended'"
                          " where id = %s", (show.other_show,))

    assert await find_running_show(show.server, show.host.profile_id) is None
    with pytest.raises(TypeError, match="needs a show server or the cache"):
        await find_running_show(object(), show.host.profile_id)  # type: ignore[arg-type]
