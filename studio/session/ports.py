"""What the session layer needs from the server and from the cache, as protocols (the session
layer stands apart from the sync layer; `studio.sync.show_server.BackendShowServer` implements
`ShowServer` over a backend, and the cache's reader is a `CachedShows`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ShowServer(Protocol):
    """The server, in a show's terms. Every method raises the backend's errors."""

    async def rpc(self, function: str, params: Mapping[str, Any] | None = None) -> Any: ...

    async def show_row(self, session_id: str) -> dict[str, Any] | None: ...

    async def set_rehearsal(self, session_id: str, rehearsal: bool) -> dict[str, Any] | None: ...

    async def show_rows(
        self, table: str, session_id: str, columns: Sequence[str]
    ) -> list[dict[str, Any]]: ...

    async def live_shows_of_host(self, influencer_id: str) -> list[dict[str, Any]]: ...


@runtime_checkable
class CachedShows(Protocol):
    """The offline cache's reads the session uses (`CacheReader` has them)."""

    def shows_of_host(
        self, influencer_id: str, *, statuses: Sequence[str] | None = None
    ) -> list[dict[str, Any]]: ...
