"""A keyring that fails in any way leaves sign-in and sign-out working, for this run only."""

from __future__ import annotations

import json

import httpx
import keyring
import keyring.errors
import pytest
import pytest_asyncio
from keyring.backend import KeyringBackend
from keyring.backends import fail
from secretstorage.exceptions import SecretServiceNotAvailableException
from supabase_auth.constants import STORAGE_KEY
from supabase_support import ANON_KEY, AUTH_HEADERS, EMAIL, URL, USER_ID, session_body

from studio.sync.session_store import SERVICE_NAME, KeyringSessionStore, SecretStoreUnavailable
from studio.sync.supabase.auth_storage import SessionStoreAuthStorage
from studio.sync.supabase.backend import SupabaseBackend

pytest_plugins = ["supabase_support"]


class DBusException(Exception):
    """Stands in for dbus-python's DBusException, which KWallet's backend lets escape."""


class FailingKeyring(KeyringBackend):
    """Raises `error` from every call (or only from `calls`), and counts the calls."""

    priority = 1

    def __init__(self, error: Exception, calls: tuple[str, ...] = ("get", "set", "delete")):
        super().__init__()
        self.error = error
        self.failing = calls
        self.secrets: dict[tuple[str, str], str] = {}
        self.calls: list[str] = []

    def _maybe_fail(self, call: str) -> None:
        self.calls.append(call)
        if call in self.failing:
            raise self.error

    def get_password(self, service: str, username: str) -> str | None:
        self._maybe_fail("get")
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._maybe_fail("set")
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._maybe_fail("delete")
        if self.secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


FAILURES = {
    "locked": (keyring.errors.KeyringLocked("Failed to unlock the collection!"), "is locked"),
    "init": (keyring.errors.InitError("cannot open wallet"), "no usable system keyring"),
    "none": (keyring.errors.NoKeyringError("no backend"), "no usable system keyring"),
    "set": (keyring.errors.PasswordSetError("secret too large"), "refused to save"),
    "delete": (keyring.errors.PasswordDeleteError("denied"), "refused to remove"),
    "generic": (keyring.errors.KeyringError("it broke"), "KeyringError: it broke"),
    "secret-service": (
        SecretServiceNotAvailableException("The name org.freedesktop.secrets was not provided"),
        "SecretServiceNotAvailableException",
    ),
    "dbus": (DBusException("org.freedesktop.DBus.Error.NoReply"), "DBusException"),
}


@pytest.fixture
def install_keyring():
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


@pytest.mark.parametrize("kind", list(FAILURES))
def test_every_keyring_failure_is_reported_in_words(install_keyring, kind):
    error, words = FAILURES[kind]
    install_keyring(FailingKeyring(error))
    store = KeyringSessionStore(URL)
    for action in (store.load, lambda: store.save("s"), store.clear):
        with pytest.raises(SecretStoreUnavailable) as caught:
            action()
        assert words in caught.value.reason
        assert caught.value.locked is (kind == "locked")
        assert str(caught.value).endswith("your session will not be remembered")


def test_clearing_checks_that_a_refused_delete_left_nothing_behind(install_keyring):
    ring = FailingKeyring(keyring.errors.PasswordDeleteError("denied"), calls=("delete",))
    install_keyring(ring)
    store = KeyringSessionStore(URL)
    store.clear()  # nothing stored: "refused" only meant "not found"
    ring.secrets[(SERVICE_NAME, URL)] = "s"
    with pytest.raises(SecretStoreUnavailable, match="refused to remove"):
        store.clear()


