-- Access rules: grants, column grants, row level security and the functions that read private
-- columns. The contract is backend_schema/ACCESS.md; every cell of it is tested.

-- ---------------------------------------------------------------------------------------------
-- 1. Start from nothing: Supabase grants anon and authenticated everything on public tables.
--    service_role keeps its privileges (and bypasses RLS).
-- ---------------------------------------------------------------------------------------------
revoke all on all tables in schema public from anon, authenticated;
revoke all on all sequences in schema public from anon, authenticated;
revoke execute on all functions in schema public from public, anon, authenticated;

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
    execute format('alter table public.%I enable row level security', t);
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- 2. Functions for policies (private: not exposed by the API; SECURITY DEFINER so they read
--    what they need whatever the caller may read; stable, evaluated once per statement).
-- ---------------------------------------------------------------------------------------------
create function private.is_super_admin() returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.admin_users a
    where a.user_id = (select auth.uid()) and a.is_active and a.role = 'super_admin'
  )
$$;

-- Shows whose lineup uses one of the calling wholesaler's products (the lineup preview). A set
-- function breaks the sessions -> live_products -> sessions policy cycle.
create function private.preview_session_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select distinct lp.session_id
  from public.live_products lp
  join public.products p on p.id = lp.product_id
  where p.wholesaler_id = (select private.current_wholesaler_id())
$$;

-- The public name of a chat sender: the host's display name, else the customer's chosen chat
-- name, else an anonymous handle. Never the customer's legal name.
create function private.chat_display_name(p_user_id uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select coalesce(
    (select left(i.display_name, 60) from public.influencers i where i.user_id = p_user_id),
    (select left(nullif(btrim(c.preferences ->> 'chat_name'), ''), 60)
       from public.customers c where c.user_id = p_user_id),
    'viewer-' || left(replace(coalesce(p_user_id::text, 'anonymous'), '-', ''), 6)
  )
$$;

revoke execute on function private.is_super_admin(), private.preview_session_ids(),
  private.chat_display_name(uuid) from public;
grant execute on function private.is_super_admin(), private.preview_session_ids()
  to anon, authenticated, service_role;
grant execute on function private.chat_display_name(uuid) to authenticated, service_role;

-- Columns an owner may not change on their own row, only an admin. Runs as the caller: the schema
-- owner's SECURITY DEFINER functions and the service role are not API users and pass.
create function private.guard_admin_columns() returns trigger
language plpgsql set search_path = ''
as $$
declare
  col text;
begin
  if current_user not in ('anon', 'authenticated') or (select private.is_admin()) then
    return new;
  end if;
  foreach col in array tg_argv loop
    if (to_jsonb(new) -> col) is distinct from (to_jsonb(old) -> col) then
      raise exception 'only an admin may change %.%', tg_table_name, col
        using errcode = '42501',
              hint = 'This column is managed by ShopStream administrators.';
    end if;
  end loop;
  return new;
end
$$;

create trigger guard_admin_columns before update on public.wholesalers
  for each row execute function private.guard_admin_columns('verification_status', 'verified_at');
create trigger guard_admin_columns before update on public.influencers
  for each row
  execute function private.guard_admin_columns('commission_rate', 'verification_status');
create trigger guard_admin_columns before update on public.queries
  for each row execute function private.guard_admin_columns(
    'status', 'priority', 'assigned_admin_id', 'response', 'responded_at');

-- Chat messages from API users: the sender is the caller, the name comes from their profile, and
-- hiding records the moderator. Messages written by the database (purchase, system) keep theirs.
create function private.chat_set_sender() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if current_user not in ('anon', 'authenticated') then
    return new;
  end if;
  if tg_op = 'INSERT' then
    new.user_id := coalesce(new.user_id, (select auth.uid()));
    new.display_name := private.chat_display_name(new.user_id);
  elsif new.is_hidden is distinct from old.is_hidden then
    new.hidden_by := case when new.is_hidden then (select auth.uid()) end;
  end if;
  return new;
end
$$;

create trigger live_stream_chat_set_sender before insert or update on public.live_stream_chat
  for each row execute function private.chat_set_sender();

-- ---------------------------------------------------------------------------------------------
-- 3. Grants (column lists wherever columns are restricted) and one policy per role and action.
-- ---------------------------------------------------------------------------------------------

-- customers: personal data, the customer and admins only.
grant select on public.customers to authenticated;
grant insert (id, user_id, full_name, email, phone, shipping_address, preferences)
  on public.customers to authenticated;
grant update (full_name, email, phone, shipping_address, preferences)
  on public.customers to authenticated;

create policy customers_select_authenticated on public.customers for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));
create policy customers_insert_authenticated on public.customers for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy customers_update_authenticated on public.customers for update to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()))
  with check (user_id = (select auth.uid()) or (select private.is_admin()));

