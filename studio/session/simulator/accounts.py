"""The simulated customers: real users of the local database, made once and reused."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psycopg

from studio.session.simulator.requests import Request, insert_statement, run_together

EMAIL_DOMAIN = "rehearsal.invalid"
"""`.invalid` can never be a real address (RFC 2606): no mail can reach anyone."""
_USER_ID = "00000000-0000-4000-9e00-{:012d}"
_CUSTOMER_ID = "00000000-0000-4000-9f00-{:012d}"
_FIRST_NAMES = (
    "Ava", "Liam", "Zoe", "Omar", "Mia", "Kai", "Nora", "Leo", "Ivy", "Eli", "Maya", "Finn",
    "Lena", "Theo", "Aria", "Sam", "Ruby", "Jude", "Isla", "Ezra", "Nina", "Owen", "Lila", "Max",
)
_SETUP_BATCH = 500


@dataclass(frozen=True)
class SimUser:
    """Simulated viewer number `number`: its auth user, customer profile, email and chat name."""

    number: int
    user_id: str
    customer_id: str
    email: str
    chat_name: str
    full_name: str


@lru_cache(maxsize=32_768, typed=True)  # typed: True is not viewer 1
def sim_user(number: int) -> SimUser:
    """The simulated user with this number (1, 2, …): always the same ids and names."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValueError(f"simulated users are numbered from 1, not {number!r}")
    first = _FIRST_NAMES[(number - 1) % len(_FIRST_NAMES)]
    return SimUser(
        number=number,
        user_id=_USER_ID.format(number),
        customer_id=_CUSTOMER_ID.format(number),
        email=f"sim-{number:04d}@{EMAIL_DOMAIN}",
        chat_name=f"sim.{first.lower()}{number}",
        full_name=f"Simulated viewer {number:04d}",
    )


def sim_users(count: int) -> list[SimUser]:
    return [sim_user(n) for n in range(1, count + 1)]


def _profile(user: SimUser) -> dict[str, Any]:
    return {
        "id": user.customer_id,
        "user_id": user.user_id,
        "full_name": user.full_name,
        "email": user.email,
        "shipping_address": {
            "name": user.full_name, "line1": f"{user.number} Rehearsal Way",
            "city": "Springfield", "postal_code": "00000", "country": "US",
        },
        "preferences": {"chat_name": user.chat_name, "simulated": True},
    }


def ensure_accounts(conn: psycopg.Connection, count: int) -> int:
    """Make sure simulated users 1..count exist; return how many were created now.

    The auth users are written as the database owner (Supabase Auth's part: there is no
    password, so nobody can sign in as them); each customer profile is then created by its
    own user under RLS, as the customer app does after sign-up.
    """
    users = sim_users(count)
    with conn.transaction():
        existing = {
            str(row[0])
            for row in conn.execute(
                "select c.user_id from public.customers c where c.user_id = any(%s::uuid[])",
                ([u.user_id for u in users],),
            )
        }
    missing = [u for u in users if u.user_id not in existing]
    for start in range(0, len(missing), _SETUP_BATCH):
        chunk = missing[start:start + _SETUP_BATCH]
        _create_auth_users(conn, chunk)
        refused = run_together(
            conn, [Request(u, [insert_statement("customers", _profile(u))]) for u in chunk]
        )
        problems = [r for r in refused if r is not None]
        if problems:
            raise RuntimeError(f"could not create the simulated customers: {problems[0]}")
    return len(missing)


def _create_auth_users(conn: psycopg.Connection, users: Sequence[SimUser]) -> None:
    rows = [
        {
            "id": u.user_id, "email": u.email,
            "app": json.dumps({"provider": "email", "providers": ["email"], "simulated": True}),
            "meta": json.dumps({"full_name": u.full_name, "simulated": True}),
        }
        for u in users
    ]
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data,"
            " raw_user_meta_data, email_confirmed_at, created_at, updated_at)"
            " values ('00000000-0000-0000-0000-000000000000', %(id)s, 'authenticated',"
            " 'authenticated', %(email)s, %(app)s::jsonb, %(meta)s::jsonb, now(), now(), now())"
            " on conflict (id) do nothing",
            rows,
        )

