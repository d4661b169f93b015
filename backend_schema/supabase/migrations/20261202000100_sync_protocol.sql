-- CONTRACT CHANGE:
--   1. Lineup positions are 0-based (0 .. n-1), as the studio's lineup model, the seed and the
--      `position >= 0` check already have them: set_lineup_order sets position = 0 .. n-1 and
--      deleting an item renumbers the rest 0 .. n-1. An item inserted without a position (or with
--      position null) is appended after the show's last item.
--   2. sync_tombstone_floor() returns the largest change_xid pruned so far plus one (null when
--      nothing was ever pruned), not the smallest kept: "cursor < floor -> full reconcile" works
--      unchanged, and it stays right when pruning leaves the table empty.
--   3. apply_ops stops at the first "conflict" or "gone": that op carries its status and current
--      row, every other op of the batch is "skipped". A replayed op returns the row as it is now.
--   4. apply_ops delete of a row the caller can still see but may not delete raises 42501 "This
--      <noun> can no longer be changed." (as an update would), instead of reporting "applied".
--
-- The sync protocol the studio speaks with the server (README, "Sync protocol"):
--   * a commit-order cursor: every pulled table carries change_xid, the id of the transaction
--     that last wrote the row, and sync_horizon() tells a client up to where everything has
--     finished, so a transaction held open for minutes is never skipped;
--   * a deletions feed (sync_tombstones), so deleted rows leave open screens within one pull;
--   * row versions on the tables the studio writes, bumped only by client-writable columns;
--   * apply_ops(): idempotent (ledger of applied op ids), versioned (stale edits are conflicts,
--     not silent overwrites) and atomic (a user action's ops land together or not at all);
--   * lineup integrity: a product once per show, unique dense positions, set_lineup_order().

-- ---------------------------------------------------------------------------------------------
-- 1. Commit-order cursor: change_xid on every table the studio pulls.
-- ---------------------------------------------------------------------------------------------
create function private.set_change_xid() returns trigger
language plpgsql set search_path = ''
as $$
begin
  -- The top-level transaction id, also inside savepoints: all of a transaction's rows share it.
  new.change_xid := pg_catalog.pg_current_xact_id()::text::bigint;
  return new;
end
$$;

do $$
declare
  t text;
  r text;
begin
  foreach t in array array[
    'customers', 'wholesalers', 'influencers', 'admin_users', 'categories', 'products',
    'live_products', 'cart', 'orders', 'order_items', 'queries', 'live_stream_sessions',
    'live_stream_viewers', 'live_stream_chat', 'influencer_achievements', 'influencer_goals',
    'influencer_earnings', 'influencer_notifications'
  ] loop
    -- Existing rows get this migration's transaction id; the trigger keeps it current after.
    execute format('alter table public.%I add column change_xid bigint not null'
                   ' default (pg_catalog.pg_current_xact_id()::text::bigint)', t);
    execute format('alter table public.%I alter column change_xid drop default', t);
    execute format('create index %I on public.%I (change_xid, id)', t || '_change_xid_id_idx', t);
    execute format('create trigger set_change_xid before insert or update on public.%I '
                   'for each row execute function private.set_change_xid()', t);
    -- Tables with column-level read grants: whoever reads some columns reads the cursor too.
    foreach r in array array['anon', 'authenticated'] loop
      if not has_table_privilege(r, format('public.%I', t), 'select')
         and has_any_column_privilege(r, format('public.%I', t), 'select') then
        execute format('grant select (change_xid) on public.%I to %I', t, r);
      end if;
    end loop;
  end loop;
end
$$;

-- The safe cursor: every transaction with an id below it has finished (committed or rolled
-- back), so rows written by such transactions are all visible to any later read.
-- Stable (it reads the snapshot only), so PostgREST serves it over GET as well as POST.
create function public.sync_horizon() returns bigint
language sql stable set search_path = ''
as $$ select pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint $$;

-- ---------------------------------------------------------------------------------------------
-- 2. Deletions feed: ids only, no row content.
-- ---------------------------------------------------------------------------------------------
create table public.sync_tombstones (
  id         bigint generated always as identity primary key,
  table_name text not null check (char_length(table_name) between 1 and 63),
  row_id     uuid not null,
  change_xid bigint not null,
  deleted_at timestamptz not null default now()
);
comment on table public.sync_tombstones is
  'Ids of deleted rows of the synced tables, for the studio''s pull. No row content.';
create index sync_tombstones_change_xid_id_idx on public.sync_tombstones (change_xid, id);
create index sync_tombstones_table_row_idx on public.sync_tombstones (table_name, row_id);
create index sync_tombstones_deleted_at_idx on public.sync_tombstones (deleted_at);

alter table public.sync_tombstones enable row level security;
revoke all on public.sync_tombstones from public, anon, authenticated, service_role;
revoke all on sequence public.sync_tombstones_id_seq from public, anon, authenticated, service_role;
grant select on public.sync_tombstones to authenticated, service_role;
-- A uuid of a deleted row reveals nothing, and the studio must drop any row it cached.
create policy sync_tombstones_select_authenticated on public.sync_tombstones
  for select to authenticated using (true);

-- The highest change_xid pruned so far (one row; none before the first prune).
create table private.sync_tombstone_pruned (
  id             boolean primary key default true check (id),
  max_change_xid bigint not null
);

create function private.record_tombstones() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.sync_tombstones (table_name, row_id, change_xid)
  select tg_table_name, o.id, pg_catalog.pg_current_xact_id()::text::bigint from old_rows o;
  return null;
end
$$;

do $$
declare
  t text;
begin
  foreach t in array array[
    'customers', 'wholesalers', 'influencers', 'admin_users', 'categories', 'products',
    'live_products', 'cart', 'orders', 'order_items', 'queries', 'live_stream_sessions',
    'live_stream_viewers', 'live_stream_chat', 'influencer_achievements', 'influencer_goals',
    'influencer_earnings', 'influencer_notifications'
  ] loop
    execute format('create trigger record_tombstones after delete on public.%I '
                   'referencing old table as old_rows for each statement '
                   'execute function private.record_tombstones()', t);
  end loop;
end
$$;

-- Drops tombstones older than p_keep and remembers how far it went (service role / scheduler).
create function private.prune_sync_tombstones(p_keep interval default interval '30 days')
returns bigint
language plpgsql security definer set search_path = ''
as $$
declare
  v_count bigint;
  v_max bigint;
begin
  if p_keep is null or p_keep < interval '0' then
    raise exception 'p_keep must be a positive interval' using errcode = '22023';
  end if;
  with gone as (
    delete from public.sync_tombstones t where t.deleted_at < now() - p_keep
    returning t.change_xid
  )
  select count(*), max(g.change_xid) into v_count, v_max from gone g;
  if v_max is not null then
    insert into private.sync_tombstone_pruned as p (id, max_change_xid) values (true, v_max)
    on conflict (id) do update
      set max_change_xid = greatest(p.max_change_xid, excluded.max_change_xid);
  end if;
  return v_count;
end
$$;

-- A client whose tombstone cursor is below this may have missed pruned deletions: it runs a full
-- reconcile instead. Null: nothing was ever pruned.
create function public.sync_tombstone_floor() returns bigint
language sql stable security definer set search_path = ''
as $$ select p.max_change_xid + 1 from private.sync_tombstone_pruned p $$;

-- ---------------------------------------------------------------------------------------------
-- 3. Row versions on the tables the studio writes. Only client-writable columns bump them:
--    a sale (stock, sold counts, revenue, metrics), the show lifecycle, change_xid and
--    updated_at do not, so a sale never turns a host's price edit into a conflict. Changes made
--    by the database itself from inside a trigger (closing lineup gaps, cascades) do not either.
-- ---------------------------------------------------------------------------------------------
create function private.bump_row_version() returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.row_version := old.row_version + 1;
  return new;
end
$$;

do $$
declare
  r record;
begin
  for r in
    select * from (values
      ('live_stream_sessions', 'title, description, thumbnail_url, scheduled_start, '
                               'scheduled_end, is_rehearsal, chat_enabled'),
      ('live_products', 'session_id, product_id, name, description, image_url, position, '
                        'live_price, compare_at_price, allocated_quantity, max_per_buyer, status'),
      ('influencer_goals', 'title, goal_type, target_value, period, period_start, period_end'),
      ('products', 'category_id, sku, name, description, brand, tags, image_url, '
                   'wholesale_price, retail_price, min_order_quantity, status, '
                   'is_live_eligible, weight_grams'),
      ('influencer_notifications', 'is_read, read_at'),
      ('live_stream_chat', 'is_pinned, is_hidden')
    ) as v(tbl, cols)
  loop
    execute format('alter table public.%I add column row_version bigint not null default 1'
                   ' check (row_version > 0)', r.tbl);
    -- Named to run before the other BEFORE UPDATE triggers: what the statement itself changed
    -- counts, not what the guards derive from it (a sale flipping status to sold_out).
    execute format(
      'create trigger bump_row_version before update on public.%I for each row '
      'when (pg_catalog.pg_trigger_depth() = 0 and (%s) is distinct from (%s)) '
      'execute function private.bump_row_version()',
      r.tbl,
      (select string_agg('new.' || c, ', ') from unnest(string_to_array(r.cols, ', ')) c),
      (select string_agg('old.' || c, ', ') from unnest(string_to_array(r.cols, ', ')) c));
    if not has_table_privilege('anon', format('public.%I', r.tbl), 'select')
       and has_any_column_privilege('anon', format('public.%I', r.tbl), 'select') then
      execute format('grant select (row_version) on public.%I to anon', r.tbl);
    end if;
    if not has_table_privilege('authenticated', format('public.%I', r.tbl), 'select')
       and has_any_column_privilege('authenticated', format('public.%I', r.tbl), 'select') then
      execute format('grant select (row_version) on public.%I to authenticated', r.tbl);
    end if;
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- 4. Lineup integrity: a product once per show, unique positions kept dense (0 .. n-1).
-- ---------------------------------------------------------------------------------------------
-- Existing duplicates of a product in a show: the oldest stays. A later duplicate with order
-- lines keeps its history as a host's own item (product_id cleared); the others are removed.
do $$
declare
  v_removed bigint;
  v_detached bigint;
begin
  create temporary table lineup_duplicates on commit drop as
  select d.id, exists (select 1 from public.order_items oi where oi.live_product_id = d.id) as sold
    from (select lp.id, row_number() over (partition by lp.session_id, lp.product_id
                                           order by lp.created_at, lp.id) as n
            from public.live_products lp where lp.product_id is not null) d
   where d.n > 1;
  if not exists (select 1 from lineup_duplicates) then
    return;
  end if;
  delete from public.live_products lp using lineup_duplicates d where lp.id = d.id and not d.sold;
  get diagnostics v_removed = row_count;
  -- The guard refuses lineup changes of ended shows; this repairs data, it is not an edit.
  alter table public.live_products disable trigger guard_live_product_update;
  update public.live_products lp set product_id = null
    from lineup_duplicates d where lp.id = d.id and d.sold;
  get diagnostics v_detached = row_count;
  alter table public.live_products enable trigger guard_live_product_update;
  raise warning 'live_products: % duplicate lineup entries removed, % sold ones detached from '
                'their wholesale product', v_removed, v_detached;
end
$$;

-- Positions 0 .. n-1 in every show (ties broken by creation), then unique.
do $$
begin
  alter table public.live_products disable trigger guard_live_product_update;
  update public.live_products lp set position = x.pos
    from (select l.id, (row_number() over (partition by l.session_id
                                           order by l.position, l.created_at, l.id) - 1)::integer
                         as pos
            from public.live_products l) x
   where lp.id = x.id and lp.position <> x.pos;
  alter table public.live_products enable trigger guard_live_product_update;
end
$$;

alter table public.live_products
  add constraint live_products_session_product_key unique (session_id, product_id),
  -- Deferred: a batch may swap two positions; uniqueness is checked when it commits.
  add constraint live_products_session_position_key unique (session_id, position)
    deferrable initially deferred;
drop index public.live_products_session_position_idx;
-- No default: an item inserted without a position is appended (trigger below).
alter table public.live_products alter column position drop default;

create function private.append_lineup_position() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  -- Two devices appending to one show at once take turns (the lock lasts until commit), so the
  -- second sees the first's item instead of picking the same position.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('live_products.position'),
                                           pg_catalog.hashtext(new.session_id::text));
  select coalesce(max(lp.position) + 1, 0) into new.position
    from public.live_products lp where lp.session_id = new.session_id;
  return new;
