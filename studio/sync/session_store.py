"""Where a cloud sign-in is remembered: the OS keyring, or memory when the user chooses so."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

import keyring
import keyring.errors
from keyring.backends import fail, null

SERVICE_NAME = "ShopStream Studio"

NO_KEYRING_MESSAGE = (
    "no system keyring found; install/enable one (e.g. GNOME Keyring / KWallet / "
    "Secret Service); your session will not be remembered"
)


class SecretStoreUnavailable(RuntimeError):
    """The OS keyring is missing, locked or refused the secret.

    `reason` says what happened in words; `locked` is true when the keyring is locked (asking
    again would only show the unlock prompt again).
    """

    def __init__(self, reason: str | None = None, *, locked: bool = False) -> None:
        self.reason = reason or "no system keyring found"
        self.locked = locked
        message = (
            NO_KEYRING_MESSAGE if reason is None
            else f"{reason}; your session will not be remembered"
        )
        super().__init__(message)


def keyring_failure(error: BaseException, action: str) -> SecretStoreUnavailable:
    """What a keyring backend's exception means, in words (`action`: "read", "save" or "remove").

    Backends fail in many ways: keyring's own errors, but also D-Bus errors from Secret Service
    or KWallet and OS errors, which keyring does not wrap.
    """
    detail = str(error).strip()
    said = f": {detail}" if detail else ""
    errors = keyring.errors
    if isinstance(error, errors.KeyringLocked):
        return SecretStoreUnavailable(
            "the system keyring is locked (its unlock prompt was dismissed or failed)",
            locked=True,
        )
    if isinstance(error, errors.NoKeyringError | errors.InitError):
        return SecretStoreUnavailable(f"no usable system keyring ({type(error).__name__}{said})")
    if isinstance(error, errors.PasswordSetError):
        return SecretStoreUnavailable(f"the system keyring refused to save the session{said}")
    if isinstance(error, errors.PasswordDeleteError):
        return SecretStoreUnavailable(
            f"the system keyring refused to remove the saved session{said}"
        )
    return SecretStoreUnavailable(
        f"the system keyring failed to {action} the session ({type(error).__name__}{said})"
    )


class SessionStore(Protocol):
    """Keeps one secret string (a serialised session) for one Supabase project."""

    def load(self) -> str | None: ...

    def save(self, value: str) -> None: ...

    def clear(self) -> None: ...


def account_for_url(supabase_url: str) -> str:
    """The keyring account name for a project: its URL, normalised (scheme and host lower-case)."""
    parts = urlsplit(supabase_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not a Supabase project URL: {supabase_url!r}")
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


def keyring_available() -> bool:
    """Whether a real keyring backend is configured (not the failing or null one)."""
    return not isinstance(keyring.get_keyring(), fail.Keyring | null.Keyring)


class KeyringSessionStore:
    """The session in the OS keyring, under service "ShopStream Studio", one entry per project.

    Calls block (D-Bus, Keychain, Credential Manager): run them off the UI thread.
    """

    def __init__(self, supabase_url: str, service: str = SERVICE_NAME) -> None:
        self.service = service
        self.account = account_for_url(supabase_url)

    def check(self) -> None:
        """Raise SecretStoreUnavailable unless a usable keyring backend is configured."""
        if not keyring_available():
            raise SecretStoreUnavailable()

    # Every backend call is guarded with `except Exception`: D-Bus and OS errors escape keyring
    # unwrapped, and any of them only means "no keyring for now", never a crash.

    def load(self) -> str | None:
        self.check()
        try:
            return keyring.get_password(self.service, self.account)
        except Exception as e:
            raise keyring_failure(e, "read") from e

    def save(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a session to remember must be a non-empty string")
        self.check()
        try:
            keyring.set_password(self.service, self.account, value)
        except Exception as e:
            raise keyring_failure(e, "save") from e

    def clear(self) -> None:
        self.check()
        try:
            keyring.delete_password(self.service, self.account)
            return
        except keyring.errors.PasswordDeleteError as e:
            refusal: Exception = e  # usually "nothing stored"; checked below
        except Exception as e:
            raise keyring_failure(e, "remove") from e
        try:
            still_there = keyring.get_password(self.service, self.account) is not None
        except Exception as e:
            raise keyring_failure(e, "remove") from e
        if still_there:
            raise keyring_failure(refusal, "remove") from refusal


class MemorySessionStore:
    """Keeps the session for this run only: the explicit choice when no keyring exists."""

    def __init__(self) -> None:
        self._value: str | None = None

    def load(self) -> str | None:
        return self._value

    def save(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a session to remember must be a non-empty string")
        self._value = value

    def clear(self) -> None:
        self._value = None
