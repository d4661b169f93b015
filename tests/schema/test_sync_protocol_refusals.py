"""apply_ops refusals: bad input, other users' op ids and rows, columns outside the grants."""

from __future__ import annotations

import uuid
from typing import Any

import factories as f
import psycopg
import pytest
from test_fn_support import Show, assert_refused, build_show
from test_sync_protocol_support import apply_ops, apply_refused, ledger_size, nothing_written, op


@pytest.fixture
def show(conn: psycopg.Connection) -> Show:
    return build_show(conn, status="scheduled")


def _edit(show: Show, **values: Any) -> dict[str, Any]:
    return op("live_products", show.live_product_id, base=1, values=values or {"name": "X"})


BAD_INPUT: dict[str, tuple[Any, str]] = {
    "not an array": ({"op_id": str(uuid.uuid4())}, "p_ops must be a JSON array"),
    "null": (None, "p_ops must be a JSON array"),
    "op not an object": (["upsert"], "operation 1: must be a JSON object"),
    "no op_id": ([{"table": "products", "kind": "delete", "id": str(uuid.uuid4())}],
                 "op_id must be a uuid"),
    "op_id not a uuid": ([{"op_id": "42", "table": "products", "kind": "delete",
                           "id": str(uuid.uuid4())}], "op_id must be a uuid"),
    "no table": ([{"op_id": str(uuid.uuid4()), "kind": "delete", "id": str(uuid.uuid4())}],
                 "table is required"),
    "unknown table": ([op("orders", str(uuid.uuid4()), kind="delete")],
                      "table orders is not writable through sync"),
    "private table": ([op("private.applied_ops", str(uuid.uuid4()), kind="delete")],
                      "is not writable through sync"),
    "unknown kind": ([{**op("products", str(uuid.uuid4()), kind="delete"), "kind": "merge"}],
                     'kind must be "upsert" or "delete"'),
    "no id": ([{"op_id": str(uuid.uuid4()), "table": "products", "kind": "delete"}],
              "id must be a uuid"),
    "values not an object": ([{**op("products", str(uuid.uuid4())), "values": ["name"]}],
                             "values must be a JSON object"),
    "empty values": ([op("products", str(uuid.uuid4()), values={})],
                     "values must be a JSON object naming at least one column"),
    "unknown column": ([op("products", str(uuid.uuid4()), values={"nope": 1})],
                       "products has no column nope"),
    "base_version text": ([{**op("products", str(uuid.uuid4()), values={"name": "n"}),
                            "base_version": "1"}], "base_version must be a positive whole"),
    "base_version fraction": ([{**op("products", str(uuid.uuid4()), values={"name": "n"}),
                                "base_version": 1.5}], "base_version must be a positive whole"),
    "values.id differs": ([op("products", str(uuid.uuid4()),
                              values={"id": str(uuid.uuid4()), "name": "n"})],
                          "values.id differs from id"),
    "too many": ([op("products", str(uuid.uuid4()), kind="delete")] * 501,
                 "at most 500 operations"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_malformed_batches_are_refused_whole(conn: psycopg.Connection, show: Show,
                                             case: str) -> None:
    ops, message = BAD_INPUT[case]
    if isinstance(ops, list) and ops and isinstance(ops[0], dict) and case != "too many":
        ops = [_edit(show, name="Would be applied first"), *ops]  # a valid op before it
    with nothing_written(conn):
        err = apply_refused(conn, show.host.user_id, ops)
    assert_refused(err, "22023", message)


def test_a_type_error_in_values_keeps_its_sqlstate(conn: psycopg.Connection, show: Show) -> None:
    with nothing_written(conn):
        err = apply_refused(conn, show.host.user_id, [_edit(show, live_price="cheap")])
    assert err.sqlstate is not None and err.sqlstate.startswith("22")
    with nothing_written(conn):
        err = apply_refused(conn, show.host.user_id, [_edit(show, live_price=-1)])
    assert err.sqlstate == "23514"


def test_another_users_op_id_is_refused(conn: psycopg.Connection, show: Show) -> None:
    edit = _edit(show, name="Mine")
    apply_ops(conn, show.host.user_id, [edit])
    with conn.cursor() as cur:
        other_host = f.create_influencer(cur)
    with nothing_written(conn):
        err = apply_refused(conn, other_host.user_id, [{**edit, "id": str(uuid.uuid4())}])
    assert_refused(err, "42501", "belongs to another user")


@pytest.mark.parametrize("role", ["anon", "service_role"])
def test_apply_ops_needs_a_signed_in_user(conn: psycopg.Connection, show: Show,
                                          role: str) -> None:
    with nothing_written(conn):
        err = apply_refused(conn, None, [_edit(show)], role=role)
    assert err.sqlstate == "42501"


@pytest.mark.parametrize("who", ["customer", "other host", "wholesaler"])
@pytest.mark.parametrize("kind", ["update", "delete", "insert"])
def test_nobody_but_the_host_writes_a_hosts_rows(conn: psycopg.Connection, show: Show, who: str,
                                                 kind: str) -> None:
    with conn.cursor() as cur:
        other_host = f.create_influencer(cur)
    intruder = {"customer": show.customer, "other host": other_host,
                "wholesaler": show.wholesaler}[who]
    ops = {
        "update": [_edit(show, live_price="0.01")],
        "delete": [op("live_products", show.live_product_id, kind="delete")],
        "insert": [op("live_products", str(uuid.uuid4()), values={
            "session_id": show.session_id, "influencer_id": show.host.profile_id,
            "name": "Planted", "live_price": "1.00", "allocated_quantity": 1})],
    }[kind]
    with nothing_written(conn):
        err = apply_refused(conn, intruder.user_id, ops)
    assert err.sqlstate == "42501"
    assert ledger_size(conn, intruder.user_id) == 0


def test_a_hosts_show_and_goal_are_theirs_alone(conn: psycopg.Connection, show: Show) -> None:
    with conn.cursor() as cur:
        other_host = f.create_influencer(cur)
    ops = [op("live_stream_sessions", show.session_id, base=1, values={"title": "Hijacked"})]
    with nothing_written(conn):
        err = apply_refused(conn, other_host.user_id, ops)
    assert_refused(err, "42501", "This show can no longer be changed.")
    goal = op("influencer_goals", str(uuid.uuid4()), values={
        "influencer_id": show.host.profile_id, "title": "Planted", "goal_type": "revenue",
        "period": "weekly", "period_start": "2026-11-30", "period_end": "2026-12-06",
        "target_value": 1})
    with nothing_written(conn):
        err = apply_refused(conn, other_host.user_id, [goal])
    assert err.sqlstate == "42501"


COLUMNS_OUTSIDE_GRANTS = [
    ("live_products", {"sold_quantity": 0}),
    ("live_products", {"revenue": 1000}),
    ("live_products", {"flash_price": "1.00"}),
    ("live_products", {"row_version": 99}),
    ("live_products", {"change_xid": 1}),
    ("live_stream_sessions", {"status": "live"}),
    ("live_stream_sessions", {"stream_key": "mine"}),
    ("live_stream_sessions", {"total_revenue": 1}),
    ("live_stream_sessions", {"influencer_id": None}),
]


@pytest.mark.parametrize(("table", "values"), COLUMNS_OUTSIDE_GRANTS,
                         ids=[f"{t}.{next(iter(v))}" for t, v in COLUMNS_OUTSIDE_GRANTS])
def test_apply_ops_writes_only_granted_columns(conn: psycopg.Connection, show: Show, table: str,
                                               values: dict[str, Any]) -> None:
    row_id = show.live_product_id if table == "live_products" else show.session_id
    with nothing_written(conn):
        err = apply_refused(conn, show.host.user_id, [op(table, row_id, base=1, values=values)])
    assert err.sqlstate == "42501"


def test_a_wholesaler_edits_their_product_but_not_its_owner(
    conn: psycopg.Connection, show: Show,
) -> None:
    ops = [op("products", show.product_id, base=1, values={"wholesaler_id": str(uuid.uuid4())})]
    with nothing_written(conn):
        err = apply_refused(conn, show.wholesaler.user_id, ops)
    assert err.sqlstate == "42501"
    [own] = apply_ops(conn, show.wholesaler.user_id,
                      [op("products", show.product_id, base=1, values={"retail_price": 30})])
    assert own["status"] == "applied"


def test_rows_come_back_without_columns_the_caller_cannot_read(conn: psycopg.Connection,
                                                               show: Show) -> None:
    [result] = apply_ops(conn, show.host.user_id, [
        op("live_stream_sessions", show.session_id, base=1, values={"title": "Renamed"})])
    assert result["status"] == "applied"
    assert result["row"]["title"] == "Renamed"
    assert not {"stream_key", "hms_room_id", "hms_host_room_code", "hms_viewer_room_code"} & set(
        result["row"])
    # A customer's stale edit of a chat line they may not moderate: refused, never echoed back.
    chat_id = str(conn.execute(
        "insert into public.live_stream_chat (session_id, user_id, message) values (%s, %s, 'hi')"
        " returning id", (show.session_id, show.customer.user_id)).fetchone()[0])
    with nothing_written(conn):
        err = apply_refused(conn, show.customer.user_id,
                            [op("live_stream_chat", chat_id, base=1, values={"is_pinned": True})])
    assert err.sqlstate == "42501"


@pytest.mark.parametrize("column", ["sold_quantity", "revenue", "featured_at", "row_version"])
def test_a_create_cannot_set_server_kept_columns(conn: psycopg.Connection, show: Show,
                                                column: str) -> None:
    values = {"session_id": show.session_id, "influencer_id": show.host.profile_id,
              "name": "Fresh", "live_price": "5.00", "allocated_quantity": 5,
              column: "2026-12-01T00:00:00Z" if column == "featured_at" else 3}
    with nothing_written(conn):
        err = apply_refused(conn, show.host.user_id,
                            [op("live_products", str(uuid.uuid4()), values=values)])
    assert err.sqlstate == "42501"
