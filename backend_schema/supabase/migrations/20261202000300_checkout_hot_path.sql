-- The checkout hot path (issue F): a sale touches one shared row, the live product.
--
-- 1. Allocated units leave wholesale stock when the host allocates them, not when they sell.
--    A lineup item holds `allocated_quantity` units of its wholesale product while its show is
--    scheduled or live (a rehearsal holds none: it sells nothing). Allocating, reallocating,
--    re-sourcing or removing an item moves the difference between products.stock_quantity and
--    the lineup (refused with 23514 when the wholesaler has too few units); when the show ends
--    or is cancelled the unsold units go back to wholesale stock and the item holds only what
--    it sold. A refund or failed payment gives its units back to the show's allocation while
--    the show is on (they can sell again), and to wholesale stock once it is over. So checkout
--    never updates `products` for a live line: the units it sells are already set aside.
-- 2. A sale's show and host figures go to per-show counter rows, one of 16 slots per database
--    session (private.show_sales), instead of the show row and the host row every buyer of a
--    show would otherwise queue on. The slots are folded into live_stream_sessions.total_* and
--    influencers.total_sales when the show ends (and at once for refunds of finished shows);
--    show_live_stats() and show_state() add what is not folded yet, so they are exact at any
--    time. Goals and achievements are brought up to date from the orders themselves at the
--    same moments (private.refresh_host_progress), so a goal reached during a show is reported
--    when the show ends.
--
-- Lock order shared by every writer (extends the one in the triggers migration): live product
-- reservations (advisory, by live product id) -> live products (by id) -> host -> show ->
-- wholesale products (by id) -> show sale counters -> goals and achievements.

-- ---------------------------------------------------------------------------------------------
-- 1. Allocations move wholesale stock.
-- ---------------------------------------------------------------------------------------------
-- Units of wholesale stock a lineup item keeps out of the warehouse: the whole allocation while
-- its show can still sell, afterwards (or in a rehearsal) only what it sold.
create function private.units_held(
  p_allocated integer, p_sold integer, p_show_status public.session_status,
  p_rehearsal boolean
) returns integer
language sql immutable set search_path = ''
as $$
  select case when p_show_status in ('scheduled', 'live') and not p_rehearsal
              then p_allocated else p_sold end
$$;

-- Take (p_units > 0) or give back (p_units < 0) wholesale stock; taking needs the units.
create function private.move_wholesale_stock(p_product_id uuid, p_units integer) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  v_name text;
  v_left integer;
begin
  if p_product_id is null or p_units = 0 then
    return;
  end if;
  update public.products p set stock_quantity = p.stock_quantity - p_units
   where p.id = p_product_id and p.stock_quantity >= p_units;
  if not found and p_units > 0 then
    select p.name, p.stock_quantity into v_name, v_left
      from public.products p where p.id = p_product_id;
    if found then
      raise exception 'Allocation of % more units exceeds the % in stock for %',
                      p_units, v_left, v_name
        using errcode = '23514',
              hint = 'Lower the allocated quantity or ask the wholesaler to restock.';
    end if;
  end if;
end
$$;

-- A lineup item was added, removed, re-sourced, moved or reallocated: move the difference.
create function private.move_allocated_stock() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_old integer := 0;
  v_new integer := 0;
  v_show record;
begin
  if tg_op <> 'INSERT' then
    select s.status, s.is_rehearsal into v_show
      from public.live_stream_sessions s where s.id = old.session_id;
    -- A show being deleted has given its units back already (return_show_stock).
    v_old := case when found then private.units_held(old.allocated_quantity, old.sold_quantity,
                                                     v_show.status, v_show.is_rehearsal)
                  else old.sold_quantity end;
  end if;
  if tg_op <> 'DELETE' then
    select s.status, s.is_rehearsal into v_show
      from public.live_stream_sessions s where s.id = new.session_id;
    v_new := case when found then private.units_held(new.allocated_quantity, new.sold_quantity,
                                                     v_show.status, v_show.is_rehearsal)
                  else new.sold_quantity end;
  else
    v_new := old.sold_quantity;  -- sold units stay sold
  end if;

  if tg_op = 'UPDATE' and new.product_id is not distinct from old.product_id then
    perform private.move_wholesale_stock(new.product_id, v_new - v_old);
  elsif tg_op = 'INSERT' then  -- units an imported item sold were taken when they sold
    perform private.move_wholesale_stock(new.product_id, v_new - new.sold_quantity);
  elsif tg_op = 'DELETE' then
    perform private.move_wholesale_stock(old.product_id, v_new - v_old);
  elsif old.product_id < new.product_id then  -- re-sourced: both products, in id order
    perform private.move_wholesale_stock(old.product_id, old.sold_quantity - v_old);
    perform private.move_wholesale_stock(new.product_id, v_new - old.sold_quantity);
  else
    perform private.move_wholesale_stock(new.product_id, v_new - old.sold_quantity);
    perform private.move_wholesale_stock(old.product_id, old.sold_quantity - v_old);
  end if;
  return null;