-- wholesalers: a public directory; contact, tax and address columns are private.
grant select (id, business_name, description, website, logo_url, verification_status,
  verified_at, created_at, updated_at) on public.wholesalers to anon, authenticated;
grant insert (id, user_id, business_name, description, website, logo_url, contact_name,
  contact_email, contact_phone, tax_id, business_address) on public.wholesalers to authenticated;
grant update (business_name, description, website, logo_url, contact_name, contact_email,
  contact_phone, tax_id, business_address, verification_status, verified_at)
  on public.wholesalers to authenticated;

create policy wholesalers_select_anon on public.wholesalers for select to anon
  using (verification_status = 'verified');
create policy wholesalers_select_authenticated on public.wholesalers for select to authenticated
  using (verification_status = 'verified' or user_id = (select auth.uid())
         or (select private.is_admin()));
create policy wholesalers_insert_authenticated on public.wholesalers for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy wholesalers_update_authenticated on public.wholesalers for update to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()))
  with check (user_id = (select auth.uid()) or (select private.is_admin()));

-- influencers: public profiles; commission rate and payout email are private.
grant select (id, display_name, handle, bio, avatar_url, follower_count, verification_status,
  total_sales, total_shows, created_at, updated_at) on public.influencers to anon, authenticated;
grant insert (id, user_id, display_name, handle, bio, avatar_url, payout_email)
  on public.influencers to authenticated;
grant update (display_name, handle, bio, avatar_url, payout_email, commission_rate,
  verification_status) on public.influencers to authenticated;

create policy influencers_select_anon on public.influencers for select to anon
  using (verification_status = 'verified');
create policy influencers_select_authenticated on public.influencers for select to authenticated
  using (verification_status = 'verified' or user_id = (select auth.uid())
         or (select private.is_admin()));
create policy influencers_insert_authenticated on public.influencers for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy influencers_update_authenticated on public.influencers for update to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()))
  with check (user_id = (select auth.uid()) or (select private.is_admin()));

-- admin_users: membership only (no passwords); super admins manage it.
grant select on public.admin_users to authenticated;
grant insert (id, user_id, role, permissions, is_active) on public.admin_users to authenticated;
grant update (role, permissions, is_active) on public.admin_users to authenticated;
grant delete on public.admin_users to authenticated;

create policy admin_users_select_authenticated on public.admin_users for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));
create policy admin_users_insert_authenticated on public.admin_users for insert to authenticated
  with check ((select private.is_super_admin()));
create policy admin_users_update_authenticated on public.admin_users for update to authenticated
  using ((select private.is_super_admin())) with check ((select private.is_super_admin()));
create policy admin_users_delete_authenticated on public.admin_users for delete to authenticated
  using ((select private.is_super_admin()));

-- categories: public read of active ones; admins write.
grant select on public.categories to anon, authenticated;
grant insert (id, parent_id, name, slug, description, sort_order, is_active)
  on public.categories to authenticated;
grant update (parent_id, name, slug, description, sort_order, is_active)
  on public.categories to authenticated;
grant delete on public.categories to authenticated;

create policy categories_select_anon on public.categories for select to anon
  using (is_active);
create policy categories_select_authenticated on public.categories for select to authenticated
  using (is_active or (select private.is_admin()));
create policy categories_insert_authenticated on public.categories for insert to authenticated
  with check ((select private.is_admin()));
create policy categories_update_authenticated on public.categories for update to authenticated
  using ((select private.is_admin())) with check ((select private.is_admin()));
create policy categories_delete_authenticated on public.categories for delete to authenticated
  using ((select private.is_admin()));

-- products: active ones are public (wholesale_price for signed-in users); wholesalers own theirs.
grant select (id, wholesaler_id, category_id, sku, name, description, brand, tags, image_url,
  retail_price, stock_quantity, min_order_quantity, status, is_live_eligible, weight_grams,
  created_at, updated_at) on public.products to anon;
grant select on public.products to authenticated;
grant insert (id, wholesaler_id, category_id, sku, name, description, brand, tags, image_url,
  wholesale_price, retail_price, stock_quantity, min_order_quantity, status, is_live_eligible,
  weight_grams) on public.products to authenticated;
grant update (category_id, sku, name, description, brand, tags, image_url, wholesale_price,
  retail_price, stock_quantity, min_order_quantity, status, is_live_eligible, weight_grams)
  on public.products to authenticated;
grant delete on public.products to authenticated;

create policy products_select_anon on public.products for select to anon
  using (status = 'active');
create policy products_select_authenticated on public.products for select to authenticated
  using (status = 'active' or wholesaler_id = (select private.current_wholesaler_id())
         or (select private.is_admin()));
create policy products_insert_authenticated on public.products for insert to authenticated
  with check (wholesaler_id = (select private.current_wholesaler_id())
              or (select private.is_admin()));
create policy products_update_authenticated on public.products for update to authenticated
  using (wholesaler_id = (select private.current_wholesaler_id()) or (select private.is_admin()))
  with check (wholesaler_id = (select private.current_wholesaler_id())
              or (select private.is_admin()));
create policy products_delete_authenticated on public.products for delete to authenticated
  using (wholesaler_id = (select private.current_wholesaler_id()) or (select private.is_admin()));

-- live_stream_sessions: public shows; stream keys and 100ms room codes only via functions.
grant select (id, influencer_id, title, description, thumbnail_url, session_code, status,
  scheduled_start, scheduled_end, actual_start, actual_end, is_rehearsal, chat_enabled,
  featured_live_product_id, current_viewers, peak_viewers, unique_viewers, total_orders,
  total_units, total_revenue, created_at, updated_at)
  on public.live_stream_sessions to anon, authenticated;
grant insert (id, influencer_id, title, description, thumbnail_url, scheduled_start,
  scheduled_end, is_rehearsal, chat_enabled) on public.live_stream_sessions to authenticated;
grant update (title, description, thumbnail_url, scheduled_start, scheduled_end, is_rehearsal,
  chat_enabled) on public.live_stream_sessions to authenticated;
grant delete on public.live_stream_sessions to authenticated;

create policy live_stream_sessions_select_anon on public.live_stream_sessions
  for select to anon
  using (status in ('scheduled', 'live', 'ended') and not is_rehearsal);
create policy live_stream_sessions_select_authenticated on public.live_stream_sessions
  for select to authenticated
  using ((status in ('scheduled', 'live', 'ended') and not is_rehearsal)
         or influencer_id = (select private.current_influencer_id())
         or (select private.is_admin())
         or id in (select private.preview_session_ids()));
create policy live_stream_sessions_insert_authenticated on public.live_stream_sessions
  for insert to authenticated
  with check (influencer_id = (select private.current_influencer_id()));
create policy live_stream_sessions_update_authenticated on public.live_stream_sessions
  for update to authenticated
  using (influencer_id = (select private.current_influencer_id()) or (select private.is_admin()))
  with check (influencer_id = (select private.current_influencer_id())
              or (select private.is_admin()));
create policy live_stream_sessions_delete_authenticated on public.live_stream_sessions
  for delete to authenticated
  using ((influencer_id = (select private.current_influencer_id()) and status = 'scheduled')
         or (select private.is_admin()));

-- live_products: lineups. Public once listed on a public show; hosts edit their own while the
-- show is scheduled or live; wholesalers preview the items that use their products.
grant select on public.live_products to anon, authenticated;
grant insert (id, session_id, influencer_id, product_id, name, description, image_url, position,
  live_price, compare_at_price, allocated_quantity, max_per_buyer, status)
  on public.live_products to authenticated;
