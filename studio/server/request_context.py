"""Runs SQL as PostgREST would for a request: API role plus JWT claims, local to a transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

API_ROLES = frozenset({"anon", "authenticated", "service_role"})


def jwt_claims(
    role: str,
    user_id: str | None = None,
    email: str | None = None,
    extra_claims: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JWT payload Supabase Auth would issue (only the claims policies look at)."""
    claims: dict[str, Any] = {"role": role}
    if role == "authenticated":
        claims["aud"] = "authenticated"
    if user_id is not None:
        claims["sub"] = str(uuid.UUID(str(user_id)))  # validates and normalises
    if email is not None:
        claims["email"] = email
    if extra_claims:
        claims.update(extra_claims)
    return claims


def as_role(
    conn: psycopg.Connection,
    role: str,
    user_id: str | None = None,
    email: str | None = None,
    extra_claims: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Switch the current transaction to ``role`` with the matching JWT claims.

    Does what PostgREST does at the start of every request: ``set local role`` and
    ``set_config('request.jwt.claims', <json>, true)``, plus the legacy
    ``request.jwt.claim.<name>`` settings older PostgREST versions set. Everything
    reverts when the transaction ends. Returns the claims used.

    ``role`` must be ``anon``, ``authenticated`` or ``service_role``. The
    connection must be inside a transaction (or not in autocommit mode, so the next
    statement opens one).
    """
    if role not in API_ROLES:
        raise ValueError(f"role must be one of {sorted(API_ROLES)}, not {role!r}")
    if conn.autocommit and conn.info.transaction_status == TransactionStatus.IDLE:
        raise RuntimeError(
            "as_role() needs a transaction: use request_transaction() or conn.transaction()"
        )
    claims = jwt_claims(role, user_id, email, extra_claims)
    settings: dict[str, str] = {"request.jwt.claims": json.dumps(claims)}
    for name, value in claims.items():
        if isinstance(value, str | int | float | bool):
            settings[f"request.jwt.claim.{name}"] = (
                value if isinstance(value, str) else json.dumps(value)
            )
    with conn.cursor() as cur:
        cur.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
        for name, value in settings.items():
            cur.execute("select set_config(%s, %s, true)", (name, value))
    return claims


@contextmanager
def request_transaction(
    conn: psycopg.Connection,
    role: str,
    user_id: str | None = None,
    email: str | None = None,
    extra_claims: Mapping[str, Any] | None = None,
) -> Iterator[psycopg.Cursor[Any]]:
    """Open a transaction acting as ``role`` (see :func:`as_role`) and yield a cursor.

    Commits when the block ends, rolls back if it raises. The connection must not
    already be inside a transaction: role and claims would otherwise outlive the
    block.

        with request_transaction(conn, "authenticated", user_id) as cur:
            cur.execute("select auth.uid()")
    """
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise RuntimeError("request_transaction() needs a connection with no open transaction")
    with conn.transaction(), conn.cursor() as cur:
        as_role(conn, role, user_id, email, extra_claims)
        yield cur