end
$$;
create trigger move_allocated_stock after insert or delete on public.live_products
  for each row execute function private.move_allocated_stock();
create trigger move_allocated_stock_update after update on public.live_products
  for each row when ((new.product_id, new.allocated_quantity, new.session_id)
                     is distinct from (old.product_id, old.allocated_quantity, old.session_id))
  execute function private.move_allocated_stock();

-- The guard no longer compares the allocation with wholesale stock (the units are taken by
-- move_allocated_stock, which refuses what is not there); everything else is unchanged.
create or replace function private.guard_live_product() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_host uuid;
  v_status public.session_status;
  v_product record;
  v_lineup_changed boolean := false;  -- inserts: RLS decides (seeds and imports add history)
begin
  if tg_op = 'INSERT' or new.session_id <> old.session_id or new.influencer_id <> old.influencer_id
  then
    select s.influencer_id, s.status into v_host, v_status
      from public.live_stream_sessions s where s.id = new.session_id;
    if found and v_host <> new.influencer_id then
      raise exception 'A live product belongs to the host of its show'
        using errcode = '42501';
    end if;
  end if;

  if tg_op = 'UPDATE' then
    v_lineup_changed :=
      (new.session_id, new.name, new.description, new.live_price, new.compare_at_price,
       new.allocated_quantity, new.position, new.product_id, new.status)
      is distinct from
      (old.session_id, old.name, old.description, old.live_price, old.compare_at_price,
       old.allocated_quantity, old.position, old.product_id, old.status)
      -- Flash windows may only be ended or cleared (that is what ending a show does).
      or ((new.flash_price, new.flash_starts_at, new.flash_ends_at)
            is distinct from (old.flash_price, old.flash_starts_at, old.flash_ends_at)
          and not (new.flash_price is null
                   or (new.flash_price = old.flash_price
                       and new.flash_starts_at = old.flash_starts_at
                       and new.flash_ends_at <= greatest(now(), old.flash_starts_at)
                       and new.flash_ends_at <= old.flash_ends_at)));
  end if;
  if v_lineup_changed then
    if exists (select 1 from public.live_stream_sessions s
                where s.id in (new.session_id, old.session_id)
                  and s.status in ('ended', 'cancelled')) then
      raise exception 'The lineup of a show that has ended or was cancelled cannot change'
        using errcode = '55000',
              hint = 'Sales figures still update; names, prices, stock and order are final.';
    end if;
  end if;

  if new.product_id is not null
     and (tg_op = 'INSERT' or new.product_id is distinct from old.product_id) then
    select p.name, p.status, p.is_live_eligible into v_product
      from public.products p where p.id = new.product_id;
    if found and (v_product.status <> 'active' or not v_product.is_live_eligible) then
      raise exception '% is not available for live selling (status %)',
                      v_product.name, v_product.status
        using errcode = '55000';
    end if;
  end if;

  if new.status = 'active' and new.sold_quantity >= new.allocated_quantity then
    new.status := 'sold_out';
  elsif new.status = 'sold_out' and new.sold_quantity < new.allocated_quantity then
    new.status := 'active';
  end if;
  return new;
end
$$;

-- A show's status or rehearsal flag changed: every sourced item of its lineup moves the
-- difference (ending or cancelling gives back the unsold units; making a scheduled show a
-- rehearsal gives back its allocation, making it public again takes it).
create function private.move_show_stock() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  r record;
begin
  for r in
    select lp.product_id,
           sum(private.units_held(lp.allocated_quantity, lp.sold_quantity, new.status,
                                  new.is_rehearsal)
               - private.units_held(lp.allocated_quantity, lp.sold_quantity, old.status,
                                    old.is_rehearsal))::integer as units
      from public.live_products lp
     where lp.session_id = new.id and lp.product_id is not null
     group by lp.product_id order by lp.product_id
  loop
    perform private.move_wholesale_stock(r.product_id, r.units);
  end loop;
  return null;
end
$$;
create trigger move_show_stock after update on public.live_stream_sessions
  for each row when ((old.status, old.is_rehearsal) is distinct from (new.status, new.is_rehearsal))
  execute function private.move_show_stock();

