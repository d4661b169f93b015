"""Shared setup for the Supabase contract tests: a fake keyring, the backend, request helpers."""

from __future__ import annotations

import base64
import json
import time
from decimal import Decimal

import httpx
import keyring
import keyring.errors
import pytest
import pytest_asyncio
from keyring.backend import KeyringBackend

from studio.sync.session_store import SERVICE_NAME, KeyringSessionStore
from studio.sync.supabase.backend import SupabaseBackend

URL = "https://proj.supabase.co"
HOST = "proj.supabase.co"
USER_ID = "00000000-0000-4000-a000-000000000101"
EMAIL = "host@demo.shopstream.app"
SHOW_ID = "11111111-1111-4111-8111-111111111111"
ITEM_ID = "22222222-2222-4222-8222-222222222222"
AUTH_HEADERS = {"X-Supabase-Api-Version": "2024-01-01"}


def jwt(payload: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


ANON_KEY = jwt({"iss": "supabase", "ref": "proj", "role": "anon"})


def user_token(n: int = 1) -> str:
    return jwt({"sub": USER_ID, "role": "authenticated", "session": n})


def session_body(n: int = 1, expires_in: int = 3600) -> dict:
    return {
        "access_token": user_token(n),
        "token_type": "bearer",
        "expires_in": expires_in,
        "expires_at": int(time.time()) + expires_in,
        "refresh_token": f"refresh-{n}",
        "user": {
            "id": USER_ID,
            "aud": "authenticated",
            "role": "authenticated",
            "email": EMAIL,
            "app_metadata": {"provider": "email"},
            "user_metadata": {},
            "created_at": "2026-01-01T00:00:00Z",
        },
    }


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


@pytest.fixture
def ring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def stored_session(ring: MemoryKeyring) -> dict | None:
    raw = ring.secrets.get((SERVICE_NAME, URL))
    return None if raw is None else json.loads(raw)


@pytest_asyncio.fixture
async def backend(ring, respx_mock):
    b = SupabaseBackend(URL, ANON_KEY, KeyringSessionStore(URL))
    yield b
    await b.close()


@pytest_asyncio.fixture
async def signed_in(backend, ring, respx_mock):
    """The backend with a stored, valid session restored (no request needed)."""
    ring.secrets[(SERVICE_NAME, URL)] = json.dumps(session_body())
    await backend.restore_session()
    return backend


def rest(respx_mock, method: str, path: str, status: int = 200, body=None, **kw):
    return respx_mock.route(method=method, host=HOST, path=f"/rest/v1/{path}").mock(
        httpx.Response(status, json=body, **kw) if body is not None else httpx.Response(status)
    )


def sent(route) -> httpx.Request:
    assert route.call_count == 1
    return route.calls.last.request


def assert_user_headers(request: httpx.Request, token: str) -> None:
    assert request.headers["apikey"] == ANON_KEY
    assert request.headers["authorization"] == f"Bearer {token}"


LINEUP_ROW = {
    "id": ITEM_ID,
    "session_id": SHOW_ID,
    "name": "Linen tote",
    "live_price": Decimal("19.99"),
    "allocated_quantity": 5,
}


def sent_json(row: dict) -> dict:
    return {**row, "live_price": "19.99"}


def columns_param(request: httpx.Request) -> set[str]:
    return {c.strip('"') for c in request.url.params["columns"].split(",")}
