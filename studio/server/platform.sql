-- What a Supabase project provides before its migrations run: API roles, the auth
-- schema (auth.users and the JWT helper functions), Supabase's default privileges,
-- the realtime publication and the migration history tables the Supabase CLI keeps.
--
-- Definitions follow Supabase's own (supabase/postgres init scripts and the
-- supabase/auth migrations). Every block first checks, in the system catalogs
-- (readable without privileges), whether its object exists, so on a real Supabase
-- database, where all of this already exists, the whole script changes nothing.
-- It is safe to run any number of times.

-- ---------------------------------------------------------------------------
-- API roles
-- ---------------------------------------------------------------------------
do $platform$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
exception when duplicate_object or unique_violation then null;
end
$platform$;

do $platform$
begin
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit; -- "logged in" user
  end if;
exception when duplicate_object or unique_violation then null;
end
$platform$;

do $platform$
begin
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls; -- bypasses row level security
  end if;
exception when duplicate_object or unique_violation then null;
end
$platform$;

do $platform$
begin
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit; -- PostgREST connects as this role
  end if;
exception when duplicate_object or unique_violation then null;
end
$platform$;

do $platform$
declare
  api_role text;
begin
  foreach api_role in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (
      select from pg_auth_members m
      join pg_roles r on r.oid = m.roleid
      join pg_roles u on u.oid = m.member
      where r.rolname = api_role and u.rolname = 'authenticator'
    ) then
      execute format('grant %I to authenticator', api_role);
    end if;
  end loop;
end
$platform$;

-- ---------------------------------------------------------------------------
-- public schema: usage and Supabase's default privileges for objects created by
-- the role that runs migrations (postgres).
-- ---------------------------------------------------------------------------
do $platform$
declare
  api_role text;
begin
  foreach api_role in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (
      select from pg_namespace n, aclexplode(n.nspacl) a
      where n.nspname = 'public'
        and a.grantee = (select oid from pg_roles where rolname = api_role)
        and a.privilege_type = 'USAGE'
    ) then
      execute format('grant usage on schema public to %I', api_role);
    end if;
  end loop;
end
$platform$;

do $platform$
declare
  kind record;
begin
  for kind in
    select * from (values ('r', 'tables'), ('S', 'sequences'), ('f', 'functions')) as k(code, word)
  loop
    if not exists (
      select from pg_default_acl d, aclexplode(d.defaclacl) a
      where d.defaclrole = (select oid from pg_roles where rolname = current_user)
        and d.defaclnamespace = 'public'::regnamespace
        and d.defaclobjtype = kind.code::"char"
        and a.grantee = (select oid from pg_roles where rolname = 'anon')
    ) then
      execute format(
        'alter default privileges in schema public grant all on %s'
        ' to anon, authenticated, service_role', kind.word);
    end if;
  end loop;
end
$platform$;

-- ---------------------------------------------------------------------------
-- extensions schema (Supabase installs extensions here)
-- ---------------------------------------------------------------------------
do $platform$
begin
  if not exists (select from pg_namespace where nspname = 'extensions') then
    create schema extensions;
    grant usage on schema extensions to postgres, anon, authenticated, service_role;
    -- Contrib extensions Supabase preinstalls, where this server has them.
    begin
      create extension if not exists "uuid-ossp" with schema extensions;
    exception when others then null;
    end;
    begin
      create extension if not exists pgcrypto with schema extensions;
    exception when others then null;
    end;
  end if;
end
$platform$;

-- ---------------------------------------------------------------------------
-- auth schema: auth.users as Supabase Auth (GoTrue) leaves it
-- ---------------------------------------------------------------------------
do $platform$
begin
  if not exists (select from pg_namespace where nspname = 'auth') then
    create schema auth;
  end if;
end
$platform$;

