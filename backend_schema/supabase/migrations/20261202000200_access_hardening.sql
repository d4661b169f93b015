-- Access hardening (ACCESS.md): holes found by attacking every role.
--
--   B1  products of unvetted wholesalers are invisible outside their owner and admins, cannot be
--       put in a cart, allocated to a lineup or bought;
--   B2  an unvetted host cannot start a public show (rehearsals may run) and sells nothing;
--   B3  chat messages are measured as sent (no trimming) and may not be blank;
--   B4  no function in `private` is executable by PUBLIC, now or later (default privileges);
--   B5  items of a rehearsal are sold to nobody; a show cannot switch between rehearsal and
--       public once it has left `scheduled`;
--   B6  a host cannot buy from their own show (so no commission on their own purchases);
--   B7  a viewer's presence, once closed, cannot be reopened (and only live shows count);
--   B8  every client-writable text and jsonb column has a size bound;
--   B9  chat names cannot pass for a host's, and chat messages and support queries are rate
--       limited per user in the database;
--   D3  a new show cannot be scheduled to start in the past.
--
-- Rules that apply to API users only recognise them by their request claims (`auth.role()` is
-- `anon` or `authenticated`), which also holds inside SECURITY DEFINER functions they call; the
-- schema owner (migrations, seed) and the service role are not API users.

-- ---------------------------------------------------------------------------------------------
-- B4. Nothing in `private` is callable by PUBLIC. Functions created later by the role that runs
--     the migrations start without EXECUTE for PUBLIC too (PostgreSQL cannot revoke a global
--     default for one schema only, so this is the role's default everywhere; every public
--     function is granted explicitly anyway). Each grant at the end of this file is needed by a
--     policy or by a function that runs with the caller's rights.
-- ---------------------------------------------------------------------------------------------
alter default privileges revoke execute on functions from public;
revoke execute on all functions in schema private from public;

create function private.is_api_user() returns boolean
language sql stable set search_path = ''
as $$ select coalesce(auth.role(), '') in ('anon', 'authenticated') $$;

-- ---------------------------------------------------------------------------------------------
-- B1. Products of unvetted wholesalers: owner and admins only.
-- ---------------------------------------------------------------------------------------------
-- A set function evaluated once per statement (a hashed subplan in the policies).
create function private.verified_wholesaler_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select w.id from public.wholesalers w where w.verification_status = 'verified'
$$;

drop policy products_select_anon on public.products;
create policy products_select_anon on public.products for select to anon
  using (status = 'active' and wholesaler_id in (select private.verified_wholesaler_ids()));
drop policy products_select_authenticated on public.products;
create policy products_select_authenticated on public.products for select to authenticated
  using ((status = 'active' and wholesaler_id in (select private.verified_wholesaler_ids()))
         or wholesaler_id = (select private.current_wholesaler_id())
         or (select private.is_admin()));

-- The cart takes only what its owner can see on sale (RLS applies inside the policy): an id
-- learned elsewhere (an unvetted supplier's product, a rehearsal's item) is refused.
drop policy cart_insert_authenticated on public.cart;
create policy cart_insert_authenticated on public.cart for insert to authenticated
  with check (customer_id = (select private.current_customer_id())
              and (product_id is null
                   or exists (select 1 from public.products p
                              where p.id = cart.product_id and p.status = 'active'))
              and (live_product_id is null
                   or exists (select 1 from public.live_products lp
                              where lp.id = cart.live_product_id
                                and lp.status in ('active', 'sold_out'))));

-- Lineups source only from verified suppliers (an id learned elsewhere included).
create function private.guard_live_product_source() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_name text;
  v_status public.verification_status;
begin
  select p.name, w.verification_status into v_name, v_status
    from public.products p join public.wholesalers w on w.id = p.wholesaler_id
   where p.id = new.product_id;
  if found and v_status <> 'verified' then
    raise exception '% is not available for live selling (its supplier is not verified)', v_name
      using errcode = '55000';
  end if;
  return new;
end
$$;
create trigger guard_live_product_source before insert or update of product_id
  on public.live_products
  for each row when (new.product_id is not null)
  execute function private.guard_live_product_source();

-- ---------------------------------------------------------------------------------------------
-- B2, B5 and D3 on shows.
-- ---------------------------------------------------------------------------------------------
-- D3: a new show starts now or later (one minute of grace for clocks that run a little behind).
create function private.guard_new_session() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if private.is_api_user() and new.scheduled_start < now() - interval '1 minute' then
    raise exception 'scheduled_start (%) is in the past', new.scheduled_start
      using errcode = '22023', hint = 'A new show must start from now on.';
  end if;
  return new;
end
$$;
create trigger guard_new_session before insert on public.live_stream_sessions
  for each row execute function private.guard_new_session();

-- B5: a rehearsal stays a rehearsal (and a public show public) once it has gone live, so a
-- rehearsal cannot be turned public mid-show, nor a public show hidden after the fact.
create function private.guard_rehearsal_flag() returns trigger
language plpgsql set search_path = ''
as $$
begin
  raise exception 'A show that is % cannot change between rehearsal and public', old.status
    using errcode = '55000', hint = 'Only a scheduled show can be made a rehearsal or public.';
end
$$;
create trigger guard_rehearsal_flag before update of is_rehearsal on public.live_stream_sessions
  for each row when (old.is_rehearsal is distinct from new.is_rehearsal
                     and old.status <> 'scheduled')
  execute function private.guard_rehearsal_flag();

