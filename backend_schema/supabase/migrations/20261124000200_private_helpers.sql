-- Helper functions shared by policies, triggers and RPCs, and the updated_at trigger everywhere.
-- They live in `private` (not exposed by the API). Policies call them as
-- `(select private.current_influencer_id())` so PostgreSQL evaluates them once per statement.

grant usage on schema private to anon, authenticated, service_role;

-- The caller's profile ids. Roles come from profile rows, never from user_metadata (which users
-- can edit themselves). SECURITY DEFINER so that they work whatever the caller may read.
create function private.current_customer_id() returns uuid
language sql stable security definer set search_path = ''
as $$ select c.id from public.customers c where c.user_id = (select auth.uid()) $$;

create function private.current_influencer_id() returns uuid
language sql stable security definer set search_path = ''
as $$ select i.id from public.influencers i where i.user_id = (select auth.uid()) $$;

create function private.current_wholesaler_id() returns uuid
language sql stable security definer set search_path = ''
as $$ select w.id from public.wholesalers w where w.user_id = (select auth.uid()) $$;

create function private.is_admin() returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.admin_users a where a.user_id = (select auth.uid()) and a.is_active
  )
$$;

revoke execute on function private.current_customer_id(), private.current_influencer_id(),
  private.current_wholesaler_id(), private.is_admin() from public;
grant execute on function private.current_customer_id(), private.current_influencer_id(),
  private.current_wholesaler_id(), private.is_admin() to anon, authenticated, service_role;

create function private.set_updated_at() returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
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
    execute format(
      'create trigger set_updated_at before update on public.%I '
      'for each row execute function private.set_updated_at()', t);
  end loop;
end
$$;
