"""A show's video alongside its session: going live opens the room first (a failure changes
nothing), the show's end closes it, and restreams and co-hosts go through the same place."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from studio.session.errors import SessionError, from_backend, is_backend_error
from studio.session.ports import ShowServer
from studio.session.rooms.errors import RoomError
from studio.session.rooms.models import Peer, RoomInfo, check_rtmp_urls
from studio.session.rooms.providers import RoomProvider

log = logging.getLogger(__name__)
T = TypeVar("T")


class ShowVideo:
    """The video of the show the control room has open. `room` is its open room (None with no
    video or before going live); `restreaming` the destinations a restream was started to."""

    def __init__(self, provider: RoomProvider, server: ShowServer | None = None) -> None:
        self.provider = provider
        self.server = server
        self.room: RoomInfo | None = None
        self.show_id: str | None = None
        self.restreaming: list[str] = []

    @property
    def has_video(self) -> bool:
        return self.provider.has_video

    def forget(self) -> None:
        """Another show was opened: nothing of this one's room is kept."""
        self.room, self.show_id, self.restreaming = None, None, []

    async def go_live(self, show_id: str, start: Callable[[], Awaitable[T]], title: str = ""
                      ) -> T:
        """Open the show's room, then `start` the show (the session's own go-live). A refused
        room leaves the show as it was; a refused start ends the room just opened."""
        room = await self.provider.open(show_id, title)
        try:
            result = await start()
        except BaseException:
            if room is not None:
                await self._end_quietly(show_id)
            raise
        self.room, self.show_id, self.restreaming = room, show_id, []
        return result

    async def resume(self, show_id: str, title: str = "") -> RoomInfo | None:
        """The room of a show already live (the studio restarted): asking to open it again
        finds the same room."""
        self.room = await self.provider.open(show_id, title)
        self.show_id = show_id
        return self.room

    async def end_show(self, show_id: str, end: Callable[[], Awaitable[T]]
                       ) -> tuple[T, str | None]:
        """End the show with `end`, then its room. The show's end stands even when closing the
        room fails: the second value then says so, for the host."""
        result = await end()
        problem = None
        if self.provider.has_video:
            try:
                await self.provider.end(show_id)
            except SessionError as exc:
                log.warning("The video room of show %s was not closed: %s", show_id,
                            exc.message)
                problem = f"The show ended, but its video room could not be closed: {exc.message}"
        self.room, self.restreaming = None, []
        return result, problem

    async def _end_quietly(self, show_id: str) -> None:
        try:
            await self.provider.end(show_id)
        except Exception:  # the start's refusal is the news; this is only tidying up
            log.warning("Could not end the room of show %s after a refused start", show_id,
                        exc_info=True)

    # ------------------------------------------------------------------ while live
    def _require_room(self) -> str:
        if not self.provider.has_video:
            raise RoomError("This show runs without video", code="no_video")
        if self.room is None or self.show_id is None:
            raise RoomError("Go live first: the show has no video room yet", code="no_room")
        return self.show_id

    async def peers(self) -> list[Peer]:
        return await self.provider.peers(self._require_room())

    async def start_restream(self, rtmp_urls: Sequence[str]) -> None:
        show_id = self._require_room()
        if self.restreaming:
            raise RoomError("A restream is running already: stop it first", code="running")
        urls = check_rtmp_urls(list(rtmp_urls))
        await self.provider.restream_start(show_id, urls)
        self.restreaming = urls

    async def stop_restream(self) -> None:
        show_id = self._require_room()
        if not self.restreaming:
            raise RoomError("No restream is running", code="not_running")
        await self.provider.restream_stop(show_id)
        self.restreaming = []

    # ------------------------------------------------------------------ co-hosts
    async def _rpc(self, function: str, params: Mapping[str, Any]) -> Any:
        if self.server is None:
            raise RoomError("This workspace has no server for co-hosts", code="no_server")
        try:
            return await self.server.rpc(function, params)
        except Exception as exc:
            if is_backend_error(exc):
                raise from_backend(exc) from exc
            raise

    async def invite_cohost(self, show_id: str, influencer_id: str) -> None:
        """Invite another host as co-host of the show (they get their own room code)."""
        await self._rpc("invite_cohost", {"p_session_id": _uuid(show_id, "show"),
                                          "p_influencer_id": _uuid(influencer_id, "co-host")})

    async def remove_cohost(self, show_id: str, influencer_id: str) -> None:
        await self._rpc("remove_cohost", {"p_session_id": _uuid(show_id, "show"),
                                          "p_influencer_id": _uuid(influencer_id, "co-host")})

    async def my_cohost_code(self, show_id: str) -> str | None:
        """As a co-host: my room code for the show (None while the show has no room)."""
        code = await self._rpc("cohost_room_code", {"p_session_id": _uuid(show_id, "show")})
        return str(code) if code else None


def _uuid(value: Any, what: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError):
        raise RoomError(f"Choose a {what} first", code="bad_input") from None
