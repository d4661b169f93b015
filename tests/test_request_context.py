"""request_context: SQL runs with the role and JWT claims PostgREST would set."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from studio.server.request_context import as_role, jwt_claims, request_transaction

NOTES = """
create table public.rc_notes (
  id bigint generated always as identity primary key,
  owner uuid not null default auth.uid(),
  body text not null
);
alter table public.rc_notes enable row level security;
create policy "owners read" on public.rc_notes for select to authenticated
  using (owner = (select auth.uid()));
create policy "owners write" on public.rc_notes for insert to authenticated
  with check (owner = (select auth.uid()));
"""


@pytest.fixture
def notes_db(fresh_db, pg_connect) -> str:
    conninfo = fresh_db()
    with pg_connect(conninfo) as conn:
        conn.execute(NOTES)
    return conninfo


def test_role_and_claims_are_switched(notes_db: str, pg_connect) -> None:
    conn = pg_connect(notes_db)
    user_id = str(uuid.uuid4())
    with request_transaction(conn, "authenticated", user_id, email="a@example.test") as cur:
        row = cur.execute(
            "select current_user, auth.uid(), auth.role(), auth.email(), auth.jwt(),"
            " current_setting('request.jwt.claim.sub', true)"
        ).fetchone()
    assert row is not None
    current_user, uid, role, email, jwt, legacy_sub = row
    assert current_user == "authenticated"
    assert str(uid) == user_id == legacy_sub
    assert (role, email) == ("authenticated", "a@example.test")
    assert jwt["aud"] == "authenticated"
    # Everything reverts with the transaction.
    assert conn.execute("select current_user, auth.uid()").fetchone() == ("postgres", None)


def test_row_level_security_applies_per_user(notes_db: str, pg_connect) -> None:
    conn = pg_connect(notes_db)
    alice, bob = str(uuid.uuid4()), str(uuid.uuid4())
    with request_transaction(conn, "authenticated", alice) as cur:
        cur.execute("insert into public.rc_notes (body) values ('alice note')")
    with request_transaction(conn, "authenticated", bob) as cur:
        assert cur.execute("select count(*) from public.rc_notes").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cur.execute("insert into public.rc_notes (owner, body) values (%s, 'forged')", (alice,))
    with request_transaction(conn, "authenticated", alice) as cur:
        assert cur.execute("select body from public.rc_notes").fetchall() == [("alice note",)]
    with request_transaction(conn, "anon") as cur:
        assert cur.execute("select current_user, auth.uid()").fetchone() == ("anon", None)
        assert cur.execute("select count(*) from public.rc_notes").fetchone() == (0,)
    with request_transaction(conn, "service_role") as cur:  # bypasses RLS
        assert cur.execute("select count(*) from public.rc_notes").fetchone() == (1,)


def test_error_rolls_back(notes_db: str, pg_connect) -> None:
    conn = pg_connect(notes_db)
    alice = str(uuid.uuid4())

    def insert_then_fail() -> None:
        with request_transaction(conn, "authenticated", alice) as cur:
            cur.execute("insert into public.rc_notes (body) values ('never kept')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        insert_then_fail()
    assert conn.execute("select count(*) from public.rc_notes").fetchone() == (0,)
    assert conn.execute("select current_user").fetchone() == ("postgres",)


def test_as_role_inside_a_caller_transaction(notes_db: str, pg_connect) -> None:
    conn = pg_connect(notes_db, autocommit=False)
    user_id = str(uuid.uuid4())
    claims = as_role(conn, "authenticated", user_id, extra_claims={"app_metadata": {"x": 1}})
    assert claims["sub"] == user_id
    assert conn.execute("select current_user, auth.jwt() -> 'app_metadata'").fetchone() == (
        "authenticated",
        {"x": 1},
    )
    conn.rollback()
    assert conn.execute("select current_user").fetchone() == ("postgres",)


def test_invalid_use_is_refused(notes_db: str, pg_connect) -> None:
    conn = pg_connect(notes_db)
    with pytest.raises(ValueError, match="role must be one of"):
        as_role(conn, "postgres")
    with pytest.raises(RuntimeError, match="needs a transaction"):
        as_role(conn, "anon")  # autocommit connection, no transaction open
    with pytest.raises(ValueError, match="badly formed"):
        jwt_claims("authenticated", "not-a-uuid")
    with (
        conn.transaction(),
        pytest.raises(RuntimeError, match="no open transaction"),
        request_transaction(conn, "anon"),
    ):
        pass