-- A deleted show gives back what its lineup holds, before the lineup goes with it.
create function private.return_show_stock() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  r record;
begin
  for r in
    select lp.product_id,
           sum(lp.sold_quantity - private.units_held(lp.allocated_quantity, lp.sold_quantity,
                                                     old.status, old.is_rehearsal))::integer
             as units
      from public.live_products lp
     where lp.session_id = old.id and lp.product_id is not null
     group by lp.product_id order by lp.product_id
  loop
    perform private.move_wholesale_stock(r.product_id, r.units);
  end loop;
  return old;
end
$$;
create trigger return_show_stock before delete on public.live_stream_sessions
  for each row execute function private.return_show_stock();

-- Sales in flight finish before a show ends or is cancelled: the reservations of its lineup are
-- taken first (a checkout holds its item's reservation until it commits), so the units given
-- back are counted after the last sale, and later buyers see the new status.
create function private.lock_lineup_reservations() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform pg_advisory_xact_lock(1818455141, hashtext(lp.id::text))
     from public.live_products lp where lp.session_id = new.id order by lp.id;
  return new;
end
$$;
create trigger lock_lineup_reservations before update of status on public.live_stream_sessions
  for each row when (old.status is distinct from new.status
                     and new.status in ('ended', 'cancelled'))
  execute function private.lock_lineup_reservations();

-- Existing lineups: the old rules took only sold units out of wholesale stock. Items of shows
-- that can still sell now hold their unsold allocation too. Where a wholesaler has fewer units
-- than the lineups still offer (possible before), stock stops at 0 and a WARNING says so.
do $$
declare
  v_short bigint;
begin
  create temporary table lineup_held on commit drop as
  select lp.product_id, sum(lp.allocated_quantity - lp.sold_quantity)::integer as units
    from public.live_products lp
    join public.live_stream_sessions s on s.id = lp.session_id
   where lp.product_id is not null and s.status in ('scheduled', 'live') and not s.is_rehearsal
   group by lp.product_id;
  select count(*) into v_short
    from lineup_held h join public.products p on p.id = h.product_id
   where p.stock_quantity < h.units;
  update public.products p set stock_quantity = greatest(p.stock_quantity - h.units, 0)
    from lineup_held h where p.id = h.product_id and h.units <> 0;
  drop table lineup_held;
  if v_short > 0 then
    raise warning 'products: % products have fewer units than their open lineups allocate',
                  v_short;
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- 2. Show and host figures through per-show counter slots.
-- ---------------------------------------------------------------------------------------------
-- Sales not yet folded into live_stream_sessions.total_* and influencers.total_sales. A
-- checkout adds to the slot of its database session (pg_backend_pid() % 16), so concurrent
-- buyers of one show rarely share a row; refunds add negative amounts.
create table private.show_sales (
  session_id uuid not null references public.live_stream_sessions (id) on delete cascade,
  slot       smallint not null check (slot between 0 and 15),
  orders     bigint not null default 0,
  units      bigint not null default 0,
  revenue    numeric(14, 2) not null default 0,
  primary key (session_id, slot)
) with (fillfactor = 50);  -- room on the page, so a slot's updates stay heap-only (HOT)

-- A show's sales figures: what is folded into the show row plus what is still in the slots.
create function private.show_sales_totals(
  p_session_id uuid, out orders bigint, out units bigint, out revenue numeric
)
language sql stable security definer set search_path = ''
as $$
  select s.total_orders + coalesce(sum(c.orders), 0), s.total_units + coalesce(sum(c.units), 0),
         s.total_revenue + coalesce(sum(c.revenue), 0)
    from public.live_stream_sessions s
    left join private.show_sales c on c.session_id = s.id
   where s.id = p_session_id
   group by s.id
$$;

create function private.record_show_sales(p_lines public.order_items[], p_sign integer)
returns void
language sql security definer set search_path = ''
as $$
  insert into private.show_sales as c (session_id, slot, orders, units, revenue)
  select l.session_id, pg_catalog.pg_backend_pid() % 16, p_sign * count(distinct l.order_id),
         p_sign * sum(l.quantity), p_sign * sum(l.line_total)
    from unnest(p_lines) l where l.session_id is not null
   group by l.session_id order by l.session_id
  on conflict (session_id, slot) do update
    set orders = c.orders + excluded.orders, units = c.units + excluded.units,
        revenue = c.revenue + excluded.revenue
$$;

-- Move a show's slots into the show row and its host's total (lock order: host, show, slots).
-- A checkout still in flight that adds to a slot afterwards recreates it: nothing is lost,
-- readers add the slots that remain.
create function private.fold_show_sales(p_session_id uuid) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  v_host uuid;
  v_orders bigint;
  v_units bigint;
  v_revenue numeric;
begin
  select s.influencer_id into v_host from public.live_stream_sessions s where s.id = p_session_id;
  if not found then
    return;
  end if;
  perform 1 from public.influencers i where i.id = v_host for no key update;
  perform 1 from public.live_stream_sessions s where s.id = p_session_id for no key update;
  with moved as (
    delete from private.show_sales c where c.session_id = p_session_id
    returning c.orders, c.units, c.revenue
  )
  select sum(m.orders), sum(m.units), sum(m.revenue) into v_orders, v_units, v_revenue
    from moved m;
  if v_orders is null then
    return;
  end if;
  update public.influencers i set total_sales = greatest(i.total_sales + v_revenue, 0)
   where i.id = v_host;
  update public.live_stream_sessions s
     set total_orders = greatest(s.total_orders + v_orders, 0),
         total_units = greatest(s.total_units + v_units, 0),
         total_revenue = greatest(s.total_revenue + v_revenue, 0)
   where s.id = p_session_id;
end
$$;

-- A host's active sales goals and locked sales achievements, from the orders themselves.
create function private.refresh_host_progress(p_influencer_id uuid) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  update public.influencer_goals g
     set current_value = a.v
    from (select g2.id, private.goal_actual(g2.influencer_id, g2.goal_type, g2.period_start,
                                            g2.period_end) as v
            from public.influencer_goals g2
           where g2.influencer_id = p_influencer_id and g2.status = 'active'
             and g2.goal_type in ('revenue', 'orders', 'units')) a
   where g.id = a.id and g.current_value is distinct from a.v;
  update public.influencer_achievements a
     set progress = m.v
    from private.achievement_definitions d
   cross join lateral (select private.achievement_actual(p_influencer_id, d.metric) as v) m
   where a.influencer_id = p_influencer_id and a.achievement_key = d.key
     and d.metric in ('orders', 'units', 'revenue') and a.unlocked_at is null
     and a.progress is distinct from m.v;
end
$$;

-- When a show ends: as before (flash sales end, viewers leave, show count, "shows" goals and
-- achievements), then its sales are folded and the host's sales goals and achievements caught up.
create or replace function private.on_session_ended() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.live_products lp
     set flash_price = null, flash_starts_at = null, flash_ends_at = null
   where lp.session_id = new.id and lp.flash_starts_at >= now();
  update public.live_products lp
     set flash_ends_at = now()
   where lp.session_id = new.id and lp.flash_starts_at < now() and lp.flash_ends_at > now();
  update public.live_stream_viewers v
     set left_at = greatest(now(), v.joined_at)
   where v.session_id = new.id and v.left_at is null;
  update public.influencers i set total_shows = i.total_shows + 1 where i.id = new.influencer_id;
  update public.influencer_goals g
     set current_value = g.current_value + 1
   where g.influencer_id = new.influencer_id and g.goal_type = 'shows' and g.status = 'active'
     and new.actual_start::date between g.period_start and g.period_end;
  update public.influencer_achievements a
     set progress = a.progress + 1
    from private.achievement_definitions d
   where a.influencer_id = new.influencer_id and a.achievement_key = d.key
     and d.metric = 'shows' and a.unlocked_at is null;
  perform private.fold_show_sales(new.id);
  perform private.refresh_host_progress(new.influencer_id);
  return null;
end
$$;

-- Undo an order's effect (failed payment, refund). Live products first (units and revenue
-- back: while the show is on, the units are on sale again), then hosts and shows, wholesale
-- products (direct lines, and live lines of shows that are over), the counters, goals.
create or replace function private.release_order(p_order_id uuid) returns void
language plpgsql set search_path = ''
as $$
declare
  r record;
  v_lines public.order_items[] :=
    array(select oi from public.order_items oi where oi.order_id = p_order_id);
