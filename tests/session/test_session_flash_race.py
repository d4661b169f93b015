"""A refresh that read the stats before a flash sale was cancelled does not bring the sale back
when its reply arrives after the cancel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from studio.session.show_session import ShowSession

pytestmark = pytest.mark.asyncio
SHOW, ITEM = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
START = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


class StaleStatsServer:
    """show_live_stats as read just before the cancel (the sale running until START + 60 s);
    the product's row as it is after the cancel (ended at START + 5 s)."""

    def __init__(self, ends_after_cancel: datetime) -> None:
        self.row_ends = ends_after_cancel

    async def rpc(self, function: str, params: Mapping[str, Any] | None = None) -> Any:
        assert function == "show_live_stats"
        return {"status": "live", "as_of": (START + timedelta(seconds=6)).isoformat(),
                "featured_live_product_id": None, "products": [],
                "flash_sale": {"live_product_id": ITEM,
                               "ends_at": (START + timedelta(seconds=60)).isoformat()}}

    async def show_rows(self, table: str, session_id: str, columns: Sequence[str]
                        ) -> list[dict[str, Any]]:
        return [{"id": ITEM, "live_price": "20.00", "flash_price": "15.00",
                 "flash_starts_at": START.isoformat(), "flash_ends_at": self.row_ends.isoformat()}]


async def test_a_stale_refresh_does_not_revive_a_cancelled_flash_sale() -> None:
    server = StaleStatsServer(START + timedelta(seconds=5))
    session = ShowSession(server, SHOW, {"status": "live"})  # type: ignore[arg-type]

    await session.refresh()

    assert session.flash is None


async def test_a_running_sale_is_followed() -> None:
    server = StaleStatsServer(START + timedelta(seconds=60))  # the row agrees with the stats
    session = ShowSession(server, SHOW, {"status": "live"})  # type: ignore[arg-type]

    await session.refresh()

    assert session.flash is not None
    assert session.flash.window.ends_at == START + timedelta(seconds=60)
