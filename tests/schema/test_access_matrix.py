"""ACCESS.md as a table-driven test: every cell probed as a real, impersonated API user."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import factories as f
import psycopg
import pytest
from access_matrix import (
    CALLS,
    COLUMNS,
    EXECUTE,
    SCENARIOS,
    USERS,
    WRITERS,
    Check,
    column_readable,
    expected_visible,
)
from access_writes import DELETES, INSERTS, UPDATES, Insert, Write, resolve
from psycopg import sql

from studio.server import db
from studio.server.request_context import as_role

ACTORS = ("anon", *USERS, "service_role")


@dataclass
class AccessWorld:
    """Rows built as the database owner, by key; the users behind the actors."""

    ids: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    tables: dict[str, dict[str, str]] = field(default_factory=dict)

    def id(self, key: str) -> str:
        return self.ids[key]

    def user(self, actor: str) -> str:
        return self.users[actor]

    def add(self, table: str, key: str, row_id: Any) -> str:
        self.ids[key] = str(row_id)
        self.tables.setdefault(table, {})[key] = str(row_id)
        return str(row_id)


def _insert(cur: Any, table: str, **values: Any) -> str:
    cur.execute(
        sql.SQL("insert into public.{} ({}) values ({}) returning id").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, values)),
            sql.SQL(", ").join(sql.Placeholder() * len(values))),
        list(values.values()),
    )
    return str(cur.fetchone()[0])


def _session(cur: Any, w: AccessWorld, key: str, host: str, *, lineup: dict[str, dict[str, Any]],
             end_status: str = "scheduled", **extra: Any) -> None:
    """A show with its lineup, then moved along scheduled -> live -> ended like a real one."""
    w.add("live_stream_sessions", key, f.create_session(cur, w.id(host), "scheduled"))
    for lp_key, spec in lineup.items():
        status = spec.pop("status", "active")
        lp = f.create_live_product(cur, w.id(key), w.id(host), **spec)
        cur.execute("update public.live_products set status = %s where id = %s", (status, lp))
        w.add("live_products", lp_key, lp)
    for column, value in extra.items():  # while scheduled, as a host would set them
        cur.execute(sql.SQL("update public.live_stream_sessions set {} = %s where id = %s")
                    .format(sql.Identifier(column)), (value, w.id(key)))
    steps = {"live": ["live"], "ended": ["live", "ended"], "cancelled": ["cancelled"]}
    for status in steps.get(end_status, []):
        cur.execute("update public.live_stream_sessions set status = %s, actual_start ="
                    " case when %s = 'live' then now() - interval '30 minutes' else actual_start"
                    " end where id = %s", (status, status, w.id(key)))


def build_world(cur: Any) -> AccessWorld:
    """Two of each kind of user with their rows; see the keys in access_matrix.VISIBLE."""
    w = AccessWorld()
    for actor, name in (("cA", "Alice Legalname"), ("cB", "Bob Legalname")):
        acc = f.create_customer(cur, full_name=name)
        w.users[actor] = acc.user_id
        w.add("customers", actor, acc.profile_id)
    cur.execute("update public.customers set preferences = '{\"chat_name\": \"alice_live\"}'"
                " where id = %s", (w.id("cA"),))
    for actor, table, make in (("hA", "influencers", f.create_influencer),
                               ("hB", "influencers", f.create_influencer),
                               ("wA", "wholesalers", f.create_wholesaler),
                               ("wB", "wholesalers", f.create_wholesaler)):
        acc = make(cur)
        w.users[actor] = acc.user_id
        w.add(table, actor, acc.profile_id)
    cur.execute("update public.influencers set verification_status = 'pending' where id = %s",
                (w.id("hB"),))
    for actor, role in (("adm", "admin"), ("sadm", "super_admin")):
        acc = f.create_admin(cur, role)
        w.users[actor] = acc.user_id
        w.add("admin_users", actor, acc.profile_id)
    w.users["nu"] = f.create_user(cur)

    w.add("categories", "catOn", f.create_category(cur))
    w.add("categories", "catOff", f.create_category(cur))
    cur.execute("update public.categories set is_active = false where id = %s", (w.id("catOff"),))
    for key, owner, status in (("pA1", "wA", "active"), ("pA2", "wA", "draft"),
                               ("pA3", "wA", "active"), ("pB1", "wB", "active"),
                               ("pB2", "wB", "active")):
        w.add("products", key, f.create_product(cur, w.id(owner), status=status,
                                                category_id=w.id("catOn")))

    pa1, pb1, pb2 = w.id("pA1"), w.id("pB1"), w.id("pB2")
    _session(cur, w, "sA_live", "hA", end_status="live", hms_viewer_room_code="viewer-code-A",
             lineup={"lpA1": {"product_id": pa1}, "lpA2": {},
                     "lpA3": {"product_id": pb2, "status": "draft"}})
    _session(cur, w, "sA_sched", "hA", lineup={"lpAS": {"product_id": pa1}})
    _session(cur, w, "sA_ended", "hA", end_status="ended", lineup={"lpAE": {}})
    _session(cur, w, "sA_reh", "hA", end_status="ended", is_rehearsal=True,
             lineup={"lpAR": {"product_id": pa1}})
    _session(cur, w, "sB_live", "hB", end_status="live", chat_enabled=False,
             lineup={"lpB1": {"product_id": pb1}, "lpB2": {"product_id": pa1, "status": "hidden"}})
    _session(cur, w, "sB_sched", "hB", lineup={"lpBS": {"status": "draft"}})
    _session(cur, w, "sB_can", "hB", end_status="cancelled", lineup={})
    # Wholesaler B's verification lapses after host B listed its products: its products leave
    # the marketplace (ACCESS.md), the lineup items already made from them stay.
    cur.execute("update public.wholesalers set verification_status = 'pending' where id = %s",
                (w.id("wB"),))

    w.add("cart", "cartA1", f.add_to_cart(cur, w.id("cA"), product_id=pa1))
    w.add("cart", "cartA2", f.add_to_cart(cur, w.id("cA"), live_product_id=w.id("lpA1")))
    w.add("cart", "cartB1", f.add_to_cart(cur, w.id("cB"), live_product_id=w.id("lpB1")))

    address = json.dumps({"line1": "1 Private Lane", "city": "Springfield", "country": "US"})
    for key, cust, status, payment in (("oA", "cA", "pending", "pending"),
                                       ("oB", "cB", "confirmed", "paid")):
        w.add("orders", key, _insert(cur, "orders", customer_id=w.id(cust), status=status,
                                     payment_status=payment, subtotal=Decimal("44.99"),
                                     total_amount=Decimal("44.99"), shipping_address=address,
                                     contact_email=f"{cust}@example.test", notes="ring twice"))
    for key, order, lp, product, session, host, seller, price in (
        ("oiA1", "oA", "lpA1", None, "sA_live", "hA", "wA", "19.99"),
        ("oiA2", "oA", None, "pB1", None, None, "wB", "25.00"),
        ("oiB1", "oB", "lpB1", None, "sB_live", "hB", "wB", "19.99"),
    ):
        w.add("order_items", key, _insert(
            cur, "order_items", order_id=w.id(order), live_product_id=lp and w.id(lp),
            product_id=product and w.id(product), session_id=session and w.id(session),
            influencer_id=host and w.id(host), wholesaler_id=w.id(seller),
            product_name="Item", list_unit_price=Decimal(price), unit_price=Decimal(price),
            quantity=1, line_total=Decimal(price), commission_rate=Decimal("0.15"),
            commission_amount=Decimal("3.00")))
    for suffix, host, order, item, session in (("A", "hA", "oA", "oiA1", "sA_live"),
                                               ("B", "hB", "oB", "oiB1", "sB_live")):
        w.add("influencer_earnings", f"e{suffix}", _insert(
            cur, "influencer_earnings", influencer_id=w.id(host), order_id=w.id(order),
            order_item_id=w.id(item), session_id=w.id(session), gross_amount=Decimal("19.99"),
            commission_rate=Decimal("0.15"), amount=Decimal("3.00")))
        w.add("influencer_goals", f"g{suffix}", _insert(
            cur, "influencer_goals", influencer_id=w.id(host), title="Monthly orders",
            goal_type="orders", period="monthly", period_start="2030-01-01",
            period_end="2030-01-31", target_value=100))
        w.add("influencer_notifications", f"n{suffix}", _insert(
            cur, "influencer_notifications", influencer_id=w.id(host), type="system",
            title="Welcome"))
        cur.execute("select id from public.influencer_achievements where influencer_id = %s"
                    " order by achievement_key limit 1", (w.id(host),))
        row = cur.fetchone()
        w.add("influencer_achievements", f"ach{suffix}", row[0] if row else _insert(
            cur, "influencer_achievements", influencer_id=w.id(host), achievement_key="first",
            title="First", target=1))

    for key, cust, order, status in (("qA", "cA", "oA", "open"), ("qA2", "cA", None, "resolved"),
                                     ("qB", "cB", "oB", "open")):
        w.add("queries", key, _insert(cur, "queries", customer_id=w.id(cust),
                                      order_id=order and w.id(order), subject="Help",
                                      message="Where is my parcel?", status=status))
    for key, session, sender, hidden in (
        ("mA1", "sA_live", "cA", False), ("mA2", "sA_live", "cB", True),
        ("mA3", "sA_live", "hA", False), ("mE1", "sA_ended", "cB", False),
        ("mR1", "sA_reh", "hA", False), ("mB1", "sB_live", "cA", False),
        ("mB2", "sB_live", "cA", True),
    ):
        w.add("live_stream_chat", key, _insert(
            cur, "live_stream_chat", session_id=w.id(session), user_id=w.user(sender),
            display_name="viewer", message="Hello!", is_hidden=hidden))
    for key, session, viewer, left in (("vA", "sA_live", "cA", False),
                                       ("vA2", "sA_live", "cB", True),
                                       ("vB", "sB_live", "cB", False),
                                       ("vE", "sA_ended", "cA", True)):
        cur.execute(
            "insert into public.live_stream_viewers (session_id, user_id, joined_at, left_at)"
            " values (%s, %s, now() - interval '1 hour',"
            " case when %s then now() - interval '30 minutes' end) returning id",
            (w.id(session), w.user(viewer), left))
        w.add("live_stream_viewers", key, cur.fetchone()[0])
    return w


@pytest.fixture(scope="module")
def world(fresh_db_module: Callable[..., str]) -> Iterator[tuple[psycopg.Connection, AccessWorld]]:
    conninfo = fresh_db_module()
    with db.connect(conninfo, autocommit=True) as conn:
        with conn.transaction(), conn.cursor() as cur:
            built = build_world(cur)
        yield conn, built


@dataclass
class Outcome:
    rows: list[tuple[Any, ...]]
    rowcount: int
    sqlstate: str | None
    message: str = ""


def probe(conn: psycopg.Connection, w: AccessWorld, actor: str, query: Any,
          params: Any = ()) -> Outcome:
    """Run one statement as ``actor`` (as PostgREST would) in a transaction that is rolled back."""
    try:
        with conn.transaction(force_rollback=True):
            if actor in ("anon", "service_role"):
                as_role(conn, actor)
            else:
                as_role(conn, "authenticated", w.user(actor))
            with conn.cursor() as cur:
                cur.execute(query, params)
                rows = cur.fetchall() if cur.description else []
                return Outcome(rows, cur.rowcount, None)
    except psycopg.Error as exc:
        return Outcome([], 0, exc.sqlstate, str(exc).strip())


def assert_refused(out: Outcome, code: str = "42501") -> None:
    """A "no": refused with ``code``, or nothing seen or changed."""
    if out.sqlstate is None:
        assert out.rowcount == 0 and not out.rows, f"expected refusal, affected {out.rowcount}"
    else:
        assert out.sqlstate == code, f"expected {code}, got {out.sqlstate}: {out.message}"


def assert_allowed(out: Outcome, rows: int = 1) -> None:
    assert out.sqlstate is None, f"expected success, got {out.sqlstate}: {out.message}"
    assert out.rowcount == rows, f"expected {rows} row(s), got {out.rowcount}"


# ------------------------------------------------------------------ select: rows
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("table", list(COLUMNS))
def test_row_visibility(world: tuple[psycopg.Connection, AccessWorld], table: str,
                        actor: str) -> None:
    conn, w = world
    rows = w.tables[table]
    out = probe(conn, w, actor, sql.SQL("select id from public.{} where id = any(%s)").format(
        sql.Identifier(table)), ([*rows.values()],))
    expected = expected_visible(table, actor, set(rows))
    if not expected:
        assert_refused(out)
        return
    assert out.sqlstate is None, out.message
    by_id = {v: k for k, v in rows.items()}
    assert {by_id[str(r[0])] for r in out.rows} == expected


def test_matrix_lists_every_table_and_column(world: tuple[psycopg.Connection, AccessWorld]
                                             ) -> None:
    conn, w = world
    rows = conn.execute("select table_name, column_name from information_schema.columns"
                        " where table_schema = 'public' order by ordinal_position").fetchall()
    catalogue: dict[str, set[str]] = {}
    for table, column in rows:
        catalogue.setdefault(table, set()).add(column)
    catalogue.pop("sync_tombstones", None)  # the deletions feed: test_sync_protocol_tombstones
    catalogue.pop("live_session_cohosts", None)  # co-hosts: test_video_rooms
    assert catalogue == {t: set(c) for t, c in COLUMNS.items()}
    assert set(w.tables) == set(COLUMNS)


# ------------------------------------------------------------------ select: columns
COLUMN_CASES = [(role, table, column) for role in ("anon", "authenticated", "service_role")
                for table, columns in COLUMNS.items() for column in columns]


@pytest.mark.parametrize(("role", "table", "column"), COLUMN_CASES)
def test_column_scope(world: tuple[psycopg.Connection, AccessWorld], role: str, table: str,
                      column: str) -> None:
    conn, w = world
    actor = {"anon": "anon", "authenticated": "nu", "service_role": "service_role"}[role]
    out = probe(conn, w, actor, sql.SQL("select {} from public.{} limit 1").format(
        sql.Identifier(column), sql.Identifier(table)))
    if column_readable(role, table, column):
        assert out.sqlstate is None, out.message
    else:
        assert out.sqlstate == "42501", f"{role} read {table}.{column}: {out.sqlstate}"


# ------------------------------------------------------------------ writes
def _id(case: Insert | Write) -> str:
    if isinstance(case, Insert):
        return f"{case.table}:{case.name}:{case.actor}"
    return f"{case.table}:{case.key}:{','.join(case.values or ['delete'])}"


def _params(values: dict[str, Any]) -> list[Any]:
    return [json.dumps(v) if isinstance(v, dict) else v for v in values.values()]


@pytest.mark.parametrize("case", INSERTS, ids=_id)
def test_insert(world: tuple[psycopg.Connection, AccessWorld], case: Insert) -> None:
    conn, w = world
    values = {"id": str(uuid.uuid4()), **resolve(case.values, w)}
    out = probe(conn, w, case.actor, sql.SQL("insert into public.{} ({}) values ({})").format(
        sql.Identifier(case.table), sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder() * len(values))), _params(values))
    if case.ok:
        assert_allowed(out)
    else:
        assert out.sqlstate == case.code, f"expected {case.code}: {out.sqlstate} {out.message}"


WRITE_CASES = [(case, actor) for case in UPDATES + DELETES for actor in WRITERS]


@pytest.mark.parametrize(("case", "actor"), WRITE_CASES,
                         ids=[f"{_id(c)}:{a}" for c, a in WRITE_CASES])
def test_update_delete(world: tuple[psycopg.Connection, AccessWorld], case: Write,
                       actor: str) -> None:
    conn, w = world
    table = sql.Identifier(case.table)
    if case.values is None:
        query, params = sql.SQL("delete from public.{} where id = %s").format(table), []
    else:
        values = resolve(case.values, w)
        query = sql.SQL("update public.{} set {} where id = %s").format(
            table, sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c))
                                      for c in values))
        params = _params(values)
    out = probe(conn, w, actor, query, [*params, w.id(case.key)])
    if actor in case.ok:
        assert_allowed(out)
    else:
        assert_refused(out, dict(case.codes).get(actor, "42501"))


# ------------------------------------------------------------------ functions
EXECUTE_CASES = [(sig, role) for sig in EXECUTE for role in ("anon", "authenticated",
                                                             "service_role")]


@pytest.mark.parametrize(("signature", "role"), EXECUTE_CASES)
def test_function_execute_privilege(world: tuple[psycopg.Connection, AccessWorld],
                                    signature: str, role: str) -> None:
    conn, _ = world
    row = conn.execute("select has_function_privilege(%s, %s::regprocedure, 'execute')",
                       (role, signature)).fetchone()
    assert row is not None and row[0] == (role in EXECUTE[signature])


def test_no_other_public_function_is_callable(world: tuple[psycopg.Connection, AccessWorld]
                                              ) -> None:
    """Only the documented RPCs are executable by anon or authenticated."""
    conn, _ = world
    rows = conn.execute(
        "select p.oid::regprocedure::text from pg_proc p"
        " where p.pronamespace = 'public'::regnamespace and p.prokind = 'f'"
        " and (has_function_privilege('anon', p.oid, 'execute')"
        "      or has_function_privilege('authenticated', p.oid, 'execute'))").fetchall()
    documented = {conn.execute("select %s::regprocedure::text", (s,)).fetchone()[0]
                  for s in EXECUTE}
    assert {r[0] for r in rows} <= documented


@pytest.mark.parametrize(("what", "actor", "query", "arg", "expected"), CALLS,
                         ids=[f"{c[0]}:{c[1]}" for c in CALLS])
def test_private_column_functions(world: tuple[psycopg.Connection, AccessWorld], what: str,
                                  actor: str, query: str, arg: str | None,
                                  expected: str) -> None:
    conn, w = world
    params = [] if arg is None else [w.user(arg[1:]) if arg[0] == "~" else w.id(arg)]
    out = probe(conn, w, actor, query, params)
    if expected == "ok":
        assert out.sqlstate is None, out.message
    else:
        assert out.sqlstate == expected, f"{what}: {out.sqlstate} {out.message}"


# ------------------------------------------------------------------ named cross-tenant cases
@pytest.mark.parametrize(("what", "actor", "query", "keys", "check"), SCENARIOS,
                         ids=[s[0] for s in SCENARIOS])
def test_named_case(world: tuple[psycopg.Connection, AccessWorld], what: str, actor: str,
                    query: str, keys: tuple[str, ...], check: Check) -> None:
    conn, w = world
    params = [w.user(k[1:]) if k.startswith("~") else w.id(k) for k in keys]
    out = probe(conn, w, actor, query, params)
    if isinstance(check, str):
        assert out.sqlstate == check, f"{what}: {out.sqlstate} {out.message}"
        return
    assert out.sqlstate is None, f"{what}: {out.message}"
    if isinstance(check, int):
        assert len(out.rows) == check, what
    else:
        assert len(out.rows) == 1 and check(w, out.rows[0]), f"{what}: {out.rows}"
