"""The show a rehearsal audience watches: which shows it refuses, and what viewers see of it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import psycopg
from psycopg import sql

from studio.server.embedded import EmbeddedPostgres
from studio.server.workspace import DATABASE
from studio.session.simulator.config import SimulatorError
from studio.session.simulator.plan import Product, ShowView
from studio.session.simulator.requests import Request, User, run_one

_HOST = sql.SQL(
    "select u.id::text, coalesce(u.email, '') from public.live_stream_sessions s"
    " join public.influencers i on i.id = s.influencer_id join auth.users u on u.id = i.user_id"
    " where s.id = %s and s.status = 'scheduled' and not s.is_rehearsal"
)


@dataclass(frozen=True)
class _Host:
    user_id: str
    email: str

LOCAL_ONLY = "simulate runs only against the local workspace"
# Roles every Supabase project has and the local workspace never creates.
_SUPABASE_ROLES = ("supabase_admin", "supabase_auth_admin", "supabase_storage_admin")


@dataclass(frozen=True)
class ShowInfo:
    """The show as its host knows it."""

    id: str
    title: str
    status: str
    is_rehearsal: bool


def local_database(server: EmbeddedPostgres | None) -> str:
    """The conninfo of the local workspace's database served by `server` (a workspace's
    `server`: None for a Supabase workspace, which is refused)."""
    if server is None:
        raise SimulatorError(f"{LOCAL_ONLY}: this workspace is a Supabase project")
    return server.dsn(DATABASE)


def check_show_id(show_id: object) -> str:
    """The show id in canonical form, or SimulatorError when it is not a UUID."""
    try:
        return str(uuid.UUID(str(show_id).strip()))
    except ValueError:
        raise SimulatorError(f"show id must be a UUID, not {show_id!r}") from None


def check_local(conn: psycopg.Connection) -> None:
    """Refuse a database that belongs to a Supabase project."""
    with conn.transaction():
        row = conn.execute(
            "select exists (select 1 from pg_catalog.pg_roles where rolname = any(%s))",
            (list(_SUPABASE_ROLES),),
        ).fetchone()
    if row and row[0]:
        raise SimulatorError(f"{LOCAL_ONLY}: this database belongs to a Supabase project")


def find_show(conn: psycopg.Connection, show_id: str) -> ShowInfo:
    """The show an audience may join (read as the database owner, so the refusal can say
    why); SimulatorError when it is unknown, not live, or a private rehearsal."""
    with conn.transaction():
        row = conn.execute(
            "select s.title, s.status::text, s.is_rehearsal from public.live_stream_sessions s"
            " where s.id = %s",
            (show_id,),
        ).fetchone()
    if row is None:
        raise SimulatorError(f"no show with id {show_id} in the local workspace")
    show = ShowInfo(show_id, row[0], row[1], row[2])
    if show.is_rehearsal:
        # The server keeps rehearsals private and sells nothing in them (ACCESS.md): customers
        # can neither see, join, chat in nor buy from one.
        raise SimulatorError(
            f"show {show.title!r} is a private rehearsal: customers cannot see it, chat in it or "
            "buy from it; in the local workspace run it as a public show (the local workspace "
            "is itself the rehearsal)"
        )
    if show.status != "live":
        hint = " (start it first)" if show.status == "scheduled" else ""
        raise SimulatorError(
            f"show {show.title!r} is {show.status}: an audience can only join a live show{hint}"
        )
    return show


def go_live(conn: psycopg.Connection, show_id: str) -> bool:
    """Start a scheduled public show as its host would (`start_show` under the host's claims);
    False when there is nothing to start (the show is not scheduled, or is a rehearsal, which
    find_show refuses). SimulatorError with the server's reason when it refuses."""
    with conn.transaction():
        row = conn.execute(_HOST, (show_id,)).fetchone()
    if row is None:
        return False
    start = (sql.SQL("select public.start_show(%s)::text"), [show_id])
    _result, refused = run_one(conn, Request(_Host(row[0], row[1]), [start]))
    if refused is not None:
        raise SimulatorError(f"the show could not go live: {refused.message}")
    return True


_VIEW = sql.SQL(
    """
    select json_build_object(
      'status', s.status, 'chat_enabled', s.chat_enabled,
      'featured', s.featured_live_product_id,
      'products', coalesce((
        select json_agg(json_build_object(
                 'id', lp.id, 'name', lp.name,
                 'sold_out', lp.status = 'sold_out' or lp.sold_quantity >= lp.allocated_quantity,
                 'flash', lp.flash_price is not null and now() >= lp.flash_starts_at
                          and now() < lp.flash_ends_at)
                 order by lp.position, lp.name)
          from public.live_products lp where lp.session_id = s.id), '[]'))::text
      from public.live_stream_sessions s where s.id = %s
    """
)


def look(conn: psycopg.Connection, viewer: User, show_id: str) -> tuple[str, ShowView]:
    """What `viewer` sees of the show, read under their RLS: (status, view). The status is
    'gone' when they cannot see the show any more."""
    text, refused = run_one(conn, Request(viewer, [(_VIEW, [show_id])]))
    if refused is not None:
        raise SimulatorError(f"a simulated viewer cannot read the show: {refused}")
    if text is None:
        return "gone", ShowView(chat_enabled=False)
    data = json.loads(text)
    products = tuple(
        Product(str(p["id"]), p["name"], bool(p["sold_out"]), bool(p["flash"]))
        for p in data["products"]
    )
    featured = data["featured"]
    return data["status"], ShowView(
        chat_enabled=bool(data["chat_enabled"]),
        featured_id=str(featured) if featured else None,
        products=products,
    )
