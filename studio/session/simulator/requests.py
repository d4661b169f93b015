"""Requests of simulated customers, sent as PostgREST sends them: role and claims per user."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import psycopg
from psycopg import sql

from studio.server.request_context import jwt_claims

# What PostgREST puts on the search_path of every request (config.toml: extra_search_path).
SEARCH_PATH = "public, extensions"
# Server states that mean the connection is gone rather than the request refused.
_CONNECTION_LOST = frozenset({"57P01", "57P02", "57P03"})

Statement = tuple[sql.Composable | str, Sequence[Any]]


class User(Protocol):
    @property
    def user_id(self) -> str: ...

    @property
    def email(self) -> str: ...


@dataclass(frozen=True)
class Request:
    """What one user asks for: statements run as that user, in one transaction."""

    user: User
    statements: Sequence[Statement]


@dataclass(frozen=True)
class Refusal:
    """The server said no: its SQLSTATE and message."""

    sqlstate: str
    message: str

    @property
    def reason(self) -> str:
        """A short label to count refusals by."""
        if self.message.startswith("Sold out"):
            return "sold out"
        if self.message.startswith("Limit of"):
            return "over the per-buyer limit"
        if self.sqlstate == "PT429":
            return "chat rate limit"
        if self.sqlstate == "42501":
            return "not allowed"
        return self.message

    def __str__(self) -> str:
        return f"{self.message} ({self.sqlstate})"


def as_user(user: User) -> Statement:
    """What PostgREST sets at the start of each request of `user`: role `authenticated`, the
    JWT claims (also as the legacy `request.jwt.claim.<name>` settings) and the search_path,
    all local to the transaction; the same as the local backend's request settings."""
    return _settings(user.user_id, user.email)


# Statements are composed once and reused as text: at thousands of messages per second the
# client's own work counts on a two-core machine.
@lru_cache(maxsize=32_768)
def _settings(user_id: str, email: str) -> Statement:
    claims = jwt_claims("authenticated", user_id, email)
    settings: dict[str, str] = {
        "search_path": SEARCH_PATH,
        "role": "authenticated",
        "request.jwt.claims": json.dumps(claims, separators=(",", ":")),
    }
    for name, value in claims.items():
        settings[f"request.jwt.claim.{name}"] = str(value)
    return _set_configs(len(settings)), tuple(item for pair in settings.items() for item in pair)


@lru_cache(maxsize=8)
def _set_configs(count: int) -> str:
    return "select " + ", ".join("set_config(%s, %s, true)" for _ in range(count))


def insert_statement(table: str, row: dict[str, Any]) -> Statement:
    """`POST /table` with one JSON row (no representation returned)."""
    return _insert(table, tuple(row)), [json.dumps([row], separators=(",", ":"))]


@lru_cache(maxsize=64)
def _insert(table: str, columns: tuple[str, ...]) -> str:
    names = sql.SQL(", ").join(sql.Identifier(k) for k in columns)
    values = sql.SQL(", ").join(sql.Identifier("_v", k) for k in columns)
    return sql.SQL(
        "insert into {table} as _t ({names}) select {values}"
        " from json_populate_recordset(null::{table}, %s::json) as _v"
    ).format(table=sql.Identifier("public", table), names=names, values=values).as_string()


def update_statement(table: str, values: dict[str, Any], row_id: str) -> Statement:
    """`PATCH /table?id=eq.<row_id>` with the JSON body `values`."""
    query = sql.SQL(
        "update {table} as _t set ({names}) = (select {values}"
        " from json_populate_record(null::{table}, %s::json) as _v) where _t.id = %s"
    ).format(
        table=sql.Identifier("public", table),
        names=sql.SQL(", ").join(sql.Identifier(k) for k in values),
        values=sql.SQL(", ").join(sql.Identifier("_v", k) for k in values),
    )
    # Row constructors need two columns or more; one column is compared as itself.
    if len(values) == 1:
        (name,) = values
        query = sql.SQL(
            "update {table} as _t set {name} = (select {value}"
            " from json_populate_record(null::{table}, %s::json) as _v) where _t.id = %s"
        ).format(
            table=sql.Identifier("public", table),
            name=sql.Identifier(name),
            value=sql.Identifier("_v", name),
        )
    return query, [json.dumps(values, separators=(",", ":")), row_id]


def delete_statement(table: str, column: str, value: str) -> Statement:
    """`DELETE /table?<column>=eq.<value>`."""
    query = sql.SQL("delete from {} as _t where {} = %s").format(
        sql.Identifier("public", table), sql.Identifier("_t", column)
    )
    return query, [value]


def checkout_statement(idempotency_key: str) -> Statement:
    """`POST /rpc/checkout` with only the idempotency key: the saved address is used."""
    query = sql.SQL("select public.checkout(p_idempotency_key => %s::uuid)::text")
    return query, [idempotency_key]


def refusal(error: psycopg.Error) -> Refusal | None:
    """The server's refusal in `error`; None when the connection failed instead."""
    state = error.sqlstate
    if state is None or state.startswith("08") or state in _CONNECTION_LOST:
        return None
    message = error.diag.message_primary or str(error).strip().splitlines()[0]
    return Refusal(state, message)


def run_one(conn: psycopg.Connection, request: Request) -> tuple[Any, Refusal | None]:
    """Run one request in its own transaction: (first column of its last row, None) or
    (None, the refusal). A lost connection raises."""
    try:
        result = None
        with conn.transaction():
            for query, params in [as_user(request.user), *request.statements]:
                cursor = conn.execute(query, params)
                row = cursor.fetchone() if cursor.description else None
                result = row[0] if row else None
        return result, None
    except psycopg.Error as e:
        refused = refusal(e)
        if refused is None:
            raise
        return None, refused


def run_together(conn: psycopg.Connection, requests: Sequence[Request]) -> list[Refusal | None]:
    """Run many users' requests in one transaction, pipelined (one round trip), each statement
    still as its own user. If the server refuses one, the transaction is rolled back and each
    request runs alone, so the others land and every refusal is known. A lost connection
    raises."""
    if not requests:
        return []
    try:
        with conn.pipeline(), conn.transaction():
            for request in requests:
                for query, params in [as_user(request.user), *request.statements]:
                    conn.execute(query, params)
        return [None] * len(requests)
    except psycopg.Error as e:
        if refusal(e) is None:
            raise
    return [run_one(conn, request)[1] for request in requests]
