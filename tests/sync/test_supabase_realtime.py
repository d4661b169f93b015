"""Supabase Realtime wire format, and a subscription against a fake Realtime server."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Callable

import pytest
from websockets.asyncio.server import ServerConnection, serve

from studio.sync.backend import BackendError, RowChange, eq, ilike
from studio.sync.session_store import MemorySessionStore
from studio.sync.supabase.backend import SupabaseBackend
from studio.sync.supabase.realtime import (
    ChangeBinding,
    access_token_frame,
    heartbeat_frame,
    join_frame,
    parse_frame,
    parse_join_reply,
    parse_postgres_change,
    socket_url,
)

SHOW_ID = "11111111-1111-4111-8111-111111111111"


def jwt(payload: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(payload)}.c2ln"


ANON_KEY = jwt({"role": "anon"})
USER_TOKEN = jwt({"role": "authenticated", "sub": "u1"})


def change_payload(kind: str, record: dict | None, old: dict | None) -> dict:
    return {
        "data": {
            "schema": "public",
            "table": "live_products",
            "commit_timestamp": "2026-11-24T10:00:00.123Z",
            "type": kind,
            "columns": [{"name": "id", "type": "uuid"}],
            "record": record if record is not None else {},
            "old_record": old if old is not None else {},
            "errors": None,
        },
        "ids": [77],
    }


# ------------------------------------------------------------------------------ pure frames


def test_socket_url_carries_the_key_and_protocol_version():
    assert socket_url("https://proj.supabase.co/", "KEY") == (
        "wss://proj.supabase.co/realtime/v1/websocket?apikey=KEY&vsn=1.0.0"
    )
    assert socket_url("http://127.0.0.1:54321", "K").startswith("ws://127.0.0.1:54321/realtime/")
    with pytest.raises(ValueError, match="not a Supabase project URL"):
        socket_url("ftp://x", "K")


def test_join_frame_subscribes_to_postgres_changes():
    binding = ChangeBinding("live_products", filter=f"session_id=eq.{SHOW_ID}")
    assert join_frame("lineup", [binding], "TOKEN", "3") == {
        "event": "phx_join",
        "topic": "realtime:lineup",
        "ref": "3",
        "join_ref": "3",
        "payload": {
            "config": {
                "broadcast": {"ack": False, "self": False},
                "presence": {"key": "", "enabled": False},
                "private": False,
                "postgres_changes": [
                    {
                        "event": "*",
                        "schema": "public",
                        "table": "live_products",
                        "filter": f"session_id=eq.{SHOW_ID}",
                    }
                ],
            },
            "access_token": "TOKEN",
        },
    }
    anonymous = join_frame("x", [ChangeBinding("products", event="UPDATE")], None, "1")
    assert "access_token" not in anonymous["payload"]
    assert anonymous["payload"]["config"]["postgres_changes"] == [
        {"event": "UPDATE", "schema": "public", "table": "products"}
    ]


def test_heartbeat_and_access_token_frames():
    assert heartbeat_frame("9") == {
        "event": "heartbeat",
        "payload": {},
        "topic": "phoenix",
        "ref": "9",
        "join_ref": None,
    }
    assert access_token_frame("lineup", "NEW", "5", "3") == {
        "event": "access_token",
        "payload": {"access_token": "NEW"},
        "topic": "realtime:lineup",
        "ref": "5",
        "join_ref": "3",
    }


def test_parse_changes_of_each_kind():
    inserted = parse_postgres_change(change_payload("INSERT", {"id": "a", "position": 1}, None))
    assert inserted == RowChange(
        "live_products", "INSERT", {"id": "a", "position": 1}, None, "2026-11-24T10:00:00.123Z"
    )
    updated = parse_postgres_change(change_payload("UPDATE", {"id": "a"}, {"id": "a"}))
    assert (updated.type, updated.record, updated.old_record) == (
        "UPDATE",
        {"id": "a"},
        {"id": "a"},
    )
    deleted = parse_postgres_change(change_payload("DELETE", None, {"id": "a"}))
    assert (deleted.type, deleted.record, deleted.old_record) == ("DELETE", None, {"id": "a"})


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "no data object"),
        ({"data": {"type": "TRUNCATE", "table": "t"}}, "unknown change type"),
        ({"data": {"type": "INSERT"}}, "names no table"),
    ],
)
def test_malformed_changes_are_refused(payload, message):
    with pytest.raises(ValueError, match=message):
        parse_postgres_change(payload)


def test_parse_frames_and_join_replies():
    reply = parse_frame(
        '{"event":"phx_reply","topic":"realtime:x","ref":"1","payload":'
        '{"status":"ok","response":{"postgres_changes":[{"id":77,"event":"*"}]}}}'
    )
    assert parse_join_reply(reply) == [77]
    refused = {"event": "phx_reply", "payload": {"status": "error", "response": {"reason": "no"}}}
    with pytest.raises(BackendError, match="realtime refused the subscription: no"):
        parse_join_reply(refused)
    with pytest.raises(ValueError, match="not a reply frame"):
        parse_join_reply({"event": "postgres_changes", "payload": {}})
    assert parse_frame('{"event":"heartbeat","topic":"phoenix","payload":{}}')["ref"] is None
    for bad, message in [("nope", "not JSON"), ("[]", "lacks"), ('{"event":1}', "lacks")]:
        with pytest.raises(ValueError, match=message):
            parse_frame(bad)
    with pytest.raises(ValueError, match="payload is not an object"):
        parse_frame('{"event":"e","topic":"t","payload":[]}')


# ------------------------------------------------------------------------ fake Realtime server


class FakeRealtime:
    """Accepts joins (or refuses them), then pushes one change per joined channel."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.frames: list[dict] = []
        self.paths: list[str] = []

    async def handle(self, ws: ServerConnection) -> None:
        self.paths.append(ws.request.path)
        async for text in ws:
            frame = json.loads(text)
            self.frames.append(frame)
            topic, ref = frame["topic"], frame["ref"]
            if frame["event"] == "phx_join":
                bindings = frame["payload"]["config"]["postgres_changes"]
                response = (
                    {"reason": "Unauthorized: you cannot read live_products"}
                    if self.refuse
                    else {"postgres_changes": [{**b, "id": 77} for b in bindings]}
                )
                status = "error" if self.refuse else "ok"
                await ws.send(self.reply(topic, ref, status, response))
                if not self.refuse:
                    change = change_payload("UPDATE", {"id": "a", "position": 2}, {"id": "a"})
                    await ws.send(
                        json.dumps(
                            {"event": "postgres_changes", "topic": topic, "payload": change}
                            | {"ref": None}
                        )
                    )
            elif frame["event"] == "phx_leave":
                await ws.send(self.reply(topic, ref, "ok", {}))

    @staticmethod
    def reply(topic: str, ref: str, status: str, response: dict) -> str:
        payload = {"status": status, "response": response}
        return json.dumps({"event": "phx_reply", "topic": topic, "ref": ref, "payload": payload})

    def of(self, event: str) -> list[dict]:
        return [f for f in self.frames if f["event"] == event]


