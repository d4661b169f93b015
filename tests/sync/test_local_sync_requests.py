"""LocalBackend requests added for the sync engine: counts and filters through a foreign key."""

from __future__ import annotations

import pytest
from test_local_support import Workspace, f

from studio.sync.backend import compile_filters_sql, eq, in_, or_, refers_to
from studio.sync.filters import Related

pytest_plugins = ["test_local_support"]


@pytest.mark.asyncio
async def test_count_sees_what_the_user_may_see(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        wholesaler = f.create_wholesaler(cur)
        for status in ("active", "active", "inactive"):
            f.create_product(cur, wholesaler.profile_id, status=status)
    as_host = await ws.signed_in(host)
    as_wholesaler = await ws.signed_in(wholesaler)
    assert await as_host.count("products") == 2  # inactive products are the wholesaler's
    assert await as_wholesaler.count("products") == 3
    assert await as_wholesaler.count("products", [eq("status", "inactive")]) == 1
    assert await as_host.count("live_stream_sessions") == 0


@pytest.mark.asyncio
async def test_refers_to_keeps_rows_whose_referenced_row_matches(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        mine, theirs = f.create_wholesaler(cur), f.create_wholesaler(cur)
        my_product = f.create_product(cur, mine.profile_id)
        their_product = f.create_product(cur, theirs.profile_id)
        show = f.create_session(cur, host.profile_id)  # scheduled and public
        uses_mine = f.create_live_product(cur, show, host.profile_id, product_id=my_product)
        f.create_live_product(cur, show, host.profile_id, product_id=their_product)
        f.create_live_product(cur, show, host.profile_id)  # the host's own goods
    backend = await ws.signed_in(mine)
    uses = refers_to("product_id", "products", eq("wholesaler_id", mine.profile_id))

    assert await backend.count("live_products") == 3  # a public lineup: all visible
    rows = await backend.select("live_products", ["id"], [uses])
    assert [r["id"] for r in rows] == [uses_mine]
    assert await backend.select_ids("live_products", [uses]) == {uses_mine}
    assert await backend.count("live_products", [uses]) == 1
    page = await backend.pull_page("live_products", ["id", "name"], None, 10, [uses])
    assert [r["id"] for r in page.rows] == [uses_mine]
    with pytest.raises(ValueError, match="names rows by id"):
        await backend.update("live_products", {"position": 2}, [uses])
    with pytest.raises(ValueError, match="names rows by id"):
        await backend.delete("live_products", [uses])


def test_refers_to_compiles_to_an_exists_over_the_referenced_table() -> None:
    condition, params = compile_filters_sql(
        [eq("status", "active"), refers_to("product_id", "products", eq("wholesaler_id", "w"),
                                           in_("status", ["active", "draft"]))],
        table_alias="_t",
    )
    assert condition == (
        '"status" = %s and exists (select 1 from "public"."products" as "_ref"'
        ' where "_ref"."id" = "_t"."product_id" and "_ref"."wholesaler_id" = %s'
        ' and "_ref"."status" in (%s, %s))'
    )
    assert params == ["active", "w", "active", "draft"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: refers_to("product_id", "products"), "at least one condition"),
        (lambda: refers_to("product_id", "products; drop", eq("id", "x")), "not a valid"),
        (lambda: Related("product_id", "products", (or_(eq("id", "x")),)), "plain filters"),
        (lambda: or_(refers_to("product_id", "products", eq("id", "x"))), "filters or groups"),
        (lambda: compile_filters_sql([refers_to("product_id", "products", eq("id", "x"))]),
         "needs the alias"),
    ],
)
def test_malformed_refers_to_filters_are_refused(build, message) -> None:
    with pytest.raises(ValueError, match=message):
        build()
