"""Going live with a video room drives the same ShowSession state machine in every mode: the
edge function (Supabase), the host's own 100ms account (local), and no video at all."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hms_mock import HmsMock
from session_support import Show, make_show
from test_local_support import Workspace

from studio.core.show_state import ShowState
from studio.session.errors import SessionError
from studio.session.rooms.client import HmsClient, RetryPolicy
from studio.session.rooms.credentials import HmsCredentials
from studio.session.rooms.errors import RoomError
from studio.session.rooms.providers import (
    DirectRooms,
    EdgeFunctionRooms,
    NoVideoRooms,
    RoomProvider,
    choose_provider,
)
from studio.session.rooms.show_video import ShowVideo
from studio.session.show_session import ShowSession

pytestmark = pytest.mark.asyncio
USER_TOKEN = "user-access-token-of-the-host"
FAST = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02, total_s=10.0)


class VideoFunctions:
    """The host's show server, with the video functions of the rooms migration kept in memory
    (record_show_room, clear_show_room, host_session_credentials)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.rooms: dict[str, dict[str, Any] | None] = {}

    async def rpc(self, function: str, params: Mapping[str, Any] | None = None) -> Any:
        params = dict(params or {})
        show = str(params.get("p_session_id"))
        if function == "record_show_room":
            self.rooms[show] = {"room_id": params["p_room_id"], "codes": params["p_codes"]}
            return None
        if function == "clear_show_room":
            self.rooms[show] = None
            return None
        if function == "host_session_credentials":
            room = self.rooms.get(show) or {}
            return {"session_id": show, "hms_room_id": room.get("room_id")}
        return await self.inner.rpc(function, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def hms() -> Iterator[HmsMock]:
    with HmsMock() as mock:
        yield mock


def provider_for(mode: str, hms: HmsMock, show: Show) -> tuple[RoomProvider, Any]:
    if mode == "edge":
        hms.user_shows[USER_TOKEN] = {show.session_id}

        async def headers() -> dict[str, str]:
            return {"Authorization": f"Bearer {USER_TOKEN}", "apikey": hms.anon_key}

        return EdgeFunctionRooms(hms.root, headers), None
    if mode == "direct":
        server = VideoFunctions(show.server)
        creds = HmsCredentials.checked(hms.access_key, hms.secret, "tpl-1", hms.subdomain)
        client = HmsClient(creds.access_key, creds.secret, base_url=hms.base_url, retry=FAST)
        return DirectRooms(creds, server, client=client), server
    return NoVideoRooms(), None


def show_status(show: Show) -> str:
    return show.one("select status from public.live_stream_sessions where id = %s",
                    (show.session_id,))


@pytest.mark.parametrize("mode", ["edge", "direct", "none"])
async def test_go_live_and_end_drive_the_same_session_in_every_mode(
        ws: Workspace, hms: HmsMock, mode: str) -> None:
    show = await make_show(ws)
    session = await ShowSession.open(show.server, show.session_id)
    provider, server = provider_for(mode, hms, show)
    video = ShowVideo(provider, show.server)
    states: list[ShowState] = []
    session.subscribe(lambda event: states.append(event.session.state))

    await video.go_live(show.session_id, lambda: session.go_live(False), session.title)

    assert session.state is ShowState.LIVE and show_status(show) == "live"
    if mode == "none":
        assert video.room is None and not video.has_video
        assert "Rehearsal without video" in provider.label
        assert hms.requests == []
    else:
        assert video.room is not None
        room = hms.rooms[video.room.room_id]
        assert video.room.codes == room.codes and video.room.host_code
        assert video.room.url_for("host") == (
            f"https://{hms.subdomain}.app.100ms.live/meeting/{room.codes['host']}")
    if mode == "direct":
        assert server.rooms[show.session_id]["codes"] == hms.rooms[video.room.room_id].codes

    room_id = video.room.room_id if video.room else None
    report, problem = await video.end_show(show.session_id, session.end_show)

    assert problem is None
    assert session.state is ShowState.ENDED and show_status(show) == "ended"
    assert report.session_id == show.session_id
    assert states[0] is ShowState.LIVE and states[-1] is ShowState.ENDED
    if room_id is not None:
        assert hms.rooms[room_id].end_bodies[-1]["lock"] is True
        assert not hms.rooms[room_id].enabled
    if mode == "direct":
        assert server.rooms[show.session_id] is None
    assert video.room is None


@pytest.mark.parametrize("mode", ["edge", "direct"])
async def test_a_refused_start_ends_the_room_it_opened(ws: Workspace, hms: HmsMock,
                                                       mode: str) -> None:
    show = await make_show(ws)
    # An unverified host may only rehearse: going live in public is refused by the server.
    ws.owner.execute("update public.influencers set verification_status = 'pending'"
                     " where id = %s", (show.host.profile_id,))
    session = await ShowSession.open(show.server, show.session_id)
    provider, _server = provider_for(mode, hms, show)
    video = ShowVideo(provider, show.server)
    before = show.state()

    with pytest.raises(SessionError, match="Only verified hosts can go live in public"):
        await video.go_live(show.session_id, lambda: session.go_live(False))

    assert show.state() == before and session.state is ShowState.SCHEDULED
    (room,) = hms.rooms.values()
    assert [body["lock"] for body in room.end_bodies] == [True]
    assert video.room is None


@pytest.mark.parametrize("mode", ["edge", "direct"])
async def test_a_refused_room_leaves_the_show_scheduled(ws: Workspace, hms: HmsMock,
                                                        mode: str) -> None:
    show = await make_show(ws)
    session = await ShowSession.open(show.server, show.session_id)
    provider, _server = provider_for(mode, hms, show)
    if mode == "edge":
        hms.user_shows[USER_TOKEN] = set()  # signed in, but not this show's host
        words = "This show is not yours"
    else:
        hms.fail_next("POST", "/rooms", 401)
        words = "refused the access key or app secret"
    before = show.state()

    with pytest.raises(RoomError, match=words):
        await video_go_live(provider, show, session)

    assert show.state() == before and session.state is ShowState.SCHEDULED


async def video_go_live(provider: RoomProvider, show: Show, session: ShowSession) -> None:
    await ShowVideo(provider, show.server).go_live(show.session_id,
                                                   lambda: session.go_live(False))


@pytest.mark.parametrize("mode", ["edge", "direct"])
async def test_restream_and_peers_while_live(ws: Workspace, hms: HmsMock, mode: str) -> None:
    show = await make_show(ws)
    session = await ShowSession.open(show.server, show.session_id)
    provider, _server = provider_for(mode, hms, show)
    video = ShowVideo(provider, show.server)
    with pytest.raises(RoomError, match="Go live first"):
        await video.start_restream(["rtmp://a.rtmp.youtube.com/live2/key"])

    await video.go_live(show.session_id, lambda: session.go_live(False))
    assert video.room is not None
    hms.join(video.room.room_id, "viewer-1")
    await video.start_restream(["rtmp://a.rtmp.youtube.com/live2/key"])
    with pytest.raises(RoomError, match="running already"):
        await video.start_restream(["rtmp://live.twitch.tv/app/key"])
    peers = await video.peers()
    await video.stop_restream()

    assert [p.user_id for p in peers] == ["viewer-1"]
    assert hms.calls("POST", "/external-streams/room/")[0]["rtmp_urls"] == [
        "rtmp://a.rtmp.youtube.com/live2/key"]
    assert hms.rooms[video.room.room_id].stream is None and video.restreaming == []
    with pytest.raises(RoomError, match="No restream is running"):
        await video.stop_restream()


async def test_without_video_restream_is_refused_clearly() -> None:
    video = ShowVideo(NoVideoRooms())
    with pytest.raises(RoomError, match="without video"):
        await video.start_restream(["rtmp://a.rtmp.youtube.com/live2/key"])


@pytest.mark.parametrize(("status", "body", "words"), [
    (401, {"error": "unauthorized", "message": "JWT expired"}, "sign in again"),
    (409, {"error": "ended", "message": "This show has ended"}, "This show has ended"),
    (502, {"error": "hms", "message": "room is disabled"}, "100ms refused: room is disabled"),
    (503, {}, "failed \\(HTTP 503\\)"),
    (404, {"code": "NOT_FOUND", "message": "Requested function was not found"},
     "no hms-rooms function deployed"),
    (404, {"error": "not_found", "message": "Show not found"}, "Show not found"),
])
async def test_edge_function_refusals_read_clearly(hms: HmsMock, status: int,
                                                   body: dict[str, Any], words: str) -> None:
    async def headers() -> dict[str, str]:
        return {"Authorization": f"Bearer {USER_TOKEN}", "apikey": hms.anon_key}

    hms.fail_next("POST", "/functions/v1/hms-rooms", status, body=body)
    rooms = EdgeFunctionRooms(hms.root, headers)
    try:
        with pytest.raises(RoomError, match=words) as caught:
            await rooms.open("00000000-0000-0000-0000-000000000001")
    finally:
        await rooms.aclose()
    assert caught.value.status == status
    assert len(hms.calls("POST", "/functions/v1/hms-rooms")) == 1  # an open is not repeated


async def test_choosing_the_provider() -> None:
    creds = HmsCredentials.checked("ak_1234", "x" * 32, "tpl-1", "shop")

    async def headers() -> dict[str, str]:
        return {}

    edge = choose_provider("supabase", supabase_url="https://p.supabase.co",
                           auth_headers=headers)
    assert isinstance(edge, EdgeFunctionRooms)
    assert edge.url == "https://p.supabase.co/functions/v1/hms-rooms"
    await edge.aclose()
    direct = choose_provider("local", server=object(), credentials=creds)  # type: ignore[arg-type]
    assert isinstance(direct, DirectRooms)
    await direct.aclose()
    assert isinstance(choose_provider("local", server=None, credentials=None), NoVideoRooms)
    with pytest.raises(RoomError, match="address and sign-in"):
        choose_provider("supabase")


@pytest.mark.parametrize("mode", ["edge", "direct"])
async def test_after_a_restart_the_live_show_finds_the_same_room(ws: Workspace, hms: HmsMock,
                                                                 mode: str) -> None:
    show = await make_show(ws)
    session = await ShowSession.open(show.server, show.session_id)
    provider, _server = provider_for(mode, hms, show)
    first = ShowVideo(provider, show.server)
    await first.go_live(show.session_id, lambda: session.go_live(False))

    again = ShowVideo(provider, show.server)  # the studio restarted: nothing remembered
    room = await again.resume(show.session_id)

    assert room == first.room and len(hms.rooms) == 1
    await again.start_restream(["rtmp://a.rtmp.youtube.com/live2/key"])
    assert hms.rooms[room.room_id].stream is not None


@pytest.mark.parametrize("mode", ["edge", "direct"])
async def test_going_live_again_after_a_refused_start_reopens_the_room(
        ws: Workspace, hms: HmsMock, mode: str) -> None:
    show = await make_show(ws)
    ws.owner.execute("update public.influencers set verification_status = 'pending'"
                     " where id = %s", (show.host.profile_id,))
    session = await ShowSession.open(show.server, show.session_id)
    provider, _server = provider_for(mode, hms, show)
    video = ShowVideo(provider, show.server)
    with pytest.raises(SessionError, match="Only verified hosts"):
        await video.go_live(show.session_id, lambda: session.go_live(False))
    ws.owner.execute("update public.influencers set verification_status = 'verified'"
                     " where id = %s", (show.host.profile_id,))

    await video.go_live(show.session_id, lambda: session.go_live(False))

    assert session.state is ShowState.LIVE and video.room is not None
    assert len(hms.rooms) == 1 and hms.rooms[video.room.room_id].enabled


async def test_ending_a_room_nobody_joined_locks_it(ws: Workspace, hms: HmsMock) -> None:
    show = await make_show(ws)
    session = await ShowSession.open(show.server, show.session_id)
    provider, server = provider_for("direct", hms, show)
    video = ShowVideo(provider, show.server)
    await video.go_live(show.session_id, lambda: session.go_live(False))
    room = hms.rooms[video.room.room_id]
    room.active = False  # nobody ever joined: 100ms has no session to end

    _report, problem = await video.end_show(show.session_id, session.end_show)

    assert problem is None and not room.enabled
    assert server.rooms[show.session_id] is None


async def test_the_restream_of_the_own_account_names_a_viewer_page(ws: Workspace,
                                                                   hms: HmsMock) -> None:
    show = await make_show(ws)
    session = await ShowSession.open(show.server, show.session_id)
    provider, _server = provider_for("direct", hms, show)
    video = ShowVideo(provider, show.server)
    await video.go_live(show.session_id, lambda: session.go_live(False))

    await video.start_restream(["rtmp://live.twitch.tv/app/key"])

    (body,) = hms.calls("POST", "/external-streams/room/")
    assert body["meeting_url"] == (f"https://{hms.subdomain}.app.100ms.live/preview/"
                                   f"{video.room.room_id}/viewer?skip_preview=true")


@pytest.mark.parametrize(("roles", "words"), [
    ({"host": "hst-1", "co-host": "coh-1"}, 'no "viewer" role'),
    ({"viewer": "vwr-1"}, 'no "host" role'),
])
async def test_a_template_without_host_or_viewer_is_refused_clearly(
        ws: Workspace, hms: HmsMock, roles: dict[str, str], words: str) -> None:
    show = await make_show(ws)
    session = await ShowSession.open(show.server, show.session_id)
    provider, server = provider_for("direct", hms, show)
    hms.fail_next("POST", "/room-codes/room/", 200, body={"data": [
        {"code": code, "role": role, "enabled": True} for role, code in roles.items()]})
    before = show.state()

    with pytest.raises(RoomError, match=words):
        await ShowVideo(provider, show.server).go_live(show.session_id,
                                                       lambda: session.go_live(False))

    assert show.state() == before and show.session_id not in server.rooms