do $platform$
begin
  if not exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = 'auth' and c.relname = 'users') then
    create table auth.users (
      instance_id uuid null,
      id uuid not null,
      aud varchar(255) null,
      "role" varchar(255) null,
      email varchar(255) null,
      encrypted_password varchar(255) null,
      email_confirmed_at timestamptz null,
      invited_at timestamptz null,
      confirmation_token varchar(255) null,
      confirmation_sent_at timestamptz null,
      recovery_token varchar(255) null,
      recovery_sent_at timestamptz null,
      email_change_token_new varchar(255) null,
      email_change varchar(255) null,
      email_change_sent_at timestamptz null,
      last_sign_in_at timestamptz null,
      raw_app_meta_data jsonb null,
      raw_user_meta_data jsonb null,
      is_super_admin bool null,
      created_at timestamptz null,
      updated_at timestamptz null,
      phone text null default null::character varying,
      phone_confirmed_at timestamptz null,
      phone_change text null default ''::character varying,
      phone_change_token varchar(255) null default ''::character varying,
      phone_change_sent_at timestamptz null,
      confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
      email_change_token_current varchar(255) null default ''::character varying,
      email_change_confirm_status smallint null default 0,
      banned_until timestamptz null,
      reauthentication_token varchar(255) null default ''::character varying,
      reauthentication_sent_at timestamptz null,
      is_sso_user boolean not null default false,
      deleted_at timestamptz null,
      is_anonymous boolean not null default false,
      constraint users_pkey primary key (id),
      constraint users_phone_key unique (phone),
      constraint users_email_change_confirm_status_check
        check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2)
    );
    create index users_instance_id_idx on auth.users using btree (instance_id);
    create index users_instance_id_email_idx on auth.users using btree (instance_id, lower(email::text));
    create unique index confirmation_token_idx on auth.users using btree (confirmation_token)
      where confirmation_token::text !~ '^[0-9 ]*$';
    create unique index recovery_token_idx on auth.users using btree (recovery_token)
      where recovery_token::text !~ '^[0-9 ]*$';
    create unique index email_change_token_current_idx on auth.users using btree (email_change_token_current)
      where email_change_token_current::text !~ '^[0-9 ]*$';
    create unique index email_change_token_new_idx on auth.users using btree (email_change_token_new)
      where email_change_token_new::text !~ '^[0-9 ]*$';
    create unique index reauthentication_token_idx on auth.users using btree (reauthentication_token)
      where reauthentication_token::text !~ '^[0-9 ]*$';
    -- SSO accounts may share an email; everyone else has a unique one.
    create unique index users_email_partial_key on auth.users using btree (email)
      where is_sso_user = false;
    create index users_is_anonymous_idx on auth.users using btree (is_anonymous);
    comment on table auth.users is 'Auth: Stores user login data within a secure schema.';
    comment on column auth.users.is_sso_user is
      'Auth: Set this column to true when the account comes from SSO. These accounts can have duplicate emails.';
  end if;
end
$platform$;

-- ---------------------------------------------------------------------------
-- auth helper functions, exactly as Supabase defines them: claims come from the
-- request.jwt.claims GUC PostgREST sets (or the legacy request.jwt.claim.* ones);
-- each returns null outside a request.
-- ---------------------------------------------------------------------------
do $platform$
begin
  if not exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'auth' and p.proname = 'uid' and p.pronargs = 0) then
    create function auth.uid() returns uuid
      language sql stable
    as $fn$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$fn$;
    comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
    grant execute on function auth.uid() to anon, authenticated, service_role;
  end if;

  if not exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'auth' and p.proname = 'role' and p.pronargs = 0) then
    create function auth.role() returns text
      language sql stable
    as $fn$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$fn$;
    comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';
    grant execute on function auth.role() to anon, authenticated, service_role;
  end if;

  if not exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'auth' and p.proname = 'email' and p.pronargs = 0) then
    create function auth.email() returns text
      language sql stable
    as $fn$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$fn$;
    comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';
    grant execute on function auth.email() to anon, authenticated, service_role;
  end if;

  if not exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'auth' and p.proname = 'jwt' and p.pronargs = 0) then
    create function auth.jwt() returns jsonb
      language sql stable
    as $fn$
  select
    coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$fn$;
    grant execute on function auth.jwt() to anon, authenticated, service_role;
  end if;
end
$platform$;

do $platform$
declare
  api_role text;
begin
  foreach api_role in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (
      select from pg_namespace n, aclexplode(n.nspacl) a
      where n.nspname = 'auth'
        and a.grantee = (select oid from pg_roles where rolname = api_role)
        and a.privilege_type = 'USAGE'
    ) then
      execute format('grant usage on schema auth to %I', api_role);
    end if;
  end loop;
end
$platform$;

-- ---------------------------------------------------------------------------
-- Realtime: the (initially empty) publication Supabase Realtime listens to
-- ---------------------------------------------------------------------------
do $platform$
begin
  if not exists (select from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
exception when duplicate_object or unique_violation then null;
end
$platform$;

-- ---------------------------------------------------------------------------
-- Migration history, as the Supabase CLI keeps it
-- ---------------------------------------------------------------------------
do $platform$
begin
  if not exists (select from pg_namespace where nspname = 'supabase_migrations') then
    create schema supabase_migrations;
  end if;
  if not exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = 'supabase_migrations' and c.relname = 'schema_migrations') then
    create table supabase_migrations.schema_migrations (version text not null primary key);
  end if;
  if not exists (
    select from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'supabase_migrations' and c.relname = 'schema_migrations'
      and a.attname = 'statements' and not a.attisdropped
  ) then
    alter table supabase_migrations.schema_migrations add column statements text[];
  end if;
  if not exists (
    select from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'supabase_migrations' and c.relname = 'schema_migrations'
      and a.attname = 'name' and not a.attisdropped
  ) then
    alter table supabase_migrations.schema_migrations add column name text;
  end if;
  if not exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = 'supabase_migrations' and c.relname = 'seed_files') then
    create table supabase_migrations.seed_files (path text not null primary key, hash text not null);
  end if;
end
$platform$;
