"""LocalBackend writes and RPC calls: grants, RLS, triggers and functions decide as on Supabase."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from test_local_support import Workspace, f

from studio.sync.backend import (
    BackendError,
    NotFound,
    PermissionDenied,
    ValidationError,
    eq,
    in_,
)
from studio.sync.local.backend import LocalBackend

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_local_support"]


def show(ws: Workspace, status: str = "scheduled") -> tuple[f.Account, str, str]:
    """A host with a show and one wholesale product to put in its lineup."""
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        wholesaler = f.create_wholesaler(cur)
        product = f.create_product(cur, wholesaler.profile_id, stock=20)
        session = f.create_session(cur, host.profile_id, status)
    return host, session, product


def lineup_row(host: f.Account, session: str, product: str, **values: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "session_id": session,
        "influencer_id": host.profile_id,
        "product_id": product,
        "name": "Linen throw",
        "live_price": Decimal("19.99"),
        "allocated_quantity": 5,
        "position": 0,
        "status": "draft",
        **values,
    }


async def test_upsert_inserts_then_merges_on_the_conflict_key(ws: Workspace) -> None:
    with ws.cursor() as cur:
        admin = f.create_admin(cur)
    backend = await ws.signed_in(admin)
    row = {"slug": "home-decor", "name": "Home decor", "sort_order": 3}

    inserted = await backend.upsert(
        "categories", [row], on_conflict="slug", columns=["id", "slug", "name", "sort_order"]
    )
    merged = await backend.upsert(
        "categories", [{**row, "name": "Home & decor", "sort_order": 1}], on_conflict="slug"
    )

    assert inserted == [
        {"id": inserted[0]["id"], "slug": "home-decor", "name": "Home decor", "sort_order": 3}
    ]
    assert merged[0]["id"] == inserted[0]["id"]
    assert (merged[0]["name"], merged[0]["sort_order"], merged[0]["is_active"]) == (
        "Home & decor",
        1,
        True,
    )
    assert ws.one("select count(*) from public.categories") == 1
    assert await backend.upsert("categories", [row], on_conflict="slug", returning=False) == []
    assert ws.one("select name from public.categories") == "Home decor"


async def test_merge_upsert_needs_the_update_grant_on_every_column_sent(ws: Workspace) -> None:
    # PostgREST sets every column of the payload on conflict, `id` included, and no table grants
    # `update (id)`: a merge upsert by id is refused before any row is looked at.
    host, session, product = show(ws)
    backend = await ws.signed_in(host)
    with pytest.raises(PermissionDenied) as refused:
        await backend.upsert("live_products", [lineup_row(host, session, product)])
    assert refused.value.sqlstate == "42501" and refused.value.status == 403
    assert ws.one("select count(*) from public.live_products") == 0


async def test_insert_ignoring_duplicates_is_idempotent(ws: Workspace) -> None:
    host, session, product = show(ws)
    backend = await ws.signed_in(host)
    row = lineup_row(host, session, product)
    columns = ["id", "live_price", "allocated_quantity", "status", "sold_quantity"]

    first = await backend.insert("live_products", [row], ignore_duplicates=True, columns=columns)
    again = await backend.insert(
        "live_products",
        [{**row, "live_price": Decimal("1.00")}],
        ignore_duplicates=True,
        columns=columns,
    )

    assert first == [
        {
            "id": row["id"],
            "live_price": 19.99,
            "allocated_quantity": 5,
            "status": "draft",
            "sold_quantity": 0,
        }
    ]
    assert again == []  # the row exists: left as it was
    assert ws.one("select live_price from public.live_products") == Decimal("19.99")
    with pytest.raises(ValidationError) as duplicate:
        await backend.insert("live_products", [row], returning=False)
    assert duplicate.value.sqlstate == "23505" and duplicate.value.status == 409


async def test_update_and_delete_by_filters(ws: Workspace) -> None:
    host, session, product = show(ws)
    backend = await ws.signed_in(host)
    # A wholesale product appears once per show: the other two are the host's own goods.
    rows = [lineup_row(host, session, product if n == 0 else None, position=n) for n in range(3)]
    await backend.insert("live_products", rows, returning=False)
    ids = [r["id"] for r in rows]

    updated = await backend.update(
        "live_products",
        {"live_price": Decimal("14.99"), "compare_at_price": "24.99"},
        [in_("id", ids[:2])],
        columns=["id", "live_price", "compare_at_price"],
    )
    assert sorted(updated, key=lambda r: r["id"]) == sorted(
        ({"id": i, "live_price": 14.99, "compare_at_price": 24.99} for i in ids[:2]),
        key=lambda r: r["id"],
    )
    assert (
        await backend.update("live_products", {"position": 9}, [eq("id", ids[2])], returning=False)
        == []
    )
    assert ws.one("select position from public.live_products where id = %s", (ids[2],)) == 9

    deleted = await backend.delete(
        "live_products", [eq("id", ids[0])], returning=True, columns=["id"]
    )
    assert deleted == [{"id": ids[0]}]
    assert await backend.delete("live_products", [eq("id", ids[1])]) == []
    assert ws.one("select array_agg(id::text) from public.live_products") == [ids[2]]


async def test_a_refused_write_changes_nothing(ws: Workspace) -> None:
    host, session, product = show(ws)
    backend = await ws.signed_in(host)
    good = lineup_row(host, session, product)
    bad = lineup_row(host, session, product, live_price=Decimal("-1.00"))

    with pytest.raises(ValidationError) as refused:
        await backend.insert("live_products", [good, bad])
    assert refused.value.sqlstate == "23514" and refused.value.sqlstate[:2] == "23"
    assert not refused.value.retryable and refused.value.status == 400
    assert ws.one("select count(*) from public.live_products") == 0  # the good row neither

    await backend.insert("live_products", [good], returning=False)
    with pytest.raises(ValidationError, match="exceeds") as over:
        await backend.update("live_products", {"allocated_quantity": 21}, [eq("id", good["id"])])
    assert over.value.sqlstate == "23514" and over.value.hint  # the trigger's hint comes along
    assert ws.one("select allocated_quantity from public.live_products") == 5


async def test_writes_on_other_hosts_rows_are_refused(ws: Workspace) -> None:
    host, session, product = show(ws)
    with ws.cursor() as cur:
        intruder = f.create_influencer(cur)
    backend = await ws.signed_in(intruder)
    with pytest.raises(PermissionDenied) as refused:
        await backend.insert("live_products", [lineup_row(host, session, product)])
    assert refused.value.sqlstate == "42501"
    assert ws.one("select count(*) from public.live_products") == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: b.update("products", {"name": "x"}, []), "without filters"),
        (lambda b: b.delete("products", []), "without filters"),
        (lambda b: b.update("products", {}, [eq("id", "x")]), "at least one column"),
        (lambda b: b.upsert("products", [{"id": 1}, {"id": 2, "name": "b"}]), "same columns"),
        (lambda b: b.upsert("products", {"id": 1}), "list of rows"),
        (lambda b: b.upsert("products", [{}]), "at least one column"),
        (lambda b: b.upsert("products", [{"id": 1}], on_conflict="id; drop"), "not a valid"),
        (lambda b: b.upsert("products", [{"name; --": 1}]), "not a valid"),
        (lambda b: b.insert("products", [{"price": float("nan")}]), "cannot send"),
        (lambda b: b.insert("products", [{"price": Decimal("NaN")}]), "cannot send"),
        (lambda b: b.update("products", {"name": object()}, [eq("id", "x")]), "cannot send"),
        (
            lambda b: b.update("products", {"name": "x"}, [eq("id", "x")], columns=["*"]),
            "not a valid",
        ),
    ],
)
async def test_malformed_writes_are_refused_before_anything_is_sent(
    backends, unreachable: str, call: Callable[[LocalBackend], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await call(backends(unreachable))


# ---------------------------------------------------------------------------------------- rpc


async def test_checkout_round_trip_is_idempotent(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        wholesaler = f.create_wholesaler(cur)
        customer = f.create_customer(cur)
        product = f.create_product(cur, wholesaler.profile_id, stock=10)
        session = f.create_session(cur, host.profile_id, "live")
        item = f.create_live_product(
            cur, session, host.profile_id, product_id=product, live_price="20.00", allocated=3
        )
        f.add_to_cart(cur, customer.profile_id, live_product_id=item, quantity=2)
    backend = await ws.signed_in(customer)
    key = uuid.uuid4()

    order = await backend.rpc("checkout", {"p_idempotency_key": key, "p_notes": "gift wrap"})
    replay = await backend.rpc("checkout", {"p_idempotency_key": str(key)})

    assert order["replayed"] is False and replay["replayed"] is True
    assert replay["order_id"] == order["order_id"]
    # 8 % tax; under 50.00, so flat shipping.
    assert [order[k] for k in ("subtotal", "tax_amount", "shipping_amount", "total_amount")] == [
        40.0,
        3.2,
        5.99,
        49.19,
    ]
    assert [(i["live_product_id"], i["quantity"], i["unit_price"]) for i in order["items"]] == [
        (item, 2, 20.0)
    ]
    assert ws.one("select notes from public.orders where id = %s", (order["order_id"],)) == (
        "gift wrap"
    )
    # The sale is counted once, in the live product's sales counter (published to the row later).
    assert ws.one("select sum(sold)::int from private.live_sales where live_product_id = %s",
                  (item,)) == 2

    # Sold out: the next customer's checkout is refused with SQLSTATE class 23.
    with ws.cursor() as cur:
        late = f.create_customer(cur)
        f.add_to_cart(cur, late.profile_id, live_product_id=item, quantity=2)
    late_backend = await ws.signed_in(late)
    with pytest.raises(ValidationError) as sold_out:
        await late_backend.rpc("checkout", {"p_idempotency_key": uuid.uuid4()})
    assert sold_out.value.sqlstate == "23514"
    assert ws.one("select count(*) from public.orders") == 1


async def test_goal_progress_returns_rows_like_postgrest(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
    today = date.today()
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    goal = ws.one(
        "insert into public.influencer_goals (influencer_id, title, goal_type, period,"
        " period_start, period_end, target_value) values (%s, 'Ship it', 'shows', 'monthly',"
        " %s, %s, 4) returning id::text",
        (host.profile_id, start, end),
    )
    backend = await ws.signed_in(host)

    progress = await backend.rpc("goal_progress")
    elsewhere = await backend.rpc("goal_progress", {"p_at": end + timedelta(days=1)})

    assert progress == [
        {
            "goal_id": goal,
            "title": "Ship it",
            "goal_type": "shows",
            "period": "monthly",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "target_value": 4,
            "current_value": 0,
            "percent": 0,
            "achieved": False,
        }
    ]
    assert elsewhere == []


async def test_scalar_and_object_results_and_refusals(ws: Workspace) -> None:
    host, session, _ = show(ws, status="live")
    ws.owner.execute(
        "update public.live_stream_sessions set hms_viewer_room_code = 'view-042' where id = %s",
        (session,),
    )
    anon = ws.make()
    host_backend = await ws.signed_in(host)

    assert await anon.rpc("viewer_room_code", {"p_session_id": session}) == "view-042"
    credentials = await host_backend.rpc("host_session_credentials", {"p_session_id": session})
    assert credentials["session_id"] == session and credentials["stream_key"].startswith("sk_")

    with pytest.raises(PermissionDenied):
        await anon.rpc("my_profiles")
    with pytest.raises(PermissionDenied):  # execute is not granted to the API roles
        await host_backend.rpc(
            "record_payment_event", {"p_order_id": str(uuid.uuid4()), "p_status": "paid"}
        )
    with pytest.raises(ValidationError) as bad_argument:
        await host_backend.rpc("earnings_by_period", {"p_granularity": "fortnight"})
    assert bad_argument.value.sqlstate == "22023"
    with pytest.raises(NotFound) as no_function:
        await host_backend.rpc("no_such_function")
    assert no_function.value.code == "PGRST202" and no_function.value.status == 404
    with pytest.raises(NotFound, match="p_unknown"):
        await host_backend.rpc("goal_progress", {"p_unknown": 1})
    with pytest.raises(NotFound):  # a required argument missing: no overload fits
        await host_backend.rpc("show_live_stats")


async def test_rpc_result_shapes_follow_postgrest(ws: Workspace) -> None:
    ws.owner.execute("""
        create function public.countdown(p_from integer) returns setof integer
          language sql as 'select generate_series(p_from, 1, -1)';
        create function public.first_category() returns public.categories
          language sql as 'select * from public.categories order by sort_order limit 1';
        create function public.touch_category(p_slug text, p_order integer default 7) returns void
          language sql security definer
          as 'update public.categories set sort_order = p_order where slug = p_slug';
        create function public.twin(p_a integer) returns integer language sql as 'select p_a';
        create function public.twin(p_a integer, p_b integer default 0) returns integer
          language sql as 'select p_a + p_b';
        grant execute on all functions in schema public to anon;
    """)
    with ws.cursor() as cur:
        f.create_category(cur)
    backend = ws.make(max_rows=3)

    assert await backend.rpc("countdown", {"p_from": 5}) == [5, 4, 3]  # capped at max_rows
    first = await backend.rpc("first_category")
    assert isinstance(first, dict) and first["is_active"] is True
    assert await backend.rpc("touch_category", {"p_slug": first["slug"]}) is None
    assert ws.one("select sort_order from public.categories") == 7
    assert await backend.rpc("twin", {"p_a": 2, "p_b": 3}) == 5
    with pytest.raises(BackendError) as ambiguous:
        await backend.rpc("twin", {"p_a": 2})
    assert ambiguous.value.code == "PGRST203"
