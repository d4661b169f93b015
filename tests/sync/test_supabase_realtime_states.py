"""Realtime feed states against a fake Phoenix server: joined, reconnecting, closed, failed (auth
apart from network), and what happens when reconnecting gives up."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from http import HTTPStatus

import pytest
import pytest_asyncio
from realtime import AsyncRealtimeClient
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from studio.sync.backend import AuthError, NetworkError, PermissionDenied, RowChange
from studio.sync.session_store import MemorySessionStore
from studio.sync.supabase.backend import SupabaseBackend
from studio.sync.supabase.realtime import ChangeBinding
from studio.sync.supabase.realtime_feed import FeedProblem, FeedState, FeedStatus, RealtimeFeeds

ANON_KEY = "sb_publishable_test_key"
RETRIES = (0.05, 0.05, 0.05)


def change_frame(topic: str, position: int) -> str:
    data = {
        "schema": "public", "table": "live_products", "type": "UPDATE",
        "commit_timestamp": "2026-11-24T10:00:00Z", "columns": [],
        "record": {"id": "a", "position": position}, "old_record": {"id": "a"}, "errors": None,
    }
    return json.dumps({"event": "postgres_changes", "topic": topic, "ref": None,
                       "payload": {"data": data, "ids": [77]}})


class PhoenixServer:
    """Answers joins (or refuses them), heartbeats and leaves; can refuse the handshake, drop
    connections, or push frames to every joined topic."""

    def __init__(self) -> None:
        self.refuse_join: str | None = None
        self.refuse_handshake: HTTPStatus | None = None
        self.silent_joins = False
        self.handshakes = 0
        self.connections: list[ServerConnection] = []
        self.topics: list[str] = []

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.handshakes += 1
        if self.refuse_handshake is not None:
            return connection.respond(self.refuse_handshake, "Invalid API key\n")
        return None

    async def handle(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        async for text in ws:
            frame = json.loads(text)
            topic, ref, event = frame["topic"], frame["ref"], frame["event"]
            if event == "phx_join":
                if self.silent_joins:
                    continue
                if self.refuse_join:
                    await ws.send(self.reply(topic, ref, "error", {"reason": self.refuse_join}))
                    continue
                bindings = frame["payload"]["config"]["postgres_changes"]
                response = {"postgres_changes": [{**b, "id": 77} for b in bindings]}
                await ws.send(self.reply(topic, ref, "ok", response))
                self.topics.append(topic)
            elif event in ("heartbeat", "phx_leave", "access_token"):
                await ws.send(self.reply(topic, ref, "ok", {}))

    @staticmethod
    def reply(topic: str, ref: str, status: str, response: dict) -> str:
        payload = {"status": status, "response": response}
        return json.dumps({"event": "phx_reply", "topic": topic, "ref": ref, "payload": payload})

    async def push(self, frame: str) -> None:
        await self.connections[-1].send(frame)


async def eventually(check: Callable[[], object]) -> None:
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


@pytest_asyncio.fixture
async def phoenix():
    server = PhoenixServer()
    async with serve(server.handle, "127.0.0.1", 0, process_request=server.process_request) as ws:
        server.port = ws.sockets[0].getsockname()[1]
        server.ws_server = ws
        yield server


@pytest_asyncio.fixture
async def feeds(phoenix):
    client = AsyncRealtimeClient(
        f"http://127.0.0.1:{phoenix.port}/realtime/v1", token=ANON_KEY, timeout=1
    )
    feeds = RealtimeFeeds(client, retry_delays=RETRIES)
    yield feeds
    await feeds.close()


async def subscribe(feeds: RealtimeFeeds, seen: list[FeedStatus], changes: list[RowChange]):
    return await feeds.subscribe(
        ChangeBinding("live_products"), changes.append, "user-token", on_status=seen.append
    )


@pytest.mark.asyncio
async def test_the_feed_goes_reconnecting_then_joined_again(phoenix, feeds):
    seen: list[FeedStatus] = []
    changes: list[RowChange] = []
    subscription = await subscribe(feeds, seen, changes)
    assert subscription.status == FeedStatus(FeedState.JOINED)

    await phoenix.connections[-1].close(1011, "restarting")
    await eventually(lambda: len(seen) >= 3)
    assert [s.state for s in seen] == [FeedState.JOINED, FeedState.RECONNECTING, FeedState.JOINED]
    assert seen[1].reason == "realtime closed the connection (code 1011: restarting)"
    assert seen[1].problem is FeedProblem.NETWORK
    assert phoenix.handshakes == 2 and len(phoenix.topics) == 2  # rejoined the same topic
    assert phoenix.topics[0] == phoenix.topics[1] == subscription.topic

    await phoenix.push(change_frame(subscription.topic, 5))
    await eventually(lambda: changes)
    assert changes[0].record == {"id": "a", "position": 5}  # the feed is alive again


@pytest.mark.asyncio
async def test_giving_up_reconnecting_fails_the_feed_and_says_why(phoenix, feeds):
    seen: list[FeedStatus] = []
    subscription = await subscribe(feeds, seen, [])
    phoenix.ws_server.close()  # the server is gone for good
    await eventually(lambda: subscription.status.state is FeedState.FAILED)
    status = subscription.status
    assert status.problem is FeedProblem.NETWORK
    assert status.reason.startswith("gave up reconnecting after 3 attempts: could not reach")
    assert [s.state for s in seen][-1] is FeedState.FAILED
    assert FeedState.RECONNECTING in [s.state for s in seen]
    await eventually(lambda: feeds.client.channels == {})  # nothing left retrying


@pytest.mark.asyncio
async def test_a_rejected_key_is_an_auth_error_not_a_network_problem(phoenix, feeds):
    phoenix.refuse_handshake = HTTPStatus.UNAUTHORIZED
    with pytest.raises(AuthError, match=r"refused the API key \(HTTP 401: Invalid API key\)"):
        await subscribe(feeds, [], [])
    assert phoenix.handshakes == 1  # refused once is enough: no retries
    assert feeds.client.channels == {}


@pytest.mark.asyncio
async def test_a_key_rejected_while_reconnecting_fails_at_once_as_auth(phoenix, feeds):
    subscription = await subscribe(feeds, [], [])
    phoenix.refuse_handshake = HTTPStatus.FORBIDDEN
    await phoenix.connections[-1].close(1011, "key rotated")
    await eventually(lambda: subscription.status.state is FeedState.FAILED)
    assert subscription.status.problem is FeedProblem.AUTH
    assert "refused the API key (HTTP 403" in subscription.status.reason
    assert phoenix.handshakes == 2  # no further attempts after the refusal


@pytest.mark.asyncio
async def test_a_token_expiring_while_joined_fails_the_feed_as_auth(phoenix, feeds):
    seen: list[FeedStatus] = []
    subscription = await subscribe(feeds, seen, [])
    topic = subscription.topic
    system = {"status": "error", "extension": "system", "channel": topic.split(":", 1)[1],
              "message": "Token has expired 3 seconds ago"}
    await phoenix.push(json.dumps(
        {"event": "system", "topic": topic, "ref": None, "payload": system}))
    await phoenix.push(json.dumps(
        {"event": "phx_close", "topic": topic, "ref": None, "payload": {}}))
    await eventually(lambda: subscription.status.state is FeedState.FAILED)
    assert subscription.status == FeedStatus(
        FeedState.FAILED, "Token has expired 3 seconds ago", FeedProblem.AUTH)
    assert [s.state for s in seen] == [FeedState.JOINED, FeedState.FAILED]  # final


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("InvalidJWTToken: Token has expired 10 seconds ago", AuthError),
        ("Unauthorized: You do not have permissions to read from this Channel topic",
         PermissionDenied),
    ],
)
async def test_a_refused_join_says_whether_it_is_auth_or_permission(phoenix, feeds, reason,
                                                                     error):
    phoenix.refuse_join = reason
    with pytest.raises(error, match=reason.split(":")[0]) as caught:
        await subscribe(feeds, [], [])
    assert not isinstance(caught.value, NetworkError)
    assert feeds.client.channels == {}


@pytest.mark.asyncio
async def test_an_unanswered_join_times_out_as_a_network_problem(phoenix, feeds):
    phoenix.silent_joins = True
    with pytest.raises(NetworkError, match="no reply to the join within 1 s"):
        await subscribe(feeds, [], [])


@pytest.mark.asyncio
async def test_unsubscribing_closes_the_feed(phoenix, feeds):
    seen: list[FeedStatus] = []
    subscription = await subscribe(feeds, seen, [])
    await subscription.unsubscribe()
    assert subscription.status == FeedStatus(FeedState.CLOSED, "unsubscribed")
    assert seen[-1].state is FeedState.CLOSED


@pytest.mark.asyncio
async def test_the_backend_reports_a_rejected_key_as_auth(phoenix):
    backend = SupabaseBackend(f"http://127.0.0.1:{phoenix.port}", ANON_KEY, MemorySessionStore())
    phoenix.refuse_handshake = HTTPStatus.UNAUTHORIZED
    try:
        with pytest.raises(AuthError, match="realtime refused the API key"):
            await backend.subscribe("live_products", None, lambda change: None)
    finally:
        await backend.close()
