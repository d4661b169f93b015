"""Where a show's video room comes from: the project's edge function (Supabase), the host's own
100ms account (local workspace, keyring credentials), or nowhere (a rehearsal without video).
All three answer the same `RoomProvider` protocol, so going live is the same in every mode."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote

import httpx

from studio.session.errors import from_backend, is_backend_error
from studio.session.ports import ShowServer
from studio.session.rooms.client import HmsClient, HmsError
from studio.session.rooms.credentials import HmsCredentials
from studio.session.rooms.errors import RoomError
from studio.session.rooms.models import ROLES, Peer, RoomInfo, check_rtmp_urls

log = logging.getLogger(__name__)

EDGE_FUNCTION = "hms-rooms"
NO_VIDEO = ("Rehearsal without video: no 100ms account is set up for this workspace "
            "(add one in Settings › Video)")


@runtime_checkable
class RoomProvider(Protocol):
    """Opens, ends and reads a show's room. `label` says to the host where video comes from."""

    kind: str
    label: str
    has_video: bool

    async def open(self, show_id: str, title: str = "") -> RoomInfo | None: ...

    async def end(self, show_id: str) -> None: ...

    async def peers(self, show_id: str) -> list[Peer]: ...

    async def restream_start(self, show_id: str, rtmp_urls: list[str]) -> None: ...

    async def restream_stop(self, show_id: str) -> None: ...

    async def aclose(self) -> None: ...


# ---------------------------------------------------------------------- no video
class NoVideoRooms:
    """No room at all: the show runs as a rehearsal without video and says so."""

    kind = "none"
    label = NO_VIDEO
    has_video = False

    async def open(self, show_id: str, title: str = "") -> RoomInfo | None:
        return None

    async def end(self, show_id: str) -> None:
        return None

    async def peers(self, show_id: str) -> list[Peer]:
        return []

    async def restream_start(self, show_id: str, rtmp_urls: list[str]) -> None:
        raise RoomError(f"No restream: {NO_VIDEO[0].lower()}{NO_VIDEO[1:]}", code="no_video")

    async def restream_stop(self, show_id: str) -> None:
        raise RoomError("No restream is running (this show has no video)", code="no_video")

    async def aclose(self) -> None:
        return None


# ---------------------------------------------------------------------- the edge function
AuthHeaders = Callable[[], Awaitable[Mapping[str, str]]]


class EdgeFunctionRooms:
    """The project's `hms-rooms` edge function: the 100ms secret stays on the server, which
    checks that the caller hosts the show and records the room on it."""

    kind = "edge"
    label = "Video through your ShopStream project (100ms)"
    has_video = True

    def __init__(self, supabase_url: str, auth_headers: AuthHeaders, *,
                 http: httpx.AsyncClient | None = None, timeout_s: float = 30.0) -> None:
        self.url = f"{supabase_url.rstrip('/')}/functions/v1/{EDGE_FUNCTION}"
        self._auth = auth_headers
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=5.0))

    async def _call(self, action: str, show_id: str, **extra: Any) -> Any:
        if not show_id:
            raise RoomError("Choose a show first", code="bad_input")
        headers = {**await self._auth(), "Content-Type": "application/json"}
        body = {"action": action, "show_id": show_id, **extra}
        attempts = 2 if action == "peers" else 1  # only a read is repeated
        for attempt in range(1, attempts + 1):
            try:
                response = await self._http.post(self.url, json=body, headers=headers)
            except httpx.TransportError as exc:
                if attempt < attempts:
                    continue
                raise RoomError(f"Could not reach the video service ({type(exc).__name__})",
                                code="network", retryable=True) from None
            if response.is_success:
                try:
                    return response.json()
                except ValueError:
                    raise RoomError("The video service answered with something that is not "
                                    "JSON", code="bad_reply") from None
            if response.status_code >= 500 and attempt < attempts:
                continue
            raise _edge_error(response)
        raise AssertionError("unreachable")

    async def open(self, show_id: str, title: str = "") -> RoomInfo | None:
        return RoomInfo.from_reply(await self._call("open", show_id))

    async def end(self, show_id: str) -> None:
        await self._call("end", show_id)

    async def peers(self, show_id: str) -> list[Peer]:
        reply = await self._call("peers", show_id)
        rows = reply.get("peers") if isinstance(reply, Mapping) else None
        if not isinstance(rows, list):
            raise RoomError("The video service answered without a list of peers",
                            code="bad_reply")
        return [Peer.from_row(r) for r in rows if isinstance(r, Mapping)]

    async def restream_start(self, show_id: str, rtmp_urls: list[str]) -> None:
        await self._call("restream_start", show_id, rtmp_urls=check_rtmp_urls(rtmp_urls))

    async def restream_stop(self, show_id: str) -> None:
        await self._call("restream_stop", show_id)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()


