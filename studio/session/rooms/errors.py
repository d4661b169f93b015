"""The error a video-room action raises: a SessionError the control room shows as a refusal."""

from __future__ import annotations

from studio.session.errors import SessionError


class RoomError(SessionError):
    """A video-room action failed or was refused; `message` is for the host.

    `status` is the HTTP status when a server answered (None for a network failure or a
    refusal by the studio itself), `code` a short machine-readable reason.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str = "room",
                 retryable: bool = False) -> None:
        super().__init__(message, field="video", retryable=retryable)
        self.status = status
        self.code = code


class HmsError(RoomError):
    """100ms itself refused or failed a request."""
