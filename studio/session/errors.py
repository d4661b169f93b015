"""The session layer's one error type, and how a server refusal becomes words for the host."""

from __future__ import annotations

import re


class SessionError(Exception):
    """A control-room action was refused (by the studio's own check or by the server).

    `message` is for the host, `field` the input it is about when there is one ("flash_price",
    "flash_duration", "live_product", "show"), `sqlstate` the server's code when it refused.
    Nothing changed in the session when this is raised.
    """

    def __init__(
        self, message: str, *, field: str = "show", sqlstate: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.sqlstate = sqlstate
        self.retryable = retryable


# Server messages (see the show-control and flash-sale functions) and how each reads to a host.
_RULES: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (re.compile(r"flash price must be below the regular live price \((?P<p>[\d.]+)\)"),
     "flash_price", "The flash price must be below the regular price ({p})"),
    (re.compile(r"p_flash_price must be a non-negative amount"), "flash_price",
     "The flash price must be zero or more, in whole cents"),
    (re.compile(r"p_duration_seconds must be between (?P<a>\d+) and (?P<b>\d+)"),
     "flash_duration", "A flash sale lasts between {a} and {b} seconds"),
    (re.compile(r"A flash sale is already running on (?P<n>.+) until"), "live_product",
     "A flash sale is already running on {n}: cancel it first"),
    (re.compile(r"No flash sale is running on (?P<n>.+)$"), "live_product",
     "No flash sale is running on {n}"),
    (re.compile(r"(?:p_\w+: )?(?P<n>.+) belongs to another show$"), "live_product",
     "{n} belongs to another show"),
    (re.compile(r"^Live product \S+ not found"), "live_product",
     "That product is not in this show's lineup"),
    (re.compile(r"^Show \S+ not found"), "show", "This show does not exist (or is not yours)"),
)
_PARAM_PREFIX = re.compile(r"\bp_([a-z_]+)")


def from_backend(exc: BaseException) -> SessionError:
    """A SessionError for a backend exception (anything with the BackendError attributes)."""
    message = str(getattr(exc, "message", None) or exc) or type(exc).__name__
    sqlstate = getattr(exc, "sqlstate", None)
    retryable = bool(getattr(exc, "retryable", False))
    if retryable:
        return SessionError(
            f"The server could not be reached ({message}); try again when it is back",
            sqlstate=sqlstate, retryable=True)
    for pattern, field, text in _RULES:
        match = pattern.search(message)
        if match:
            return SessionError(text.format(**match.groupdict()), field=field, sqlstate=sqlstate)
    hint = getattr(exc, "hint", None)
    words = _PARAM_PREFIX.sub(lambda m: m.group(1).replace("_", " "), message)
    if hint:
        words = f"{words}. {hint}"
    return SessionError(words, sqlstate=sqlstate)


def is_backend_error(exc: BaseException) -> bool:
    """Whether `exc` is a backend's refusal or failure (it carries a SQLSTATE and a verdict on
    retrying), as opposed to a bug that should propagate."""
    return hasattr(exc, "sqlstate") and hasattr(exc, "retryable")
