"""Where the control room's video panel gets its provider and co-host facts: the workspace's
room provider (edge function, own 100ms account, or none and why) and the server reads for
co-hosts (public profile columns and the co-host table only)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from studio.session.rooms.credentials import CredentialStore, CredentialsUnavailable
from studio.session.rooms.providers import RoomProvider, choose_provider
from studio.ui.context import ScreenContext

ProviderSource = Callable[[], Awaitable[tuple[RoomProvider, str | None]]]
HandleLookup = Callable[[str], Awaitable[str | None]]
CohostedShows = Callable[[], Awaitable[list[dict[str, Any]]]]


async def default_provider(ctx: ScreenContext, store: CredentialStore
                           ) -> tuple[RoomProvider, str | None]:
    """The workspace's room provider, and why there is no video when there is none."""
    server = ctx.show_server
    if ctx.workspace_kind == "supabase":
        backend = getattr(server, "backend", None)
        headers = getattr(backend, "function_headers", None)
        url = getattr(backend, "project_url", None)
        if callable(headers) and url:
            return choose_provider("supabase", supabase_url=url, auth_headers=headers), None
        return choose_provider("local"), "this project's server cannot open video rooms"
    try:
        credentials = await asyncio.to_thread(store.load)
    except CredentialsUnavailable as exc:
        return choose_provider("local"), exc.message
    return choose_provider("local", server=server, credentials=credentials), None


def server_host_lookup(ctx: ScreenContext) -> HandleLookup | None:
    """Finds a verified host's profile id by handle on the workspace's server (public profile
    columns only)."""
    select = getattr(getattr(ctx.show_server, "backend", None), "select", None)
    if not callable(select):
        return None

    async def find(handle: str) -> str | None:
        from studio.sync.backend import eq

        rows = await select("influencers", ["id"], [eq("handle", handle)], limit=1)
        return str(rows[0]["id"]) if rows else None

    return find


def server_cohosted_shows(ctx: ScreenContext) -> CohostedShows | None:
    """The scheduled and live shows the signed-in host is invited to co-host."""
    select = getattr(getattr(ctx.show_server, "backend", None), "select", None)
    me = ctx.profile_ids.get("host")
    if not callable(select) or not me:
        return None

    async def shows() -> list[dict[str, Any]]:
        from studio.sync.backend import eq, in_

        invited = await select("live_session_cohosts", ["session_id"], [eq("influencer_id", me)])
        ids = sorted({str(r["session_id"]) for r in invited})
        if not ids:
            return []
        return await select("live_stream_sessions", ["id", "title", "status"],
                            [in_("id", ids), in_("status", ["scheduled", "live"])])

    return shows


ShowCohosts = Callable[[str], Awaitable[list[dict[str, Any]]]]


def server_show_cohosts(ctx: ScreenContext) -> ShowCohosts | None:
    """A show's invited co-hosts: their profile id and handle."""
    select = getattr(getattr(ctx.show_server, "backend", None), "select", None)
    if not callable(select):
        return None

    async def cohosts(show_id: str) -> list[dict[str, Any]]:
        from studio.sync.backend import eq, in_

        rows = await select("live_session_cohosts", ["influencer_id"], [eq("session_id", show_id)])
        ids = sorted({str(r["influencer_id"]) for r in rows})
        if not ids:
            return []
        return await select("influencers", ["id", "handle"], [in_("id", ids)])

    return cohosts
