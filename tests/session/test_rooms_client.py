"""The 100ms REST client against a local server that verifies every management token."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import jwt
import pytest
from hms_mock import HmsMock

from studio.session.errors import SessionError
from studio.session.rooms.client import HmsClient, RetryPolicy
from studio.session.rooms.errors import HmsError, RoomError
from studio.session.rooms.token import management_token

pytestmark = pytest.mark.asyncio
FAST = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.02, max_retry_after_s=5.0,
                   total_s=10.0)


@pytest.fixture
def hms() -> Iterator[HmsMock]:
    with HmsMock() as mock:
        yield mock


def client_for(hms: HmsMock, *, secret: str | None = None, access_key: str | None = None,
               retry: RetryPolicy = FAST) -> HmsClient:
    return HmsClient(access_key or hms.access_key, secret or hms.secret, base_url=hms.base_url,
                     retry=retry)


async def opened_room(hms: HmsMock) -> str:
    async with client_for(hms) as client:
        room = await client.create_room("show-1", "tpl-1")
        await client.create_room_codes(room["id"])
    return str(room["id"])


# ---------------------------------------------------------------------- the endpoints
async def test_create_room_codes_end_and_peers_against_the_documented_endpoints(
        hms: HmsMock) -> None:
    async with client_for(hms) as client:
        room = await client.create_room("show-42", "tpl-9", "Spring sale")
        codes = await client.create_room_codes(room["id"])
        hms.join(room["id"], "user-a", "viewer")
        hms.join(room["id"], "user-b", "host")
        peers = await client.active_peers(room["id"])
        await client.end_room(room["id"], "Show over")
        after = await client.active_peers(room["id"])

    assert hms.calls("POST", "/rooms") == [
        {"name": "show-42", "template_id": "tpl-9", "description": "Spring sale"}]
    assert set(codes) == {"host", "co-host", "viewer"}
    assert codes == hms.rooms[room["id"]].codes
    assert sorted((p.user_id, p.role) for p in peers) == [("user-a", "viewer"),
                                                          ("user-b", "host")]
    assert hms.rooms[room["id"]].end_bodies == [{"reason": "Show over", "lock": True}]
    assert not hms.rooms[room["id"]].enabled  # locked: nobody joins again
    assert after == []  # no active session any more
    assert hms.refused_tokens == []


async def test_restream_start_and_stop(hms: HmsMock) -> None:
    room = await opened_room(hms)
    urls = ["rtmp://a.rtmp.youtube.com/live2/key-1", "rtmps://live.example.com/app/key-2"]
    async with client_for(hms) as client:
        started = await client.start_restream(
            room, urls, meeting_url="https://x.app.100ms.live/meeting/abc-defg-hij")
        assert hms.rooms[room].stream is not None
        await client.stop_restream(room)

    assert started["status"] == "starting"
    assert hms.calls("POST", "/external-streams/room/")[0]["rtmp_urls"] == urls
    assert hms.rooms[room].stream is None


@pytest.mark.parametrize(("urls", "words"), [
    ([], "at least one platform"),
    (["http://example.com/live"], "rtmp:// or rtmps://"),
    (["rtmp://a/1", "rtmp://a/2", "rtmp://a/3", "rtmp://a/4"], "at most 3"),
    (["rtmp://a/1", "rtmp://a/1"], "listed twice"),
    ("rtmp://a/1", "a list of RTMP URLs"),
])
async def test_bad_restream_destinations_are_refused_before_anything_is_sent(
        hms: HmsMock, urls: object, words: str) -> None:
    room = await opened_room(hms)
    sent = len(hms.requests)
    async with client_for(hms) as client:
        with pytest.raises(RoomError, match=words):
            await client.start_restream(room, urls)  # type: ignore[arg-type]
    assert len(hms.requests) == sent
    assert hms.rooms[room].stream is None


# ---------------------------------------------------------------------- refused tokens
async def test_a_token_signed_with_another_secret_is_refused_and_mapped(hms: HmsMock) -> None:
    async with client_for(hms, secret="not-the-app-secret-but-just-as-long-as-it") as client:
        with pytest.raises(HmsError, match="refused the access key or app secret") as caught:
            await client.create_room("show-1", "tpl")
    assert caught.value.status == 401 and caught.value.code == "unauthorized"
    assert "Signature verification failed" in hms.refused_tokens[0]
    assert hms.rooms == {}
    assert isinstance(caught.value, SessionError)  # the control room shows it as a refusal


async def test_a_token_for_another_access_key_is_refused(hms: HmsMock) -> None:
    async with client_for(hms, access_key="ak_someone_else") as client:
        with pytest.raises(HmsError, match="Settings › Video"):
            await client.create_room("show-1", "tpl")
    assert hms.refused_tokens == ["unknown access key"]
    assert len(hms.requests) == 1  # a 401 is never retried


async def test_the_mock_refuses_an_expired_or_wrong_type_token(hms: HmsMock) -> None:
    import httpx

    expired = management_token(hms.access_key, hms.secret, now=1_000_000, ttl_s=60)
    app_token = jwt.encode({"access_key": hms.access_key, "type": "app", "version": 2,
                            "iat": 1, "nbf": 1, "exp": 9_999_999_999, "jti": "x"},
                           hms.secret, algorithm="HS256")
    async with httpx.AsyncClient() as http:
        for token in (expired, app_token):
            reply = await http.post(f"{hms.base_url}/rooms", json={"name": "a",
                                                                   "template_id": "t"},
                                    headers={"Authorization": f"Bearer {token}"})
            assert reply.status_code == 401
    assert "expired" in hms.refused_tokens[0]
    assert hms.refused_tokens[1] == "token type must be management"


# ---------------------------------------------------------------------- error mapping
@pytest.mark.parametrize(("status", "code", "words"), [
    (403, "forbidden", "room is disabled or your 100ms plan"),
    (404, "not_found", "does not know that room"),
    (429, "rate_limited", "limiting requests"),
    (502, "unavailable", "having trouble \\(HTTP 502"),
    (400, "refused", "HTTP 400"),
])
async def test_refusals_are_mapped_to_clear_messages(hms: HmsMock, status: int, code: str,
                                                     words: str) -> None:
    room = await opened_room(hms)
    # Enough failures to outlast every retry.
    hms.fail_next("POST", "/room-codes/room/", status, times=FAST.attempts)
    async with client_for(hms) as client:
        with pytest.raises(HmsError, match=words) as caught:
            await client.create_room_codes(room)
    assert caught.value.status == status and caught.value.code == code
    assert caught.value.retryable is (status in (429, 502))


async def test_a_real_404_for_an_unknown_room(hms: HmsMock) -> None:
    async with client_for(hms) as client:
        with pytest.raises(HmsError, match="does not know that room"):
            await client.create_room_codes("room-that-does-not-exist")
        with pytest.raises(HmsError, match="does not know that room"):
            await client.end_room("room-that-does-not-exist")


# ---------------------------------------------------------------------- retries
async def test_a_get_is_retried_after_a_server_error(hms: HmsMock) -> None:
    room = await opened_room(hms)
    hms.join(room, "user-a")
    hms.fail_next("GET", "/peers", 503, times=2)
    async with client_for(hms) as client:
        peers = await client.active_peers(room)
    assert [p.user_id for p in peers] == ["user-a"]
    assert len(hms.calls("GET", "/peers")) == 3


async def test_429_with_retry_after_is_retried_even_for_a_post(hms: HmsMock) -> None:
    room = await opened_room(hms)
    hms.fail_next("POST", "/external-streams/", 429, headers={"Retry-After": "0"})
    async with client_for(hms) as client:
        await client.start_restream(room, ["rtmp://a.rtmp.youtube.com/live2/k"])
    assert len(hms.calls("POST", "/external-streams/")) == 2
    assert hms.rooms[room].stream is not None


async def test_429_asking_for_a_long_wait_is_not_waited_for(hms: HmsMock) -> None:
    room = await opened_room(hms)
    hms.fail_next("GET", "/peers", 429, headers={"Retry-After": "3600"})
    async with client_for(hms) as client:
        with pytest.raises(HmsError, match="limiting requests"):
            await client.active_peers(room)
    assert len(hms.calls("GET", "/peers")) == 1


async def test_a_restream_start_is_not_repeated_after_a_server_error(hms: HmsMock) -> None:
    room = await opened_room(hms)
    hms.fail_next("POST", "/external-streams/", 500)
    async with client_for(hms) as client:
        with pytest.raises(HmsError, match="having trouble"):
            await client.start_restream(room, ["rtmp://a.rtmp.youtube.com/live2/k"])
    assert len(hms.calls("POST", "/external-streams/")) == 1


async def test_ending_a_room_is_retried_after_a_server_error(hms: HmsMock) -> None:
    room = await opened_room(hms)
    hms.fail_next("POST", "/end-room", 502)
    async with client_for(hms) as client:
        await client.end_room(room)
    assert len(hms.calls("POST", "/end-room")) == 2
    assert not hms.rooms[room].active


async def test_an_unreachable_server_is_a_clear_network_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with HmsClient("ak", "a-secret-long-enough-for-hs256-keys", base_url=f"http://127.0.0.1:{port}/v2",
                         retry=FAST) as client:
        with pytest.raises(HmsError, match="Could not reach 100ms") as caught:
            await client.create_room("show-1", "tpl")
    assert caught.value.code == "network" and caught.value.retryable


async def test_a_call_is_bounded_by_its_total_time() -> None:
    with HmsMock(delay_s=0.5) as slow:
        policy = RetryPolicy(attempts=1, total_s=0.1)
        async with client_for(slow, retry=policy) as client:
            with pytest.raises(HmsError, match="did not answer") as caught:
                await client.create_room("show-1", "tpl")
    assert caught.value.code == "timeout"


async def test_a_room_is_disabled_and_enabled_again(hms: HmsMock) -> None:
    room = await opened_room(hms)
    async with client_for(hms) as client:
        await client.set_room_enabled(room, False)
        assert not hms.rooms[room].enabled
        with pytest.raises(HmsError, match="room is disabled"):
            await client.create_room_codes(room)
        await client.set_room_enabled(room, True)
        await client.create_room_codes(room)
    assert hms.calls("POST", f"/rooms/{room}") == [{"enabled": False}, {"enabled": True}]