# ------------------------------------------------------------------ the auth storage adapter


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", list(FAILURES))
async def test_adapter_falls_back_to_memory_with_a_notice(install_keyring, kind):
    error, words = FAILURES[kind]
    ring = FailingKeyring(error)
    install_keyring(ring)
    storage = SessionStoreAuthStorage(KeyringSessionStore(URL))
    raw = json.dumps(session_body())

    await storage.set_item(STORAGE_KEY, raw)  # signing in does not fail
    assert await storage.get_item(STORAGE_KEY) == raw
    assert storage.memory_only and words.lower() in storage.notice.lower()
    assert "until the app closes" in storage.notice
    assert len(storage.notice.splitlines()) == 1
    asked = list(ring.calls)
    await storage.set_item(STORAGE_KEY, json.dumps(session_body(2)))  # a token refresh
    await storage.remove_item(STORAGE_KEY)  # signing out does not fail either
    assert await storage.get_item(STORAGE_KEY) is None
    assert ring.calls == asked  # the keyring (and its unlock prompt) is not asked again
    assert ring.secrets == {}


@pytest.mark.asyncio
async def test_a_locked_keyring_is_not_asked_twice_for_one_save(install_keyring):
    ring = FailingKeyring(keyring.errors.KeyringLocked("dismissed"))
    install_keyring(ring)
    storage = SessionStoreAuthStorage(KeyringSessionStore(URL))
    await storage.set_item(STORAGE_KEY, json.dumps(session_body()))
    assert ring.calls == ["set"]  # no second, smaller attempt: that would prompt again


@pytest.mark.asyncio
async def test_unreadable_keyring_at_start_restores_nothing_and_says_why(install_keyring):
    install_keyring(FailingKeyring(keyring.errors.KeyringLocked("dismissed"), calls=("get",)))
    storage = SessionStoreAuthStorage(KeyringSessionStore(URL))
    assert await storage.get_item(STORAGE_KEY) is None
    assert "is locked" in storage.notice and "no saved session could be read" in storage.notice


@pytest.mark.asyncio
async def test_a_working_keyring_gives_no_notice(install_keyring):
    install_keyring(FailingKeyring(RuntimeError("unused"), calls=()))
    storage = SessionStoreAuthStorage(KeyringSessionStore(URL))
    await storage.set_item(STORAGE_KEY, json.dumps(session_body()))
    await storage.remove_item(STORAGE_KEY)
    assert storage.notice is None and not storage.memory_only


# ------------------------------------------------------------------------- the whole backend


@pytest_asyncio.fixture
async def locked_backend(install_keyring, respx_mock):
    ring = FailingKeyring(keyring.errors.KeyringLocked("Failed to unlock the collection!"))
    install_keyring(ring)
    backend = SupabaseBackend(URL, ANON_KEY, KeyringSessionStore(URL))
    yield backend, ring
    await backend.close()


@pytest.mark.asyncio
async def test_sign_in_and_out_work_with_a_locked_keyring(locked_backend, respx_mock):
    backend, ring = locked_backend
    assert await backend.restore_session() is None
    respx_mock.post(f"{URL}/auth/v1/token").mock(
        httpx.Response(200, json=session_body(), headers=AUTH_HEADERS)
    )
    session = await backend.sign_in(EMAIL, "correct horse")
    assert session.user.id == USER_ID and backend.current_user.id == USER_ID
    assert "keyring is locked" in backend.session_notice
    assert "until the app closes" in backend.session_notice

    logout = respx_mock.post(f"{URL}/auth/v1/logout").mock(httpx.Response(204))
    await backend.sign_out()
    assert logout.call_count == 1
    assert backend.current_user is None
    assert ring.secrets == {}


@pytest.mark.asyncio
async def test_no_keyring_at_all_signs_in_for_this_run(install_keyring, respx_mock):
    install_keyring(fail.Keyring())
    backend = SupabaseBackend(URL, ANON_KEY, KeyringSessionStore(URL))
    try:
        respx_mock.post(f"{URL}/auth/v1/token").mock(
            httpx.Response(200, json=session_body(), headers=AUTH_HEADERS)
        )
        await backend.sign_in(EMAIL, "correct horse")
        assert backend.current_user.id == USER_ID
        assert backend.session_notice.startswith("No system keyring found:")
        respx_mock.post(f"{URL}/auth/v1/logout").mock(httpx.Response(204))
        await backend.sign_out()
        assert backend.current_user is None
    finally:
        await backend.close()
