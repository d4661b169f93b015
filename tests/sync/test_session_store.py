"""Session storage: the keyring store, the in-memory choice, and supabase-py's storage adapter."""

from __future__ import annotations

import json

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from supabase_auth.constants import STORAGE_KEY

from studio.sync.session_store import (
    NO_KEYRING_MESSAGE,
    SERVICE_NAME,
    KeyringSessionStore,
    MemorySessionStore,
    SecretStoreUnavailable,
    account_for_url,
    keyring_available,
)
from studio.sync.supabase.auth_storage import SessionStoreAuthStorage, compact_session

URL = "https://proj.supabase.co"


class MemoryKeyring(KeyringBackend):
    """A keyring backend holding secrets in a dict; optionally refusing large secrets."""

    priority = 1

    def __init__(self, max_size: int | None = None) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}
        self.max_size = max_size
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.max_size is not None and len(password) > self.max_size:
            raise keyring.errors.PasswordSetError("secret too large")
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.secrets:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.secrets[(service, username)]


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def use_keyring():
    previous = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(use_keyring) -> MemoryKeyring:
    return use_keyring(MemoryKeyring())


def session_json(**overrides: object) -> str:
    session = {
        "access_token": "access-token-1",
        "refresh_token": "refresh-token-1",
        "expires_in": 3600,
        "expires_at": 4_000_000_000,
        "token_type": "bearer",
        "provider_token": None,
        "user": {
            "id": "00000000-0000-4000-a000-000000000101",
            "aud": "authenticated",
            "role": "authenticated",
            "email": "host@demo.shopstream.app",
            "created_at": "2026-01-01T00:00:00Z",
            "app_metadata": {"provider": "email"},
            "user_metadata": {"bio": "x" * 2000},
            "identities": [],
        },
    }
    session.update(overrides)
    return json.dumps(session)


def test_account_is_the_normalised_project_url():
    assert account_for_url("HTTPS://Proj.Supabase.co/") == URL
    assert account_for_url(" http://127.0.0.1:54321 ") == "http://127.0.0.1:54321"


@pytest.mark.parametrize("bad", ["", "proj.supabase.co", "ftp://proj.supabase.co", "https://"])
def test_account_refuses_what_is_not_a_project_url(bad):
    with pytest.raises(ValueError, match="not a Supabase project URL"):
        account_for_url(bad)


def test_keyring_store_saves_loads_and_clears_under_the_service_name(memory_keyring):
    store = KeyringSessionStore(URL + "/")
    assert store.load() is None
    store.save("secret-session")
    assert memory_keyring.secrets == {(SERVICE_NAME, URL): "secret-session"}
    assert store.load() == "secret-session"
    store.clear()
    assert memory_keyring.secrets == {}
    assert store.load() is None


def test_each_project_has_its_own_entry(memory_keyring):
    KeyringSessionStore(URL).save("one")
    KeyringSessionStore("https://other.supabase.co").save("two")
    assert KeyringSessionStore(URL).load() == "one"
    assert KeyringSessionStore("https://other.supabase.co").load() == "two"
    assert SERVICE_NAME == "ShopStream Studio"


def test_clearing_an_empty_store_is_fine(memory_keyring):
    KeyringSessionStore(URL).clear()
    assert memory_keyring.secrets == {}


def test_saving_nothing_is_refused_and_keeps_the_stored_session(memory_keyring):
    store = KeyringSessionStore(URL)
    store.save("kept")
    with pytest.raises(ValueError, match="non-empty string"):
        store.save("")
    assert store.load() == "kept"


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_no_keyring_gives_the_clear_message(use_keyring, backend):
    use_keyring(backend)
    store = KeyringSessionStore(URL)
    assert keyring_available() is False
    for action in (store.load, store.clear, lambda: store.save("x")):
        with pytest.raises(SecretStoreUnavailable) as caught:
            action()
        assert str(caught.value) == NO_KEYRING_MESSAGE
    assert NO_KEYRING_MESSAGE == (
        "no system keyring found; install/enable one (e.g. GNOME Keyring / KWallet / "
        "Secret Service); your session will not be remembered"
    )


