"""Words for what went wrong talking to a Supabase project: transport failures, refused keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from studio.sync.backend import NetworkError

_TIMEOUT_PHASES = {
    httpx.ConnectTimeout: ("connect", " while connecting"),
    httpx.ReadTimeout: ("read", " waiting for the reply"),
    httpx.WriteTimeout: ("write", " sending the request"),
    httpx.PoolTimeout: ("pool", " waiting for a free connection"),
}


class AuthUnavailable(NetworkError):
    """Supabase Auth could not renew or confirm the session now: unreachable, timing out, busy
    (429), failing (5xx), answering with something that is not JSON, or refusing the app's API
    key. Nothing is decided about the session: it is kept, and the next request tries again."""


class ApiKeyRejected(AuthUnavailable):
    """The project's API gateway refused the anon key (rotated or mistyped). The session is kept:
    with the current key pasted in Settings it works again."""


def describe_transport(error: BaseException, timeout: float | None = None) -> str:
    """What happened to a request that got no reply, never empty: "timed out after 10 s while
    connecting", "connection failed: [Errno 111] Connection refused"...

    `timeout` is used when the error does not carry the request's own timeouts.
    """
    detail = str(error).strip()
    for kind, (phase, words) in _TIMEOUT_PHASES.items():
        if isinstance(error, kind):
            seconds = _timeout_of(error, phase)
            seconds = seconds if seconds is not None else timeout
            after = f" after {seconds:g} s" if seconds is not None else ""
            return f"timed out{after}{words}"
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return f"timed out after {timeout:g} s" if timeout is not None else "timed out"
    if isinstance(error, httpx.ConnectError):
        return f"connection failed: {detail}" if detail else "connection failed"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"the connection broke: {detail}" if detail else "the connection broke"
    if isinstance(error, httpx.TransportError | OSError):
        return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def _timeout_of(error: httpx.TimeoutException, phase: str) -> float | None:
    try:
        timeouts = error.request.extensions.get("timeout") or {}
    except RuntimeError:  # raised outside a request (no .request)
        return None
    value = timeouts.get(phase)
    return float(value) if isinstance(value, int | float) else None


def json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def api_key_refusal(status: int, body: Any) -> str | None:
    """The gateway's words when it refused the API key itself, else None.

    Supabase's API gateway answers 401 with only a message ("Invalid API key", or Kong's "No
    API key found in request" / "Invalid authentication credentials") before the request
    reaches Auth or PostgREST, whose own errors always carry a `code`.
    """
    if status != 401 or not isinstance(body, Mapping):
        return None
    if any(k in body for k in ("code", "error_code", "error")):
        return None
    message = str(body.get("message") or body.get("msg") or "")
    lowered = message.lower()
    if "api key" in lowered or "apikey" in lowered or "authentication credentials" in lowered:
        return message
    return None


def api_key_rejected(status: int, body: Any) -> ApiKeyRejected | None:
    """An ApiKeyRejected for a gateway refusal of the anon key, else None."""
    refusal = api_key_refusal(status, body)
    if refusal is None:
        return None
    return ApiKeyRejected(
        f"the project refused the app's API key ({refusal}): if the anon key was rotated, "
        "paste the current one in Settings › Workspace",
        status=status,
    )


def status_text(response: httpx.Response) -> str:
    """`HTTP 502 Bad Gateway` (the reason phrase when the server sent one)."""
    reason = response.reason_phrase
    return f"HTTP {response.status_code} {reason}" if reason else f"HTTP {response.status_code}"
