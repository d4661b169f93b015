-- The checkout hot path (issue F): a sale locks one shared row, its live product's counter.
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
-- 2. Each live product has a private sales counter (private.live_sales, striped over 8 rows):
--    its sold units and revenue, whether it is on sale, its allocation, and the show figures not
--    yet folded into the show row. A sale updates only a stripe of it, the last thing checkout
--    does before commit.
--    The public figures are published off the hot path: live_products.sold_quantity, revenue
--    and the sold_out status by show_live_stats() (the control room's poll), when the show ends
--    or is cancelled, by refunds and by any edit of the row; live_stream_sessions.total_* and
--    influencers.total_sales when the show ends (and at once for refunds of finished shows).
--    show_live_stats() and show_state() read the counters, so they are exact at any time. Goals
--    and achievements are brought up to date from the orders themselves when the show ends
--    (private.refresh_host_progress), so a goal reached during a show is reported then.
--
-- Lock order shared by every writer (extends the one in the triggers migration): live products
-- (by id) -> live sales counters (by live product id, then stripe) -> host -> show -> wholesale
-- products (by id) -> goals and achievements.

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
-- 2. Each live product's sales counter: the only rows its buyers lock.
-- ---------------------------------------------------------------------------------------------
-- The authoritative sold count of a live product, with what checkout needs to decide a sale
-- (whether the item is on sale, its allocation) and the show figures its sales have not yet
-- added to the show row. Narrow rows with no index on a changing column, no trigger and no
-- reference to them, so a sale updates one in place (heap-only) and holds it only until commit.
--
-- The counter is striped: 8 rows per live product, each with a share of the allocation. A buyer
-- takes units from the stripe of its database session while that stripe has more than it needs,
-- so up to 8 buyers of one product commit at once (and share their WAL flushes); the last units
-- of each stripe go to a buyer who holds all 8 (see checkout), so the item sells exactly its
-- allocation and the buyer of its last unit knows it. An item's figures are the sums of its
-- stripes; how they are spread over the stripes has no meaning.
--
-- live_products.sold_quantity and revenue (and the sold_out status) are published from them:
-- by show_live_stats() (the control room's poll), when the last unit sells, when the show ends
-- or is cancelled, by refunds, and by every other edit of the row. Readers that must be exact at
-- any moment (show_live_stats, show_state) read the counters themselves.
create table private.live_sales (
  live_product_id uuid not null references public.live_products (id) on delete cascade,
  stripe       smallint not null check (stripe between 0 and 7),
  on_sale      boolean not null,  -- item active or sold out, show live and public
  allocated    integer not null check (allocated >= 0),
  sold         integer not null check (sold >= 0),
  revenue      numeric(14, 2) not null check (revenue >= 0),
  -- Sales not yet folded into live_stream_sessions.total_* and influencers.total_sales
  -- (refunds subtract); an order counts once per show, on its first item of that show.
  show_orders  bigint not null default 0,
  show_units   bigint not null default 0,
  show_revenue numeric(14, 2) not null default 0,
  primary key (live_product_id, stripe)
) with (fillfactor = 50);  -- room on the page, so updates stay heap-only (HOT)

create function private.live_on_sale(
  p_status public.live_product_status, p_session_id uuid
) returns boolean
language sql stable set search_path = ''
as $$
  select p_status in ('active', 'sold_out') and exists (
    select 1 from public.live_stream_sessions s
     where s.id = p_session_id and s.status = 'live' and not s.is_rehearsal)
$$;

-- Stripe k's share of n units spread evenly over the 8 stripes.
create function private.stripe_share(p_units integer, p_stripe integer) returns integer
language sql immutable set search_path = ''
as $$
  select greatest(p_units, 0) / 8 + case when p_stripe < greatest(p_units, 0) % 8 then 1 else 0 end
$$;

-- A new live product starts its counter from what the row says (imports carry sales).
create function private.open_live_sales() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into private.live_sales (live_product_id, stripe, on_sale, allocated, sold, revenue)
  select new.id, k, private.live_on_sale(new.status, new.session_id),
         private.stripe_share(new.sold_quantity, k)
           + private.stripe_share(new.allocated_quantity - new.sold_quantity, k),
         private.stripe_share(new.sold_quantity, k),
         case when k = 0 then new.revenue else 0 end
    from generate_series(0, 7) k;
  return null;
end
$$;
create trigger open_live_sales after insert on public.live_products
  for each row execute function private.open_live_sales();

-- Any edit of a live product other than a publish: the counter takes the new allocation and
-- on-sale state, and a sold_quantity or revenue the statement sets (an administrator's
-- correction, an import); the row leaves with the counter's exact figures. All stripes are
-- locked (waiting for the buyers holding them) and the allocation left is spread over them
-- again. Named to run before the guard, which derives the sold_out status from the figures.
create function private.catch_up_sales() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_sold integer;
  v_revenue numeric;
begin
  select sum(c.sold), sum(c.revenue) into v_sold, v_revenue
    from (select c.sold, c.revenue from private.live_sales c
           where c.live_product_id = new.id order by c.stripe for no key update) c;
  if v_sold is null then
    return new;
  end if;
  if new.sold_quantity <> old.sold_quantity then
    v_sold := new.sold_quantity;
  end if;
  if new.revenue <> old.revenue then
    v_revenue := new.revenue;
  end if;
  update private.live_sales c
     set on_sale = private.live_on_sale(new.status, new.session_id),
         sold = private.stripe_share(v_sold, c.stripe),
         allocated = private.stripe_share(v_sold, c.stripe)
                     + private.stripe_share(new.allocated_quantity - v_sold, c.stripe),
         revenue = case when new.revenue <> old.revenue
                        then case when c.stripe = 0 then v_revenue else 0 end
                        else c.revenue end
   where c.live_product_id = new.id;
  new.sold_quantity := v_sold;
  new.revenue := v_revenue;
  return new;
end
$$;
create trigger catch_up_sales before update on public.live_products
  for each row
  when (pg_catalog.current_setting('shopstream.publishing_sales', true) is distinct from 'on')
  execute function private.catch_up_sales();

-- Copy a show's counters into its live products (only rows that differ). The rows are locked
-- before the counters are read, so two publishers never write figures older than each other's.
create function private.publish_sales(p_session_id uuid) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  v_ignored text;
begin
  perform 1 from public.live_products lp
   cross join lateral (select sum(c.sold) as sold, sum(c.revenue) as revenue
                         from private.live_sales c where c.live_product_id = lp.id) c
   where lp.session_id = p_session_id
     and (lp.sold_quantity, lp.revenue) is distinct from (c.sold, c.revenue)
   order by lp.id for no key update of lp;
  if not found then
    return;
  end if;
  v_ignored := pg_catalog.set_config('shopstream.publishing_sales', 'on', true);
  update public.live_products lp set sold_quantity = c.sold, revenue = c.revenue
    from (select c.live_product_id, sum(c.sold)::integer as sold, sum(c.revenue) as revenue
            from private.live_sales c
            join public.live_products l on l.id = c.live_product_id
           where l.session_id = p_session_id
           group by c.live_product_id) c
   where c.live_product_id = lp.id
     and (lp.sold_quantity, lp.revenue) is distinct from (c.sold, c.revenue);
  v_ignored := pg_catalog.set_config('shopstream.publishing_sales', '', true);
end
$$;

-- A show went live, stopped, or became (or stopped being) a rehearsal: its items' on-sale state.
create function private.sync_show_on_sale() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update private.live_sales c
     set on_sale = lp.status in ('active', 'sold_out') and new.status = 'live'
                   and not new.is_rehearsal
    from public.live_products lp
   where lp.session_id = new.id and c.live_product_id = lp.id
     and c.on_sale is distinct from (lp.status in ('active', 'sold_out')
                                     and new.status = 'live' and not new.is_rehearsal);
  return null;
end
$$;
create trigger sync_show_on_sale after update on public.live_stream_sessions
  for each row when ((old.status, old.is_rehearsal) is distinct from (new.status, new.is_rehearsal))
  execute function private.sync_show_on_sale();

-- Sales in flight finish before a show ends or is cancelled: its items (lock order: live
-- products, then counters) come off sale, which waits for every buyer holding a counter; then
-- the final figures are published, so the units given back are counted after the last sale and
-- later buyers see the new status.
create function private.close_show_sales() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform 1 from public.live_products lp where lp.session_id = new.id
   order by lp.id for no key update;
  perform 1 from private.live_sales c join public.live_products lp on lp.id = c.live_product_id
   where lp.session_id = new.id order by c.live_product_id, c.stripe for no key update of c;
  update private.live_sales c set on_sale = false
    from public.live_products lp
   where lp.session_id = new.id and c.live_product_id = lp.id;
  perform private.publish_sales(new.id);
  return new;
end
$$;
create trigger close_show_sales before update of status on public.live_stream_sessions
  for each row when (old.status is distinct from new.status
                     and new.status in ('ended', 'cancelled'))
  execute function private.close_show_sales();

-- Counters for the live products that exist already.
insert into private.live_sales (live_product_id, stripe, on_sale, allocated, sold, revenue)
select lp.id, k, private.live_on_sale(lp.status, lp.session_id),
       private.stripe_share(lp.sold_quantity, k)
         + private.stripe_share(lp.allocated_quantity - lp.sold_quantity, k),
       private.stripe_share(lp.sold_quantity, k), case when k = 0 then lp.revenue else 0 end
  from public.live_products lp cross join generate_series(0, 7) k;

-- A show's sales figures: what is folded into the show row plus what its counters still hold.
create function private.show_sales_totals(
  p_session_id uuid, out orders bigint, out units bigint, out revenue numeric
)
language sql stable security definer set search_path = ''
as $$
  select s.total_orders + coalesce(sum(c.show_orders), 0),
         s.total_units + coalesce(sum(c.show_units), 0),
         s.total_revenue + coalesce(sum(c.show_revenue), 0)
    from public.live_stream_sessions s
    left join public.live_products lp on lp.session_id = s.id
    left join private.live_sales c on c.live_product_id = lp.id
   where s.id = p_session_id
   group by s.id
$$;

-- Move a show's unfolded figures into the show row and its host's total (lock order: counters,
-- host, show; callers hold the counters already when buyers may be in flight).
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
  with pending as (
    select c.live_product_id, c.stripe, c.show_orders, c.show_units, c.show_revenue
      from private.live_sales c join public.live_products lp on lp.id = c.live_product_id
     where lp.session_id = p_session_id
       and (c.show_orders, c.show_units, c.show_revenue) <> (0, 0, 0)
     order by c.live_product_id, c.stripe for no key update of c
  ), moved as (
    update private.live_sales c set show_orders = 0, show_units = 0, show_revenue = 0
      from pending p where c.live_product_id = p.live_product_id and c.stripe = p.stripe
    returning p.show_orders, p.show_units, p.show_revenue
  )
  select sum(m.show_orders), sum(m.show_units), sum(m.show_revenue)
    into v_orders, v_units, v_revenue from moved m;
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

-- Undo an order's effect (failed payment, refund). Its live products' counters first (units
-- and revenue back: while the show is on, the units are on sale again), then hosts and shows,
-- wholesale products (direct lines, and live lines of shows that are over), the published
-- figures, the folds of shows that are over, earnings, goals.
create or replace function private.release_order(p_order_id uuid) returns void
language plpgsql set search_path = ''
as $$
declare
  r record;
  v_lines public.order_items[] :=
    array(select oi from public.order_items oi where oi.order_id = p_order_id);
begin
  perform 1 from public.live_products lp
    where lp.id in (select l.live_product_id from unnest(v_lines) l) order by lp.id
      for no key update;
  for r in
    select l.live_product_id as id, sum(l.quantity)::integer as q, sum(l.line_total) as revenue,
           -- the order counted once per show, on its first item of that show
           bool_or(l.live_product_id = (select min(l2.live_product_id::text)::uuid
                                          from unnest(v_lines) l2
                                         where l2.session_id = l.session_id)) as counted
      from unnest(v_lines) l
     where l.live_product_id is not null
     group by l.live_product_id order by l.live_product_id
  loop
    -- All the item's stripes; the units and revenue come back from them in stripe order.
    perform 1 from private.live_sales c where c.live_product_id = r.id
     order by c.stripe for no key update;
    with taken as (
      select c.stripe,
             coalesce(sum(c.sold) over earlier, 0) as sold_before,
             coalesce(sum(c.revenue) over earlier, 0) as revenue_before
        from private.live_sales c where c.live_product_id = r.id
      window earlier as (order by c.stripe rows between unbounded preceding and 1 preceding)
    )
    update private.live_sales c
       set sold = c.sold - least(c.sold, greatest(r.q - t.sold_before, 0)),
           revenue = c.revenue - least(c.revenue, greatest(r.revenue - t.revenue_before, 0)),
           show_orders = c.show_orders - case when c.stripe = 0 and r.counted then 1 else 0 end,
           show_units = c.show_units - case when c.stripe = 0 then r.q else 0 end,
           show_revenue = c.show_revenue - case when c.stripe = 0 then r.revenue else 0 end
      from taken t where c.live_product_id = r.id and c.stripe = t.stripe;
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
  for r in
    select s.id, s.status from public.live_stream_sessions s
     where s.id in (select l.session_id from unnest(v_lines) l) order by s.id
  loop
    perform private.publish_sales(r.id);
    if r.status <> 'live' then
      perform private.fold_show_sales(r.id);
    end if;
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

-- end_show: the lineup's rows and counters first (sales in flight finish, see
-- close_show_sales), then the lock order of the schema.
create or replace function public.end_show(p_session_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_show public.live_stream_sessions;
begin
  v_show := private.owned_show(p_session_id, true, 'end it');
  perform 1 from public.live_products lp
    where lp.session_id = p_session_id order by lp.id for no key update;
  perform 1 from private.live_sales c join public.live_products lp on lp.id = c.live_product_id
    where lp.session_id = p_session_id order by c.live_product_id, c.stripe
      for no key update of c;
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

-- The control room's poll: it also publishes the show's counters into its live products, so
-- the sold counts every client reads (rows, realtime) follow the sales while the show runs.
-- SECURITY DEFINER to publish; it checks the host itself.
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
  perform private.require_host(v_show.influencer_id, true, 'see its live stats');
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
