"""A local websocket server speaking Supabase Realtime's Phoenix v1 protocol (tests only).

Frames follow the Realtime protocol as documented at
https://supabase.com/docs/guides/realtime/protocol (version 1.0.0: JSON text frames with
`event`, `topic`, `payload`, `ref`, `join_ref`), as the realtime-py client speaks it:

- `phx_join` on `realtime:<name>` with `payload.config.postgres_changes` (event, schema, table,
  filter) and `payload.access_token`; answered by `phx_reply` with status "ok" and the bindings
  given server ids, then a `system` message (extension postgres_changes, "Subscribed to
  PostgreSQL"), or by `phx_reply` status "error" with a `reason` when the token is refused.
- `heartbeat` on topic `phoenix`, answered by `phx_reply` ok.
- `access_token` on a joined topic carrying a refreshed user token; answered ok.
- `postgres_changes` pushed to a topic: `payload.data` holds schema, table, commit_timestamp,
  type, columns, record, old_record and errors; `payload.ids` the binding ids it matches.
- `phx_leave`, answered ok.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

EXPIRED_TOKEN_REASON = "InvalidJWTToken: Token has expired 12 seconds ago"


@dataclass
class Joined:
    """A channel the server accepted: its topic, bindings (with server ids) and token."""

    topic: str
    join_ref: str | None
    bindings: list[dict[str, Any]]
    access_token: str | None
    connection: ServerConnection


@dataclass
class PhoenixServer:
    """Records every frame; accepts joins whose token is not in `refused_tokens`."""

    refused_tokens: set[str] = field(default_factory=set)
    frames: list[dict[str, Any]] = field(default_factory=list)
    joined: dict[str, Joined] = field(default_factory=dict)
    connections: list[ServerConnection] = field(default_factory=list)
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(1000))
    _server: Server | None = None

    async def start(self) -> str:
        """Listen on a free local port; returns the project URL clients are given."""
        self._server = await serve(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def of(self, event: str, topic: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.frames
                if f["event"] == event and (topic is None or f["topic"] == topic)]

    def channels_for(self, table: str, record: dict[str, Any] | None) -> list[Joined]:
        """The joined channels a change of `table` goes to: its equality filter (if any)
        must match the record, as Realtime filters (deletes are not filtered)."""
        found = []
        for joined in self.joined.values():
            binding = joined.bindings[0]
            if binding["table"] != table:
                continue
            column, _, condition = (binding.get("filter") or "").partition("=")
            if record and condition.startswith("eq.") and str(record.get(column)) != condition[3:]:
                continue
            found.append(joined)
        return found

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        try:
            async for text in ws:
                frame = json.loads(text)
                self.frames.append(frame)
                await self._answer(ws, frame)
        except ConnectionClosed:
            pass  # the client left (or the test broke the socket) mid-answer
        finally:
            for topic, joined in list(self.joined.items()):
                if joined.connection is ws:
                    del self.joined[topic]

    async def _answer(self, ws: ServerConnection, frame: dict[str, Any]) -> None:
        event, topic, ref = frame["event"], frame["topic"], frame.get("ref")
        payload = frame.get("payload") or {}
        if event == "phx_join":
            token = payload.get("access_token")
            if token in self.refused_tokens:
                await ws.send(reply(topic, ref, "error", {"reason": EXPIRED_TOKEN_REASON}))
                return
            bindings = [
                {**b, "id": next(self._ids)}  # type: ignore[call-overload]
                for b in payload["config"]["postgres_changes"]
            ]
            self.joined[topic] = Joined(topic, frame.get("join_ref"), bindings, token, ws)
            await ws.send(reply(topic, ref, "ok", {"postgres_changes": bindings}))
            await ws.send(json.dumps({
                "event": "system", "topic": topic, "ref": None,
                "payload": {"channel": topic.removeprefix("realtime:"),
                            "extension": "postgres_changes",
                            "message": "Subscribed to PostgreSQL", "status": "ok"},
            }))
        elif event == "access_token":
            if topic in self.joined:
                self.joined[topic].access_token = payload.get("access_token")
            await ws.send(reply(topic, ref, "ok", {}))
        elif event == "phx_leave":
            self.joined.pop(topic, None)
            await ws.send(reply(topic, ref, "ok", {}))
        else:  # heartbeat and anything else: acknowledged
            await ws.send(reply(topic, ref, "ok", {}))

    async def change(
        self, table: str, kind: str, record: dict[str, Any] | None,
        old_record: dict[str, Any] | None = None,
    ) -> None:
        """Push one `postgres_changes` frame to every channel the change matches."""
        data = {
            "schema": "public", "table": table, "commit_timestamp": "2026-12-03T10:00:00.123Z",
            "type": kind,
            "columns": [{"name": k, "type": "text"} for k in (record or old_record or {})],
            "record": record or {}, "old_record": old_record or {}, "errors": None,
        }
        for joined in self.channels_for(table, record):
            ids = [b["id"] for b in joined.bindings]
            await joined.connection.send(json.dumps({
                "event": "postgres_changes", "topic": joined.topic, "ref": None,
                "payload": {"data": data, "ids": ids},
            }))

    async def drop_connections(self) -> None:
        """Break every socket without a close handshake, as a lost network does."""
        for ws in list(self.connections):
            ws.transport.abort()
        self.connections.clear()

    async def wait_for(self, check: Callable[[], object], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0.01)


def reply(topic: str, ref: str | None, status: str, response: dict[str, Any]) -> str:
    return json.dumps({"event": "phx_reply", "topic": topic, "ref": ref,
                       "payload": {"status": status, "response": response}})
