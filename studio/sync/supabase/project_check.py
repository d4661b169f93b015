"""Checks a Supabase project URL and anon key with one cheap request before switching to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx

from studio.sync.supabase.failures import (
    api_key_refusal,
    describe_transport,
    json_body,
    status_text,
)

CHECK_TIMEOUT_S = 10.0
SETTINGS_PATH = "/auth/v1/settings"


class ProjectCheckFailed(Exception):
    """The project cannot be used as given; `field` ("url" or "key") is the one to fix."""

    def __init__(self, field: Literal["url", "key"], message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ProjectCheck:
    """What the check found: the URL as used, and whether email sign-in is enabled there."""

    url: str
    email_sign_in: bool


def project_url_problem(url: str) -> str | None:
    """Why `url` is not a project's base URL, beyond the basic checks: a path such as
    `/rest/v1/` (the studio adds the API paths itself). None when it is fine."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if path:
        base = f"{parts.scheme}://{parts.netloc}"
        return (
            f"Enter the project URL without a path ({base}): the studio adds /rest/v1, "
            "/auth/v1 and /realtime/v1 itself"
        )
    return None


async def check_project(
    url: str,
    anon_key: str,
    *,
    timeout: float = CHECK_TIMEOUT_S,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ProjectCheck:
    """`GET {url}/auth/v1/settings` with the key as `apikey`: the API gateway refuses a wrong
    key (401), and only a Supabase project answers with Auth's settings.

    Raises ProjectCheckFailed naming the field to fix and what happened; changes nothing.
    """
    base = url.strip().rstrip("/")
    host = urlsplit(base).netloc or base
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(timeout), transport=transport, follow_redirects=False
    ) as client:
        try:
            response = await client.get(
                base + SETTINGS_PATH, headers={"apikey": anon_key.strip()}
            )
        except httpx.TransportError as e:
            raise ProjectCheckFailed(
                "url", f"Could not reach {host}: {describe_transport(e, timeout)}"
            ) from e
        except httpx.InvalidURL as e:
            raise ProjectCheckFailed("url", f"Not a usable URL: {e}") from e
    body = json_body(response)
    status = response.status_code
    if response.is_redirect:
        where = response.headers.get("location", "another address")
        raise ProjectCheckFailed(
            "url", f"{host} redirects to {where}: enter the project's own URL"
        )
    refusal = api_key_refusal(status, body)
    if status in (401, 403):
        said = refusal or _message(body) or status_text(response)
        raise ProjectCheckFailed(
            "key",
            f"The project refused this key ({said}): copy the anon key of this project from "
            "Project Settings > API",
        )
    if status == 404:
        raise ProjectCheckFailed(
            "url", f"No Supabase project answers at {host} ({status_text(response)} for "
            f"{SETTINGS_PATH}): check the URL"
        )
    if status == 429 or status >= 500:
        raise ProjectCheckFailed(
            "url", f"The project could not answer now ({status_text(response)}): try again in "
            "a moment"
        )
    if not response.is_success or not isinstance(body, Mapping) or "external" not in body:
        raise ProjectCheckFailed(
            "url", f"{host} answers ({status_text(response)}), but not as a Supabase project: "
            "check the URL"
        )
    external = body.get("external")
    email = bool(external.get("email", True)) if isinstance(external, Mapping) else True
    return ProjectCheck(base, email)


def _message(body: object) -> str:
    if isinstance(body, Mapping):
        for key in ("message", "msg", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""
