"""Realtime feeds over one socket: each subscription's state, and reconnecting the socket.

realtime-py reconnects on its own but, when it gives up, the error dies in a background task and
every feed is silently dead. Here the socket is reconnected by `RealtimeFeeds` instead (the
client's own auto-reconnect is off), so every subscription always knows its state: joining,
joined, reconnecting, closed, or failed with a reason that tells an auth problem (key or token
refused) from a network one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import websockets.exceptions
from realtime import AsyncRealtimeChannel, AsyncRealtimeClient, RealtimeSubscribeStates

from studio.sync.backend import (
    AuthError,
    BackendError,
    ChangeCallback,
    NetworkError,
    PermissionDenied,
)
from studio.sync.supabase.realtime import ChangeBinding, parse_postgres_change

log = logging.getLogger(__name__)

# Seconds before each reconnect attempt; after the last one fails the feeds are failed.
RETRY_DELAYS_S: tuple[float, ...] = (1, 2, 5, 10, 20, 30)
_channel_numbers = itertools.count(1)

# Realtime's join and system error codes (supabase/realtime, realtime_channel.ex) that mean the
# API key or the user's token was refused, and those that mean "not allowed".
_AUTH_WORDS = ("invalidjwttoken", "malformedjwt", "jwtsignatureerror", "jwtsignererror",
               "token has expired", "jwt", "api key", "apikey", "token")
_REFUSED_WORDS = ("unauthorized", "privateonly", "realtimedisabledfortenant", "tenantnotfound",
                  "permission", "mismatch between server and client bindings")


class FeedState(StrEnum):
    JOINING = "joining"
    JOINED = "joined"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    FAILED = "failed"


class FeedProblem(StrEnum):
    NETWORK = "network"  # could not reach realtime, or the connection broke
    AUTH = "auth"  # the API key or the user's token was refused: sign in again / fix the key
    REFUSED = "refused"  # the server does not allow this feed (permissions, settings)


@dataclass(frozen=True)
class FeedStatus:
    """A feed's state; `reason` says what happened (empty when joined), `problem` its kind."""

    state: FeedState
    reason: str = ""
    problem: FeedProblem | None = None


StatusListener = Callable[[FeedStatus], None]


def classify(reason: str) -> FeedProblem:
    """What kind of problem a server's error text describes."""
    lowered = reason.lower()
    if any(word in lowered for word in _REFUSED_WORDS):
        return FeedProblem.REFUSED
    if any(word in lowered for word in _AUTH_WORDS):
        return FeedProblem.AUTH
    return FeedProblem.NETWORK


def error_text(error: BaseException | None) -> str:
    """The words in a realtime-py error: its JSON payload's reason or message, else the text."""
    if error is None:
        return ""
    text = str(error).strip()
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, Mapping):
        for key in ("reason", "message"):
            value = payload.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return text or type(error).__name__


def socket_failure(error: BaseException) -> tuple[FeedProblem, str]:
    """Why the websocket could not be opened or broke, and what kind of problem that is."""
    if isinstance(error, websockets.exceptions.InvalidStatus):
        status = error.response.status_code
        body = error.response.body.decode("utf-8", "replace").strip() if error.response.body else ""
        said = f": {body.splitlines()[0]}" if body else ""
        if status in (401, 403):
            return FeedProblem.AUTH, f"realtime refused the API key (HTTP {status}{said})"
        return FeedProblem.NETWORK, f"realtime answered HTTP {status}{said}"
    if isinstance(error, websockets.exceptions.ConnectionClosed):
        frame = error.rcvd or error.sent
        if frame is None:
            return FeedProblem.NETWORK, "the connection to realtime broke (no close frame)"
        said = f": {frame.reason}" if frame.reason else ""
        return FeedProblem.NETWORK, f"realtime closed the connection (code {frame.code}{said})"
    if isinstance(error, TimeoutError):
        return FeedProblem.NETWORK, "timed out connecting to realtime"
    if isinstance(error, OSError):
        return FeedProblem.NETWORK, f"could not reach realtime: {error.strerror or error}"
    text = str(error).strip()
    return FeedProblem.NETWORK, f"could not reach realtime: {text or type(error).__name__}"


def _raise_for(status: FeedStatus, table: str) -> None:
    message = f"realtime refused the subscription to {table}: {status.reason}"
    if status.problem is FeedProblem.AUTH:
        raise AuthError(message)
    if status.problem is FeedProblem.REFUSED:
        raise PermissionDenied(message)
    if status.problem is FeedProblem.NETWORK:
        raise NetworkError(f"realtime subscription to {table} failed: {status.reason}")
    raise BackendError(message)


