"""What a video room is to the studio: its id, a code per role, its subdomain, its peers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from studio.session.rooms.errors import RoomError

# The roles a show's room template has (the template on 100ms must name them so).
ROLES = ("host", "co-host", "viewer")
_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_CODE = re.compile(r"^[A-Za-z0-9-]{3,64}$")
MAX_RTMP_URLS = 3


@dataclass(frozen=True, slots=True)
class RoomInfo:
    """A show's open room: the 100ms room id, a join code per role, and the Prebuilt subdomain."""

    room_id: str
    codes: Mapping[str, str]
    subdomain: str = ""

    @property
    def host_code(self) -> str | None:
        return self.codes.get("host")

    def url_for(self, role: str) -> str | None:
        """The Prebuilt link for a role's code, or None without subdomain or code."""
        code = self.codes.get(role)
        if not code or not self.subdomain:
            return None
        return prebuilt_url(self.subdomain, code)

    @classmethod
    def from_reply(cls, reply: Any, subdomain: str = "") -> RoomInfo:
        """From the edge function's `open` reply: {"room_id", "codes": {...}, "subdomain"}."""
        if not isinstance(reply, Mapping) or not isinstance(reply.get("codes"), Mapping):
            raise RoomError("The video service answered without a room and its codes",
                            code="bad_reply")
        room_id = str(reply.get("room_id") or "")
        codes = {str(k): str(v) for k, v in reply["codes"].items() if v}
        if not room_id or not codes.get("host"):
            raise RoomError("The video service answered without a room id or host code",
                            code="bad_reply")
        return cls(room_id, codes, str(reply.get("subdomain") or subdomain))


@dataclass(frozen=True, slots=True)
class Peer:
    """Someone in the room now, as 100ms reports them."""

    peer_id: str
    user_id: str
    role: str
    joined_at: str = ""
    name: str = field(default="", compare=False)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Peer:
        return cls(str(row.get("peer_id") or row.get("id") or ""), str(row.get("user_id") or ""),
                   str(row.get("role") or ""), str(row.get("joined_at") or ""),
                   str(row.get("name") or ""))


def check_subdomain(subdomain: str) -> str:
    """The 100ms app subdomain ("myshop" of myshop.app.100ms.live), checked."""
    value = (subdomain or "").strip().lower()
    if value.endswith(".app.100ms.live"):
        value = value.removesuffix(".app.100ms.live")
    if not _SUBDOMAIN.match(value):
        raise RoomError("The 100ms subdomain is the first part of <subdomain>.app.100ms.live: "
                        "letters, digits and dashes", code="bad_input")
    return value


def prebuilt_url(subdomain: str, code: str) -> str:
    """The 100ms Prebuilt meeting link for a room code."""
    if not code or not _CODE.match(code):
        raise RoomError(f"{code!r} is not a 100ms room code", code="bad_input")
    return f"https://{check_subdomain(subdomain)}.app.100ms.live/meeting/{quote(code)}"


def check_rtmp_urls(urls: Any) -> list[str]:
    """Restream destinations: one to three rtmp:// or rtmps:// URLs."""
    if isinstance(urls, str) or not isinstance(urls, list | tuple):
        raise RoomError("Restream destinations are a list of RTMP URLs", code="bad_input")
    cleaned = [str(u).strip() for u in urls]
    if not cleaned:
        raise RoomError("Choose at least one platform to restream to (its stream key is set in "
                        "Settings › Video)", code="bad_input")
    if len(cleaned) > MAX_RTMP_URLS:
        raise RoomError(f"100ms restreams to at most {MAX_RTMP_URLS} platforms at once",
                        code="bad_input")
    for url in cleaned:
        if not url.startswith(("rtmp://", "rtmps://")) or len(url) > 1024 or " " in url:
            raise RoomError("A restream destination must be an rtmp:// or rtmps:// URL",
                            code="bad_input")
    if len(set(cleaned)) != len(cleaned):
        raise RoomError("The same destination is listed twice", code="bad_input")
    return cleaned