end
$$;
create trigger append_lineup_position before insert on public.live_products
  for each row when (new.position is null) execute function private.append_lineup_position();

-- Deleting items closes the gaps they leave (shows still open; a finished lineup is final).
create function private.close_lineup_gaps() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.live_products lp set position = x.pos
    from (select l.id, (row_number() over (partition by l.session_id
                                           order by l.position, l.id) - 1)::integer as pos
            from public.live_products l
            join public.live_stream_sessions s on s.id = l.session_id
           where l.session_id in (select distinct o.session_id from old_rows o)
             and s.status in ('scheduled', 'live')) x
   where lp.id = x.id and lp.position <> x.pos;
  return null;
end
$$;
create trigger close_lineup_gaps after delete on public.live_products
  referencing old table as old_rows for each statement
  execute function private.close_lineup_gaps();

-- The show's whole lineup in a new order: p_item_ids[k] gets position k - 1. Runs as the caller,
-- so row level security decides (the show's host, or an admin).
create function public.set_lineup_order(p_session_id uuid, p_item_ids uuid[]) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  v_host uuid;
  v_expected integer;
  v_changed integer;
  v_updated integer;
begin
  if p_session_id is null then
    raise exception 'p_session_id is required' using errcode = '22023';
  end if;
  if p_item_ids is null or cardinality(p_item_ids) = 0 or array_position(p_item_ids, null) is not null
  then
    raise exception 'p_item_ids must list the show''s items' using errcode = '22023';
  end if;
  select s.influencer_id into v_host from public.live_stream_sessions s where s.id = p_session_id;
  if not found then
    raise exception 'Show % not found', p_session_id using errcode = 'P0002';
  end if;
  if v_host is distinct from (select private.current_influencer_id())
     and not (select private.is_admin()) then
    raise exception 'Only the host of this show can reorder its lineup' using errcode = '42501';
  end if;
  select count(*) into v_expected from public.live_products lp where lp.session_id = p_session_id;
  if cardinality(p_item_ids) <> (select count(distinct x) from unnest(p_item_ids) x)
     or cardinality(p_item_ids) <> v_expected
     or exists (select 1 from unnest(p_item_ids) x
                 where not exists (select 1 from public.live_products lp
                                    where lp.id = x and lp.session_id = p_session_id)) then
    raise exception 'p_item_ids must list each of the show''s % items exactly once', v_expected
      using errcode = '22023';
  end if;
  select count(*) into v_changed
    from unnest(p_item_ids) with ordinality o(id, n)
    join public.live_products lp on lp.id = o.id
   where lp.position <> o.n - 1;
  update public.live_products lp set position = (o.n - 1)::integer
    from unnest(p_item_ids) with ordinality o(id, n)
   where lp.id = o.id and lp.session_id = p_session_id and lp.position <> o.n - 1;
  get diagnostics v_updated = row_count;
  if v_updated <> v_changed then
    raise exception 'This lineup can no longer be changed.' using errcode = '42501';
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- 5. apply_ops: the studio's writes, idempotent, versioned and atomic per batch.
-- ---------------------------------------------------------------------------------------------
-- Op ids already applied, per user: a resent op is answered from here, never applied twice.
-- Kept (about 100 bytes an op): a device may resend after weeks offline. Removing a user
-- removes theirs.
create table private.applied_ops (
  op_id      uuid primary key,
  user_id    uuid not null references auth.users (id) on delete cascade,
  applied_at timestamptz not null default now(),
  outcome    jsonb
);
create index applied_ops_user_applied_idx on private.applied_ops (user_id, applied_at);

-- Claims an op id for the caller. Null: new (claimed, in this transaction); otherwise the stored
-- outcome of the earlier application. A concurrent claim of the same id waits for the first.
create function private.sync_claim_op(p_op_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_row private.applied_ops;
begin
  if v_uid is null then
    raise exception 'sign in to sync changes' using errcode = '42501';
  end if;
  insert into private.applied_ops (op_id, user_id) values (p_op_id, v_uid)
  on conflict (op_id) do nothing;
  if found then
    return null;
  end if;
  select a.* into v_row from private.applied_ops a where a.op_id = p_op_id;
  if v_row.user_id is distinct from v_uid then
    raise exception 'apply_ops: operation id % belongs to another user', p_op_id
      using errcode = '42501';
  end if;
  return coalesce(v_row.outcome, '{}'::jsonb);
end
$$;

create function private.sync_finish_op(p_op_id uuid, p_outcome jsonb) returns void
language sql security definer set search_path = ''
as $$
  update private.applied_ops a set outcome = p_outcome
   where a.op_id = p_op_id and a.user_id = (select auth.uid())
$$;

-- The tables apply_ops writes and what the messages call their rows.
create function private.sync_noun(p_table text) returns text
language sql immutable set search_path = ''
as $$
  select case p_table
    when 'live_stream_sessions' then 'show'
    when 'live_products' then 'lineup item'
    when 'influencer_goals' then 'goal'
    when 'products' then 'product'
    when 'influencer_notifications' then 'notification'
    when 'live_stream_chat' then 'chat message'
  end
$$;

-- The row as the caller sees it (only the columns the caller may read), or null.
create function private.sync_row(p_table text, p_id uuid) returns jsonb
-- Volatile: it must see what the calling operation has just written.
language plpgsql volatile set search_path = ''
as $$
declare
  v_cols text;
  v_row jsonb;
begin
  select string_agg(format('%I', a.attname), ', ' order by a.attnum) into v_cols
    from pg_catalog.pg_attribute a
   where a.attrelid = format('public.%I', p_table)::regclass and a.attnum > 0
     and not a.attisdropped
     and pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT');
  if v_cols is null then
    return null;
  end if;
  execute format('select to_jsonb(x) from (select %s from public.%I t where t.id = $1) x',
                 v_cols, p_table)
    into v_row using p_id;
  return v_row;
end
$$;

-- Checks the shape of a whole batch before anything is applied (22023 naming the problem).
create function private.sync_check_ops(p_ops jsonb) returns void
language plpgsql stable set search_path = ''
as $$
declare
  v_op jsonb;
  v_at text;
  v_key text;
  uuid_re constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
begin
  if p_ops is null or jsonb_typeof(p_ops) <> 'array' then
    raise exception 'apply_ops: p_ops must be a JSON array of operations' using errcode = '22023';
  end if;
  if jsonb_array_length(p_ops) > 500 then
    raise exception 'apply_ops: at most 500 operations per call (got %)', jsonb_array_length(p_ops)
      using errcode = '22023';
  end if;
  for i in 0 .. jsonb_array_length(p_ops) - 1 loop
    v_op := p_ops -> i;
    v_at := format('apply_ops: operation %s', i + 1);
    if jsonb_typeof(v_op) <> 'object' then
      raise exception '%: must be a JSON object', v_at using errcode = '22023';
    end if;
    if jsonb_typeof(v_op -> 'op_id') is distinct from 'string' or v_op ->> 'op_id' !~ uuid_re then
      raise exception '%: op_id must be a uuid', v_at using errcode = '22023';
    end if;
    if jsonb_typeof(v_op -> 'table') is distinct from 'string' then
      raise exception '%: table is required', v_at using errcode = '22023';
    end if;
    if private.sync_noun(v_op ->> 'table') is null then
      raise exception 'apply_ops: table % is not writable through sync', v_op ->> 'table'
        using errcode = '22023';
    end if;
    if jsonb_typeof(v_op -> 'kind') is distinct from 'string'
       or v_op ->> 'kind' not in ('upsert', 'delete') then
      raise exception '%: kind must be "upsert" or "delete"', v_at using errcode = '22023';
    end if;
    if jsonb_typeof(v_op -> 'id') is distinct from 'string' or v_op ->> 'id' !~ uuid_re then
      raise exception '%: id must be a uuid', v_at using errcode = '22023';
    end if;
    if coalesce(jsonb_typeof(v_op -> 'base_version'), 'null') not in ('null', 'number')
       or (jsonb_typeof(v_op -> 'base_version') = 'number'
           and (v_op ->> 'base_version') !~ '^[1-9][0-9]{0,17}$') then
      raise exception '%: base_version must be a positive whole number or null', v_at
        using errcode = '22023';
    end if;
    continue when v_op ->> 'kind' = 'delete';
    if jsonb_typeof(v_op -> 'values') is distinct from 'object' or v_op -> 'values' = '{}' then
      raise exception '%: values must be a JSON object naming at least one column', v_at
        using errcode = '22023';
    end if;
    for v_key in select jsonb_object_keys(v_op -> 'values') loop
      if not exists (select 1 from pg_catalog.pg_attribute a
                      where a.attrelid = format('public.%I', v_op ->> 'table')::regclass
                        and a.attname = v_key and a.attnum > 0 and not a.attisdropped) then
        raise exception '%: % has no column %', v_at, v_op ->> 'table', v_key
          using errcode = '22023';
      end if;
    end loop;
    if v_op -> 'values' ? 'id' and v_op -> 'values' ->> 'id' is distinct from v_op ->> 'id' then
      raise exception '%: values.id differs from id', v_at using errcode = '22023';
    end if;
  end loop;
end
$$;

-- Applies one checked operation as the caller. Returns {"op_id", "status", "row"}.
create function private.sync_apply_op(p_op jsonb) returns jsonb
language plpgsql set search_path = ''
as $$
declare
  v_op_id uuid := (p_op ->> 'op_id')::uuid;
  v_table text := p_op ->> 'table';
  v_id uuid := (p_op ->> 'id')::uuid;
  v_base bigint := (p_op ->> 'base_version')::bigint;
  v_values jsonb := (p_op -> 'values') - 'id'::text;
  v_noun text := private.sync_noun(p_op ->> 'table');
  v_prior jsonb;
  v_row jsonb;
  v_status text;
  v_cols text;
  v_count integer;
  v_wanted jsonb;
begin
  v_prior := private.sync_claim_op(v_op_id);
  if v_prior is not null then
    return jsonb_build_object('op_id', v_op_id, 'status', 'replayed',
                              'row', private.sync_row(v_table, v_id));
  end if;

  v_row := private.sync_row(v_table, v_id);
  if p_op ->> 'kind' = 'delete' then
    execute format('delete from public.%I t where t.id = $1', v_table) using v_id;
    get diagnostics v_count = row_count;
    if v_count = 0 and v_row is not null then
      raise exception 'This % can no longer be changed.', v_noun using errcode = '42501';
    end if;
    v_status := 'applied';
    v_row := null;
  elsif v_row is null then
    if exists (select 1 from public.sync_tombstones st
                where st.table_name = v_table and st.row_id = v_id) then
      v_status := 'gone';
    elsif v_base is not null then
      raise exception 'This % can no longer be changed.', v_noun using errcode = '42501';
    else
      select string_agg(format('%I', k), ', ') into v_cols from jsonb_object_keys(v_values) k;
      execute format('insert into public.%I (id%s) select $1%s'
                     ' from jsonb_populate_record(null::public.%I, $2) r',
                     v_table,
                     coalesce(', ' || v_cols, ''),
                     coalesce(', ' || (select string_agg(format('r.%I', k), ', ')
                                         from jsonb_object_keys(v_values) k), ''),
                     v_table)
        using v_id, v_values;
      v_status := 'applied';
      v_row := private.sync_row(v_table, v_id);
    end if;
  elsif v_base is null then
    -- A create sent again (say, with a new op id): fine if the row already says the same.
    execute format('select to_jsonb(r) from jsonb_populate_record(null::public.%I, $1) r',
                   v_table)
      into v_wanted using v_values;
    v_status := case
      when (select bool_and(v_row -> k is not distinct from v_wanted -> k)
              from jsonb_object_keys(v_values) k) then 'applied'
      else 'conflict' end;
  else
    execute format('update public.%I t set %s from jsonb_populate_record(null::public.%I, $1) r'
                   ' where t.id = $2 and t.row_version = $3',
                   v_table,
                   (select string_agg(format('%I = r.%I', k, k), ', ')
                      from jsonb_object_keys(v_values) k),
                   v_table)
      using v_values, v_id, v_base;
    get diagnostics v_count = row_count;
    v_row := private.sync_row(v_table, v_id);
    if v_count = 1 then
      v_status := 'applied';
    elsif v_row is not null and (v_row ->> 'row_version')::bigint <> v_base then
      v_status := 'conflict';
    else
      raise exception 'This % can no longer be changed.', v_noun using errcode = '42501';
    end if;
  end if;

  if v_status = 'applied' then
    perform private.sync_finish_op(
      v_op_id, jsonb_build_object('status', v_status, 'table', v_table, 'id', v_id));
  end if;
  return jsonb_build_object('op_id', v_op_id, 'status', v_status, 'row', v_row);
end
$$;

-- Applies a batch of operations in order, in one transaction, as the caller (row level security
-- and column grants apply to every change). If any op is a "conflict" or "gone", nothing of the
-- batch is kept (ledger included) and the answer says which op and why. Errors raise as usual.
create function public.apply_ops(p_ops jsonb) returns jsonb
language plpgsql security invoker set search_path = ''
as $$
declare
  v_results jsonb := '[]';
  v_result jsonb;
  v_failed integer;
begin
  if (select auth.uid()) is null then
    raise exception 'sign in to sync changes' using errcode = '42501';
  end if;
  perform private.sync_check_ops(p_ops);
  begin
    for i in 0 .. jsonb_array_length(p_ops) - 1 loop
      v_result := private.sync_apply_op(p_ops -> i);
      v_results := v_results || jsonb_build_array(v_result);
      if v_result ->> 'status' in ('conflict', 'gone') then
        v_failed := i;
        -- Leaves the block: everything the batch did so far is rolled back.
        raise exception 'apply_ops: batch not applied' using errcode = 'SYNC1';
      end if;
    end loop;
  exception when sqlstate 'SYNC1' then
    return jsonb_build_object('results', (
      select jsonb_agg(case when o.n - 1 = v_failed then v_result
                            else jsonb_build_object('op_id', o.op ->> 'op_id', 'status', 'skipped',
                                                    'row', null) end
                       order by o.n)
        from jsonb_array_elements(p_ops) with ordinality o(op, n)));
  end;
  return jsonb_build_object('results', v_results);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- 6. Who may call what.
-- ---------------------------------------------------------------------------------------------
revoke execute on function public.sync_horizon(), public.sync_tombstone_floor(),
  public.apply_ops(jsonb), public.set_lineup_order(uuid, uuid[])
  from public, anon, authenticated;
grant execute on function public.sync_horizon() to anon, authenticated, service_role;
grant execute on function public.sync_tombstone_floor() to authenticated, service_role;
grant execute on function public.apply_ops(jsonb), public.set_lineup_order(uuid, uuid[])
  to authenticated;

revoke execute on function private.set_change_xid(), private.record_tombstones(),
  private.prune_sync_tombstones(interval), private.bump_row_version(),
  private.append_lineup_position(), private.close_lineup_gaps(), private.sync_claim_op(uuid),
  private.sync_finish_op(uuid, jsonb), private.sync_noun(text), private.sync_row(text, uuid),
  private.sync_check_ops(jsonb), private.sync_apply_op(jsonb)
  from public;
grant execute on function private.prune_sync_tombstones(interval) to service_role;
-- apply_ops runs as its caller and calls these.
grant execute on function private.sync_claim_op(uuid), private.sync_finish_op(uuid, jsonb),
  private.sync_noun(text), private.sync_row(text, uuid), private.sync_check_ops(jsonb),
  private.sync_apply_op(jsonb) to authenticated;