async def eventually(check: Callable[[], object]) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


def signed_in_store() -> MemorySessionStore:
    store = MemorySessionStore()
    user = {
        "id": "u1",
        "aud": "authenticated",
        "email": "host@demo.shopstream.app",
        "app_metadata": {},
        "user_metadata": {},
        "created_at": "2026-01-01T00:00:00Z",
    }
    expires_at = int(time.time()) + 3600
    session = {"access_token": USER_TOKEN, "refresh_token": "r", "token_type": "bearer"}
    store.save(json.dumps(session | {"expires_in": 3600, "expires_at": expires_at, "user": user}))
    return store


@pytest.mark.asyncio
async def test_subscribe_joins_with_the_user_token_and_delivers_changes(caplog):
    caplog.set_level(logging.DEBUG)
    server = FakeRealtime()
    async with serve(server.handle, "127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        backend = SupabaseBackend(url, ANON_KEY, signed_in_store())
        try:
            await backend.restore_session()
            changes: list[RowChange] = []
            subscription = await backend.subscribe(
                "live_products", eq("session_id", SHOW_ID), changes.append
            )
            await eventually(lambda: changes)
            assert changes == [
                RowChange(
                    "live_products",
                    "UPDATE",
                    {"id": "a", "position": 2},
                    {"id": "a"},
                    "2026-11-24T10:00:00.123Z",
                )
            ]
            expected_url = socket_url(url, ANON_KEY)
            assert server.paths == [expected_url[expected_url.index("/realtime") :]]
            [join] = server.of("phx_join")
            binding = ChangeBinding("live_products", filter=f"session_id=eq.{SHOW_ID}")
            channel = join["topic"].removeprefix("realtime:")
            assert join == join_frame(channel, [binding], USER_TOKEN, join["ref"])
            assert server.of("heartbeat")[0] == heartbeat_frame(None)

            await subscription.unsubscribe()
            await eventually(lambda: server.of("phx_leave"))
            assert server.of("phx_leave")[0]["topic"] == join["topic"]
            assert caplog.records  # the realtime client logs at debug level...
            ours = "\n".join(
                r.getMessage() for r in caplog.records if r.name != "websockets.server"
            )
            assert USER_TOKEN not in ours and ANON_KEY not in ours  # ...but never a secret
        finally:
            await backend.close()


@pytest.mark.asyncio
async def test_a_refused_subscription_raises_and_leaves_the_channel():
    server = FakeRealtime(refuse=True)
    async with serve(server.handle, "127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        backend = SupabaseBackend(f"http://127.0.0.1:{port}", ANON_KEY, MemorySessionStore())
        try:
            with pytest.raises(BackendError, match="cannot read live_products"):
                await backend.subscribe("live_products", None, lambda change: None)
            assert backend._client.realtime.channels == {}
        finally:
            await backend.close()


@pytest.mark.asyncio
async def test_subscribe_refuses_filters_realtime_cannot_apply():
    backend = SupabaseBackend("http://127.0.0.1:9", ANON_KEY, MemorySessionStore())
    try:
        with pytest.raises(ValueError, match="not a valid table or column name"):
            await backend.subscribe("live products", None, lambda change: None)
        with pytest.raises(ValueError, match="realtime filters support"):
            await backend.subscribe("products", ilike("name", "%tote%"), lambda c: None)
    finally:
        await backend.close()
