"""The 100ms management token: claims, signature, renewal, and the secret kept out of sight."""

from __future__ import annotations

import jwt
import pytest

from studio.session.rooms.token import TokenSource, management_token

SECRET = "s3cret-of-the-100ms-app-0123456789abcdef"


def test_the_management_token_carries_the_documented_claims() -> None:
    token = management_token("ak_1", SECRET, now=1_000_000, ttl_s=600)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False,
                                                                        "verify_nbf": False,
                                                                        "verify_iat": False})
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert {k: claims[k] for k in ("access_key", "type", "version", "iat", "nbf", "exp")} == {
        "access_key": "ak_1", "type": "management", "version": 2, "iat": 1_000_000,
        "nbf": 1_000_000, "exp": 1_000_600}
    assert len(claims["jti"]) >= 32
    assert management_token("ak_1", SECRET, now=1_000_000) != token  # a fresh jti each time


def test_a_token_is_reused_until_close_to_expiry_and_never_shows_the_secret() -> None:
    now = [1_000_000.0]
    source = TokenSource("ak_1", SECRET, ttl_s=600, clock=lambda: now[0])
    first = source.get()
    now[0] += 300
    assert source.get() == first
    now[0] += 250  # within the last minute: renewed
    assert source.get() != first
    assert SECRET not in repr(source)


def test_a_token_without_key_or_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="access key and app secret"):
        management_token("", SECRET)
    with pytest.raises(ValueError, match="access key and app secret"):
        management_token("ak", "")
