-- Live figures a host reads of their own show, counted the way the money is.
--
-- 1. A line stops counting when its order does: a failed payment cancels the order and now also
--    marks its lines `is_refunded` (the host-readable "this line no longer counts" flag that a
--    refund already sets), so every reader of order_items (the studio's live figures and report,
--    realtime) leaves failed payments out. Pending and paid orders count, as the show's sales
--    counters do: checkout reserves the units, a failed payment or a refund gives them back.
-- 2. show_figures(): what hosts cannot work out from the rows they may read: distinct buyers
--    (hosts cannot read orders nor customers; only a count comes back) and every flash-sale
--    window of the show (a live product keeps only its latest window; the earlier ones are in
--    the price audit trail, private.price_changes).

-- ---------------------------------------------------------------------------------------------
-- 1. Lines of a cancelled or refunded order no longer count
-- ---------------------------------------------------------------------------------------------
create function private.void_order_lines() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.order_items oi set is_refunded = true
   where oi.order_id = new.id and not oi.is_refunded;
  return null;
end
$$;
revoke execute on function private.void_order_lines() from public;

-- Before release_order() runs in the same transaction (it reads the lines, not the flag).
create trigger void_order_lines after update of status on public.orders
  for each row when (new.status in ('cancelled', 'refunded')
                     and old.status is distinct from new.status)
  execute function private.void_order_lines();

-- Orders whose payment failed before this migration.
update public.order_items oi set is_refunded = true
  from public.orders o
 where o.id = oi.order_id and o.status in ('cancelled', 'refunded') and not oi.is_refunded;

-- ---------------------------------------------------------------------------------------------
-- 2. Every flash window of a show, and its buyers
-- ---------------------------------------------------------------------------------------------
-- Each window is identified by its product and start. It ends at the last end recorded for it,
-- or when it was cancelled (a window cleared before it began lasts nothing). The product's
-- current window is included too (a row inserted with a window has no audit entry).
create function private.show_flash_windows(p_session_id uuid)
returns table (live_product_id uuid, starts_at timestamptz, ends_at timestamptz)
language sql stable security definer set search_path = ''
as $$
  with events as (
    select pc.live_product_id, pc.flash_starts_at as starts_at,
           case when pc.change_kind = 'flash_cancel'
                then least(pc.flash_ends_at, greatest(pc.changed_at, pc.flash_starts_at))
                else pc.flash_ends_at end as ends_at,
           pc.id as seq
      from private.price_changes pc
      join public.live_products lp on lp.id = pc.live_product_id
     where lp.session_id = p_session_id
       and pc.change_kind in ('flash_start', 'flash_update', 'flash_cancel')
       and pc.flash_starts_at is not null and pc.flash_ends_at is not null
  ), latest as (
    select distinct on (e.live_product_id, e.starts_at) e.live_product_id, e.starts_at, e.ends_at
      from events e
     order by e.live_product_id, e.starts_at, e.seq desc
  ), current_windows as (
    select lp.id, lp.flash_starts_at, lp.flash_ends_at
      from public.live_products lp
     where lp.session_id = p_session_id and lp.flash_starts_at is not null
       and lp.flash_ends_at is not null
  )
  select l.live_product_id, l.starts_at, l.ends_at from latest l
  union
  select c.id, c.flash_starts_at, c.flash_ends_at from current_windows c
   where not exists (select 1 from latest l
                      where l.live_product_id = c.id and l.starts_at = c.flash_starts_at)
  order by 2, 1
$$;
revoke execute on function private.show_flash_windows(uuid) from public;

-- The show's figures that need rows its host may not read. SECURITY DEFINER: it reads orders
-- (customer ids) to count distinct buyers and returns counts only; it checks the host itself.
create function public.show_figures(p_session_id uuid) returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_show record;
  v_buyers bigint;
  v_orders bigint;
begin
  perform private.require_arg(p_session_id, 'p_session_id');
  select s.id, s.influencer_id into v_show
    from public.live_stream_sessions s where s.id = p_session_id;
  if not found then
    raise exception 'Show % not found', p_session_id using errcode = 'P0002';
  end if;
  perform private.require_host(v_show.influencer_id, true, 'see its figures');
  select count(distinct o.customer_id), count(distinct o.id) into v_buyers, v_orders
    from public.order_items oi join public.orders o on o.id = oi.order_id
   where oi.session_id = p_session_id and not oi.is_refunded
     and o.status not in ('cancelled', 'refunded');
  return jsonb_build_object(
    'session_id', v_show.id, 'as_of', now(), 'buyers', v_buyers, 'orders', v_orders,
    'flash_windows', coalesce((select jsonb_agg(jsonb_build_object(
                                 'live_product_id', w.live_product_id,
                                 'starts_at', w.starts_at, 'ends_at', w.ends_at)
                                 order by w.starts_at, w.live_product_id)
                                 from private.show_flash_windows(p_session_id) w), '[]'));
end
$$;
revoke execute on function public.show_figures(uuid) from public, anon, authenticated;
grant execute on function public.show_figures(uuid) to authenticated, service_role;
