"""The SupabaseBackend scenarios against a real Supabase project (opt-in, needs credentials)."""

from __future__ import annotations

import contextlib
import os
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import pytest_asyncio

from studio.sync.backend import AuthError, PermissionDenied, Role, ValidationError, eq, gt
from studio.sync.session_store import MemorySessionStore
from studio.sync.supabase.backend import SupabaseBackend
from studio.sync.supabase.project_check import ProjectCheckFailed, check_project
from studio.sync.supabase.realtime_feed import FeedState

REQUIRED = (
    "SHOPSTREAM_SUPABASE_URL",
    "SHOPSTREAM_SUPABASE_ANON_KEY",
    "SHOPSTREAM_TEST_EMAIL",
    "SHOPSTREAM_TEST_PASSWORD",
)
MISSING = [name for name in REQUIRED if not os.environ.get(name)]

pytestmark = [
    pytest.mark.supabase_live,
    pytest.mark.skipif(
        bool(MISSING),
        reason=(
            f"set {', '.join(MISSING)} to run against a real Supabase project "
            "(the test user must be a host; the schema and seed must be applied)"
        ),
    ),
]

SHOW_COLUMNS = ["id", "influencer_id", "status", "title"]
LINEUP_COLUMNS = ["id", "session_id", "live_price", "allocated_quantity", "position"]


def env(name: str) -> str:
    return os.environ[name]


@pytest_asyncio.fixture
async def backend():
    # The session stays in memory: a test run must not touch the developer's keyring.
    b = SupabaseBackend(
        env("SHOPSTREAM_SUPABASE_URL"), env("SHOPSTREAM_SUPABASE_ANON_KEY"), MemorySessionStore()
    )
    yield b
    await b.close()


@pytest.mark.asyncio
async def test_wrong_password_is_refused(backend):
    with pytest.raises(AuthError):
        await backend.sign_in(env("SHOPSTREAM_TEST_EMAIL"), "not-the-password-" + uuid.uuid4().hex)
    assert backend.current_user is None


@pytest.mark.asyncio
async def test_host_scenario(backend):
    session = await backend.sign_in(env("SHOPSTREAM_TEST_EMAIL"), env("SHOPSTREAM_TEST_PASSWORD"))
    assert backend.current_user == session.user

    profiles = await backend.my_profiles()
    if Role.HOST not in profiles.roles:
        pytest.fail("SHOPSTREAM_TEST_EMAIL must belong to a host (an influencers row)")
    host_id = profiles.profile_id(Role.HOST)

    products = await backend.select(
        "products",
        ["id", "name", "retail_price", "stock_quantity"],
        [eq("status", "active"), eq("is_live_eligible", True), gt("stock_quantity", 0)],
        limit=5,
    )
    assert products, "the project's catalog has no active, live-eligible product in stock"
    assert all(set(p) == {"id", "name", "retail_price", "stock_quantity"} for p in products)
    product = products[0]

    shows = await backend.select(
        "live_stream_sessions",
        SHOW_COLUMNS,
        [eq("influencer_id", host_id), eq("status", "scheduled")],
        limit=1,
    )
    created_show = None
    if not shows:
        created_show = str(uuid.uuid4())
        start = datetime.now(UTC) + timedelta(days=7)
        shows = await backend.upsert(
            "live_stream_sessions",
            [
                {
                    "id": created_show,
                    "influencer_id": host_id,
                    "title": "Live check",
                    "scheduled_start": start,
                }
            ],
            columns=SHOW_COLUMNS,
        )
    show_id = shows[0]["id"]
    try:
        item_id = str(uuid.uuid4())
        row = {
            "id": item_id,
            "session_id": show_id,
            "influencer_id": host_id,
            "product_id": product["id"],
            "name": product["name"],
            "live_price": Decimal("1.99"),
            "allocated_quantity": 1,
            "position": 999,
        }
        [created] = await backend.upsert("live_products", [row], columns=LINEUP_COLUMNS)
        assert created["id"] == item_id and Decimal(str(created["live_price"])) == Decimal("1.99")

        # Sending the same upsert again (a retried push) changes the row, never duplicates it.
        again = {**row, "live_price": Decimal("1.49")}
        await backend.upsert("live_products", [again], returning=False)
        page = await backend.pull_page(
            "live_products", LINEUP_COLUMNS, None, 1000, [eq("session_id", show_id)]
        )
        mine = [r for r in page.rows if r["id"] == item_id]
        assert len(mine) == 1 and Decimal(str(mine[0]["live_price"])) == Decimal("1.49")

        with pytest.raises(ValidationError) as refused:
            await backend.update("live_products", {"live_price": -1}, [eq("id", item_id)])
        assert refused.value.sqlstate is not None and refused.value.sqlstate[:2] in ("22", "23")

        await backend.delete("live_products", [eq("id", item_id)])
        ids = await backend.select_ids("live_products", [eq("session_id", show_id)])
        assert item_id not in ids
    finally:
        if created_show is not None:
            # Hosts may not be allowed to delete shows: the next run then reuses this one.
            with contextlib.suppress(PermissionDenied):
                await backend.delete("live_stream_sessions", [eq("id", created_show)])

    goals = await backend.rpc("goal_progress")
    assert isinstance(goals, list)
    assert all({"goal_id", "percent", "achieved"} <= set(g) for g in goals)

    await backend.sign_out()
    assert backend.current_user is None


@pytest.mark.asyncio
async def test_project_check_accepts_the_project_and_refuses_a_foreign_key():
    url, key = env("SHOPSTREAM_SUPABASE_URL"), env("SHOPSTREAM_SUPABASE_ANON_KEY")
    found = await check_project(url, key)
    assert found.email_sign_in
    # A well-formed anon JWT that no project signed: the API gateway refuses it.
    foreign = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJyb2xlIjoiYW5vbiIsImlzcyI6InN1cGFiYXNlIn0."
        "c2lnbmF0dXJlLW9mLW5vYm9keQ"
    )
    with pytest.raises(ProjectCheckFailed) as refused:
        await check_project(url, foreign)
    assert refused.value.field == "key"


@pytest.mark.asyncio
async def test_realtime_feed_joins_and_closes(backend):
    await backend.sign_in(env("SHOPSTREAM_TEST_EMAIL"), env("SHOPSTREAM_TEST_PASSWORD"))
    seen = []
    subscription = await backend.subscribe(
        "live_products", None, lambda change: None, on_status=seen.append
    )
    assert subscription.status.state is FeedState.JOINED
    await subscription.unsubscribe()
    assert [s.state for s in seen] == [FeedState.JOINED, FeedState.CLOSED]
    await backend.sign_out()