begin
  for r in
    select oi.live_product_id as id, sum(oi.quantity)::integer as q,
           sum(oi.line_total) as revenue
      from public.order_items oi
     where oi.order_id = p_order_id and oi.live_product_id is not null
     group by oi.live_product_id order by oi.live_product_id
  loop
    update public.live_products lp
       set sold_quantity = greatest(lp.sold_quantity - r.q, 0),
           revenue = greatest(lp.revenue - r.revenue, 0)
     where lp.id = r.id;
  end loop;
  perform 1 from public.influencers i
    where i.id in (select l.influencer_id from unnest(v_lines) l) order by i.id
      for no key update;
  perform 1 from public.live_stream_sessions s
    where s.id in (select l.session_id from unnest(v_lines) l) order by s.id for no key update;
  for r in
    select x.product_id as id, sum(x.q)::integer as q
      from (select oi.product_id, oi.quantity as q from public.order_items oi
             where oi.order_id = p_order_id and oi.product_id is not null
            union all
            select lp.product_id, oi.quantity
              from public.order_items oi
              join public.live_products lp on lp.id = oi.live_product_id
              join public.live_stream_sessions s on s.id = lp.session_id
             where oi.order_id = p_order_id and lp.product_id is not null
               and (s.status not in ('scheduled', 'live') or s.is_rehearsal)) x
     group by x.product_id order by x.product_id
  loop
    update public.products p set stock_quantity = p.stock_quantity + r.q where p.id = r.id;
  end loop;
  perform private.record_show_sales(v_lines, -1);
  for r in
    select s.id from public.live_stream_sessions s
     where s.id in (select l.session_id from unnest(v_lines) l) and s.status <> 'live'
     order by s.id
  loop
    perform private.fold_show_sales(r.id);
  end loop;
  update public.influencer_earnings e set status = 'reversed', reversed_at = now()
   where e.order_id = p_order_id and e.status <> 'reversed';
  for r in
    select distinct l.influencer_id as id from unnest(v_lines) l
     where l.influencer_id is not null order by 1
  loop
    perform private.refresh_host_progress(r.id);
  end loop;
