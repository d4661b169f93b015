"""A local stand-in for the 100ms REST API v2 and the hms-rooms edge function (holds no tests).

It implements the documented endpoints the studio uses and VERIFIES every management token:
HS256 signature with the app secret, `type: management`, `version: 2`, the access key, and
`iat`/`nbf`/`exp`/`jti` present and current; anything else is answered 401 like 100ms does.
Failures can be scripted per endpoint (`fail_next`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

ROLES = ("host", "co-host", "viewer")


@dataclass
class Scripted:
    method: str
    fragment: str
    status: int
    headers: dict[str, str]
    body: Any
    times: int


@dataclass
class Room:
    id: str
    name: str
    template_id: str
    enabled: bool = True
    active: bool = True
    codes: dict[str, str] = field(default_factory=dict)
    peers: dict[str, dict[str, Any]] = field(default_factory=dict)
    stream: dict[str, Any] | None = None
    end_bodies: list[dict[str, Any]] = field(default_factory=list)


class HmsMock:
    """Start with `with HmsMock(...) as hms:`; `hms.base_url` is the API's /v2 root."""

    def __init__(self, access_key: str = "ak_test_0001",
                 secret: str = "secret-for-tests-0001-long-enough-for-hs256",
                 *, subdomain: str = "shopstream-test", anon_key: str = "anon-test-key",
                 delay_s: float = 0.0) -> None:
        self.access_key, self.secret, self.subdomain = access_key, secret, subdomain
        self.anon_key = anon_key
        self.delay_s = delay_s
        self.rooms: dict[str, Room] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.refused_tokens: list[str] = []
        self.user_shows: dict[str, set[str]] = {}  # edge function: user token -> own shows
        self.recorded: dict[str, Room | None] = {}   # edge function: show -> recorded room
        self._scripted: list[Scripted] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v2"

    def __enter__(self) -> HmsMock:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ scripting
    def fail_next(self, method: str, fragment: str, status: int, *, times: int = 1,
                  headers: Mapping[str, str] | None = None, body: Any = None) -> None:
        """The next `times` requests of `method` whose path contains `fragment` get `status`."""
        self._scripted.append(Scripted(method, fragment, status, dict(headers or {}),
                                       body if body is not None
                                       else {"code": status, "message": f"scripted {status}"},
                                       times))

    def join(self, room_id: str, user_id: str, role: str = "viewer") -> str:
        peer_id = f"peer-{next(self._ids)}"
        self.rooms[room_id].peers[peer_id] = {
            "id": peer_id, "name": user_id, "user_id": user_id, "metadata": "", "role": role,
            "joined_at": "2026-12-03T10:00:00Z"}
        return peer_id

    def calls(self, method: str, fragment: str) -> list[Any]:
        return [body for m, p, body in self.requests if m == method and fragment in p]

    # ------------------------------------------------------------------ serving
    def handle(self, method: str, path: str, headers: Mapping[str, str], body: Any
               ) -> tuple[int, dict[str, str], Any]:
        if self.delay_s:
            time.sleep(self.delay_s)
        with self._lock:
            self.requests.append((method, path, body))
            for item in self._scripted:
                if item.method == method and item.fragment in path and item.times > 0:
                    item.times -= 1
                    return item.status, item.headers, item.body
            if path.startswith("/functions/v1/hms-rooms"):
                return self._edge(method, headers, body)
            if not path.startswith("/v2/"):
                return 404, {}, {"code": 404, "message": "no such endpoint"}
            problem = self._token_problem(headers.get("authorization", ""))
            if problem:
                self.refused_tokens.append(problem)
                return 401, {}, {"code": 401, "message": problem}
            return self._api(method, path[3:], body, record=False)

    def _token_problem(self, authorization: str) -> str | None:
        if not authorization.startswith("Bearer "):
            return "missing bearer token"
        token = authorization.removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"],
                                options={"require": ["exp", "iat", "nbf", "jti"]})
        except jwt.PyJWTError as exc:
            return f"invalid token: {exc}"
        if claims.get("type") != "management":
            return "token type must be management"
        if claims.get("version") != 2:
            return "token version must be 2"
        if claims.get("access_key") != self.access_key:
            return "unknown access key"
        if not isinstance(claims.get("jti"), str) or not claims["jti"]:
            return "token needs a jti"
        return None

    def _api(self, method: str, path: str, body: Any, *, record: bool = True
             ) -> tuple[int, dict[str, str], Any]:
        if record:  # a call the edge function makes on the host's behalf
            self.requests.append((method, "/v2" + path, body))
        if method == "POST" and path == "/rooms":
            if not isinstance(body, dict) or not body.get("template_id") or not body.get("name"):
                return 400, {}, {"code": 400, "message": "name and template_id are required"}
            existing = next((r for r in self.rooms.values() if r.name == body["name"]), None)
            room = existing or Room(f"room{next(self._ids):04d}", body["name"],
                                    body["template_id"])
            self.rooms[room.id] = room
            return 200, {}, {"id": room.id, "name": room.name, "enabled": room.enabled,
                             "template_id": room.template_id}
        match = re.fullmatch(r"/rooms/([^/]+)", path)
        if method == "POST" and match:
            room = self.rooms.get(match[1])
            if room is None:
                return 404, {}, {"code": 404, "message": "room not found"}
            if isinstance((body or {}).get("enabled"), bool):
                # Simplified: an enabled room can be joined (a session to end), a disabled not.
                room.enabled = room.active = body["enabled"]
            return 200, {}, {"id": room.id, "name": room.name, "enabled": room.enabled}
        match = re.fullmatch(r"/room-codes/room/([^/]+)", path)
        if method == "POST" and match:
            room = self.rooms.get(match[1])
            if room is None:
                return 404, {}, {"code": 404, "message": "room not found"}
            if not room.enabled:
                return 403, {}, {"code": 403, "message": "room is disabled"}
            for role in ROLES:
                room.codes.setdefault(role, f"{role[:3]}-{next(self._ids):04d}-{room.id[-3:]}")
            return 200, {}, {"data": [{"code": c, "room_id": room.id, "role": r, "enabled": True}
                                      for r, c in room.codes.items()]}
        match = re.fullmatch(r"/active-rooms/([^/]+)/(end-room|peers)", path)
        if match:
            room = self.rooms.get(match[1])
            if room is None or not room.active:
                return 404, {}, {"code": 404, "message": "active room not found"}
            if method == "GET" and match[2] == "peers":
                return 200, {}, {"peers": dict(room.peers)}
            if method == "POST" and match[2] == "end-room":
                room.end_bodies.append(dict(body or {}))
                room.active, room.peers = False, {}
                if (body or {}).get("lock"):
                    room.enabled = False
                return 200, {}, {"message": "session is ending"}
        match = re.fullmatch(r"/external-streams/room/([^/]+)/(start|stop)", path)
        if method == "POST" and match:
            room = self.rooms.get(match[1])
            if room is None:
                return 404, {}, {"code": 404, "message": "room not found"}
            if match[2] == "start":
                urls = (body or {}).get("rtmp_urls")
                if not urls:
                    return 400, {}, {"code": 400, "message": "rtmp_urls is required"}
                if room.stream is not None:
                    return 409, {}, {"code": 409, "message": "stream already running"}
                room.stream = {"id": f"stream-{room.id}", "status": "starting",
                               "rtmp_urls": urls}
                return 200, {}, dict(room.stream)
            if room.stream is None:
                return 404, {}, {"code": 404, "message": "no stream running"}
            room.stream = None
            return 200, {}, {"message": "stopping"}
        return 404, {}, {"code": 404, "message": f"no endpoint {method} {path}"}

    # ------------------------------------------------------------------ the edge function
    def _edge(self, method: str, headers: Mapping[str, str], body: Any
              ) -> tuple[int, dict[str, str], Any]:
        if method != "POST":
            return 405, {}, {"error": "method", "message": "POST only"}
        if headers.get("apikey") != self.anon_key:
            return 401, {}, {"error": "apikey", "message": "Invalid API key"}
        user = headers.get("authorization", "").removeprefix("Bearer ")
        if user not in self.user_shows:
            return 401, {}, {"error": "unauthorized", "message": "Sign in again"}
        show = str((body or {}).get("show_id") or "")
        if show not in self.user_shows[user]:
            return 403, {}, {"error": "forbidden", "message": "This show is not yours"}
        action = (body or {}).get("action")
        room = self.recorded.get(show)
        if action == "open":
            status, _h, made = self._api("POST", "/rooms", {"name": f"show-{show}",
                                                            "template_id": "tpl"})
            room = self.rooms[made["id"]]
            if not room.enabled:  # locked by an earlier end: the function enables it again
                self._api("POST", f"/rooms/{room.id}", {"enabled": True})
            self._api("POST", f"/room-codes/room/{room.id}", None)
            self.recorded[show] = room
            return 200, {}, {"room_id": room.id, "codes": dict(room.codes),
                             "subdomain": self.subdomain}
        if room is None:
            return 409, {}, {"error": "no_room", "message": "The show has no video room"}
        if action == "end":
            status, _h, _reply = self._api("POST", f"/active-rooms/{room.id}/end-room",
                                           {"lock": True})
            if status == 404:  # nobody in it: locked instead
                self._api("POST", f"/rooms/{room.id}", {"enabled": False})
            self.recorded[show] = None
            return 200, {}, {"ok": True}
        if action == "peers":
            return 200, {}, {"peers": [{"peer_id": p["id"], "user_id": p["user_id"],
                                        "role": p["role"], "joined_at": p["joined_at"]}
                                       for p in room.peers.values()]}
        if action in ("restream_start", "restream_stop"):
            verb = action.removeprefix("restream_")
            status, _h, reply = self._api("POST", f"/external-streams/room/{room.id}/{verb}",
                                          {"rtmp_urls": (body or {}).get("rtmp_urls")})
            if status != 200:
                return 502, {}, {"error": "hms", "message": reply.get("message", "")}
            return 200, {}, {"ok": True}
        return 400, {}, {"error": "bad_action", "message": f"Unknown action {action!r}"}


def _handler(mock: HmsMock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes: without this, Nagle and delayed ACKs add
        # ~40 ms to every keep-alive reply, which is the stand-in's cost, not the studio's.
        disable_nagle_algorithm = True

        def log_message(self, *_args: Any) -> None:  # quiet test output
            return

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, reply = mock.handle(method, self.path, headers, body)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            # The client may have given up waiting (a timeout test): nobody to answer then.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler
