"""Server refusals and failures in the host's words; a lost connection changes nothing here."""

from __future__ import annotations

from decimal import Decimal

import pytest
from session_support import make_show
from test_local_support import Workspace

from studio.session.errors import SessionError, from_backend, is_backend_error
from studio.session.show_session import ShowSession
from studio.sync.backend import BackendError, NetworkError, PermissionDenied, ValidationError


@pytest.mark.parametrize(
    ("error", "field", "message"),
    [
        (ValidationError("flash price must be below the regular live price (19.99)", "22023"),
         "flash_price", "The flash price must be below the regular price (19.99)"),
        (ValidationError("p_duration_seconds must be between 10 and 3600 seconds (got 0)",
                         "22023"), "flash_duration",
         "A flash sale lasts between 10 and 3600 seconds"),
        (BackendError("A flash sale is already running on Scarf until 2026-12-03 20:00", "55000"),
         "live_product", "A flash sale is already running on Scarf: cancel it first"),
        (ValidationError("p_live_product_id: Scarf belongs to another show", "22023"),
         "live_product", "Scarf belongs to another show"),
        (PermissionDenied("Only verified hosts can go live in public", "42501",
                          hint="Run it as a rehearsal until ShopStream has verified the host."),
         "show", "Only verified hosts can go live in public. Run it as a rehearsal until "
                 "ShopStream has verified the host."),
        (ValidationError("p_session_id is required", "22004"), "show", "session id is required"),
    ],
)
def test_server_messages_read_as_words(error: BackendError, field: str, message: str) -> None:
    refused = from_backend(error)

    assert (refused.field, refused.message, refused.sqlstate) == (field, message, error.sqlstate)
    assert not refused.retryable


def test_a_network_failure_says_to_retry() -> None:
    refused = from_backend(NetworkError("connection refused"))

    assert refused.retryable
    assert refused.message == ("The server could not be reached (connection refused); try again"
                               " when it is back")


def test_only_backend_errors_are_translated() -> None:
    assert is_backend_error(BackendError("x"))
    assert not is_backend_error(ValueError("a bug"))


class Cut:
    """The host's server with the connection cut for every function call."""

    def __init__(self, server: object) -> None:
        self._server = server

    async def rpc(self, function: str, params: object = None) -> object:
        raise NetworkError("server closed the connection unexpectedly")

    def __getattr__(self, name: str) -> object:
        return getattr(self._server, name)


@pytest.mark.asyncio
async def test_a_lost_connection_changes_nothing_and_bugs_are_not_hidden(
        ws: Workspace) -> None:
    show = await make_show(ws, status="live")
    session = await ShowSession.open(show.server, show.session_id)
    session.server = Cut(show.server)  # type: ignore[assignment]
    before = show.state()

    with pytest.raises(SessionError, match="could not be reached") as refused:
        await session.start_flash_sale(show.items[0], Decimal("15.00"), 60)
    with pytest.raises(SessionError, match="could not be reached"):
        await session.feature(show.items[0])

    assert refused.value.retryable
    assert session.flash is None and session.featured_id is None
    assert show.state() == before

    async def broken(*_: object) -> object:
        raise KeyError("a bug in the caller")

    session.server.rpc = broken  # type: ignore[method-assign]
    with pytest.raises(KeyError):
        await session.feature(show.items[0])
