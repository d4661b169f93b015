-- Co-hosts see the show's live figures as its host does: show_live_stats() (which also
-- publishes the sales counters into the lineup's rows) and show_figures() (counts only, no
-- buyer data) answer the show's host, its invited co-hosts and admins. Only the permission
-- check changes; the bodies are those of 20261202000300 and 20261203000400.

-- The show's host (or an admin), or an influencer the host invited as co-host of this show.
create function private.require_host_or_cohost(p_session_id uuid, p_influencer_id uuid,
                                               p_what text)
returns void
language plpgsql stable set search_path = ''
as $$
begin
  if p_influencer_id is distinct from (select private.current_influencer_id())
     and not (select private.is_admin())
     and not exists (select 1 from public.live_session_cohosts c
                      where c.session_id = p_session_id
                        and c.influencer_id = (select private.current_influencer_id())) then
    raise exception 'Only the host of this show or its co-hosts can %', p_what
      using errcode = '42501';
  end if;
end
$$;
revoke execute on function private.require_host_or_cohost(uuid, uuid, text) from public;

create or replace function public.show_live_stats(p_session_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_show record;
  v_sales record;
begin
  perform private.require_arg(p_session_id, 'p_session_id');
  select s.id, s.influencer_id, s.status, s.actual_start, s.actual_end, s.current_viewers,
         s.peak_viewers, s.unique_viewers, s.featured_live_product_id
    into v_show from public.live_stream_sessions s where s.id = p_session_id;
  if not found then
    raise exception 'Show % not found', p_session_id using errcode = 'P0002';
  end if;
  perform private.require_host_or_cohost(v_show.id, v_show.influencer_id, 'see its live stats');
  perform private.publish_sales(p_session_id);
  select t.* into v_sales from private.show_sales_totals(p_session_id) t;
  return jsonb_build_object(
    'session_id', v_show.id, 'status', v_show.status, 'as_of', now(),
    'actual_start', v_show.actual_start, 'actual_end', v_show.actual_end,
    'viewers', jsonb_build_object('current', v_show.current_viewers,
                                  'peak', v_show.peak_viewers, 'unique', v_show.unique_viewers),
    'orders', v_sales.orders, 'units', v_sales.units, 'revenue', v_sales.revenue,
    'featured_live_product_id', v_show.featured_live_product_id,
    'flash_sale', (select jsonb_build_object('live_product_id', lp.id, 'name', lp.name,
                                             'flash_price', lp.flash_price,
                                             'live_price', lp.live_price,
                                             'ends_at', lp.flash_ends_at)
                     from public.live_products lp
                    where lp.session_id = p_session_id and lp.flash_starts_at <= now()
                      and now() < lp.flash_ends_at
                    order by lp.flash_ends_at limit 1),
    'products', coalesce((select jsonb_agg(jsonb_build_object(
                  'live_product_id', lp.id, 'name', lp.name, 'position', lp.position,
                  'status', lp.status, 'live_price', lp.live_price,
                  'effective_price', private.effective_price_at(lp, now()),
                  'allocated', lp.allocated_quantity, 'units', lp.sold_quantity,
                  'revenue', lp.revenue,
                  'remaining', greatest(lp.allocated_quantity - lp.sold_quantity, 0))
                  order by lp.position, lp.name)
                  from public.live_products lp where lp.session_id = p_session_id), '[]'));
end
$$;

create or replace function public.show_figures(p_session_id uuid) returns jsonb
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
  perform private.require_host_or_cohost(v_show.id, v_show.influencer_id, 'see its figures');
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