class RealtimeSubscription:
    """One table's feed on a channel. `status` is its current state; listeners hear each
    change. `unsubscribe()` leaves the channel (state CLOSED)."""

    def __init__(self, feeds: RealtimeFeeds, channel: AsyncRealtimeChannel, table: str) -> None:
        self._feeds = feeds
        self._channel = channel
        self.table = table
        self._status = FeedStatus(FeedState.JOINING)
        self._listeners: list[StatusListener] = []
        self._leaving = False
        self._errors = 0  # channel errors in a row while connected

    @property
    def topic(self) -> str:
        return self._channel.topic

    @property
    def status(self) -> FeedStatus:
        return self._status

    def add_status_listener(self, listener: StatusListener) -> None:
        self._listeners.append(listener)

    def _set(self, status: FeedStatus) -> None:
        if status == self._status or self._status.state in (FeedState.CLOSED, FeedState.FAILED):
            return  # closed and failed are final
        self._status = status
        log.info("realtime feed %s: %s %s", self.table, status.state, status.reason)
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:
                log.exception("realtime status listener failed on %s", self.table)

    def _fail(self, reason: str, problem: FeedProblem) -> None:
        self._set(FeedStatus(FeedState.FAILED, reason, problem))
        # Stop realtime-py's own rejoin attempts for this channel: the feed is over.
        self._feeds._drop(self)

    # -- what realtime-py reports for the channel (every state, not only the first)

    def on_channel_state(self, state: RealtimeSubscribeStates, error: Exception | None) -> None:
        if state is RealtimeSubscribeStates.SUBSCRIBED:
            self._errors = 0
            self._set(FeedStatus(FeedState.JOINED))
            return
        if self._status.state is FeedState.JOINING:
            # The first join did not succeed: subscribe() raises with this and leaves.
            reason, problem = self._describe(state, error)
            self._status = FeedStatus(FeedState.FAILED, reason, problem)
            return
        if state is RealtimeSubscribeStates.CLOSED:
            if self._leaving:
                self._set(FeedStatus(FeedState.CLOSED, "unsubscribed"))
            else:
                last = self._status.reason or "the server closed the feed"
                self._fail(last, self._status.problem or classify(last))
        elif state is RealtimeSubscribeStates.CHANNEL_ERROR and not self._feeds.connected:
            # The socket broke: RealtimeFeeds reconnects it and rejoins every channel.
            self._feeds.connection_lost(error)
        else:
            self._channel_error(*self._describe(state, error))

    def _describe(
        self, state: RealtimeSubscribeStates, error: Exception | None
    ) -> tuple[str, FeedProblem]:
        if state is RealtimeSubscribeStates.TIMED_OUT:
            return f"no reply to the join within {self._feeds.join_timeout} s", FeedProblem.NETWORK
        if state is RealtimeSubscribeStates.CLOSED:
            return "the server closed the feed", FeedProblem.NETWORK
        if not self._feeds.connected and error is not None:
            problem, reason = socket_failure(error)
            return reason, problem
        reason = error_text(error) or "the server reported an error"
        return reason, classify(reason)


    def _channel_error(self, reason: str, problem: FeedProblem) -> None:
        if problem is not FeedProblem.NETWORK:
            self._fail(reason, problem)
            return
        self._errors += 1
        if self._errors >= len(self._feeds.retry_delays):
            self._fail(f"gave up after {self._errors} failed joins: {reason}", problem)
        else:
            # realtime-py rejoins this channel on its own timer.
            self._set(FeedStatus(FeedState.RECONNECTING, reason, problem))

    async def unsubscribe(self) -> None:
        self._leaving = True
        await self._feeds._remove(self)
        self._set(FeedStatus(FeedState.CLOSED, "unsubscribed"))


