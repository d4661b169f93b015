"""The host's own 100ms account and restream keys, kept in the OS keyring only (never in the
settings file, never logged). Calls block on the keyring: run them off the UI thread."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType

from studio.session.rooms.errors import RoomError
from studio.session.rooms.models import check_subdomain

SERVICE = "ShopStream Studio 100ms"
ACCOUNT = "account"
_STREAM = "stream-key:"
NO_KEYRING = ("No system keyring is available, so 100ms credentials and stream keys cannot be "
              "kept; install or unlock one (GNOME Keyring, KWallet, macOS Keychain, Windows "
              "Credential Manager)")

# Where each platform takes an RTMP stream; the stream key is appended.
PLATFORMS: dict[str, tuple[str, str]] = {
    "youtube": ("YouTube", "rtmp://a.rtmp.youtube.com/live2/"),
    "twitch": ("Twitch", "rtmp://live.twitch.tv/app/"),
    "facebook": ("Facebook", "rtmps://live-api-s.facebook.com:443/rtmp/"),
}
_KEY = re.compile(r"^[A-Za-z0-9_\-.?=&|]{4,256}$")
_TEXT = re.compile(r"^[A-Za-z0-9_\-.]{4,200}$")


class CredentialsUnavailable(RoomError):
    """The keyring is missing, locked or refused; `message` says what to do."""


@dataclass(frozen=True)
class HmsCredentials:
    """A 100ms app: access key and secret (management token), room template, Prebuilt
    subdomain. `repr` never shows the secret."""

    access_key: str
    secret: str = field(repr=False)
    template_id: str
    subdomain: str

    @classmethod
    def checked(cls, access_key: str, secret: str, template_id: str, subdomain: str
                ) -> HmsCredentials:
        """Credentials from what the host typed, or RoomError naming the field that is wrong."""
        values = {"access key": (access_key or "").strip(), "app secret": (secret or "").strip(),
                  "template id": (template_id or "").strip()}
        for name, value in values.items():
            if not value:
                raise RoomError(f"Enter the 100ms {name}", code="bad_input")
            if name != "app secret" and not _TEXT.match(value):
                raise RoomError(f"The 100ms {name} has letters, digits, dashes and dots only",
                                code="bad_input")
        if len(values["app secret"]) < 16:
            raise RoomError("The 100ms app secret is longer than that (copy it whole from the "
                            "100ms dashboard, Developer section)", code="bad_input")
        return cls(values["access key"], values["app secret"], values["template id"],
                   check_subdomain(subdomain))


def rtmp_url(platform: str, stream_key: str) -> str:
    """The RTMP destination for a platform's stream key."""
    if platform not in PLATFORMS:
        raise RoomError(f"Unknown restream platform {platform!r}", code="bad_input")
    return PLATFORMS[platform][1] + stream_key


def check_stream_key(platform: str, key: str) -> str:
    if platform not in PLATFORMS:
        raise RoomError(f"Unknown restream platform {platform!r}", code="bad_input")
    value = (key or "").strip()
    if not _KEY.match(value):
        raise RoomError(f"That does not look like a {PLATFORMS[platform][0]} stream key",
                        code="bad_input")
    return value


def _keyring() -> ModuleType:
    """The keyring package, imported on first use (off the UI thread): importing it takes about
    60 ms, which the studio's start-up does not need to spend."""
    import keyring
    import keyring.errors

    return keyring


def keyring_usable() -> bool:
    from keyring.backends import fail, null

    return not isinstance(_keyring().get_keyring(), fail.Keyring | null.Keyring)


def _failure(error: BaseException, action: str) -> CredentialsUnavailable:
    if isinstance(error, _keyring().errors.KeyringLocked):
        return CredentialsUnavailable("The system keyring is locked; unlock it and try again",
                                      code="keyring")
    # The error's text may quote what was being stored: name only its type.
    return CredentialsUnavailable(f"The system keyring could not {action} the 100ms "
                                  f"credentials ({type(error).__name__})", code="keyring")


class CredentialStore:
    """The keyring entries: one for the account, one per platform's stream key."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def _check(self) -> None:
        if not keyring_usable():
            raise CredentialsUnavailable(NO_KEYRING, code="no_keyring")

    def _get(self, account: str) -> str | None:
        self._check()
        try:
            return _keyring().get_password(self.service, account)
        except Exception as exc:  # D-Bus and OS errors escape keyring unwrapped
            raise _failure(exc, "read") from None

    def _set(self, account: str, value: str) -> None:
        self._check()
        try:
            _keyring().set_password(self.service, account, value)
        except Exception as exc:
            raise _failure(exc, "save") from None

    def _delete(self, account: str) -> None:
        self._check()
        keyring = _keyring()
        try:
            keyring.delete_password(self.service, account)
        except keyring.errors.PasswordDeleteError:
            return  # nothing stored: cleared already
        except Exception as exc:
            raise _failure(exc, "remove") from None

    # ------------------------------------------------------------------ the account
    def load(self) -> HmsCredentials | None:
        """The stored account, or None when there is none (or it is unreadable)."""
        raw = self._get(ACCOUNT)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return HmsCredentials.checked(data["access_key"], data["secret"],
                                          data["template_id"], data["subdomain"])
        except (ValueError, KeyError, TypeError, RoomError):
            return None  # written by something else: treated as not set

    def save(self, credentials: HmsCredentials) -> None:
        if not isinstance(credentials, HmsCredentials):
            raise RoomError("Save HmsCredentials, checked first", code="bad_input")
        self._set(ACCOUNT, json.dumps({
            "access_key": credentials.access_key, "secret": credentials.secret,
            "template_id": credentials.template_id, "subdomain": credentials.subdomain}))

    def clear(self) -> None:
        self._delete(ACCOUNT)

    # ------------------------------------------------------------------ stream keys
    def stream_keys(self) -> dict[str, str]:
        """platform -> stream key, for the platforms that have one."""
        keys = {}
        for platform in PLATFORMS:
            value = self._get(_STREAM + platform)
            if value:
                keys[platform] = value
        return keys

    def save_stream_key(self, platform: str, key: str) -> None:
        self._set(_STREAM + platform, check_stream_key(platform, key))

    def clear_stream_key(self, platform: str) -> None:
        if platform not in PLATFORMS:
            raise RoomError(f"Unknown restream platform {platform!r}", code="bad_input")
        self._delete(_STREAM + platform)

    def rtmp_urls(self, platforms: list[str] | tuple[str, ...],
                  keys: Mapping[str, str] | None = None) -> list[str]:
        """The destinations of the chosen platforms; a platform without a key is refused."""
        keys = self.stream_keys() if keys is None else keys
        urls = []
        for platform in platforms:
            if platform not in PLATFORMS:
                raise RoomError(f"Unknown restream platform {platform!r}", code="bad_input")
            if platform not in keys:
                raise RoomError(f"No {PLATFORMS[platform][0]} stream key is set (Settings › "
                                "Video)", code="bad_input")
            urls.append(rtmp_url(platform, keys[platform]))
        return urls