grant update (name, description, image_url, position, live_price, compare_at_price,
  allocated_quantity, max_per_buyer, status) on public.live_products to authenticated;
grant delete on public.live_products to authenticated;

create policy live_products_select_anon on public.live_products for select to anon
  using (status in ('active', 'sold_out')
         and exists (select 1 from public.live_stream_sessions s
                     where s.id = live_products.session_id
                       and s.status in ('scheduled', 'live', 'ended') and not s.is_rehearsal));
create policy live_products_select_authenticated on public.live_products
  for select to authenticated
  using ((status in ('active', 'sold_out')
          and exists (select 1 from public.live_stream_sessions s
                      where s.id = live_products.session_id
                        and s.status in ('scheduled', 'live', 'ended') and not s.is_rehearsal))
         or influencer_id = (select private.current_influencer_id())
         or (select private.is_admin())
         or product_id in (select p.id from public.products p
                           where p.wholesaler_id = (select private.current_wholesaler_id())));
create policy live_products_insert_authenticated on public.live_products
  for insert to authenticated
  with check (exists (
    select 1 from public.live_stream_sessions s
    where s.id = live_products.session_id and s.influencer_id = live_products.influencer_id
      and ((s.influencer_id = (select private.current_influencer_id())
            and s.status in ('scheduled', 'live'))
           or (select private.is_admin()))));
create policy live_products_update_authenticated on public.live_products
  for update to authenticated
  using ((influencer_id = (select private.current_influencer_id())
          and exists (select 1 from public.live_stream_sessions s
                      where s.id = live_products.session_id and s.status in ('scheduled', 'live')))
         or (select private.is_admin()))
  with check (influencer_id = (select private.current_influencer_id())
              or (select private.is_admin()));
create policy live_products_delete_authenticated on public.live_products
  for delete to authenticated
  using ((influencer_id = (select private.current_influencer_id())
          and exists (select 1 from public.live_stream_sessions s
                      where s.id = live_products.session_id and s.status in ('scheduled', 'live')))
         or (select private.is_admin()));

-- cart: the customer's own rows only. The policies filter on customer_id; the unique indexes on
-- cart are partial (one per product kind), so a plain index serves the policies and the cascade
-- from customers.
create index if not exists cart_customer_id_idx on public.cart (customer_id);
grant select, delete on public.cart to authenticated;
grant insert (id, customer_id, product_id, live_product_id, quantity)
  on public.cart to authenticated;
grant update (quantity) on public.cart to authenticated;

create policy cart_select_authenticated on public.cart for select to authenticated
  using (customer_id = (select private.current_customer_id()));
create policy cart_insert_authenticated on public.cart for insert to authenticated
  with check (customer_id = (select private.current_customer_id()));
create policy cart_update_authenticated on public.cart for update to authenticated
  using (customer_id = (select private.current_customer_id()))
  with check (customer_id = (select private.current_customer_id()));
create policy cart_delete_authenticated on public.cart for delete to authenticated
  using (customer_id = (select private.current_customer_id()));

-- orders: the customer and admins; created by checkout(), notes editable while pending.
grant select on public.orders to authenticated;
grant update (notes) on public.orders to authenticated;

create policy orders_select_authenticated on public.orders for select to authenticated
  using (customer_id = (select private.current_customer_id()) or (select private.is_admin()));
create policy orders_update_authenticated on public.orders for update to authenticated
  using ((customer_id = (select private.current_customer_id()) and status = 'pending')
         or (select private.is_admin()))
  with check (customer_id = (select private.current_customer_id())
              or (select private.is_admin()));

-- order_items: no personal data; the buyer, the host and the wholesaler each see their lines.
-- The host's commission columns are read from influencer_earnings instead.
grant select (id, order_id, product_id, live_product_id, session_id, influencer_id, wholesaler_id,
  product_name, sku, list_unit_price, unit_price, is_flash_price, quantity, line_total,
  is_refunded, created_at, updated_at) on public.order_items to authenticated;

