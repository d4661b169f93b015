"""The 100ms REST API v2 client: rooms from a template, room codes per role, ending a room,
active peers and RTMP restreams, with clear errors and retries only where repeating is safe."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from studio.session.rooms.errors import HmsError, RoomError
from studio.session.rooms.models import Peer, check_rtmp_urls
from studio.session.rooms.token import TokenSource

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.100ms.live/v2"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long a request is tried. `total_s` bounds one call, retries included."""

    attempts: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 30.0
    total_s: float = 45.0

    def backoff(self, attempt: int) -> float:
        """Exponential with jitter, so several studios do not retry in step."""
        delay = min(self.base_delay_s * 2 ** (attempt - 1), self.max_delay_s)
        return delay * (0.5 + random.random() / 2)  # jitter, not a secret


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(body, Mapping):
        return str(body.get("message") or body.get("error") or "").strip()[:200]
    return ""


def error_for(status: int, reason: str, what: str) -> HmsError:
    """The host's words for a 100ms refusal of `what` ("creating the room", …)."""
    said = f": {reason}" if reason else ""
    if status == 401:
        return HmsError("100ms refused the access key or app secret (check them in Settings › "
                        "Video)", status=status, code="unauthorized")
    if status == 403:
        return HmsError(f"100ms refused {what}: the room is disabled or your 100ms plan does "
                        f"not allow it{said}", status=status, code="forbidden")
    if status == 404:
        return HmsError(f"100ms does not know that room ({what}{said})", status=status,
                        code="not_found")
    if status == 429:
        return HmsError(f"100ms is limiting requests ({what}); try again in a minute",
                        status=status, code="rate_limited", retryable=True)
    if status >= 500:
        return HmsError(f"100ms is having trouble (HTTP {status} while {what}); try again "
                        "shortly", status=status, code="unavailable", retryable=True)
    return HmsError(f"100ms refused {what} (HTTP {status}{said})", status=status,
                    code="refused")


