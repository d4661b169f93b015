"""A PostgREST stand-in over a real database, for running the Edge Functions against the schema.

Serves `POST /rest/v1/rpc/<function>` as PostgREST does: the `apikey` and bearer JWT (HS256)
select the role and claims, the call runs in a request transaction (`request_context`), and a
database error comes back as `{"code": <SQLSTATE>, "message": ...}`. Only what the functions
use: no tables, no filters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from studio.server import db
from studio.server.request_context import request_transaction

VOID_OID = 2278


@dataclass(frozen=True)
class Keys:
    """The project's keys: the anon key, a new-style secret key, the JWT secret."""

    anon: str = "anon-key-e2e"
    service: str = "sb_secret_service-key-e2e"
    jwt_secret: str = "e2e-jwt-secret-with-at-least-32-characters"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: dict[str, Any], secret: str) -> str:
    """An HS256 JWT (a user's access token as Supabase Auth issues it)."""
    head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64url(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64url(mac)}"


def verify(token: str, secret: str) -> dict[str, Any] | None:
    try:
        head, body, mac = token.split(".")
        expected = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _b64url_decode(mac)):
            return None
        claims = json.loads(_b64url_decode(body))
    except (ValueError, json.JSONDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        match = re.fullmatch(r"/rest/v1/rpc/([a-z_]{1,63})", self.path)
        if not match:
            self._reply(404, {"code": "PGRST202", "message": "no such function"})
            return
        keys = self.server.keys
        apikey = self.headers.get("apikey")
        if apikey not in (keys.anon, keys.service):
            self._reply(401, {"code": "PGRST301", "message": "Invalid API key"})
            return
        role, user_id = ("service_role" if apikey == keys.service else "anon"), None
        auth = self.headers.get("Authorization", "")
        if auth:
            claims = verify(auth.removeprefix("Bearer "), keys.jwt_secret)
            if claims is None:
                self._reply(401, {"code": "PGRST301", "message": "JWSError JWSInvalidSignature"})
                return
            role, user_id = str(claims.get("role")), claims.get("sub")
        args = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        call = sql.SQL("select public.{}({})").format(
            sql.Identifier(match.group(1)),
            sql.SQL(", ").join(sql.SQL("{} => %s").format(sql.Identifier(k)) for k in args))
        params = [Jsonb(v) if isinstance(v, dict | list) else v for v in args.values()]
        try:
            with db.connect(self.server.conninfo, autocommit=True) as conn, \
                    request_transaction(conn, role, user_id) as cur:
                cur.execute(call, params)
                row = cur.fetchone()
                void = cur.description[0].type_code == VOID_OID  # type: ignore[index]
        except psycopg.Error as err:
            status = {"42501": 401 if role == "anon" else 403}.get(err.sqlstate or "", 400)
            self._reply(status, {"code": err.sqlstate, "message": err.diag.message_primary,
                                 "details": err.diag.message_detail,
                                 "hint": err.diag.message_hint})
            return
        if void:
            self._reply(204)
        else:
            self._reply(200, row[0] if row else None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, conninfo: str, keys: Keys) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.conninfo = conninfo
        self.keys = keys


@contextmanager
def serving(conninfo: str, keys: Keys) -> Iterator[str]:
    """Serve the database's RPCs on 127.0.0.1; yields the project URL."""
    server = _Server(conninfo, keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
