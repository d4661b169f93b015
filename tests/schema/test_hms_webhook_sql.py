"""100ms webhook events into viewer presence: recorded bodies, replays, out-of-order, refusals."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import factories as f
import psycopg
import pytest
from psycopg.types.json import Jsonb
from test_fn_support import (
    assert_refused,
    build_show,
    concurrently,
    one,
    refused,
    rows,
    rpc,
    unchanged,
)

from studio.server.migrations import schema_dir

FIXTURES = schema_dir() / "functions" / "_tests" / "fixtures"
RECORD = "select public.record_hms_peer_event(%s)"
CODES = {"host": "hst-abc", "co-host": "coh-abc", "viewer": "vwr-abc"}


def recorded(name: str, room: str, *, tag: str = "", **data: Any) -> dict[str, Any]:
    """A recorded 100ms body, in `room`, its event id made unique by `tag`, data overridden."""
    body = json.loads(Path(FIXTURES, f"{name}.json").read_text())
    body = copy.deepcopy(body)
    body["id"] = f"{body['id']}-{room}{tag}"
    body["data"]["room_id"] = room
    body["data"].update(data)
    return body


def deliver(conn: psycopg.Connection, event: Any) -> dict[str, Any]:
    """Post an event as the hms-webhook function does (service role)."""
    return rpc(conn, None, RECORD, (Jsonb(event),), role="service_role")


def live_show_with_room(conn: psycopg.Connection, status: str = "live") -> tuple[Any, str]:
    show = build_show(conn, status=status)
    room = show.session_id.replace("-", "")[:24]
    rpc(conn, show.host.user_id, "select public.record_show_room(%s, %s, %s)",
        (show.session_id, room, Jsonb(CODES)))
    return show, room


def viewers(conn: psycopg.Connection, session_id: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        "select hms_peer_id, user_id::text, joined_at, left_at from public.live_stream_viewers"
        " where session_id = %s order by joined_at, hms_peer_id", (session_id,)).fetchall()


def counts(conn: psycopg.Connection, session_id: str) -> tuple[int, int, int]:
    row = conn.execute("select current_viewers, peak_viewers, unique_viewers"
                       " from public.live_stream_sessions where id = %s", (session_id,)).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def ledger_size(conn: psycopg.Connection) -> int:
    return one(conn, "select count(*) from private.hms_webhook_events")


# ------------------------------------------------------------------ joins and leaves
def test_a_viewer_joins_and_leaves(conn: psycopg.Connection) -> None:
    show, room = live_show_with_room(conn)
    peer = "7d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a01"

    out = deliver(conn, recorded("peer_join_viewer", room))
    assert (out["outcome"], out["session_id"]) == ("joined", show.session_id)
    [(peer_id, user_id, joined_at, left_at)] = viewers(conn, show.session_id)
    assert (peer_id, user_id, left_at) == (peer, None, None)
    assert joined_at.isoformat() == "2026-12-03T18:00:05.123457+00:00"
    assert counts(conn, show.session_id) == (1, 1, 1)

    assert deliver(conn, recorded("peer_leave_viewer", room))["outcome"] == "left"
    [(_, _, _, left_at)] = viewers(conn, show.session_id)
    assert left_at.isoformat() == "2026-12-03T18:12:47.004812+00:00"
    assert counts(conn, show.session_id) == (0, 1, 1)


def test_replayed_events_change_nothing(conn: psycopg.Connection) -> None:
    show, room = live_show_with_room(conn)
    join, leave = recorded("peer_join_viewer", room), recorded("peer_leave_viewer", room)
    deliver(conn, join)
    with unchanged(conn):
        assert deliver(conn, join)["outcome"] == "replayed"
    deliver(conn, leave)
    size = ledger_size(conn)
    with unchanged(conn):
        assert deliver(conn, leave) == {"event_id": leave["id"], "outcome": "replayed",
                                        "session_id": show.session_id}
        assert deliver(conn, join)["outcome"] == "replayed"
    assert ledger_size(conn) == size
    assert counts(conn, show.session_id) == (0, 1, 1)


def test_a_leave_before_its_join_records_a_closed_visit(conn: psycopg.Connection) -> None:
    show, room = live_show_with_room(conn)
    assert deliver(conn, recorded("peer_leave_viewer", room))["outcome"] == "left_before_join"
    assert counts(conn, show.session_id) == (0, 0, 1)
    before = viewers(conn, show.session_id)
    [(_, _, joined_at, left_at)] = before
    assert (joined_at.isoformat(), left_at.isoformat()) == (
        "2026-12-03T18:00:05.123457+00:00", "2026-12-03T18:12:47.004812+00:00")

    # The join arrives late: the visit stays closed and nobody is counted as watching.
    assert deliver(conn, recorded("peer_join_viewer", room))["outcome"] == "already_joined"
    assert viewers(conn, show.session_id) == before
    assert counts(conn, show.session_id) == (0, 0, 1)


def test_a_leave_without_times_in_data_uses_the_event_time(conn: psycopg.Connection) -> None:
    show, room = live_show_with_room(conn)
    leave = recorded("peer_leave_viewer", room, joined_at=None, left_at=None)
    assert deliver(conn, leave)["outcome"] == "left_before_join"
    [(_, _, joined_at, left_at)] = viewers(conn, show.session_id)
    assert joined_at == left_at and left_at.isoformat() == "2026-12-03T18:12:47+00:00"


def test_peers_of_our_users_are_linked_to_them(conn: psycopg.Connection) -> None:
    show, room = live_show_with_room(conn)
    deliver(conn, recorded("peer_join_viewer", room, user_id=show.customer.user_id))
    # A second device of the same account takes over: one open visit per account.
    deliver(conn, recorded("peer_join_viewer", room, tag="b", user_id=show.customer.user_id,
                           peer_id="second-device",
                           joined_at="2026-12-03T18:05:00Z"))
    got = [(p, u, left is None) for p, u, _, left in viewers(conn, show.session_id)]
    assert got == [("7d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a01", show.customer.user_id, False),
                   ("second-device", show.customer.user_id, True)]
    assert counts(conn, show.session_id) == (1, 1, 1)
    # The host sees their audience as the rows of live_stream_viewers.
    assert rpc(conn, show.host.user_id, "select count(*) from public.live_stream_viewers"
               " where session_id = %s", (show.session_id,)) == 2

    # A user id that is not one of ours is not kept.
    deliver(conn, recorded("peer_join_viewer", room, tag="c", peer_id="guest",
                           user_id=str(uuid.uuid4())))
    assert one(conn, "select user_id from public.live_stream_viewers where hms_peer_id = 'guest'"
               " and session_id = %s", (show.session_id,)) is None


@pytest.mark.parametrize(("fixture", "outcome"), [
    ("peer_join_host", "broadcaster"),
    ("peer_join_recorder", "broadcaster"),
    ("session_open", "ignored_type"),
])
def test_broadcasters_and_other_events_are_not_audience(
    conn: psycopg.Connection, fixture: str, outcome: str,
) -> None:
    show, room = live_show_with_room(conn)
    with unchanged(conn):
        assert deliver(conn, recorded(fixture, room))["outcome"] == outcome
    assert viewers(conn, show.session_id) == []


def test_events_of_unknown_rooms_are_ignored(conn: psycopg.Connection) -> None:
    with unchanged(conn):
        out = deliver(conn, recorded("peer_join_viewer", "nosuchroom"))
    assert out == {"event_id": out["event_id"], "outcome": "unknown_room", "session_id": None}


def test_joins_count_only_while_the_show_is_live(conn: psycopg.Connection) -> None:
    _, room = live_show_with_room(conn, status="scheduled")
    with unchanged(conn):
        assert deliver(conn, recorded("peer_join_viewer", room))["outcome"] == "not_live"
        assert deliver(conn, recorded("peer_leave_viewer", room))["outcome"] == "not_live"


def test_the_room_stays_known_after_it_is_cleared(conn: psycopg.Connection) -> None:
    show, room = live_show_with_room(conn)
    deliver(conn, recorded("peer_join_viewer", room))
    rpc(conn, show.host.user_id, "select public.clear_show_room(%s)", (show.session_id,))
    assert deliver(conn, recorded("peer_leave_viewer", room))["outcome"] == "left"
    assert counts(conn, show.session_id)[0] == 0


def test_the_same_event_delivered_twice_at_once_counts_once(conninfo: str,
                                                            conn: psycopg.Connection) -> None:
    show, room = live_show_with_room(conn)
    join = recorded("peer_join_viewer", room)
    results = concurrently(conninfo, [lambda c: deliver(c, join)] * 4)
    assert sorted(r["outcome"] for r in results) == ["joined", "replayed", "replayed",
                                                     "replayed"]
    assert counts(conn, show.session_id) == (1, 1, 1)


def test_a_join_and_its_leave_at_once_end_closed(conninfo: str,
                                                 conn: psycopg.Connection) -> None:
    show, room = live_show_with_room(conn)
    events = [recorded("peer_join_viewer", room), recorded("peer_leave_viewer", room)]
    results = concurrently(conninfo, [lambda c, e=e: deliver(c, e) for e in events])
    assert {r["outcome"] for r in results} in ({"joined", "left"},
                                               {"left_before_join", "already_joined"})
    [(_, _, _, left_at)] = viewers(conn, show.session_id)
    assert left_at is not None and counts(conn, show.session_id)[0] == 0


# ------------------------------------------------------------------ refusals
def _room_for_bad_input(conn: psycopg.Connection) -> str:
    return live_show_with_room(conn)[1]


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda e: None, "p_event must be a JSON object"),
    (lambda e: [e], "p_event must be a JSON object"),
    (lambda e: {**e, "id": None}, "needs its id and type"),
    (lambda e: {**e, "id": 12}, "id must be a string"),
    (lambda e: {**e, "id": "x" * 201}, "id must be a string of 1 to 200"),
    (lambda e: {**e, "data": "nope"}, "data must be a JSON object"),
    (lambda e: {**e, "data": {**e["data"], "peer_id": None}}, "data needs room_id and peer_id"),
    (lambda e: {**e, "data": {**e["data"], "joined_at": "yesterday-ish"}},
     "data.joined_at must be a timestamp"),
    (lambda e: {**e, "data": {**e["data"], "joined_at": None}, "timestamp": None},
     "A join needs data.joined_at or timestamp"),
    (lambda e: {**e, "data": {**e["data"], "user_data": "x" * 17000}}, "larger than 16 kB"),
])
def test_malformed_events_are_refused_and_change_nothing(
    conn: psycopg.Connection, mutate: Any, message: str,
) -> None:
    event = mutate(recorded("peer_join_viewer", _room_for_bad_input(conn)))
    size = ledger_size(conn)
    with unchanged(conn):
        err = refused(conn, None, RECORD, (None if event is None else Jsonb(event),),
                      role="service_role")
    assert_refused(err, "22023", message)
    assert ledger_size(conn) == size


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_only_the_service_role_records_peer_events(conn: psycopg.Connection, role: str) -> None:
    show, room = live_show_with_room(conn)
    user = None if role == "anon" else show.host.user_id
    size = ledger_size(conn)
    with unchanged(conn):
        err = refused(conn, user, RECORD, (Jsonb(recorded("peer_join_viewer", room)),),
                      role=role)
    assert err.sqlstate == "42501"
    assert ledger_size(conn) == size
    assert rows(conn, None, "select has_function_privilege(%s,"
                " 'public.record_hms_peer_event(jsonb)', 'execute')", (role,),
                role="service_role") == [(False,)]


def test_the_ledger_is_private_and_pruned(conn: psycopg.Connection) -> None:
    with conn.cursor() as cur:
        host = f.create_influencer(cur)
    for role, user in (("anon", None), ("authenticated", host.user_id)):
        err = refused(conn, user, "select count(*) from private.hms_webhook_events", role=role)
        assert err.sqlstate == "42501"
    conn.execute("insert into private.hms_webhook_events (event_id, event_type, received_at)"
                 " values ('old-event', 'peer.join.success', now() - interval '40 days')")
    assert_refused(refused(conn, None, "select private.prune_hms_webhook_events(%s)",
                           ("1 hour",), role="service_role"), "22023", "at least 1 day")
    assert rpc(conn, None, "select private.prune_hms_webhook_events(%s)", ("30 days",),
               role="service_role") >= 1
    assert one(conn, "select count(*) from private.hms_webhook_events"
                     " where event_id = 'old-event'") == 0


def test_two_devices_of_one_account_joining_at_once_leave_one_open_visit(
    conninfo: str, conn: psycopg.Connection,
) -> None:
    show, room = live_show_with_room(conn)
    events = [recorded("peer_join_viewer", room, tag=str(i), peer_id=f"device-{i}",
                       user_id=show.customer.user_id) for i in range(4)]
    results = concurrently(conninfo, [lambda c, e=e: deliver(c, e) for e in events])
    assert [r["outcome"] for r in results] == ["joined"] * 4, results
    open_visits = [v for v in viewers(conn, show.session_id) if v[3] is None]
    assert len(open_visits) == 1
    assert counts(conn, show.session_id) == (1, 1, 1)
