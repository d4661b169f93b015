"""LocalBackend.subscribe: committed changes delivered as Supabase Realtime delivers them."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from test_local_support import Workspace, f, wait_until

from studio.sync.backend import NetworkError, PermissionDenied, RowChange, eq, ilike
from studio.sync.local.backend import LocalBackend

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_local_support"]

COMMIT_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def summary(changes: list[RowChange]) -> list[tuple[str, str]]:
    """(type, id) of each change, ids taken from the record or, for deletes, the old record."""
    return [(c.type, str((c.record or c.old_record or {}).get("id"))) for c in changes]


async def test_own_show_changes_arrive_in_commit_order(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        session = f.create_session(cur, host.profile_id)
        other_session = f.create_session(cur, host.profile_id)
    backend = await ws.signed_in(host)
    changes: list[RowChange] = []
    await backend.subscribe("live_products", eq("session_id", session), changes.append)

    with ws.cursor() as cur:
        elsewhere = f.create_live_product(cur, other_session, host.profile_id)
        item = f.create_live_product(cur, session, host.profile_id, live_price="19.99")
    await wait_until(lambda: len(changes) >= 1)
    ws.owner.execute("update public.live_products set live_price = 17.50 where id = %s", (item,))
    await wait_until(lambda: len(changes) >= 2)
    ws.owner.execute("delete from public.live_products where id = %s", (item,))
    await wait_until(lambda: len(changes) >= 3)

    assert summary(changes) == [("INSERT", item), ("UPDATE", item), ("DELETE", item)]
    inserted, updated, deleted = changes
    assert inserted.table == "live_products" and inserted.old_record is None
    assert inserted.record["live_price"] == 19.99 and updated.record["live_price"] == 17.5
    assert inserted.record["session_id"] == session
    assert deleted.record is None and deleted.old_record == {"id": item}
    assert all(COMMIT_TIMESTAMP.match(c.commit_timestamp or "") for c in changes)
    assert elsewhere not in {i for _, i in summary(changes)}


async def test_a_row_deleted_before_delivery_arrives_only_as_its_delete(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        session = f.create_session(cur, host.profile_id)
    backend = await ws.signed_in(host)
    changes: list[RowChange] = []
    await backend.subscribe("live_products", None, changes.append)

    with ws.owner.transaction(), ws.cursor() as cur:  # inserted and deleted in one commit
        gone = f.create_live_product(cur, session, host.profile_id)
        cur.execute("delete from public.live_products where id = %s", (gone,))
    with ws.cursor() as cur:
        kept = f.create_live_product(cur, session, host.profile_id)
    await wait_until(lambda: len(changes) >= 2)

    assert summary(changes) == [("DELETE", gone), ("INSERT", kept)]


async def test_rows_the_subscriber_may_not_read_never_arrive(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        customer = f.create_customer(cur)
        session = f.create_session(cur, host.profile_id)
        draft = f.create_live_product(cur, session, host.profile_id)
        ws.owner.execute("update public.live_products set status = 'draft' where id = %s", (draft,))
    backend = await ws.signed_in(customer)
    changes: list[RowChange] = []
    await backend.subscribe("live_products", None, changes.append)

    ws.owner.execute("update public.live_products set name = 'Secret' where id = %s", (draft,))
    with ws.cursor() as cur:
        public = f.create_live_product(cur, session, host.profile_id)
    await wait_until(lambda: len(changes) >= 1)

    # Changes are handled in commit order, so the draft's update came and went first.
    assert summary(changes) == [("INSERT", public)]


async def test_columns_the_subscriber_may_not_read_are_left_out(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        customer = f.create_customer(cur)
        session = f.create_session(cur, host.profile_id)
    backend = await ws.signed_in(customer)
    changes: list[RowChange] = []
    await backend.subscribe("live_stream_sessions", eq("id", session), changes.append)

    ws.owner.execute(
        "update public.live_stream_sessions set title = 'Autumn drop' where id = %s", (session,)
    )
    await wait_until(lambda: len(changes) >= 1)

    record = changes[0].record or {}
    assert (changes[0].type, record["id"], record["title"]) == ("UPDATE", session, "Autumn drop")
    assert {"stream_key", "hms_room_id", "hms_host_room_code", "hms_viewer_room_code"}.isdisjoint(
        record
    )


async def test_own_writes_arrive_and_unsubscribing_stops_a_feed(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        session = f.create_session(cur, host.profile_id)
    backend = await ws.signed_in(host)
    kept: list[RowChange] = []
    dropped: list[RowChange] = []
    await backend.subscribe("live_products", None, kept.append)
    leaving = await backend.subscribe("live_products", None, dropped.append)

    first = await insert_item(backend, host, session)
    await wait_until(lambda: len(kept) >= 1 and len(dropped) >= 1)
    await leaving.unsubscribe()
    second = await insert_item(backend, host, session)
    await wait_until(lambda: len(kept) >= 2)

    assert summary(kept) == [("INSERT", first), ("INSERT", second)]
    assert summary(dropped) == [("INSERT", first)]


async def test_a_failing_callback_does_not_stop_the_feed(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        session = f.create_session(cur, host.profile_id)
    backend = await ws.signed_in(host)
    seen: list[RowChange] = []

    def fragile(change: RowChange) -> None:
        seen.append(change)
        if len(seen) == 1:
            raise RuntimeError("consumer bug")

    await backend.subscribe("live_products", None, fragile)
    first = await insert_item(backend, host, session)
    second = await insert_item(backend, host, session)
    await wait_until(lambda: len(seen) >= 2)
    assert summary(seen) == [("INSERT", first), ("INSERT", second)]


async def test_subscriptions_that_cannot_be_served_are_refused(ws: Workspace) -> None:
    anon = ws.make()
    with pytest.raises(ValueError, match="not published"):
        await anon.subscribe("orders", None, print)
    with pytest.raises(PermissionDenied):
        await anon.subscribe("influencer_goals", None, print)


@pytest.mark.parametrize(
    ("table", "condition", "message"),
    [
        ("live_products", ilike("name", "%x%"), "realtime filters"),
        ("live products", None, "not a valid"),
    ],
)
async def test_malformed_subscriptions_are_refused_before_anything_is_sent(
    backends, unreachable: str, table: str, condition, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await backends(unreachable).subscribe(table, condition, print)


async def test_subscribing_without_a_server_is_a_network_error(backends, unreachable: str) -> None:
    with pytest.raises(NetworkError):
        await backends(unreachable).subscribe("live_products", None, print)


async def insert_item(backend: LocalBackend, host: f.Account, session: str) -> str:
    row_id = str(uuid.uuid4())
    await backend.insert(
        "live_products",
        [
            {
                "id": row_id,
                "session_id": session,
                "influencer_id": host.profile_id,
                "name": "Mug",
                "live_price": Decimal("9.00"),
                "allocated_quantity": 3,
            }
        ],
        returning=False,
    )
    return row_id
