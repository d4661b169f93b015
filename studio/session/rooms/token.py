"""The 100ms management token: an HS256 JWT signed with the app secret, short-lived and cached."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import jwt

DEFAULT_TTL_S = 3600
# A token this close to its expiry is replaced before a request, never sent.
RENEW_BEFORE_S = 60


def management_token(access_key: str, secret: str, *, now: float | None = None,
                     ttl_s: int = DEFAULT_TTL_S) -> str:
    """A management token for the 100ms REST API v2 (claims as 100ms documents them)."""
    if not access_key or not secret:
        raise ValueError("a 100ms access key and app secret are both needed")
    if ttl_s <= 0:
        raise ValueError("the token's lifetime must be positive")
    issued = int(time.time() if now is None else now)
    claims = {"access_key": access_key, "type": "management", "version": 2,
              "iat": issued, "nbf": issued, "exp": issued + ttl_s, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, secret, algorithm="HS256")


class TokenSource:
    """Hands out the current management token, minting a new one near expiry."""

    def __init__(self, access_key: str, secret: str, *, ttl_s: int = DEFAULT_TTL_S,
                 clock: Callable[[], float] = time.time) -> None:
        self._access_key, self._secret = access_key, secret
        self._ttl, self._clock = ttl_s, clock
        self._token: str | None = None
        self._expires = 0.0

    def __repr__(self) -> str:  # never the secret, in logs or tracebacks
        return f"TokenSource(access_key={self._access_key[:4]}…)"

    def get(self) -> str:
        now = self._clock()
        if self._token is None or now >= self._expires - RENEW_BEFORE_S:
            self._token = management_token(self._access_key, self._secret, now=now,
                                           ttl_s=self._ttl)
            self._expires = int(now) + self._ttl
        return self._token

    def reset(self) -> None:
        """Forget the token (after 100ms refused it: the next request signs a fresh one)."""
        self._token = None