create policy order_items_select_authenticated on public.order_items for select to authenticated
  using (influencer_id = (select private.current_influencer_id())
         or wholesaler_id = (select private.current_wholesaler_id())
         or (select private.is_admin())
         or order_id in (select o.id from public.orders o
                         where o.customer_id = (select private.current_customer_id())));

-- queries: customer support.
grant select, delete on public.queries to authenticated;
grant insert (id, customer_id, order_id, subject, message) on public.queries to authenticated;
grant update (subject, message, status, priority, assigned_admin_id, response, responded_at)
  on public.queries to authenticated;

create policy queries_select_authenticated on public.queries for select to authenticated
  using (customer_id = (select private.current_customer_id()) or (select private.is_admin()));
create policy queries_insert_authenticated on public.queries for insert to authenticated
  with check (customer_id = (select private.current_customer_id())
              and (order_id is null
                   or order_id in (select o.id from public.orders o
                                   where o.customer_id = (select private.current_customer_id()))));
create policy queries_update_authenticated on public.queries for update to authenticated
  using ((customer_id = (select private.current_customer_id()) and status = 'open')
         or (select private.is_admin()))
  with check (customer_id = (select private.current_customer_id())
              or (select private.is_admin()));
create policy queries_delete_authenticated on public.queries for delete to authenticated
  using ((customer_id = (select private.current_customer_id()) and status = 'open')
         or (select private.is_admin()));

-- live_stream_chat: public reading of live and ended shows; hosts moderate their own shows.
grant select on public.live_stream_chat to anon, authenticated;
grant insert (id, session_id, user_id, message, message_type)
  on public.live_stream_chat to authenticated;
grant update (is_pinned, is_hidden) on public.live_stream_chat to authenticated;
grant delete on public.live_stream_chat to authenticated;

create policy live_stream_chat_select_anon on public.live_stream_chat for select to anon
  using (not is_hidden
         and exists (select 1 from public.live_stream_sessions s
                     where s.id = live_stream_chat.session_id
                       and s.status in ('live', 'ended') and not s.is_rehearsal));
create policy live_stream_chat_select_authenticated on public.live_stream_chat
  for select to authenticated
  using ((not is_hidden
          and exists (select 1 from public.live_stream_sessions s
                      where s.id = live_stream_chat.session_id
                        and s.status in ('live', 'ended') and not s.is_rehearsal))
         or user_id = (select auth.uid())
         or (select private.is_admin())
         or exists (select 1 from public.live_stream_sessions s
                    where s.id = live_stream_chat.session_id
                      and s.influencer_id = (select private.current_influencer_id())));
create policy live_stream_chat_insert_authenticated on public.live_stream_chat
  for insert to authenticated
  with check (user_id = (select auth.uid())
              and message_type in ('message', 'question')
              and exists (select 1 from public.live_stream_sessions s
                          where s.id = live_stream_chat.session_id
                            and s.status = 'live' and s.chat_enabled));
create policy live_stream_chat_update_authenticated on public.live_stream_chat
  for update to authenticated
  using ((select private.is_admin())
         or exists (select 1 from public.live_stream_sessions s
                    where s.id = live_stream_chat.session_id
                      and s.influencer_id = (select private.current_influencer_id())))
  with check ((select private.is_admin())
              or exists (select 1 from public.live_stream_sessions s
                         where s.id = live_stream_chat.session_id
                           and s.influencer_id = (select private.current_influencer_id())));
create policy live_stream_chat_delete_authenticated on public.live_stream_chat
  for delete to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()));

-- live_stream_viewers: signed-in viewers record their own presence; hosts see their audience.
grant select on public.live_stream_viewers to authenticated;
grant insert (id, session_id, user_id, quality) on public.live_stream_viewers to authenticated;
grant update (left_at, quality) on public.live_stream_viewers to authenticated;
grant delete on public.live_stream_viewers to authenticated;

create policy live_stream_viewers_select_authenticated on public.live_stream_viewers
  for select to authenticated
  using (user_id = (select auth.uid())
         or (select private.is_admin())
         or exists (select 1 from public.live_stream_sessions s
                    where s.id = live_stream_viewers.session_id
                      and s.influencer_id = (select private.current_influencer_id())));