end
$$;

-- end_show: the reservations of the lineup first (sales in flight finish, see
-- lock_lineup_reservations), then the lock order of the schema.
create or replace function public.end_show(p_session_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
begin
  v_show := private.owned_show(p_session_id, true, 'end it');
  perform pg_advisory_xact_lock(1818455141, hashtext(lp.id::text))
     from public.live_products lp where lp.session_id = p_session_id order by lp.id;
  perform 1 from public.live_products lp
    where lp.session_id = p_session_id and lp.flash_ends_at > now() order by lp.id for update;
  perform 1 from public.influencers i where i.id = v_show.influencer_id for no key update;
  select s.* into v_show from public.live_stream_sessions s where s.id = p_session_id
     for no key update;
  if v_show.status <> 'live' then
    raise exception 'Cannot end the show: it is %', v_show.status
      using errcode = '55000', hint = 'Only a live show can end.';
  end if;
  update public.live_stream_sessions s set status = 'ended', actual_end = now()
   where s.id = p_session_id;
  return private.show_state(p_session_id);
end
$$;

create or replace function private.show_state(p_session_id uuid) returns jsonb
language sql stable set search_path = ''
as $$
  select jsonb_build_object(
    'session_id', s.id, 'status', s.status, 'session_code', s.session_code,
    'actual_start', s.actual_start, 'actual_end', s.actual_end,
    'featured_live_product_id', s.featured_live_product_id,
    'current_viewers', s.current_viewers, 'peak_viewers', s.peak_viewers,
    'unique_viewers', s.unique_viewers, 'total_orders', t.orders,
    'total_units', t.units, 'total_revenue', t.revenue)
  from public.live_stream_sessions s
  cross join private.show_sales_totals(s.id) t
  where s.id = p_session_id
$$;

create or replace function public.show_live_stats(p_session_id uuid) returns jsonb
language plpgsql stable set search_path = ''
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
  perform private.require_host(v_show.influencer_id, true, 'see its live stats');
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

-- ---------------------------------------------------------------------------------------------
-- 3. Checkout: a live line takes its units from the show's allocation only, and its figures go
--    to the counter slots; the live product is the one row every buyer of it shares.
-- ---------------------------------------------------------------------------------------------
create or replace function public.checkout(
  p_idempotency_key uuid, p_shipping_address jsonb default null, p_notes text default null
) returns jsonb
language plpgsql security definer set search_path = ''
-- Every statement below finds its rows by key: one generic plan per session serves every call
-- (without this, the planner keeps re-planning some of them on each call).
set plan_cache_mode = force_generic_plan
as $$
declare
  v_customer public.customers;
  v_address jsonb;
  v_field text;
  v_order_id uuid := gen_random_uuid();
  v_order_number text;
  v_existing uuid;
  r record;
  v_line public.order_items;
  -- The order's lines in lock order (live products by id, then wholesale products by id) and,
  -- per line, its cart row and the wholesale product whose stock it takes (with how many and
  -- under what name).
  v_lines public.order_items[] := '{}';
  a_cart uuid[] := '{}';
  a_source uuid[] := '{}';
  a_qty integer[] := '{}';
  a_name text[] := '{}';
  a_stock_id uuid[];
  a_stock_qty integer[];
  a_stock_name text[];
  v_items jsonb := '[]';
  v_live integer := 0;
  v_left integer;
  v_bought integer;
  v_show_status public.session_status;
  v_tax_rate numeric;
  v_flat_shipping numeric;
  v_free_shipping numeric;
  v_subtotal numeric := 0;
  v_discount numeric := 0;
  v_tax numeric;
  v_shipping numeric;
  v_ignored text;
begin
  select c.* into v_customer from public.customers c where c.user_id = (select auth.uid());
  if not found then
    raise exception 'Only customers can check out' using errcode = '42501';
  end if;
  if p_idempotency_key is null then
    raise exception 'p_idempotency_key is required' using errcode = '22023';
  end if;
  if p_shipping_address is not null and jsonb_typeof(p_shipping_address) <> 'object' then
    raise exception 'p_shipping_address must be a JSON object, not a JSON %',
                    jsonb_typeof(p_shipping_address) using errcode = '22023';
  end if;
  v_address := coalesce(p_shipping_address, v_customer.shipping_address);
  if v_address is null then
    raise exception 'p_shipping_address is required (no saved shipping address)'
      using errcode = '22023';
  end if;
  foreach v_field in array array['line1', 'city', 'country'] loop
    if jsonb_typeof(v_address -> v_field) is distinct from 'string'
       or btrim(v_address ->> v_field) = '' then
      raise exception 'p_shipping_address.% is required (a non-empty string)', v_field
        using errcode = '22023';
    end if;
  end loop;
  if length(v_address::text) > 2000 then
    raise exception 'p_shipping_address is too large' using errcode = '22023';
  end if;
  if char_length(p_notes) > 1000 then
    raise exception 'p_notes must be at most 1000 characters' using errcode = '22023';
  end if;

  -- Idempotency: a second request with the same key waits here for the first to commit, then
  -- returns its order.
  insert into private.checkout_requests (customer_id, idempotency_key)
  values (v_customer.id, p_idempotency_key) on conflict do nothing;
  if not found then
    select cr.order_id into v_existing from private.checkout_requests cr
     where cr.customer_id = v_customer.id and cr.idempotency_key = p_idempotency_key;
    return private.order_summary(v_existing, true);
  end if;

  -- Lock the cart (one checkout per customer at a time), validate and price every line. A live
  -- line is priced at its effective price now (private.effective_price_at, inlined here).
  for r in
    select c.id as cart_id, c.quantity, c.product_id, c.live_product_id,
           lp.name as live_name, lp.status as live_status, lp.live_price,
           lp.allocated_quantity, lp.sold_quantity, lp.max_per_buyer, lp.session_id,
           lp.influencer_id,
           case when lp.flash_price is not null and now() >= lp.flash_starts_at
                     and now() < lp.flash_ends_at
                then lp.flash_price else lp.live_price end as live_unit_price,
           s.status as show_status, s.is_rehearsal, i.commission_rate,
           i.verification_status as host_status, i.user_id as host_user_id,
           p.id as source_id, p.sku, p.name as product_name, p.status as product_status,
           p.retail_price, p.min_order_quantity, p.wholesaler_id,
           w.verification_status as wholesaler_status,
           cs.tax_rate, cs.flat_shipping, cs.free_shipping_threshold
      from public.cart c
      cross join private.commerce_settings cs
      left join public.live_products lp on lp.id = c.live_product_id
      left join public.live_stream_sessions s on s.id = lp.session_id
      left join public.influencers i on i.id = lp.influencer_id
      left join public.products p on p.id = coalesce(c.product_id, lp.product_id)
      left join public.wholesalers w on w.id = p.wholesaler_id
     where c.customer_id = v_customer.id
     order by c.live_product_id nulls last, c.product_id
       for update of c
  loop
    v_line.id := gen_random_uuid();
    v_line.order_id := v_order_id;
    v_line.wholesaler_id := r.wholesaler_id;
    v_line.sku := r.sku;
    v_line.quantity := r.quantity;
    v_line.is_refunded := false;
    v_line.created_at := now();
    v_line.updated_at := now();
    if r.live_product_id is not null then
      -- Who may sell and who may buy (ACCESS.md, "Selling"): a rehearsal sells nothing, an
      -- unvetted host or supplier sells nothing, and a host never buys from their own show.
      if r.is_rehearsal then
        raise exception '% is part of a rehearsal and is not for sale', r.live_name
          using errcode = '55000', hint = 'Rehearsals show the lineup; nothing in them is sold.';
      end if;
      if r.host_status <> 'verified' then
        raise exception '% is not for sale: its host is not verified', r.live_name
          using errcode = '55000';
      end if;
      if r.host_user_id = v_customer.user_id then
        raise exception 'You host this show: you cannot buy % from it', r.live_name
          using errcode = '42501', hint = 'Hosts earn commission on sales to others only.';
      end if;
      if r.source_id is not null and r.wholesaler_status is distinct from 'verified' then
        raise exception '% is not for sale: its supplier is not verified', r.live_name
          using errcode = '55000';
      end if;
      if r.show_status <> 'live' then
        raise exception '% can only be bought during its live show (the show is %)',
                        r.live_name, r.show_status using errcode = '55000';
      end if;
      if r.live_status in ('draft', 'hidden') then
        raise exception '% is not on sale', r.live_name using errcode = '55000';
      end if;
      v_left := greatest(r.allocated_quantity - r.sold_quantity, 0);
      if r.live_status = 'sold_out' or r.quantity > v_left then
        raise exception 'Sold out: % (% left)', r.live_name, v_left using errcode = '23514';
      end if;
      if r.max_per_buyer is not null then
        select coalesce(sum(oi.quantity), 0) into v_bought
          from public.orders o join public.order_items oi on oi.order_id = o.id
         where o.customer_id = v_customer.id and oi.live_product_id = r.live_product_id
           and o.status not in ('cancelled', 'refunded');
        if v_bought + r.quantity > r.max_per_buyer then
          raise exception 'Limit of % per buyer: % (you already have %)',
                          r.max_per_buyer, r.live_name, v_bought
            using errcode = '23514';
        end if;
      end if;
      v_live := v_live + 1;
      v_line.product_id := null;
      v_line.live_product_id := r.live_product_id;
      v_line.session_id := r.session_id;
      v_line.influencer_id := r.influencer_id;
      v_line.product_name := r.live_name;
      v_line.list_unit_price := r.live_price;
      v_line.unit_price := r.live_unit_price;
      v_line.commission_rate := coalesce(r.commission_rate, 0);
    else
      if r.product_status <> 'active' or r.wholesaler_status is distinct from 'verified' then
        raise exception '% is no longer available', r.product_name using errcode = '55000';
      end if;
      if r.quantity < r.min_order_quantity then
        raise exception '% has a minimum order quantity of %', r.product_name,
                        r.min_order_quantity using errcode = '22023';
      end if;
      v_line.product_id := r.product_id;
      v_line.live_product_id := null;
      v_line.session_id := null;
      v_line.influencer_id := null;
      v_line.product_name := r.product_name;
      v_line.list_unit_price := r.retail_price;
      v_line.unit_price := r.retail_price;
      v_line.commission_rate := 0;
    end if;
    v_line.is_flash_price := v_line.unit_price < v_line.list_unit_price;
    v_line.line_total := v_line.unit_price * r.quantity;
    v_line.commission_amount := round(v_line.line_total * v_line.commission_rate, 2);
    v_lines := v_lines || v_line;
    a_cart := a_cart || r.cart_id;
    -- A live line's units were set aside when they were allocated.
    a_source := a_source || case when r.live_product_id is null then r.source_id end;
    a_qty := a_qty || r.quantity;
    a_name := a_name || v_line.product_name;
    v_subtotal := v_subtotal + v_line.list_unit_price * r.quantity;
    v_discount := v_discount + (v_line.list_unit_price - v_line.unit_price) * r.quantity;
    v_items := v_items || jsonb_build_object(
      'id', v_line.id, 'product_id', v_line.product_id,
      'live_product_id', v_line.live_product_id, 'product_name', v_line.product_name,
      'sku', v_line.sku, 'quantity', v_line.quantity,
      'list_unit_price', v_line.list_unit_price, 'unit_price', v_line.unit_price,
      'is_flash_price', v_line.is_flash_price, 'line_total', v_line.line_total);
    v_tax_rate := r.tax_rate;
    v_flat_shipping := r.flat_shipping;
    v_free_shipping := r.free_shipping_threshold;
  end loop;
  if a_cart = '{}' then
    raise exception 'The cart is empty' using errcode = '22023';
  end if;

  v_tax := round((v_subtotal - v_discount) * v_tax_rate, 2);
  v_shipping := case when v_subtotal - v_discount >= v_free_shipping then 0.00
                     else v_flat_shipping end;
  -- Wholesale stock to take (direct purchases), in id order.
  select array_agg(t.id order by t.id), array_agg(t.q order by t.id),
         array_agg(t.name order by t.id)
    into a_stock_id, a_stock_qty, a_stock_name
    from (select x.id, sum(x.q)::integer as q, min(x.name) as name
            from unnest(a_source, a_qty, a_name) as x(id, q, name)
           where x.id is not null group by x.id) t;

  -- Phase 1: this buyer's rows. The order, its lines and the commission on each live line
  -- (written by the database only), the key now pointing at the order, the cart emptied.
  v_ignored := pg_catalog.set_config('shopstream.checkout_records_sales', 'on', true);
  with placed as (
    insert into public.orders (id, customer_id, subtotal, discount_amount, tax_amount,
                               shipping_amount, total_amount, shipping_address, contact_email,
                               notes)
    values (v_order_id, v_customer.id, v_subtotal, v_discount, v_tax, v_shipping,
            v_subtotal - v_discount + v_tax + v_shipping, v_address,
            coalesce(v_customer.email, (select u.email from auth.users u
                                         where u.id = v_customer.user_id)),
            nullif(btrim(p_notes), ''))
    returning order_number
  ), lines as (
    insert into public.order_items
      (id, order_id, product_id, live_product_id, session_id, influencer_id, wholesaler_id,
       product_name, sku, list_unit_price, unit_price, is_flash_price, quantity, line_total,
       commission_rate, commission_amount, is_refunded, created_at, updated_at)
    select l.id, l.order_id, l.product_id, l.live_product_id, l.session_id, l.influencer_id,
           l.wholesaler_id, l.product_name, l.sku, l.list_unit_price, l.unit_price,
           l.is_flash_price, l.quantity, l.line_total, l.commission_rate, l.commission_amount,
           l.is_refunded, l.created_at, l.updated_at
      from unnest(v_lines) l
  ), commission as (
    insert into public.influencer_earnings
      (influencer_id, order_id, order_item_id, session_id, gross_amount, commission_rate, amount)
    select l.influencer_id, l.order_id, l.id, l.session_id, l.line_total, l.commission_rate,
           l.commission_amount
      from unnest(v_lines) l where l.influencer_id is not null
  ), request as (
    update private.checkout_requests cr set order_id = v_order_id
     where cr.customer_id = v_customer.id and cr.idempotency_key = p_idempotency_key
  ), emptied as (
    delete from public.cart c where c.id = any(a_cart)
  )
  select placed.order_number into v_order_number from placed;
  v_ignored := pg_catalog.set_config('shopstream.checkout_records_sales', '', true);
  if v_live > 0 then
    perform private.notify_orders(v_lines);
  end if;

  -- Phase 2: the shared rows, last. Buyers of one live product queue on a transaction advisory
  -- lock (namespace 1818455141 = live product reservations), which hands the product over to
  -- one waiter at a time instead of waking every waiter on each commit; the update re-checks
  -- stock and show on the latest row, so stock can never be oversold.
  for k in 1 .. v_live loop
    v_line := v_lines[k];
    perform pg_advisory_xact_lock(1818455141, hashtext(v_line.live_product_id::text));
    update public.live_products lp
       set sold_quantity = lp.sold_quantity + v_line.quantity,
           revenue = lp.revenue + v_line.line_total
     where lp.id = v_line.live_product_id and lp.status = 'active'
       and lp.sold_quantity + v_line.quantity <= lp.allocated_quantity
       and exists (select 1 from public.live_stream_sessions s
                    where s.id = lp.session_id and s.status = 'live');
    if not found then
      select greatest(lp.allocated_quantity - lp.sold_quantity, 0), s.status
        into v_left, v_show_status
        from public.live_products lp join public.live_stream_sessions s on s.id = lp.session_id
       where lp.id = v_line.live_product_id;
      if v_show_status <> 'live' then
        raise exception '% can only be bought during its live show (the show is %)',
                        v_line.product_name, v_show_status using errcode = '55000';
      end if;
      raise exception 'Sold out: % (% left)', v_line.product_name, v_left
        using errcode = '23514';
    end if;
  end loop;
  for k in 1 .. coalesce(array_length(a_stock_id, 1), 0) loop
    update public.products p set stock_quantity = p.stock_quantity - a_stock_qty[k]
     where p.id = a_stock_id[k] and p.stock_quantity >= a_stock_qty[k];
    if not found then
      select p.stock_quantity into v_left from public.products p where p.id = a_stock_id[k];
      raise exception 'Sold out: % (% left)', a_stock_name[k], v_left using errcode = '23514';
    end if;
  end loop;
  -- The show's figures, in this database session's counter slot (folded when the show ends).
  if v_live > 0 then
    insert into private.show_sales as c (session_id, slot, orders, units, revenue)
    select l.session_id, pg_catalog.pg_backend_pid() % 16, count(distinct l.order_id),
           sum(l.quantity), sum(l.line_total)
      from unnest(v_lines) l where l.session_id is not null
     group by l.session_id order by l.session_id
    on conflict (session_id, slot) do update
      set orders = c.orders + excluded.orders, units = c.units + excluded.units,
          revenue = c.revenue + excluded.revenue;
  end if;

  return jsonb_build_object(
    'order_id', v_order_id, 'order_number', v_order_number, 'status', 'pending',
    'payment_status', 'pending', 'currency', 'USD', 'subtotal', v_subtotal,
    'discount_amount', v_discount, 'tax_amount', v_tax, 'shipping_amount', v_shipping,
    'total_amount', v_subtotal - v_discount + v_tax + v_shipping, 'placed_at', now(),
    'replayed', false, 'items', v_items);
end
$$;

-- show_live_stats runs as its caller and reads the counters through this.
grant execute on function private.show_sales_totals(uuid) to authenticated, service_role;