class RealtimeFeeds:
    """The subscriptions on one realtime-py client, and the reconnecting of its socket."""

    def __init__(
        self, client: AsyncRealtimeClient, retry_delays: Sequence[float] = RETRY_DELAYS_S
    ) -> None:
        if not retry_delays:
            raise ValueError("retry_delays needs at least one delay")
        self.client = client
        # Reconnecting is done here, where giving up can be reported.
        client.auto_reconnect = False
        self.retry_delays = tuple(retry_delays)
        self._subscriptions: list[RealtimeSubscription] = []
        self._reconnecting: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self.client.is_connected

    @property
    def join_timeout(self) -> float:
        return self.client.timeout

    async def subscribe(
        self,
        binding: ChangeBinding,
        callback: ChangeCallback,
        access_token: str | None,
        on_status: StatusListener | None = None,
    ) -> RealtimeSubscription:
        """Join a new channel for `binding`; returns once the server accepted it.

        Raises AuthError when the key or token is refused, PermissionDenied when the feed is
        not allowed, NetworkError when realtime cannot be reached; nothing is left joined then.
        """
        if access_token:
            await self.client.set_auth(access_token)
        channel = self.client.channel(f"studio-{binding.table}-{next(_channel_numbers)}")
        subscription = RealtimeSubscription(self, channel, binding.table)
        if on_status is not None:
            subscription.add_status_listener(on_status)

        def deliver(payload: Mapping[str, Any]) -> None:
            try:
                change = parse_postgres_change(payload)
            except ValueError:
                log.warning("ignored a malformed realtime change on %s", binding.table)
                return
            try:
                callback(change)
            except Exception:
                # A failing consumer must not stop the feed for the changes after this one.
                log.exception("realtime change handler failed on %s", binding.table)

        channel.on_postgres_changes(
            binding.event, deliver, table=binding.table, schema=binding.schema,
            filter=binding.filter,
        )
        try:
            if not self.connected:
                await self.client.connect()
            await channel.subscribe(subscription.on_channel_state)
        except Exception as e:
            await self._discard(channel)
            problem, reason = socket_failure(e)
            if problem is FeedProblem.AUTH:
                raise AuthError(reason) from e
            raise NetworkError(reason) from e
        if subscription.status.state is not FeedState.JOINED:
            await self._discard(channel)
            _raise_for(subscription.status, binding.table)
        self._subscriptions.append(subscription)
        return subscription

    def connection_lost(self, error: BaseException | None) -> None:
        """Every feed is reconnecting; start reconnecting the socket (once)."""
        reason = (
            socket_failure(error)[1] if error is not None else "the connection to realtime broke"
        )
        for subscription in list(self._subscriptions):
            subscription._set(FeedStatus(FeedState.RECONNECTING, reason, FeedProblem.NETWORK))
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect(reason))

    async def _reconnect(self, reason: str) -> None:
        for attempt, delay in enumerate(self.retry_delays, start=1):
            await asyncio.sleep(delay)
            if not self._subscriptions or self.connected:
                return
            try:
                # One attempt (auto-reconnect is off); on success realtime-py rejoins every
                # errored channel, whose SUBSCRIBED reply sets each feed back to joined.
                await self.client.connect()
                return
            except Exception as e:
                problem, reason = socket_failure(e)
                log.warning("realtime reconnect %d failed: %s", attempt, reason)
                if problem is FeedProblem.AUTH:
                    self._fail_all(reason, problem)
                    return
                for subscription in list(self._subscriptions):
                    subscription._set(FeedStatus(
                        FeedState.RECONNECTING, f"{reason} (attempt {attempt})", problem))
        self._fail_all(
            f"gave up reconnecting after {len(self.retry_delays)} attempts: {reason}",
            FeedProblem.NETWORK,
        )

    def _fail_all(self, reason: str, problem: FeedProblem) -> None:
        for subscription in list(self._subscriptions):
            subscription._fail(reason, problem)

    def _drop(self, subscription: RealtimeSubscription) -> None:
        """Forget a failed feed and take its channel off the socket, in the background."""
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
        task = asyncio.get_running_loop().create_task(self._discard(subscription._channel))
        task.add_done_callback(_log_failure)

    async def _remove(self, subscription: RealtimeSubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
        await self._discard(subscription._channel)

    async def _discard(self, channel: AsyncRealtimeChannel) -> None:
        channel.rejoin_timer.reset()
        if not self.connected:
            # Nothing to leave on a dead socket: just forget the channel.
            channel.join_push.destroy()
            self.client._remove_channel(channel)  # realtime-py's own bookkeeping
            if not self.client.channels:
                await self.client.close()
            return
        await self.client.remove_channel(channel)

    async def close(self) -> None:
        """Stop reconnecting and leave every channel."""
        task, self._reconnecting = self._reconnecting, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for subscription in list(self._subscriptions):
            subscription._leaving = True
        self._subscriptions.clear()
        await self.client.remove_all_channels()


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("could not leave a failed realtime channel: %s", task.exception())