create policy live_stream_viewers_insert_authenticated on public.live_stream_viewers
  for insert to authenticated
  with check (user_id = (select auth.uid())
              and exists (select 1 from public.live_stream_sessions s
                          where s.id = live_stream_viewers.session_id and s.status = 'live'));
create policy live_stream_viewers_update_authenticated on public.live_stream_viewers
  for update to authenticated
  using (user_id = (select auth.uid()) or (select private.is_admin()))
  with check (user_id = (select auth.uid()) or (select private.is_admin()));
create policy live_stream_viewers_delete_authenticated on public.live_stream_viewers
  for delete to authenticated
  using ((select private.is_admin()));

-- Influencer dashboard: the host reads their own; the database writes achievements and earnings.
grant select on public.influencer_achievements, public.influencer_earnings,
  public.influencer_goals, public.influencer_notifications to authenticated;
grant insert (id, influencer_id, title, goal_type, period, period_start, period_end, target_value)
  on public.influencer_goals to authenticated;
grant update (title, target_value, period, period_start, period_end)
  on public.influencer_goals to authenticated;
grant delete on public.influencer_goals, public.influencer_notifications to authenticated;
grant update (is_read, read_at) on public.influencer_notifications to authenticated;

create policy influencer_achievements_select_authenticated on public.influencer_achievements
  for select to authenticated
  using (influencer_id = (select private.current_influencer_id()) or (select private.is_admin()));
create policy influencer_earnings_select_authenticated on public.influencer_earnings
  for select to authenticated
  using (influencer_id = (select private.current_influencer_id()) or (select private.is_admin()));
create policy influencer_goals_select_authenticated on public.influencer_goals
  for select to authenticated
  using (influencer_id = (select private.current_influencer_id()) or (select private.is_admin()));
create policy influencer_goals_insert_authenticated on public.influencer_goals
  for insert to authenticated
  with check (influencer_id = (select private.current_influencer_id()));
create policy influencer_goals_update_authenticated on public.influencer_goals
  for update to authenticated
  using (influencer_id = (select private.current_influencer_id()))
  with check (influencer_id = (select private.current_influencer_id()));
create policy influencer_goals_delete_authenticated on public.influencer_goals
  for delete to authenticated
  using (influencer_id = (select private.current_influencer_id()));
create policy influencer_notifications_select_authenticated on public.influencer_notifications
  for select to authenticated
  using (influencer_id = (select private.current_influencer_id()) or (select private.is_admin()));
create policy influencer_notifications_update_authenticated on public.influencer_notifications
  for update to authenticated
  using (influencer_id = (select private.current_influencer_id()))
  with check (influencer_id = (select private.current_influencer_id()));
create policy influencer_notifications_delete_authenticated on public.influencer_notifications
  for delete to authenticated
  using (influencer_id = (select private.current_influencer_id()));

-- ---------------------------------------------------------------------------------------------
-- 4. Functions that read private columns for the one caller entitled to them.
-- ---------------------------------------------------------------------------------------------
create function private.profiles_of(p_user_id uuid) returns jsonb
language sql stable security definer set search_path = ''
as $$
  select jsonb_build_object(
    'user_id', p_user_id,
    'customer', (select to_jsonb(c) from public.customers c where c.user_id = p_user_id),
    'influencer', (select to_jsonb(i) from public.influencers i where i.user_id = p_user_id),
    'wholesaler', (select to_jsonb(w) from public.wholesalers w where w.user_id = p_user_id),
    'admin', (select to_jsonb(a) from public.admin_users a where a.user_id = p_user_id)
  )
$$;
revoke execute on function private.profiles_of(uuid) from public;

-- The caller's own profile rows, private columns included (commission rate, payout email,
-- wholesaler contact and tax details). Null members for profiles the caller does not have.
create function public.my_profiles() returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
begin
  if v_uid is null then
    raise exception 'sign in to read your profiles' using errcode = '42501';
  end if;
  return private.profiles_of(v_uid);
end
$$;