class HmsClient:
    """One 100ms app, as its management API. Use `async with HmsClient(...)` or `aclose()`."""

    def __init__(self, access_key: str, secret: str, *, base_url: str = DEFAULT_BASE_URL,
                 retry: RetryPolicy | None = None, http: httpx.AsyncClient | None = None,
                 timeout_s: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._tokens = TokenSource(access_key, secret)
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=5.0))

    def __repr__(self) -> str:
        return f"HmsClient({self.base_url!r})"

    async def __aenter__(self) -> HmsClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # ------------------------------------------------------------------ the API
    async def create_room(self, name: str, template_id: str, description: str = ""
                          ) -> dict[str, Any]:
        """A room from the template (100ms returns the existing room of that name, so asking
        again is safe)."""
        if not name or not template_id:
            raise RoomError("A room needs a name and a 100ms template id", code="bad_input")
        body = {"name": name, "template_id": template_id, "description": description[:200]}
        room = await self._request("POST", "/rooms", body, "creating the room", idempotent=True)
        if not isinstance(room, Mapping) or not room.get("id"):
            raise HmsError("100ms created the room but did not say its id", code="bad_reply")
        return dict(room)

    async def set_room_enabled(self, room_id: str, enabled: bool) -> None:
        """Enable a room again (a room ended with `lock`), or disable one nobody is in."""
        await self._request("POST", f"/rooms/{_seg(room_id)}", {"enabled": bool(enabled)},
                            "enabling the room" if enabled else "disabling the room",
                            idempotent=True)

    async def create_room_codes(self, room_id: str) -> dict[str, str]:
        """A join code for every role of the room's template: role -> code."""
        reply = await self._request("POST", f"/room-codes/room/{_seg(room_id)}", None,
                                    "creating room codes", idempotent=True)
        rows = reply.get("data") if isinstance(reply, Mapping) else None
        if not isinstance(rows, list):
            raise HmsError("100ms answered without room codes", code="bad_reply")
        return {str(r["role"]): str(r["code"]) for r in rows
                if isinstance(r, Mapping) and r.get("enabled", True) and r.get("code")}

    async def end_room(self, room_id: str, reason: str = "The show has ended", *,
                       lock: bool = True) -> None:
        """End the active room; with `lock` nobody can join it again."""
        await self._request("POST", f"/active-rooms/{_seg(room_id)}/end-room",
                            {"reason": reason[:200], "lock": lock}, "ending the room",
                            idempotent=True)

    async def active_peers(self, room_id: str) -> list[Peer]:
        """Who is in the room now (none when the room is not active)."""
        try:
            reply = await self._request("GET", f"/active-rooms/{_seg(room_id)}/peers", None,
                                        "reading who is in the room", idempotent=True)
        except HmsError as exc:
            if exc.status == 404:  # 100ms: no active session in this room
                return []
            raise
        peers = reply.get("peers") if isinstance(reply, Mapping) else None
        if isinstance(peers, Mapping):
            peers = list(peers.values())
        if not isinstance(peers, list):
            raise HmsError("100ms answered without a list of peers", code="bad_reply")
        return [Peer.from_row(p) for p in peers if isinstance(p, Mapping)]

    async def start_restream(self, room_id: str, rtmp_urls: list[str], *,
                             meeting_url: str | None = None, recording: bool = False
                             ) -> dict[str, Any]:
        """Stream the room to RTMP destinations (100ms "external streams"). Not repeated on a
        server error: a second start could stream twice."""
        body: dict[str, Any] = {"rtmp_urls": check_rtmp_urls(rtmp_urls), "recording": recording}
        if meeting_url:
            body["meeting_url"] = meeting_url
        reply = await self._request("POST", f"/external-streams/room/{_seg(room_id)}/start",
                                    body, "starting the restream", idempotent=False)
        return dict(reply) if isinstance(reply, Mapping) else {}

    async def stop_restream(self, room_id: str) -> None:
        await self._request("POST", f"/external-streams/room/{_seg(room_id)}/stop", {},
                            "stopping the restream", idempotent=True)

    # ------------------------------------------------------------------ transport
    async def _request(self, method: str, path: str, body: Any, what: str, *,
                       idempotent: bool) -> Any:
        policy = self.retry
        try:
            async with asyncio.timeout(policy.total_s):
                return await self._attempts(method, path, body, what, idempotent)
        except TimeoutError:
            raise HmsError(f"100ms did not answer in {policy.total_s:g} s ({what})",
                           code="timeout", retryable=True) from None

    async def _attempts(self, method: str, path: str, body: Any, what: str,
                        idempotent: bool) -> Any:
        policy = self.retry
        for attempt in range(1, policy.attempts + 1):
            last = attempt == policy.attempts
            headers = {"Authorization": f"Bearer {self._tokens.get()}"}
            try:
                response = await self._http.request(method, self.base_url + path, json=body,
                                                    headers=headers)
            except httpx.TransportError as exc:
                # A request that never connected was never seen: repeating it is always safe.
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if not last and (idempotent or unsent):
                    await asyncio.sleep(policy.backoff(attempt))
                    continue
                raise HmsError(f"Could not reach 100ms ({type(exc).__name__}) while {what}",
                               code="network", retryable=True) from None
            if response.is_success:
                return _json(response)
            status = response.status_code
            wait = self._retry_wait(response, attempt, idempotent)
            if wait is not None and not last:
                log.info("100ms answered %s while %s; retrying in %.1f s", status, what, wait)
                await asyncio.sleep(wait)
                continue
            if status == 401:
                self._tokens.reset()
            raise error_for(status, _reason(response), what)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _retry_wait(self, response: httpx.Response, attempt: int, idempotent: bool
                    ) -> float | None:
        """How long to wait before trying again, or None when repeating is not safe."""
        status = response.status_code
        if status == 429:  # refused before doing anything: safe for every method
            after = _retry_after(response)
            if after is not None and after > self.retry.max_retry_after_s:
                return None
            return after if after is not None else self.retry.backoff(attempt)
        if status >= 500 and idempotent:
            return self.retry.backoff(attempt)
        return None


def _seg(value: str) -> str:
    if not value or not str(value).strip():
        raise RoomError("No 100ms room id given", code="bad_input")
    return quote(str(value), safe="")


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        raise HmsError("100ms answered with something that is not JSON",
                       code="bad_reply") from None
