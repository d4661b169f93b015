"""100ms credentials and stream keys in the OS keyring: kept, cleared, checked, never shown."""

from __future__ import annotations

import logging

import keyring
import keyring.errors
import pytest
from keyring.backends import fail
from memory_keyring import MemoryKeyring, memory

from studio.session.rooms.credentials import (
    NO_KEYRING,
    CredentialStore,
    CredentialsUnavailable,
    HmsCredentials,
)
from studio.session.rooms.errors import RoomError

__all__ = ["memory"]
SECRET = "app-secret-0123456789abcdef-0123456789"


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


def creds() -> HmsCredentials:
    return HmsCredentials.checked(" ak_6612ab ", SECRET, "tpl-6612", "MyShop.app.100ms.live")


def test_credentials_are_kept_in_the_keyring_and_read_back(memory: MemoryKeyring) -> None:
    store = CredentialStore()
    assert store.load() is None
    store.save(creds())

    loaded = store.load()
    assert loaded == HmsCredentials("ak_6612ab", SECRET, "tpl-6612", "myshop")
    assert [service for service, _ in memory.items] == ["ShopStream Studio 100ms"]
    store.clear()
    assert store.load() is None
    store.clear()  # clearing twice is fine


def test_the_secret_is_never_in_a_repr_or_the_log(memory: MemoryKeyring,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = CredentialStore()
    store.save(creds())
    store.save_stream_key("youtube", "abcd-efgh-ijkl-mnop")
    loaded = store.load()
    assert SECRET not in repr(loaded)
    assert SECRET not in caplog.text and "abcd-efgh-ijkl-mnop" not in caplog.text


@pytest.mark.parametrize(("fields", "words"), [
    (("", SECRET, "tpl", "shop"), "Enter the 100ms access key"),
    (("ak_1", "", "tpl-1", "shop"), "Enter the 100ms app secret"),
    (("ak_1", "short", "tpl-1", "shop"), "copy it whole"),
    (("ak 1", SECRET, "tpl-1", "shop"), "access key has letters"),
    (("ak_1", SECRET, "", "shop"), "Enter the 100ms template id"),
    (("ak_1", SECRET, "tpl-1", "my shop!"), "subdomain"),
])
def test_bad_credentials_are_refused_and_nothing_is_stored(
        memory: MemoryKeyring, fields: tuple[str, str, str, str], words: str) -> None:
    with pytest.raises(RoomError, match=words):
        CredentialStore().save(HmsCredentials.checked(*fields))
    assert memory.items == {}


def test_stream_keys_per_platform_become_rtmp_destinations(memory: MemoryKeyring) -> None:
    store = CredentialStore()
    store.save_stream_key("youtube", "abcd-efgh-ijkl-mnop")
    store.save_stream_key("twitch", "live_123456_abcdef")
    assert store.stream_keys() == {"youtube": "abcd-efgh-ijkl-mnop",
                                   "twitch": "live_123456_abcdef"}
    assert store.rtmp_urls(["youtube", "twitch"]) == [
        "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop",
        "rtmp://live.twitch.tv/app/live_123456_abcdef"]
    with pytest.raises(RoomError, match="No Facebook stream key is set"):
        store.rtmp_urls(["facebook"])
    store.clear_stream_key("twitch")
    assert store.stream_keys() == {"youtube": "abcd-efgh-ijkl-mnop"}


def test_bad_stream_keys_are_refused(memory: MemoryKeyring) -> None:
    store = CredentialStore()
    with pytest.raises(RoomError, match="does not look like a YouTube stream key"):
        store.save_stream_key("youtube", "has spaces in it")
    with pytest.raises(RoomError, match="Unknown restream platform"):
        store.save_stream_key("myspace", "abcd-efgh")
    assert memory.items == {}


def test_without_a_keyring_the_message_says_what_to_do() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = CredentialStore()
        for action in (store.load, lambda: store.save(creds()), store.stream_keys):
            with pytest.raises(CredentialsUnavailable) as caught:
                action()
            assert caught.value.message == NO_KEYRING
            assert caught.value.code == "no_keyring"
    finally:
        keyring.set_keyring(previous)


def test_a_locked_keyring_is_named() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        with pytest.raises(CredentialsUnavailable, match="keyring is locked"):
            CredentialStore().load()
    finally:
        keyring.set_keyring(previous)
