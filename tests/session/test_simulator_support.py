"""Shows for the rehearsal audience tests, written as the database owner (setup only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from studio.server import db
from studio.server.request_context import request_transaction
from studio.session.simulator.accounts import EMAIL_DOMAIN


@dataclass(frozen=True)
class Show:
    id: str
    host_user_id: str
    products: tuple[str, ...]
    """Live product ids, in lineup order."""


def make_show(
    conninfo: str,
    *,
    status: str = "live",
    rehearsal: bool = False,
    products: Sequence[tuple[str, int]] = (("Silk Scarf", 50), ("Glow Serum", 50)),
    max_per_buyer: int | None = None,
) -> Show:
    """A verified host's show with live products (name, allocated units) sold by the host
    (no wholesale source), in `status`; a live show has its first product featured."""
    host_user = str(uuid.uuid4())
    tag = host_user[:8]
    now = datetime.now(UTC)
    with db.connect(conninfo) as conn, conn.transaction():
        conn.execute(
            "insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)"
            " values ('00000000-0000-0000-0000-000000000000', %s, 'authenticated',"
            " 'authenticated', %s, now(), now())",
            (host_user, f"host-{tag}@example.test"),
        )
        host = conn.execute(
            "insert into public.influencers (user_id, display_name, handle,"
            " verification_status) values (%s, %s, %s, 'verified') returning id",
            (host_user, f"Host {tag}", f"host_{tag}"),
        ).fetchone()[0]
        started = now - timedelta(minutes=1) if status in ("live", "ended") else None
        ended = now if status == "ended" else None
        show = conn.execute(
            "insert into public.live_stream_sessions (influencer_id, title, status,"
            " scheduled_start, actual_start, actual_end, is_rehearsal)"
            " values (%s, %s, %s, %s, %s, %s, %s) returning id",
            (host, f"Show {tag}", status, now - timedelta(minutes=2), started, ended, rehearsal),
        ).fetchone()[0]
        ids = []
        for position, (name, allocated) in enumerate(products):
            ids.append(str(conn.execute(
                "insert into public.live_products (session_id, influencer_id, name, position,"
                " live_price, allocated_quantity, max_per_buyer) values (%s, %s, %s, %s,"
                " 20.00, %s, %s) returning id",
                (show, host, name, position, allocated, max_per_buyer),
            ).fetchone()[0]))
        if status == "live" and ids:
            conn.execute(
                "update public.live_stream_sessions set featured_live_product_id = %s"
                " where id = %s",
                (ids[0], show),
            )
    return Show(str(show), host_user, tuple(ids))


def start_flash_sale(conninfo: str, show: Show, live_product_id: str, seconds: int = 60) -> None:
    """The host starts a flash sale through the server function."""
    with db.connect(conninfo) as conn, request_transaction(
        conn, "authenticated", show.host_user_id
    ) as cur:
        cur.execute(
            "select public.start_flash_sale(%s, 10.00, %s)", (live_product_id, seconds)
        )


def sim_user_count(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "select count(*) from auth.users where email like %s", (f"%@{EMAIL_DOMAIN}",)
    ).fetchone()
    return int(row[0])


def footprint(conn: psycopg.Connection, show_id: str) -> tuple[int, int, int, int]:
    """Simulated users, and the show's chat messages, presences and order lines."""
    counts = conn.execute(
        "select (select count(*) from public.live_stream_chat where session_id = %(s)s),"
        " (select count(*) from public.live_stream_viewers where session_id = %(s)s),"
        " (select count(*) from public.order_items where session_id = %(s)s)",
        {"s": show_id},
    ).fetchone()
    return (sim_user_count(conn), *(int(c) for c in counts))
