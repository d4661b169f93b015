"""Supabase's database advisor rules as catalogue queries, each shown to catch a violation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest

from studio.server import db

TABLES = {
    "customers", "wholesalers", "influencers", "admin_users", "categories", "products",
    "live_products", "cart", "orders", "order_items", "queries", "live_stream_sessions",
    "live_stream_viewers", "live_stream_chat", "influencer_achievements", "influencer_goals",
    "influencer_earnings", "influencer_notifications", "sync_tombstones", "live_session_cohosts",
}

# Each rule: a query returning one text per violation (none when the schema complies).
_PUBLIC_TABLES = ("select c.oid, c.relname, c.relrowsecurity from pg_class c"
                  " where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')")
_OWN_FUNCTIONS = """
  select p.oid, p.oid::regprocedure::text as name, p.proconfig, p.prosrc
    from pg_proc p
   where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
     and p.prokind in ('f', 'p')
     and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')"""
# Policies with their role and command expanded: a policy for ALL counts for every command, a
# policy without TO (the PUBLIC pseudo-role) for anon and authenticated alike.
_POLICIES = """
  select pl.polrelid::regclass::text as tbl, pl.polname, pl.polpermissive,
         coalesce(pg_get_expr(pl.polqual, pl.polrelid), '') as qual,
         coalesce(pg_get_expr(pl.polwithcheck, pl.polrelid), '') as with_check,
         r.role_name, cmd
    from pg_policy pl
    join pg_class c on c.oid = pl.polrelid and c.relnamespace = 'public'::regnamespace
   cross join lateral (
     select case when x = 0 then y else pg_get_userbyid(x)::text end as role_name
       from unnest(pl.polroles) x
       left join unnest(array['anon', 'authenticated']) y on x = 0) r
   cross join lateral unnest(case pl.polcmd when '*' then array['r', 'a', 'w', 'd']
                                            else array[pl.polcmd::text] end) cmd"""
# auth.* and current_setting() outside `(select ...)` run once per row instead of once per
# statement; so do the private policy functions. Wrapped calls are removed, then the rest found.
_UNWRAPPED = (
    r"regexp_replace({e}, '\(\s*SELECT\s+(auth|private)\.\w+\([^()]*\)\s+AS\s+\w+\)', '', 'gi')"
    r" ~* '(auth\.(uid|jwt|role|email)\(\)|current_setting\(|private\.\w+\(\))'")

RULES: dict[str, str] = {
    "rls_disabled_in_public": f"select relname from ({_PUBLIC_TABLES}) t where not relrowsecurity",
    "policy_exists_rls_disabled": f"""
        select relname from ({_PUBLIC_TABLES}) t
         where not relrowsecurity
           and exists (select 1 from pg_policy p where p.polrelid = t.oid)""",
    "rls_enabled_no_policy": f"""
        select relname from ({_PUBLIC_TABLES}) t
         where relrowsecurity
           and not exists (select 1 from pg_policy p where p.polrelid = t.oid)""",
    "multiple_permissive_policies": f"""
        select format('%s %s %s: %s', tbl, role_name, cmd, string_agg(polname, ', '))
          from ({_POLICIES}) p where polpermissive
         group by tbl, role_name, cmd having count(*) > 1""",
    "policy_without_explicit_role": """
        select format('%s.%s', polrelid::regclass, polname) from pg_policy
         where 0 = any(polroles)""",
    "auth_rls_initplan": f"""
        select distinct format('%s.%s', tbl, polname) from ({_POLICIES}) p
         where {_UNWRAPPED.format(e="qual")} or {_UNWRAPPED.format(e="with_check")}""",
    "rls_references_user_metadata": f"""
        select distinct format('%s.%s', tbl, polname) from ({_POLICIES}) p
         where qual || with_check ~* 'user_metadata|raw_user_meta_data'
        union all
        select name from ({_OWN_FUNCTIONS}) f where prosrc ~* 'user_metadata|raw_user_meta_data'""",
    "function_search_path_mutable": f"""
        select name from ({_OWN_FUNCTIONS}) f
         where not coalesce(array_to_string(proconfig, ',') ~ 'search_path=', false)""",
    "unindexed_foreign_keys": """
        select format('%s.%s', c.conrelid::regclass, c.conname) from pg_constraint c
         where c.contype = 'f'
           and c.connamespace in ('public'::regnamespace, 'private'::regnamespace)
           and not exists (
             select 1 from pg_index i
              where i.indrelid = c.conrelid and i.indisvalid and i.indpred is null
                and (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)]
                    = c.conkey)""",
    "extension_in_public": """
        select extname from pg_extension where extnamespace = 'public'::regnamespace""",
    "security_definer_view": """
        select relname from pg_class
         where relnamespace = 'public'::regnamespace and relkind = 'v'
           and not coalesce(reloptions::text[] && array['security_invoker=true',
                 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'], false)""",
    "materialized_view_in_api": """
        select relname from pg_class
         where relnamespace = 'public'::regnamespace and relkind = 'm'""",
    "private_tables_reachable": """
        select format('%s (%s)', c.oid::regclass, r.rolname) from pg_class c
         cross join pg_roles r
         where c.relnamespace = 'private'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
           and r.rolname in ('anon', 'authenticated')
           and has_any_column_privilege(r.oid, c.oid, 'select, insert, update, references')""",
    "unexpected_public_tables": f"""
        select relname from ({_PUBLIC_TABLES}) t
         where relname <> all(array{sorted(TABLES)!r}::text[])
        union all
        select 'missing: ' || x from unnest(array{sorted(TABLES)!r}::text[]) x
         where x not in (select relname from ({_PUBLIC_TABLES}) t)""",
}

