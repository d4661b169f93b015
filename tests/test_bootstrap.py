"""platform.sql: the Supabase platform objects, idempotent, with Supabase's auth helpers."""

from __future__ import annotations

import json
import uuid

import psycopg

from studio.server.bootstrap import bootstrap, bootstrap_database

# Everything platform.sql touches, as catalog rows; equal snapshots mean "changed nothing".
FINGERPRINT = """
select json_build_object(
  'roles', (select json_agg(json_build_array(rolname, rolcanlogin, rolinherit, rolbypassrls)
                            order by rolname)
            from pg_roles where rolname in ('anon','authenticated','service_role','authenticator')),
  'members', (select json_agg(json_build_array(r.rolname, u.rolname, m.grantor::regrole::text)
                              order by r.rolname, u.rolname)
              from pg_auth_members m join pg_roles r on r.oid = m.roleid
              join pg_roles u on u.oid = m.member where u.rolname = 'authenticator'),
  'schemas', (select json_agg(json_build_array(nspname, nspacl::text) order by nspname)
              from pg_namespace
              where nspname in ('public','auth','extensions','supabase_migrations')),
  'default_acl', (select json_agg(json_build_array(defaclobjtype, defaclacl::text)
                                  order by defaclobjtype) from pg_default_acl),
  'functions', (select json_agg(json_build_array(oid, proname, proacl::text) order by proname)
                from pg_proc where pronamespace = 'auth'::regnamespace),
  'tables', (select json_agg(json_build_array(oid, oid::regclass::text) order by oid)
             from pg_class where relnamespace in ('auth'::regnamespace,
                                                  'supabase_migrations'::regnamespace)),
  'publications', (select json_agg(pubname) from pg_publication)
)
"""


def _fingerprint(conninfo: str) -> dict:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(FINGERPRINT).fetchone()
    assert row is not None
    return row[0]


def test_bootstrap_creates_supabase_platform(empty_db: str) -> None:
    bootstrap_database(empty_db)
    with psycopg.connect(empty_db) as conn:
        roles = {
            r[0]: r[1:]
            for r in conn.execute(
                "select rolname, rolcanlogin, rolinherit, rolbypassrls from pg_roles"
                " where rolname in ('anon','authenticated','service_role','authenticator')"
            ).fetchall()
        }
        assert roles == {
            "anon": (False, False, False),
            "authenticated": (False, False, False),
            "service_role": (False, False, True),
            "authenticator": (True, False, False),
        }
        for role in ("anon", "authenticated", "service_role"):
            assert conn.execute(
                "select pg_has_role('authenticator', %s, 'member')", (role,)
            ).fetchone() == (True,)
            assert conn.execute(
                "select has_schema_privilege(%s, 'auth', 'usage'),"
                " has_schema_privilege(%s, 'public', 'usage'),"
                " has_function_privilege(%s, 'auth.uid()', 'execute')",
                (role, role, role),
            ).fetchone() == (True, True, True)
        columns = {
            r[0]: r[1]
            for r in conn.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'auth' and table_name = 'users'"
            ).fetchall()
        }
        assert columns["id"] == "uuid"
        assert columns["email"] == "character varying"
        assert columns["raw_user_meta_data"] == "jsonb"
        assert columns["is_anonymous"] == "boolean"
        assert {"instance_id", "aud", "role", "encrypted_password", "email_confirmed_at",
                "invited_at", "confirmation_token", "recovery_token", "email_change_token_new",
                "email_change", "last_sign_in_at", "raw_app_meta_data", "is_super_admin",
                "created_at", "updated_at", "phone"} <= set(columns)  # fmt: skip
        assert conn.execute(
            "select count(*) from pg_publication where pubname = 'supabase_realtime'"
        ).fetchone() == (1,)
        assert conn.execute(
            "select count(*) from supabase_migrations.schema_migrations"
        ).fetchone() == (0,)


def test_default_privileges_reach_api_roles(empty_db: str) -> None:
    bootstrap_database(empty_db)
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("create table public.later_table (id serial primary key)")
        conn.execute("create function public.later_fn() returns int language sql as 'select 1'")
        for role in ("anon", "authenticated", "service_role"):
            assert conn.execute(
                "select has_table_privilege(%s, 'public.later_table', 'select, insert, delete'),"
                " has_sequence_privilege(%s, 'public.later_table_id_seq', 'usage'),"
                " has_function_privilege(%s, 'public.later_fn()', 'execute')",
                (role, role, role),
            ).fetchone() == (True, True, True)


def test_bootstrap_is_idempotent(empty_db: str) -> None:
    bootstrap_database(empty_db)
    before = _fingerprint(empty_db)
    with psycopg.connect(empty_db, autocommit=True) as conn:
        bootstrap(conn)
        bootstrap(conn)
    assert _fingerprint(empty_db) == before


def test_auth_uid_reads_sub_from_claims(empty_db: str) -> None:
    bootstrap_database(empty_db)
    user_id = str(uuid.uuid4())
    claims = {"sub": user_id, "role": "authenticated", "email": "host@example.test"}
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select auth.uid(), auth.role(), auth.jwt()").fetchone() == (
            None,
            None,
            None,
        )
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        uid, role, email, jwt = conn.execute(
            "select auth.uid(), auth.role(), auth.email(), auth.jwt()"
        ).fetchone()
        assert str(uid) == user_id
        assert (role, email) == ("authenticated", "host@example.test")
        assert jwt == claims
        conn.rollback()
        # The legacy per-claim setting older PostgREST versions use works too.
        conn.execute("select set_config('request.jwt.claim.sub', %s, true)", (user_id,))
        assert str(conn.execute("select auth.uid()").fetchone()[0]) == user_id
        conn.rollback()
        assert conn.execute("select auth.uid()").fetchone() == (None,)


def test_bootstrap_changes_nothing_where_supabase_already_provides_it(empty_db: str) -> None:
    """On Supabase the platform objects exist and belong to other roles; the migration
    role is not a superuser. Bootstrap must then touch nothing (and so not fail)."""
    bootstrap_database(empty_db)
    member = f"migrator_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(f"create role {member} login nosuperuser nocreaterole")
        for kind in ("tables", "sequences", "functions"):
            conn.execute(
                f"alter default privileges for role {member} in schema public"
                f" grant all on {kind} to anon, authenticated, service_role"
            )
    before = _fingerprint(empty_db)
    as_member = psycopg.conninfo.make_conninfo(empty_db, user=member)
    try:
        with psycopg.connect(as_member, autocommit=True) as conn:
            bootstrap(conn)
        assert _fingerprint(empty_db) == before
    finally:
        with psycopg.connect(empty_db, autocommit=True) as conn:
            conn.execute(f"drop owned by {member}")
            conn.execute(f"drop role {member}")