-- Any user's profile rows with their private columns: admins only.
create function public.admin_user_profiles(p_user_id uuid) returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
begin
  if not (select private.is_admin()) then
    raise exception 'only an admin may read other users'' profiles' using errcode = '42501';
  end if;
  if p_user_id is null then
    raise exception 'p_user_id is required' using errcode = '22023';
  end if;
  if not exists (select 1 from auth.users u where u.id = p_user_id) then
    raise exception 'user % not found', p_user_id using errcode = 'P0002';
  end if;
  return private.profiles_of(p_user_id);
end
$$;

-- The 100ms identifiers and stream key of a show: its host only.
create function public.host_session_credentials(p_session_id uuid) returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  s public.live_stream_sessions;
begin
  if p_session_id is null then
    raise exception 'p_session_id is required' using errcode = '22023';
  end if;
  select * into s from public.live_stream_sessions where id = p_session_id;
  if not found then
    raise exception 'show % not found', p_session_id using errcode = 'P0002';
  end if;
  if s.influencer_id is distinct from (select private.current_influencer_id()) then
    raise exception 'only the host of this show may read its stream credentials'
      using errcode = '42501';
  end if;
  return jsonb_build_object(
    'session_id', s.id,
    'hms_room_id', s.hms_room_id,
    'hms_host_room_code', s.hms_host_room_code,
    'hms_viewer_room_code', s.hms_viewer_room_code,
    'stream_key', s.stream_key);
end
$$;

-- The viewer room code of a show, handed out only while the show is live (its host: always).
create function public.viewer_room_code(p_session_id uuid) returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  s public.live_stream_sessions;
  v_is_host boolean;
begin
  if p_session_id is null then
    raise exception 'p_session_id is required' using errcode = '22023';
  end if;
  select * into s from public.live_stream_sessions where id = p_session_id;
  v_is_host := found
    and s.influencer_id is not distinct from (select private.current_influencer_id());
  if not found or (s.is_rehearsal and not v_is_host) then
    raise exception 'show % not found', p_session_id using errcode = 'P0002';
  end if;
  if s.status <> 'live' and not v_is_host then
    raise exception 'show % is not live', p_session_id using errcode = '55000',
      detail = format('The show is %s.', s.status);
  end if;
  return s.hms_viewer_room_code;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- 5. Who may call which function (ACCESS.md, "Functions"). Functions of the previous migrations
--    are granted when present, so this file also applies on a schema without them.
-- ---------------------------------------------------------------------------------------------
revoke execute on function public.my_profiles(), public.admin_user_profiles(uuid),
  public.host_session_credentials(uuid), public.viewer_room_code(uuid)
  from public, anon, authenticated;

do $$
declare
  r record;
begin
  for r in
    select * from (values
      ('public.checkout(uuid, jsonb, text)', 'authenticated'),
      ('public.start_show(uuid)', 'authenticated'),
      ('public.end_show(uuid)', 'authenticated'),
      ('public.feature_live_product(uuid, uuid)', 'authenticated'),
      ('public.start_flash_sale(uuid, numeric, integer)', 'authenticated'),
      ('public.cancel_flash_sale(uuid)', 'authenticated'),
      ('public.effective_price(public.live_products)', 'anon, authenticated'),
      ('public.record_payment_event(uuid, text, text)', null),
      ('public.goal_progress(date)', 'authenticated'),
      ('public.earnings_by_period(text, date, date)', 'authenticated'),
      ('public.earnings_by_show(date, date)', 'authenticated'),
      ('public.show_live_stats(uuid)', 'authenticated'),
      ('public.host_session_credentials(uuid)', 'authenticated'),
      ('public.viewer_room_code(uuid)', 'anon, authenticated'),
      ('public.my_profiles()', 'authenticated'),
      ('public.admin_user_profiles(uuid)', 'authenticated')
    ) as f(signature, roles)
  loop
    if to_regprocedure(r.signature) is not null then
      execute format('grant execute on function %s to service_role', r.signature);
      if r.roles is not null then
        execute format('grant execute on function %s to %s', r.signature, r.roles);
      end if;
    end if;
  end loop;
end
$$;
