"""Video rooms: who records and reads a show's 100ms room codes, co-hosts and what they see."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import factories as f
import psycopg
import pytest
from psycopg.types.json import Jsonb
from test_fn_support import (
    assert_refused,
    build_show,
    checkout,
    connect,
    fill_cart,
    one,
    refused,
    rows,
    rpc,
    unchanged,
)

from studio.server.request_context import request_transaction

CODES = {"host": "hst-abcd-efg", "co-host": "coh-abcd-efg", "viewer": "vwr-abcd-efg"}
RECORD = "select public.record_show_room(%s, %s, %s)"
CREDENTIALS = "select public.host_session_credentials(%s)"
INVITE = "select public.invite_cohost(%s, %s)"
REMOVE = "select public.remove_cohost(%s, %s)"
COHOST_CODE = "select public.cohost_room_code(%s)"


@dataclass
class Cast:
    """A live show of host A, another verified host B (the co-host), a stranger host C."""

    host: f.Account
    cohost: f.Account
    stranger: f.Account
    customer: f.Account
    session_id: str
    live_product_id: str


def cast(conn: psycopg.Connection, status: str = "live") -> Cast:
    show = build_show(conn, status=status)
    with conn.cursor() as cur:
        cohost = f.create_influencer(cur)
        stranger = f.create_influencer(cur)
    return Cast(show.host, cohost, stranger, show.customer, show.session_id,
                show.live_product_id)


@contextmanager
def rooms_unchanged(conn: psycopg.Connection) -> Iterator[None]:
    """No public table, no room and no co-host row is written in the block."""
    digest = ("select count(*) || md5(coalesce(string_agg(t::text, ',' order by t::text), ''))"
              " from {} t")
    tables = ("private.show_rooms", "public.live_session_cohosts")
    before = [one(conn, digest.format(t)) for t in tables]
    with unchanged(conn):
        yield
    assert [one(conn, digest.format(t)) for t in tables] == before


def room_of(c: Cast) -> str:
    """A room id of this show's own (each test's shows are new in a shared database)."""
    return c.session_id.replace("-", "")[:24]


def open_room(conn: psycopg.Connection, c: Cast, room: str | None = None,
              codes: dict[str, str | None] | None = None) -> None:
    rpc(conn, c.host.user_id, RECORD, (c.session_id, room or room_of(c), Jsonb(codes or CODES)))


# ------------------------------------------------------------------ recording a room
def test_host_records_the_room_and_reads_every_code(conn: psycopg.Connection) -> None:
    c = cast(conn)
    open_room(conn, c)

    creds = rpc(conn, c.host.user_id, CREDENTIALS, (c.session_id,))
    assert creds["hms_room_id"] == room_of(c)
    assert (creds["hms_host_room_code"], creds["hms_cohost_room_code"],
            creds["hms_viewer_room_code"]) == (CODES["host"], CODES["co-host"], CODES["viewer"])
    assert (creds["status"], creds["is_rehearsal"]) == ("live", False)
    assert rpc(conn, None, "select public.viewer_room_code(%s)", (c.session_id,),
               role="anon") == CODES["viewer"]


@pytest.mark.parametrize("codes", [{**CODES, "co-host": None},
                                   {"host": CODES["host"], "viewer": CODES["viewer"]}])
def test_a_room_without_a_cohost_code_is_recorded(conn: psycopg.Connection,
                                                  codes: dict[str, str | None]) -> None:
    """A template may lack the co-host role: the show then has no co-host code."""
    c = cast(conn)
    rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    open_room(conn, c, codes=codes)
    creds = rpc(conn, c.host.user_id, CREDENTIALS, (c.session_id,))
    assert (creds["hms_host_room_code"], creds["hms_cohost_room_code"],
            creds["hms_viewer_room_code"]) == (CODES["host"], None, CODES["viewer"])
    assert rpc(conn, c.cohost.user_id, COHOST_CODE, (c.session_id,)) is None


def test_recording_a_new_room_replaces_the_old_one(conn: psycopg.Connection) -> None:
    c = cast(conn)
    old, new = room_of(c), room_of(c)[::-1]
    open_room(conn, c, old)
    open_room(conn, c, new, {**CODES, "co-host": "coh-new"})

    creds = rpc(conn, c.host.user_id, CREDENTIALS, (c.session_id,))
    assert (creds["hms_room_id"], creds["hms_cohost_room_code"]) == (new, "coh-new")
    assert one(conn, "select closed_at is not null and cohost_code is null"
                     " from private.show_rooms where room_id = %s", (old,)) is True


@pytest.mark.parametrize(("who", "room", "codes", "sqlstate", "message"), [
    ("stranger", "roomx", CODES, "42501", "Only the host of this show"),
    ("customer", "roomx", CODES, "42501", "Only the host of this show"),
    ("host", None, CODES, "22023", "p_room_id must be a 100ms room id"),
    ("host", "room with spaces", CODES, "22023", "p_room_id must be a 100ms room id"),
    ("host", "r" * 65, CODES, "22023", "p_room_id must be a 100ms room id"),
    ("host", "roomx", None, "22023", "p_codes must be a JSON object"),
    ("host", "roomx", ["a"], "22023", "p_codes must be a JSON object"),
    ("host", "roomx", {"host": "a", "co-host": "b"}, "22023", "p_codes.viewer must be"),
    ("host", "roomx", {**CODES, "viewer": None}, "22023", "p_codes.viewer must be"),
    ("host", "roomx", {**CODES, "co-host": ""}, "22023", "p_codes.co-host must be"),
    ("host", "roomx", {**CODES, "guest": "g"}, "22023", 'unknown role "guest"'),
    ("host", "roomx", {**CODES, "viewer": 42}, "22023", "p_codes.viewer must be"),
    ("host", "roomx", {**CODES, "host": "x" * 65}, "22023", "p_codes.host must be"),
    ("host", "roomx", {**CODES, "host": "<script>"}, "22023", "p_codes.host must be"),
])
def test_bad_room_records_are_refused_and_change_nothing(
    conn: psycopg.Connection, who: str, room: str | None, codes: object, sqlstate: str,
    message: str,
) -> None:
    c = cast(conn)
    user = {"stranger": c.stranger, "customer": c.customer, "host": c.host}[who].user_id
    with rooms_unchanged(conn):
        err = refused(conn, user, RECORD,
                      (c.session_id, room, None if codes is None else Jsonb(codes)))
    assert_refused(err, sqlstate, message)


def test_anon_cannot_record_a_room(conn: psycopg.Connection) -> None:
    c = cast(conn)
    with rooms_unchanged(conn):
        err = refused(conn, None, RECORD, (c.session_id, "roomx", Jsonb(CODES)), role="anon")
    assert err.sqlstate == "42501"


def test_no_room_for_a_finished_show_nor_an_unvetted_host(conn: psycopg.Connection) -> None:
    ended = cast(conn, status="ended")
    with rooms_unchanged(conn):
        err = refused(conn, ended.host.user_id, RECORD,
                      (ended.session_id, "roomx", Jsonb(CODES)))
    assert_refused(err, "55000", "the show is ended")

    c = cast(conn, status="scheduled")
    conn.execute("update public.influencers set verification_status = 'pending' where id = %s",
                 (c.host.profile_id,))
    with rooms_unchanged(conn):
        err = refused(conn, c.host.user_id, RECORD, (c.session_id, "roomx", Jsonb(CODES)))
    assert_refused(err, "42501", "Only verified hosts can go live in public")
    # A rehearsal may have a room.
    conn.execute("update public.live_stream_sessions set is_rehearsal = true where id = %s",
                 (c.session_id,))
    open_room(conn, c)
    assert rpc(conn, c.host.user_id, CREDENTIALS, (c.session_id,))["hms_room_id"] == room_of(c)


def test_a_room_of_another_show_cannot_be_claimed(conn: psycopg.Connection) -> None:
    a, b = cast(conn), cast(conn)
    open_room(conn, a)
    with rooms_unchanged(conn):
        err = refused(conn, b.host.user_id, RECORD, (b.session_id, room_of(a), Jsonb(CODES)))
    assert_refused(err, "42501", "belongs to another show")


def test_a_room_claimed_while_its_first_record_commits_is_refused(
    conninfo: str, conn: psycopg.Connection,
) -> None:
    """Host B records host A's room while A's record is uncommitted: B waits, then is refused."""
    a, b = cast(conn), cast(conn)
    room = room_of(a)
    first = connect(conninfo)
    second = connect(conninfo)
    outcome: list[object] = []
    try:
        with request_transaction(first, "authenticated", a.host.user_id) as cur:
            cur.execute(RECORD, (a.session_id, room, Jsonb(CODES)))

            def claim() -> None:
                try:
                    outcome.append(rpc(second, b.host.user_id, RECORD,
                                       (b.session_id, room, Jsonb(CODES))))
                except psycopg.Error as err:
                    outcome.append(err)

            thread = threading.Thread(target=claim)
            thread.start()
            pid = second.info.backend_pid
            # B must be waiting on A's row before A commits (polled, bounded by the join below).
            while thread.is_alive() and not one(
                    conn, "select wait_event_type = 'Lock' from pg_stat_activity where pid = %s",
                    (pid,)):
                time.sleep(0.01)
        thread.join(60)
    finally:
        first.close()
        second.close()
    [result] = outcome
    assert isinstance(result, psycopg.Error) and result.sqlstate == "42501", result
    assert one(conn, "select session_id::text from private.show_rooms where room_id = %s",
               (room,)) == a.session_id
    assert rpc(conn, b.host.user_id, CREDENTIALS, (b.session_id,))["hms_room_id"] != room


def test_clearing_the_room_stops_handing_out_codes(conn: psycopg.Connection) -> None:
    c = cast(conn)
    rpc(conn, c.host.user_id, INVITE,
        (c.session_id, c.cohost.profile_id))
    open_room(conn, c)
    with rooms_unchanged(conn):
        err = refused(conn, c.stranger.user_id, "select public.clear_show_room(%s)",
                      (c.session_id,))
    assert_refused(err, "42501", "Only the host of this show")

    rpc(conn, c.host.user_id, "select public.clear_show_room(%s)", (c.session_id,))
    rpc(conn, c.host.user_id, "select public.clear_show_room(%s)", (c.session_id,))  # again

    creds = rpc(conn, c.host.user_id, CREDENTIALS, (c.session_id,))
    assert [creds[k] for k in ("hms_room_id", "hms_host_room_code", "hms_cohost_room_code",
                               "hms_viewer_room_code")] == [None] * 4
    assert rpc(conn, c.cohost.user_id, COHOST_CODE, (c.session_id,)) is None
    # The webhook still knows which show the room was.
    assert one(conn, "select session_id::text from private.show_rooms where room_id = %s",
               (room_of(c),)) == c.session_id


# ------------------------------------------------------------------ co-hosts
def test_cohost_reads_only_their_own_code(conn: psycopg.Connection) -> None:
    c = cast(conn)
    invited = rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    assert invited["influencer_id"] == c.cohost.profile_id
    open_room(conn, c)

    assert rpc(conn, c.cohost.user_id, COHOST_CODE, (c.session_id,)) == CODES["co-host"]
    assert_refused(refused(conn, c.cohost.user_id, CREDENTIALS, (c.session_id,)), "42501",
                   "only the host of this show")
    for column in ("hms_room_id", "hms_host_room_code", "hms_viewer_room_code", "stream_key"):
        err = refused(conn, c.cohost.user_id,
                      f"select {column} from public.live_stream_sessions where id = %s",
                      (c.session_id,))
        assert err.sqlstate == "42501", column
    # Nobody else gets the co-host code.
    for user in (c.stranger.user_id, c.customer.user_id):
        assert_refused(refused(conn, user, COHOST_CODE, (c.session_id,)), "42501",
                       "not a co-host of this show")
    assert refused(conn, None, COHOST_CODE, (c.session_id,), role="anon").sqlstate == "42501"


def test_cohost_code_ends_with_the_invitation_and_the_show(conn: psycopg.Connection) -> None:
    c = cast(conn)
    rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    open_room(conn, c)
    assert rpc(conn, c.host.user_id, REMOVE, (c.session_id, c.cohost.profile_id)) is True
    assert rpc(conn, c.host.user_id, REMOVE, (c.session_id, c.cohost.profile_id)) is False
    assert_refused(refused(conn, c.cohost.user_id, COHOST_CODE, (c.session_id,)), "42501",
                   "not a co-host")

    rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    rpc(conn, c.host.user_id, "select public.end_show(%s)", (c.session_id,))
    assert_refused(refused(conn, c.cohost.user_id, COHOST_CODE, (c.session_id,)), "55000",
                   "The show is ended")


def test_a_cohost_may_leave_but_not_remove_others(conn: psycopg.Connection) -> None:
    c = cast(conn)
    with conn.cursor() as cur:
        other = f.create_influencer(cur)
    for guest in (c.cohost, other):
        rpc(conn, c.host.user_id, INVITE, (c.session_id, guest.profile_id))
    with rooms_unchanged(conn):
        err = refused(conn, c.cohost.user_id, REMOVE, (c.session_id, other.profile_id))
    assert_refused(err, "42501", "Only the host of this show can remove")
    assert rpc(conn, c.cohost.user_id, REMOVE, (c.session_id, c.cohost.profile_id)) is True
    assert rows(conn, c.host.user_id, "select influencer_id::text from"
                " public.live_session_cohosts where session_id = %s",
                (c.session_id,)) == [(other.profile_id,)]


def test_inviting_twice_keeps_one_invitation(conn: psycopg.Connection) -> None:
    c = cast(conn)
    first = rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    again = rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    assert first["id"] == again["id"]
    assert one(conn, "select count(*) from public.live_session_cohosts where session_id = %s",
               (c.session_id,)) == 1


@pytest.mark.parametrize(("case", "sqlstate", "message"), [
    ("not the host", "42501", "Only the host of this show can invite co-hosts"),
    ("the host", "22023", "cannot be its co-host"),
    ("unknown", "P0002", "not found"),
    ("no influencer", "22023", "p_influencer_id is required"),
    ("unverified", "42501", "is not verified"),
    ("ended", "55000", "the show is ended"),
])
def test_bad_invitations_are_refused_and_change_nothing(
    conn: psycopg.Connection, case: str, sqlstate: str, message: str,
) -> None:
    c = cast(conn, status="ended" if case == "ended" else "live")
    caller, guest = c.host.user_id, c.cohost.profile_id
    if case == "not the host":
        caller = c.stranger.user_id
    elif case == "the host":
        guest = c.host.profile_id
    elif case == "unknown":
        guest = "00000000-0000-4000-8000-000000000001"
    elif case == "no influencer":
        guest = None
    elif case == "unverified":
        conn.execute("update public.influencers set verification_status = 'pending'"
                     " where id = %s", (guest,))
    with rooms_unchanged(conn):
        err = refused(conn, caller, INVITE, (c.session_id, guest))
    assert_refused(err, sqlstate, message)


def test_a_show_has_at_most_ten_cohosts(conn: psycopg.Connection) -> None:
    c = cast(conn)
    with conn.cursor() as cur:
        guests = [f.create_influencer(cur) for _ in range(11)]
    for guest in guests[:10]:
        rpc(conn, c.host.user_id, INVITE, (c.session_id, guest.profile_id))
    with rooms_unchanged(conn):
        err = refused(conn, c.host.user_id, INVITE, (c.session_id, guests[10].profile_id))
    assert_refused(err, "54000", "at most 10 co-hosts")


def test_invitations_are_read_by_the_host_and_the_cohost_only(conn: psycopg.Connection) -> None:
    c = cast(conn)
    rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    query = "select count(*) from public.live_session_cohosts where session_id = %s"
    assert rpc(conn, c.host.user_id, query, (c.session_id,)) == 1
    assert rpc(conn, c.cohost.user_id, query, (c.session_id,)) == 1
    assert rpc(conn, c.stranger.user_id, query, (c.session_id,)) == 0
    assert rpc(conn, c.customer.user_id, query, (c.session_id,)) == 0
    assert refused(conn, None, query, (c.session_id,), role="anon").sqlstate == "42501"
    # Written only through the functions.
    err = refused(conn, c.host.user_id, "insert into public.live_session_cohosts"
                  " (session_id, influencer_id) values (%s, %s)",
                  (c.session_id, c.stranger.profile_id))
    assert err.sqlstate == "42501"


# ------------------------------------------------------------------ the co-host's control room
def test_cohost_reads_the_control_room_of_a_rehearsal(conn: psycopg.Connection) -> None:
    """A rehearsal and its hidden items are the host's alone, and now their co-hosts'."""
    c = cast(conn, status="scheduled")
    conn.execute("update public.live_stream_sessions set is_rehearsal = true where id = %s",
                 (c.session_id,))
    conn.execute("update public.live_products set status = 'hidden' where id = %s",
                 (c.live_product_id,))
    show = "select count(*) from public.live_stream_sessions where id = %s"
    items = "select count(*) from public.live_products where session_id = %s"
    assert rpc(conn, c.cohost.user_id, show, (c.session_id,)) == 0
    assert rpc(conn, c.cohost.user_id, items, (c.session_id,)) == 0

    rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    assert rpc(conn, c.cohost.user_id, show, (c.session_id,)) == 1
    assert rpc(conn, c.cohost.user_id, items, (c.session_id,)) == 1
    assert rpc(conn, c.stranger.user_id, items, (c.session_id,)) == 0
    # Read-only: the co-host changes nothing of the lineup or the show.
    with rooms_unchanged(conn):
        assert rpc(conn, c.cohost.user_id, "with u as (update public.live_products"
                   " set live_price = 1 where session_id = %s returning 1)"
                   " select count(*) from u", (c.session_id,)) == 0
        assert_refused(refused(conn, c.cohost.user_id, "select public.start_show(%s)",
                               (c.session_id,)), "42501", "Only the host of this show")


def test_cohost_reads_sales_lines_but_no_buyer_data(conn: psycopg.Connection) -> None:
    c = cast(conn)
    fill_cart(conn, c.customer.profile_id, live={c.live_product_id: 2})
    checkout(conn, c.customer)
    rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))

    lines = rows(conn, c.cohost.user_id, "select quantity, line_total from public.order_items"
                 " where session_id = %s", (c.session_id,))
    assert [q for q, _ in lines] == [2]
    assert rpc(conn, c.stranger.user_id, "select count(*) from public.order_items"
               " where session_id = %s", (c.session_id,)) == 0
    assert rpc(conn, c.cohost.user_id, "select count(*) from public.orders o join"
               " public.order_items oi on oi.order_id = o.id where oi.session_id = %s",
               (c.session_id,)) == 0
    for column in ("commission_rate", "commission_amount"):
        err = refused(conn, c.cohost.user_id,
                      f"select {column} from public.order_items where session_id = %s",
                      (c.session_id,))
        assert err.sqlstate == "42501", column


def test_cohost_reads_the_chat_as_the_host_does(conn: psycopg.Connection) -> None:
    c = cast(conn)
    conn.execute("insert into public.live_stream_chat (session_id, user_id, message, is_hidden)"
                 " values (%s, %s, 'spam', true)", (c.session_id, c.customer.user_id))
    hidden = "select count(*) from public.live_stream_chat where session_id = %s and is_hidden"
    assert rpc(conn, c.cohost.user_id, hidden, (c.session_id,)) == 0
    rpc(conn, c.host.user_id, INVITE, (c.session_id, c.cohost.profile_id))
    assert rpc(conn, c.cohost.user_id, hidden, (c.session_id,)) == 1
    assert rpc(conn, c.stranger.user_id, hidden, (c.session_id,)) == 0
    # Moderating stays the host's.
    assert rpc(conn, c.cohost.user_id, "with u as (update public.live_stream_chat"
               " set is_hidden = false where session_id = %s returning 1)"
               " select count(*) from u", (c.session_id,)) == 0