def _edge_error(response: httpx.Response) -> RoomError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, Mapping) else {}
    code = str(body.get("error") or "refused")
    said = str(body.get("message") or "").strip()[:300]
    status = response.status_code
    if status == 401:
        text = "The video service did not accept your sign-in; sign in again (Settings)"
    elif status == 403:
        text = said or "Only the host of this show can do that"
    elif status == 404 and "error" not in body:
        # The platform's own 404 (no "error" field): the function is not deployed.
        text = (f"This project has no {EDGE_FUNCTION} function deployed (supabase functions "
                f"deploy {EDGE_FUNCTION}); the show cannot open a video room")
    elif status == 404:
        text = said or "The video service does not know this show"
    elif status == 409:
        text = said or "The show's room is not in a state for that"
    elif status == 502:
        text = f"100ms refused: {said}" if said else "100ms refused the request"
    elif status >= 500:
        text = f"The video service failed (HTTP {status}); try again shortly"
    else:
        text = said or f"The video service refused (HTTP {status})"
    return RoomError(text, status=status, code=code, retryable=status >= 500)


# ---------------------------------------------------------------------- the host's own account
class DirectRooms:
    """The host's own 100ms account (keyring credentials) through the REST client; the room is
    then recorded on the local server with `record_show_room` (the host's own show only)."""

    kind = "direct"
    label = "Video through your own 100ms account"
    has_video = True

    def __init__(self, credentials: HmsCredentials, server: ShowServer, *,
                 client: HmsClient | None = None) -> None:
        self.credentials = credentials
        self.server = server
        self.client = client or HmsClient(credentials.access_key, credentials.secret)
        self._rooms: dict[str, str] = {}

    async def _rpc(self, function: str, params: Mapping[str, Any]) -> Any:
        try:
            return await self.server.rpc(function, params)
        except Exception as exc:
            if is_backend_error(exc):
                raise from_backend(exc) from exc
            raise

    async def open(self, show_id: str, title: str = "") -> RoomInfo | None:
        if not show_id:
            raise RoomError("Choose a show first", code="bad_input")
        # One room per show, named after it: asking again (after a restart) finds the same room.
        room = await self.client.create_room(f"shopstream-{show_id}",
                                             self.credentials.template_id, title)
        room_id = str(room["id"])
        if room.get("enabled") is False:  # locked when a refused start ended it: reopen it
            await self.client.set_room_enabled(room_id, True)
        codes = await self.client.create_room_codes(room_id)
        # The show needs its host and viewers; without a co-host role there are no co-hosts.
        for role in ("host", "viewer"):
            if role not in codes:
                raise RoomError(f"The 100ms template has no \"{role}\" role: the show's room "
                                f"needs the roles {', '.join(ROLES)}", code="template")
        await self._rpc("record_show_room", {"p_session_id": show_id, "p_room_id": room_id,
                                             "p_codes": {r: codes.get(r) for r in ROLES}})
        self._rooms[show_id] = room_id
        return RoomInfo(room_id, {r: codes[r] for r in ROLES if r in codes},
                        self.credentials.subdomain)

    async def room_id(self, show_id: str) -> str:
        """The show's room: remembered, else read from the server (after a restart)."""
        if show_id in self._rooms:
            return self._rooms[show_id]
        reply = await self._rpc("host_session_credentials", {"p_session_id": show_id})
        room_id = reply.get("hms_room_id") if isinstance(reply, Mapping) else None
        if not room_id:
            raise RoomError("This show has no video room", code="no_room")
        self._rooms[show_id] = str(room_id)
        return str(room_id)

    async def end(self, show_id: str) -> None:
        room_id = await self.room_id(show_id)
        try:
            await self.client.end_room(room_id, "The show has ended", lock=True)
        except HmsError as exc:
            if exc.status != 404:
                raise
            # 404: nobody is in it, so no session to end; lock it so nobody joins later.
            await self.client.set_room_enabled(room_id, False)
        await self._rpc("clear_show_room", {"p_session_id": show_id})
        self._rooms.pop(show_id, None)

    async def peers(self, show_id: str) -> list[Peer]:
        return await self.client.active_peers(await self.room_id(show_id))

    async def restream_start(self, show_id: str, rtmp_urls: list[str]) -> None:
        urls = check_rtmp_urls(rtmp_urls)
        room_id = await self.room_id(show_id)
        await self.client.start_restream(room_id, urls,
                                         meeting_url=self.meeting_url(room_id))

    def meeting_url(self, room_id: str) -> str:
        """The page 100ms's streaming browser joins as a viewer to compose the restream."""
        return (f"https://{self.credentials.subdomain}.app.100ms.live/preview/"
                f"{quote(room_id, safe='')}/viewer?skip_preview=true")

    async def restream_stop(self, show_id: str) -> None:
        try:
            await self.client.stop_restream(await self.room_id(show_id))
        except HmsError as exc:
            if exc.status != 404:  # 404: nothing was streaming
                raise

    async def aclose(self) -> None:
        await self.client.aclose()


def choose_provider(workspace_kind: str, *, server: ShowServer | None = None,
                    credentials: HmsCredentials | None = None,
                    supabase_url: str | None = None,
                    auth_headers: AuthHeaders | None = None) -> RoomProvider:
    """The provider for a workspace: Supabase → the edge function; local → the host's own
    account when its credentials are in the keyring; otherwise no video."""
    if workspace_kind == "supabase":
        if not supabase_url or auth_headers is None:
            raise RoomError("The Supabase project's address and sign-in are needed for video",
                            code="bad_input")
        return EdgeFunctionRooms(supabase_url, auth_headers)
    if workspace_kind != "local":
        raise RoomError(f"Unknown workspace kind {workspace_kind!r}", code="bad_input")
    if credentials is not None and server is not None:
        return DirectRooms(credentials, server)
    return NoVideoRooms()
