"""A live-show world on the local server for the session tests (this module holds no tests)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from test_local_support import Workspace, f

from studio.sync.local.backend import LocalBackend
from studio.sync.show_server import BackendShowServer


@dataclass
class Show:
    """A verified host's show with a lineup, a product of another show, and the host signed in."""

    ws: Workspace
    host: f.Account
    session_id: str
    items: list[str]
    other_show: str
    other_item: str
    server: BackendShowServer
    backend: LocalBackend
    customers: list[f.Account] = field(default_factory=list)

    def one(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        return self.ws.one(query, params)

    def row(self, query: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        return self.ws.owner.execute(query, params).fetchone()

    def state(self) -> tuple[Any, ...]:
        """Everything the session's actions may change on the server, to prove a refusal
        changed nothing."""
        show = self.row(
            "select status, is_rehearsal, featured_live_product_id, actual_start, actual_end"
            " from public.live_stream_sessions where id = %s", (self.session_id,))
        items = self.ws.owner.execute(
            "select id, flash_price, flash_starts_at, flash_ends_at, featured_at"
            " from public.live_products where session_id in (%s, %s) order by id",
            (self.session_id, self.other_show)).fetchall()
        return (show, tuple(items))

    async def buy(self, item: str, quantity: int = 1, *,
                  customer: f.Account | None = None) -> dict[str, Any]:
        """A new customer (or `customer` again) buys `item` through the real checkout."""
        with self.ws.cursor() as cur:
            if customer is None:
                customer = f.create_customer(cur)
                self.customers.append(customer)
            f.add_to_cart(cur, customer.profile_id, live_product_id=item, quantity=quantity)
        backend = await self.ws.signed_in(customer)
        return await backend.rpc("checkout", {"p_idempotency_key": str(uuid.uuid4())})


async def make_show(ws: Workspace, *, status: str = "scheduled", prices: tuple[str, ...] = (
        "20.00", "35.00", "12.50"), allocated: int = 10) -> Show:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        wholesaler = f.create_wholesaler(cur)
        session = f.create_session(cur, host.profile_id, status)
        items = []
        for price in prices:  # lineup order is creation order (the server appends)
            product = f.create_product(cur, wholesaler.profile_id, stock=100)
            items.append(f.create_live_product(cur, session, host.profile_id,
                                               product_id=product, live_price=price,
                                               allocated=allocated))
        other_show = f.create_session(cur, host.profile_id, "live")
        other_product = f.create_product(cur, wholesaler.profile_id, stock=100)
        other_item = f.create_live_product(cur, other_show, host.profile_id,
                                           product_id=other_product, live_price="15.00")
    backend = await ws.signed_in(host)
    return Show(ws, host, session, items, other_show, other_item, BackendShowServer(backend),
                backend)
