"""The host's own 100ms account against the real local schema: the room and its codes are
recorded on the show (record_show_room), cleared when it ends, and co-hosts get their own code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hms_mock import HmsMock
from session_support import Show, make_show
from test_local_support import Workspace, f

from studio.core.show_state import ShowState
from studio.session.errors import SessionError
from studio.session.rooms.client import HmsClient, RetryPolicy
from studio.session.rooms.credentials import HmsCredentials
from studio.session.rooms.errors import RoomError
from studio.session.rooms.providers import DirectRooms
from studio.session.rooms.show_video import ShowVideo
from studio.session.show_session import ShowSession
from studio.sync.backend import PermissionDenied

pytestmark = pytest.mark.asyncio
FAST = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02, total_s=10.0)


@pytest.fixture
def hms() -> Iterator[HmsMock]:
    with HmsMock() as mock:
        yield mock


def own_account(hms: HmsMock, show: Show) -> DirectRooms:
    creds = HmsCredentials.checked(hms.access_key, hms.secret, "tpl-1", hms.subdomain)
    client = HmsClient(creds.access_key, creds.secret, base_url=hms.base_url, retry=FAST)
    return DirectRooms(creds, show.server, client=client)


def recorded(show: Show) -> tuple[str | None, str | None, str | None]:
    return show.row("select hms_room_id, hms_host_room_code, hms_viewer_room_code"
                    " from public.live_stream_sessions where id = %s", (show.session_id,))


async def test_the_room_is_recorded_on_the_show_and_cleared_at_its_end(
        ws: Workspace, hms: HmsMock) -> None:
    show = await make_show(ws)
    session = await ShowSession.open(show.server, show.session_id)
    video = ShowVideo(own_account(hms, show), show.server)

    await video.go_live(show.session_id, lambda: session.go_live(False))

    room = hms.rooms[video.room.room_id]
    assert recorded(show) == (room.id, room.codes["host"], room.codes["viewer"])
    creds = await show.server.rpc("host_session_credentials", {"p_session_id": show.session_id})
    assert creds["hms_room_id"] == room.id

    _report, problem = await video.end_show(show.session_id, session.end_show)

    assert problem is None and session.state is ShowState.ENDED
    assert recorded(show) == (None, None, None)
    assert room.end_bodies[-1]["lock"] is True


async def test_an_unverified_host_cannot_record_a_public_room(ws: Workspace,
                                                              hms: HmsMock) -> None:
    show = await make_show(ws)
    ws.owner.execute("update public.influencers set verification_status = 'pending'"
                     " where id = %s", (show.host.profile_id,))
    session = await ShowSession.open(show.server, show.session_id)
    before, room_before = show.state(), recorded(show)

    with pytest.raises(SessionError, match="Only verified hosts can go live in public"):
        await ShowVideo(own_account(hms, show), show.server).go_live(
            show.session_id, lambda: session.go_live(False))

    assert show.state() == before and recorded(show) == room_before


async def test_a_cohost_reads_only_their_own_code(ws: Workspace, hms: HmsMock) -> None:
    show = await make_show(ws)
    with ws.cursor() as cur:
        guest = f.create_influencer(cur)
    guest_backend = await ws.signed_in(guest)
    session = await ShowSession.open(show.server, show.session_id)
    video = ShowVideo(own_account(hms, show), show.server)
    await video.invite_cohost(show.session_id, guest.profile_id)
    await video.go_live(show.session_id, lambda: session.go_live(False))
    room = hms.rooms[video.room.room_id]
    guest_video = ShowVideo(own_account(hms, show), _Server(guest_backend))

    assert await guest_video.my_cohost_code(show.session_id) == room.codes["co-host"]
    with pytest.raises(PermissionDenied, match="only the host of this show"):
        await guest_backend.rpc("host_session_credentials", {"p_session_id": show.session_id})

    await video.remove_cohost(show.session_id, guest.profile_id)
    with pytest.raises(SessionError, match="You are not a co-host of this show"):
        await guest_video.my_cohost_code(show.session_id)


async def test_cohost_input_is_checked_before_anything_is_sent(ws: Workspace,
                                                               hms: HmsMock) -> None:
    show = await make_show(ws)
    video = ShowVideo(own_account(hms, show), show.server)
    with pytest.raises(RoomError, match="Choose a co-host first"):
        await video.invite_cohost(show.session_id, "not-a-uuid")
    with pytest.raises(SessionError, match="The host of a show cannot be its co-host"):
        await video.invite_cohost(show.session_id, show.host.profile_id)
    assert ws.one("select count(*) from public.live_session_cohosts") == 0


class _Server:
    """A co-host's server: only its functions are needed here."""

    def __init__(self, backend: object) -> None:
        self.backend = backend

    async def rpc(self, function: str, params: object = None) -> object:
        return await self.backend.rpc(function, params)  # type: ignore[attr-defined]


async def test_a_template_without_a_cohost_role_still_opens_the_room(ws: Workspace,
                                                                     hms: HmsMock) -> None:
    show = await make_show(ws)
    session = await ShowSession.open(show.server, show.session_id)
    hms.fail_next("POST", "/room-codes/room/", 200, body={"data": [
        {"code": "hst-aaaa-bbb", "role": "host", "enabled": True},
        {"code": "vwr-cccc-ddd", "role": "viewer", "enabled": True}]})
    video = ShowVideo(own_account(hms, show), show.server)

    await video.go_live(show.session_id, lambda: session.go_live(False))

    assert video.room.codes == {"host": "hst-aaaa-bbb", "viewer": "vwr-cccc-ddd"}
    assert recorded(show)[1:] == ("hst-aaaa-bbb", "vwr-cccc-ddd")
