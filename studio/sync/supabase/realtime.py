"""Supabase Realtime: the Phoenix frames of postgres_changes feeds (see realtime_feed)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from studio.sync.backend import BackendError, RowChange

PHOENIX_TOPIC = "phoenix"
PROTOCOL_VERSION = "1.0.0"
CHANGE_TYPES = ("INSERT", "UPDATE", "DELETE")

log = logging.getLogger(__name__)
# At debug level websockets logs the handshake URL, which carries the API key, and the frames,
# which carry the user's token: keep its client logger above debug.
logging.getLogger("websockets.client").setLevel(logging.INFO)


@dataclass(frozen=True)
class ChangeBinding:
    """Which changes a channel asks for: one table, one event kind (or all), one filter."""

    table: str
    event: Literal["*", "INSERT", "UPDATE", "DELETE"] = "*"
    filter: str | None = None
    schema: str = "public"

    def as_payload(self) -> dict[str, Any]:
        binding: dict[str, Any] = {"event": self.event, "schema": self.schema, "table": self.table}
        if self.filter:
            binding["filter"] = self.filter
        return binding


def socket_url(supabase_url: str, api_key: str) -> str:
    """The websocket endpoint: `wss://<host>/realtime/v1/websocket?apikey=...&vsn=1.0.0`."""
    parts = urlsplit(supabase_url.rstrip("/"))
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme)
    if scheme is None:
        raise ValueError(f"not a Supabase project URL: {supabase_url!r}")
    query = urlencode({"apikey": api_key, "vsn": PROTOCOL_VERSION})
    return f"{scheme}://{parts.netloc}{parts.path}/realtime/v1/websocket?{query}"


def join_frame(
    channel: str,
    bindings: Sequence[ChangeBinding],
    access_token: str | None,
    ref: str,
) -> dict[str, Any]:
    """The `phx_join` that subscribes `realtime:<channel>` to postgres changes."""
    payload: dict[str, Any] = {
        "config": {
            "broadcast": {"ack": False, "self": False},
            "presence": {"key": "", "enabled": False},
            "private": False,
            "postgres_changes": [b.as_payload() for b in bindings],
        }
    }
    if access_token:
        payload["access_token"] = access_token
    return {
        "event": "phx_join",
        "payload": payload,
        "topic": f"realtime:{channel}",
        "ref": ref,
        "join_ref": ref,
    }


def heartbeat_frame(ref: str | None = None) -> dict[str, Any]:
    """The keep-alive the socket sends on the `phoenix` topic every 25 seconds or so."""
    return {
        "event": "heartbeat",
        "payload": {},
        "topic": PHOENIX_TOPIC,
        "ref": ref,
        "join_ref": None,
    }


def access_token_frame(channel: str, access_token: str, ref: str, join_ref: str) -> dict[str, Any]:
    """Hands a joined channel the refreshed user token so RLS keeps applying to the feed."""
    return {
        "event": "access_token",
        "payload": {"access_token": access_token},
        "topic": f"realtime:{channel}",
        "ref": ref,
        "join_ref": join_ref,
    }


def parse_frame(text: str | bytes) -> dict[str, Any]:
    """A server frame as a dict with `event`, `topic`, `payload` and `ref`; refuses others."""
    try:
        frame = json.loads(text)
    except ValueError as e:
        raise ValueError("realtime frame is not JSON") from e
    if not isinstance(frame, dict) or not {"event", "topic", "payload"} <= frame.keys():
        raise ValueError("realtime frame lacks event, topic or payload")
    if not isinstance(frame["payload"], dict):
        raise ValueError("realtime frame payload is not an object")
    frame.setdefault("ref", None)
    return frame


def parse_join_reply(frame: Mapping[str, Any]) -> list[int]:
    """The server's binding ids from the `phx_reply` to a join; raises when it refused."""
    if frame.get("event") != "phx_reply":
        raise ValueError(f"not a reply frame: {frame.get('event')!r}")
    payload = frame["payload"]
    response = payload.get("response") or {}
    if payload.get("status") != "ok":
        reason = response.get("reason") or response.get("message") or "refused"
        raise BackendError(f"realtime refused the subscription: {reason}")
    return [int(b["id"]) for b in response.get("postgres_changes") or []]


def parse_postgres_change(payload: Mapping[str, Any]) -> RowChange:
    """A `postgres_changes` payload (`data.type`, `record`, `old_record`...) as a RowChange."""
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise ValueError("postgres_changes payload has no data object")
    kind = data.get("type")
    if kind not in CHANGE_TYPES:
        raise ValueError(f"unknown change type: {kind!r}")
    table = data.get("table")
    if not isinstance(table, str):
        raise ValueError("postgres_changes payload names no table")
    record = data.get("record") or None
    old_record = data.get("old_record") or None
    return RowChange(
        table=table,
        type=kind,
        record=dict(record) if record is not None else None,
        old_record=dict(old_record) if old_record is not None else None,
        commit_timestamp=data.get("commit_timestamp"),
    )
