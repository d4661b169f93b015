"""Sync history retention: the op ledger and the deletions feed are pruned after 45 days, never
sooner than the studio may still resend (30 days), and only by the server's own jobs."""

from __future__ import annotations

import psycopg
import pytest
from test_fn_support import assert_refused, build_show, one, refused, rpc
from test_sync_protocol_support import apply_ops, ledger_size, op, statuses

from studio.server.workspace import prune_sync_history


def _age_ledger(conn: psycopg.Connection, op_id: str, days: int) -> None:
    conn.execute("update private.applied_ops set applied_at = now() - make_interval(days => %s)"
                 " where op_id = %s", (days, op_id))


def _age_tombstones(conn: psycopg.Connection, row_id: str, days: int) -> None:
    conn.execute("update public.sync_tombstones set deleted_at = now() - make_interval(days => %s)"
                 " where row_id = %s", (days, row_id))


def _prune(conn: psycopg.Connection, keep: str | None = None) -> dict[str, int]:
    if keep is None:
        return one(conn, "select private.prune_sync_history()")
    return one(conn, "select private.prune_sync_history(%s::interval)", (keep,))


def test_history_older_than_45_days_goes_and_recent_ops_still_replay_as_no_ops(
    conn: psycopg.Connection,
) -> None:
    show = build_show(conn, status="scheduled")
    host = show.host.user_id
    old = op("live_products", show.live_product_id, base=1, values={"live_price": "17.50"})
    recent = op("live_products", show.live_product_id, base=2, values={"live_price": "16.00"})
    apply_ops(conn, host, [old])
    apply_ops(conn, host, [recent])
    _age_ledger(conn, old["op_id"], 46)
    _age_ledger(conn, recent["op_id"], 31)  # resendable by a device 30 days offline
    before = ledger_size(conn, host)
    floor_before = one(conn, "select public.sync_tombstone_floor()")
    rpc(conn, host, "delete from public.live_products where id = %s", (show.live_product_id,))
    _age_tombstones(conn, show.live_product_id, 46)

    pruned = _prune(conn)

    assert pruned["applied_ops"] >= 1 and pruned["tombstones"] >= 1
    assert ledger_size(conn, host) == before - 1
    assert one(conn, "select count(*) from private.applied_ops where op_id = %s",
               (old["op_id"],)) == 0
    assert one(conn, "select count(*) from public.sync_tombstones where row_id = %s",
               (show.live_product_id,)) == 0
    # A cursor from before the pruned deletion now reconciles in full.
    floor = one(conn, "select public.sync_tombstone_floor()")
    assert floor is not None and (floor_before is None or floor > floor_before)
    # The recent op is still remembered: resending it changes nothing.
    assert statuses(apply_ops(conn, host, [recent])) == ["replayed"]


@pytest.mark.parametrize("keep", ["30 days", "1 day", "-45 days"])
def test_keeping_less_than_the_studio_may_resend_is_refused_and_prunes_nothing(
    conn: psycopg.Connection, keep: str
) -> None:
    show = build_show(conn, status="scheduled")
    edit = op("live_products", show.live_product_id, base=1, values={"live_price": "17.50"})
    apply_ops(conn, show.host.user_id, [edit])
    _age_ledger(conn, edit["op_id"], 40)
    with pytest.raises(psycopg.Error) as caught:
        _prune(conn, keep)
    conn.rollback()
    assert_refused(caught.value, "22023", "keep at least 31 days of sync history")
    assert ledger_size(conn, show.host.user_id) == 1


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_only_the_server_prunes(conn: psycopg.Connection, role: str) -> None:
    show = build_show(conn, status="scheduled")
    err = refused(conn, show.host.user_id if role == "authenticated" else None,
                  "select private.prune_sync_history()", role=role)
    assert err.sqlstate == "42501"


def test_the_local_workspace_prunes_when_it_starts(conn: psycopg.Connection,
                                                  conninfo: str) -> None:
    show = build_show(conn, status="scheduled")
    edit = op("live_products", show.live_product_id, base=1, values={"live_price": "17.50"})
    apply_ops(conn, show.host.user_id, [edit])
    _age_ledger(conn, edit["op_id"], 60)
    conn.commit()

    pruned = prune_sync_history(conninfo)

    assert pruned is not None and pruned["applied_ops"] >= 1
    assert ledger_size(conn, show.host.user_id) == 0
    assert prune_sync_history("postgresql://nobody@127.0.0.1:1/none") is None  # never raises