# A statement that breaks each rule (run in a transaction that is rolled back).
VIOLATIONS: dict[str, str] = {
    "rls_disabled_in_public": "create table public.scratch (id int primary key)",
    "policy_exists_rls_disabled": """
        create table public.scratch (id int primary key);
        create policy scratch_select on public.scratch for select to anon using (true)""",
    "rls_enabled_no_policy": """
        create table public.scratch (id int primary key);
        alter table public.scratch enable row level security""",
    "multiple_permissive_policies": """
        create policy cart_second_select on public.cart for select to authenticated
          using (false)""",
    "policy_without_explicit_role": """
        create policy cart_to_everyone on public.cart as restrictive for select using (true)""",
    "auth_rls_initplan": """
        create policy cart_per_row on public.cart as restrictive for select to authenticated
          using (customer_id is not null and auth.uid() is not null)""",
    "rls_references_user_metadata": """
        create policy cart_metadata on public.cart as restrictive for select to authenticated
          using (((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'admin')""",
    "function_search_path_mutable": """
        create function public.scratch() returns int language sql as 'select 1'""",
    "unindexed_foreign_keys": """
        create table private.scratch (id int primary key,
                                      cart_id uuid references public.cart (id))""",
    "extension_in_public": "create extension {extension} schema public",
    "security_definer_view": "create view public.scratch as select 1 as x",
    "materialized_view_in_api": "create materialized view public.scratch as select 1 as x",
    "private_tables_reachable": """
        create table private.scratch (id int);
        grant select on private.scratch to anon""",
    "unexpected_public_tables": """
        create table public.scratch (id int primary key);
        alter table public.scratch enable row level security""",
}


@pytest.fixture(scope="module")
def conn(fresh_db_module: Callable[..., str]) -> Iterator[psycopg.Connection]:
    with db.connect(fresh_db_module(), autocommit=True) as connection:
        yield connection


def violations(conn: psycopg.Connection, rule: str) -> list[str]:
    return sorted(str(row[0]) for row in conn.execute(RULES[rule]).fetchall())


def test_every_rule_has_a_violation_example() -> None:
    assert set(RULES) == set(VIOLATIONS)


@pytest.mark.parametrize("rule", list(RULES))
def test_schema_follows_advisor_rule(conn: psycopg.Connection, rule: str) -> None:
    assert violations(conn, rule) == []


@pytest.mark.parametrize("rule", list(RULES))
def test_advisor_rule_detects_violation(conn: psycopg.Connection, rule: str) -> None:
    statement = VIOLATIONS[rule]
    if "{extension}" in statement:
        row = conn.execute("select name from pg_available_extension_versions"
                           " where not installed and schema is null and requires is null"
                           " order by name limit 1").fetchone()
        if row is None:
            pytest.skip("this server offers no extension to install")
        statement = statement.format(extension=row[0])
    with conn.transaction(force_rollback=True):
        for part in statement.split(";"):
            conn.execute(part)
        assert violations(conn, rule), f"{rule} missed: {statement}"