-- B2: only verified hosts go live in public; anyone may rehearse.
create or replace function public.start_show(p_session_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
begin
  v_show := private.owned_show(p_session_id, true, 'start it');
  select s.* into v_show from public.live_stream_sessions s where s.id = p_session_id for update;
  if v_show.status <> 'scheduled' then
    raise exception 'Cannot start the show: it is already %', v_show.status
      using errcode = '55000', hint = 'Only a scheduled show can go live.';
  end if;
  if not v_show.is_rehearsal and not exists (
       select 1 from public.influencers i
        where i.id = v_show.influencer_id and i.verification_status = 'verified') then
    raise exception 'Only verified hosts can go live in public'
      using errcode = '42501',
            hint = 'Run it as a rehearsal until ShopStream has verified the host.';
  end if;
  update public.live_stream_sessions s set status = 'live', actual_start = now()
   where s.id = p_session_id;
  return private.show_state(p_session_id);
end
$$;

-- B1, B2, B5, B6 at checkout (who may sell and who may buy) are checked in public.checkout, in
-- the checkout migration (20261203000200).

-- ---------------------------------------------------------------------------------------------
-- B3. Chat messages: measured as sent, at most 500 characters, not blank (Unicode spaces
--     included).
-- ---------------------------------------------------------------------------------------------
-- Every Unicode space, separator and invisible formatting character a message could be padded
-- with or made of.
create function private.is_blank(p_text text) returns boolean
language sql immutable set search_path = ''
as $$
  select p_text ~ '^[\s\u0085\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]*$'
$$;

alter table public.live_stream_chat drop constraint live_stream_chat_message_check;
alter table public.live_stream_chat
  add constraint live_stream_chat_message_length check (char_length(message) between 1 and 500),
  add constraint live_stream_chat_message_not_blank check (not private.is_blank(message));

-- ---------------------------------------------------------------------------------------------
-- B7. Presence: a viewer's row can be updated while it is open (quality, leaving), never
--     reopened; and only a live show's count moves.
-- ---------------------------------------------------------------------------------------------
drop policy live_stream_viewers_update_authenticated on public.live_stream_viewers;
create policy live_stream_viewers_update_authenticated on public.live_stream_viewers
  for update to authenticated
  using (left_at is null and (user_id = (select auth.uid()) or (select private.is_admin())))
  with check (user_id = (select auth.uid()) or (select private.is_admin()));

create or replace function private.on_viewers_updated() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  with delta as (
    select d.session_id, sum(d.n) as n
      from (select n.session_id, 1 as n from new_viewers n where n.left_at is null
            union all
            select o.session_id, -1 from old_viewers o where o.left_at is null) d
     group by d.session_id having sum(d.n) <> 0
  )
  update public.live_stream_sessions s
     set current_viewers = greatest(s.current_viewers + delta.n, 0),
         peak_viewers = greatest(s.peak_viewers, s.current_viewers + delta.n)
    from delta where s.id = delta.session_id and s.status = 'live';
  return null;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- B8. Size bounds (bytes, as stored) on every column a client writes. Limits are listed in
--     ACCESS.md ("Size limits"); jsonb is measured as its text.
-- ---------------------------------------------------------------------------------------------
do $$
declare
  r record;
begin
  for r in
    select * from (values
      ('customers', 'full_name', 800), ('customers', 'email', 320), ('customers', 'phone', 160),
      ('customers', 'shipping_address', 2000), ('customers', 'preferences', 4000),
      ('wholesalers', 'business_name', 800), ('wholesalers', 'description', 8000),
      ('wholesalers', 'website', 2048), ('wholesalers', 'logo_url', 2048),
      ('wholesalers', 'contact_name', 400), ('wholesalers', 'contact_email', 320),
      ('wholesalers', 'contact_phone', 160), ('wholesalers', 'tax_id', 100),
      ('wholesalers', 'business_address', 2000),
      ('influencers', 'display_name', 400), ('influencers', 'bio', 8000),
      ('influencers', 'avatar_url', 2048), ('influencers', 'payout_email', 320),
      ('admin_users', 'permissions', 2000),
      ('categories', 'name', 400), ('categories', 'slug', 200),
      ('categories', 'description', 4000),
      ('products', 'sku', 256), ('products', 'name', 800), ('products', 'description', 20000),
      ('products', 'brand', 400), ('products', 'tags', 2000), ('products', 'image_url', 2048),
      ('live_stream_sessions', 'title', 800), ('live_stream_sessions', 'description', 20000),
      ('live_stream_sessions', 'thumbnail_url', 2048),
      ('live_products', 'name', 800), ('live_products', 'description', 20000),
      ('live_products', 'image_url', 2048),
      ('orders', 'notes', 4000),
      ('queries', 'subject', 800), ('queries', 'message', 20000),
      ('queries', 'response', 20000),
      ('live_stream_chat', 'message', 2000),
      ('live_stream_viewers', 'quality', 1000),
      ('influencer_goals', 'title', 480)
    ) as t (tbl, col, max_bytes)
  loop
    execute format('alter table public.%I add constraint %I check (octet_length(%I::text) <= %s)',
                   r.tbl, r.tbl || '_' || r.col || '_size', r.col, r.max_bytes);
  end loop;
end
$$;
alter table public.products
  add constraint products_tags_count check (cardinality(tags) <= 30);

-- ---------------------------------------------------------------------------------------------
-- B9. Chat names: the name shown is derived by the database (trigger live_stream_chat_set_sender);
--     a customer's chosen chat name that reads like a host's display name or handle, or like
--     the platform's staff, is not used (the anonymous `viewer-…` handle is).
-- ---------------------------------------------------------------------------------------------
-- The comparison key of a name: compatibility-normalised (full-width and styled letters become
-- plain ones), lower case, without spaces, separators, invisible characters or punctuation.
create function private.name_key(p_name text) returns text
language sql immutable set search_path = ''
as $$
  select lower(regexp_replace(
    normalize(p_name, nfkc),
    '[[:punct:]\s\u0085\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff_]+',
    '', 'g'))
$$;
create index influencers_display_name_key_idx
  on public.influencers (private.name_key(display_name));
create index influencers_handle_key_idx on public.influencers (private.name_key(handle));

create function private.is_reserved_chat_name(p_name text) returns boolean
language sql stable security definer set search_path = ''
as $$
  select k = ''
      or k in ('shopstream', 'admin', 'administrator', 'moderator', 'mod', 'host', 'support',
               'system', 'staff')
      or exists (select 1 from public.influencers i where private.name_key(i.display_name) = k)
      or exists (select 1 from public.influencers i where private.name_key(i.handle) = k)
    from (select coalesce(private.name_key(p_name), '') as k) n
$$;

create or replace function private.chat_display_name(p_user_id uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select coalesce(
    (select left(i.display_name, 60) from public.influencers i where i.user_id = p_user_id),
    (select left(n.name, 60)
       from public.customers c
      cross join lateral (select regexp_replace(c.preferences ->> 'chat_name',
              '^[\s\u00a0\u2000-\u200f\u3000\ufeff]+|[\s\u00a0\u2000-\u200f\u3000\ufeff]+$', '',
              'g') as name) n
      where c.user_id = p_user_id and not private.is_reserved_chat_name(n.name)),
    'viewer-' || left(replace(coalesce(p_user_id::text, 'anonymous'), '-', ''), 6)
  )
$$;

-- Per-user rate limits for what users write for others to read, kept in the database so every
-- client (and a hand-written HTTP call) is bound by them. A rolling window: at most max_events
-- in the last `per`, counted from a private ledger (deleting one's messages does not free quota).
create table private.rate_limits (
  action     text primary key check (action ~ '^[a-z_]{1,40}$'),
  max_events integer not null check (max_events > 0),
  per        interval not null check (per > interval '0')
);
insert into private.rate_limits (action, max_events, per) values
  ('chat', 5, interval '10 seconds'),
  ('query', 5, interval '1 hour');

create table private.rate_events (
  user_id uuid not null,
  action  text not null,
  at      timestamptz not null default now()
);
create index rate_events_user_action_at_idx on private.rate_events (user_id, action, at);

create function private.enforce_rate_limit() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_action text := tg_argv[0];
  v_limit private.rate_limits;
  v_count integer;
  v_oldest timestamptz;
begin
  if v_user is null or not private.is_api_user() then
    return new;
  end if;
  select l.* into v_limit from private.rate_limits l where l.action = v_action;
  if not found then
    return new;
  end if;
  -- One writer per user and action at a time, so parallel requests cannot all pass the count.
  perform pg_advisory_xact_lock(1920234867, hashtext(v_user::text || '/' || v_action));
  delete from private.rate_events e
   where e.user_id = v_user and e.action = v_action and e.at <= now() - v_limit.per;
  select count(*), min(e.at) into v_count, v_oldest
    from private.rate_events e where e.user_id = v_user and e.action = v_action;
  if v_count >= v_limit.max_events then
    -- PT429: PostgREST answers HTTP 429 Too Many Requests.
    raise exception 'Too many % messages: at most % per %', v_action, v_limit.max_events,
                    v_limit.per
      using errcode = 'PT429',
            detail = format('Try again in %s seconds.',
                            ceil(extract(epoch from v_oldest + v_limit.per - now()))),
            hint = 'Slow down.';
  end if;
  insert into private.rate_events (user_id, action) values (v_user, v_action);
  return new;
end
$$;
create trigger enforce_rate_limit before insert on public.live_stream_chat
  for each row execute function private.enforce_rate_limit('chat');
create trigger enforce_rate_limit before insert on public.queries
  for each row execute function private.enforce_rate_limit('query');

-- ---------------------------------------------------------------------------------------------
-- B4 (continued). The grants the policies and the caller-rights functions need. Everything
-- else in `private` runs only inside SECURITY DEFINER functions and triggers (trigger functions
-- need no EXECUTE privilege of the user whose statement fires them).
-- ---------------------------------------------------------------------------------------------
grant execute on function
  private.current_customer_id(), private.current_influencer_id(),
  private.current_wholesaler_id(), private.is_admin(), private.is_super_admin(),
  private.preview_session_ids(), private.verified_wholesaler_ids()
  to anon, authenticated, service_role;
-- live_stream_chat_set_sender and the read models (earnings_by_*, show_live_stats) run as the
-- caller; CHECK constraints and triggers call is_blank, is_api_user and name_key as the writer.
grant execute on function
  private.chat_display_name(uuid), private.require_host(uuid, boolean, text),
  private.require_arg(anyelement, text), private.require_influencer(),
  private.effective_price_at(public.live_products, timestamptz),
  private.is_blank(text), private.is_api_user(), private.name_key(text)
  to authenticated, service_role;
grant execute on function private.is_blank(text), private.is_api_user(), private.name_key(text)
  to anon;