def test_a_locked_keyring_is_reported_with_the_reason(use_keyring):
    use_keyring(LockedKeyring())
    assert keyring_available() is True
    with pytest.raises(SecretStoreUnavailable, match=r"^the system keyring is locked") as caught:
        KeyringSessionStore(URL).load()
    assert caught.value.locked


def test_memory_store_keeps_the_session_for_this_run_only(memory_keyring):
    store = MemorySessionStore()
    store.save("s")
    assert store.load() == "s"
    with pytest.raises(ValueError, match="non-empty string"):
        store.save("")
    assert store.load() == "s"
    store.clear()
    assert store.load() is None
    assert memory_keyring.secrets == {}


def test_compact_session_keeps_what_restoring_needs():
    compact = json.loads(compact_session(session_json()))
    assert compact["access_token"] == "access-token-1"
    assert compact["refresh_token"] == "refresh-token-1"
    assert compact["expires_at"] == 4_000_000_000
    assert compact["user"]["user_metadata"] == {}
    assert "identities" not in compact["user"]
    assert "provider_token" not in compact
    assert compact["user"]["email"] == "host@demo.shopstream.app"


def test_compact_session_without_access_token_reads_as_expired():
    compact = json.loads(compact_session(session_json(), keep_access_token=False))
    assert compact["access_token"] == ""
    assert compact["expires_at"] == 1
    assert compact["expires_in"] == 0
    assert compact["refresh_token"] == "refresh-token-1"


@pytest.mark.asyncio
async def test_adapter_reads_the_keyring_once_and_writes_compact_sessions(memory_keyring):
    storage = SessionStoreAuthStorage(KeyringSessionStore(URL))
    assert await storage.get_item(STORAGE_KEY) is None
    assert await storage.get_item(STORAGE_KEY) is None
    assert memory_keyring.reads == 1

    raw = session_json()
    await storage.set_item(STORAGE_KEY, raw)
    assert await storage.get_item(STORAGE_KEY) == raw  # the full session stays in memory
    stored = memory_keyring.secrets[(SERVICE_NAME, URL)]
    assert json.loads(stored) == json.loads(compact_session(raw))
    assert "x" * 100 not in stored

    memory_keyring.secrets.clear()
    await storage.set_item(STORAGE_KEY, raw)  # unchanged: no keyring write
    assert memory_keyring.secrets == {}

    await storage.remove_item(STORAGE_KEY)
    assert await storage.get_item(STORAGE_KEY) is None


@pytest.mark.asyncio
async def test_adapter_keeps_other_keys_in_memory_only(memory_keyring):
    storage = SessionStoreAuthStorage(KeyringSessionStore(URL))
    await storage.set_item(STORAGE_KEY + "-code-verifier", "verifier")
    assert await storage.get_item(STORAGE_KEY + "-code-verifier") == "verifier"
    assert memory_keyring.secrets == {}
    await storage.remove_item(STORAGE_KEY + "-code-verifier")
    assert await storage.get_item(STORAGE_KEY + "-code-verifier") is None


@pytest.mark.asyncio
async def test_adapter_falls_back_to_the_refresh_token_when_the_keyring_caps_size(use_keyring):
    raw = session_json()
    small = len(compact_session(raw, keep_access_token=False))
    backend = use_keyring(MemoryKeyring(max_size=small))
    storage = SessionStoreAuthStorage(KeyringSessionStore(URL))
    await storage.set_item(STORAGE_KEY, raw)
    stored = json.loads(backend.secrets[(SERVICE_NAME, URL)])
    assert stored["access_token"] == ""
    assert stored["refresh_token"] == "refresh-token-1"


@pytest.mark.asyncio
async def test_adapter_failing_to_store_keeps_the_session_in_memory(use_keyring):
    backend = use_keyring(MemoryKeyring(max_size=10))
    storage = SessionStoreAuthStorage(KeyringSessionStore(URL))
    raw = session_json()
    await storage.set_item(STORAGE_KEY, raw)
    assert backend.secrets == {}
    assert await storage.get_item(STORAGE_KEY) == raw
    assert "refused to save the session" in storage.notice
