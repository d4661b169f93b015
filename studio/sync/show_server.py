"""What the live-show session needs from a backend, in the show's own terms (no filter language
leaks to the session layer): its functions, its rows, the host's running shows, the rehearsal
flag. `studio.session.ports.ShowServer` is the protocol this implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from studio.sync.backend import Backend, Order, eq, gt

# Columns of the show row the session reads (all readable by the owning host).
SHOW_COLUMNS = (
    "id", "influencer_id", "title", "status", "session_code", "is_rehearsal", "scheduled_start",
    "actual_start", "actual_end", "featured_live_product_id", "current_viewers", "peak_viewers",
    "unique_viewers", "total_orders", "total_units", "total_revenue",
)
_PAGE = 1000


class BackendShowServer:
    """A `ShowServer` over any Backend (LocalBackend or SupabaseBackend)."""

    def __init__(self, backend: Backend, *, page_size: int = _PAGE) -> None:
        self.backend = backend
        self._page = page_size

    async def rpc(self, function: str, params: Mapping[str, Any] | None = None) -> Any:
        return await self.backend.rpc(function, params)

    async def show_row(self, session_id: str) -> dict[str, Any] | None:
        rows = await self.backend.select(
            "live_stream_sessions", SHOW_COLUMNS, [eq("id", session_id)], limit=1)
        return rows[0] if rows else None

    async def set_rehearsal(self, session_id: str, rehearsal: bool) -> dict[str, Any] | None:
        rows = await self.backend.update(
            "live_stream_sessions", {"is_rehearsal": rehearsal}, [eq("id", session_id)],
            columns=SHOW_COLUMNS)
        return rows[0] if rows else None

    async def show_rows(
        self, table: str, session_id: str, columns: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Every row of `table` that belongs to the show, paged by id (servers cap pages)."""
        wanted = list(columns) if "id" in columns else ["id", *columns]
        rows: list[dict[str, Any]] = []
        last: str | None = None
        while True:
            filters = [eq("session_id", session_id)]
            if last is not None:
                filters.append(gt("id", last))
            page = await self.backend.select(table, wanted, filters, [Order("id")],
                                             limit=self._page)
            if not page:  # an empty page, not a short one, ends it: a server may cap pages
                return rows
            rows.extend(page)
            last = str(page[-1]["id"])

    async def live_shows_of_host(self, influencer_id: str) -> list[dict[str, Any]]:
        return await self.backend.select(
            "live_stream_sessions", SHOW_COLUMNS,
            [eq("influencer_id", influencer_id), eq("status", "live")],
            [Order("actual_start", descending=True)])
